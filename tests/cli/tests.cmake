# The engram CLI's statements, REPL and demo (runs build/bin/engram).
engram_add_test(cli_statement_tests
  SOURCES
    cli/statements_test.cc
    cli/engram_process.cc
    storage/test_store.cc
  LIBS engram_storage engram_json util)
add_dependencies(cli_statement_tests engram engram-compute)
