# The sqllogictest-style .test scripts (tests/sql/**/*.test, format in tests/sql/README.md) and
# their gtest runner: one gtest per script, each on a fresh database with a real co-process.
#
# The runner lists the scripts when it starts, so discovery runs at ctest time (PRE_TEST): a new
# .test file shows up in ctest without rebuilding the runner.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
engram_add_test(sql_logic_tests
  SOURCES
    sql/sql_logic_test.cc
    sql/sql_match.cc
    sql/sql_runner_self_test.cc
    sql/sql_script.cc
    sql/sql_script_runner.cc
    storage/test_store.cc
  LIBS engram_engine)
unset(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE)
target_compile_definitions(sql_logic_tests PRIVATE
  ENGRAM_SQL_TEST_DIR="${CMAKE_SOURCE_DIR}/tests/sql")
add_dependencies(sql_logic_tests engram-compute)
