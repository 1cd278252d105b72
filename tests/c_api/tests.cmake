# The C API (client/include/engram/engram.h): a C11 program embedding the engine, built against
# the static library (c_api_test) and against libengram.so (c_api_shared_test), and a gtest
# suite for its edge cases (c_api_edge_tests). All run GENERATE, so they need engram-compute.
#
# The project enables C (project(... LANGUAGES C CXX)), so no enable_language here. The C
# programs do not use engram_target_defaults: its warning set holds C++-only flags.

function(engram_add_c_api_test name library)
  add_executable(${name}
    ${CMAKE_CURRENT_LIST_DIR}/c_api_test.c
    ${CMAKE_CURRENT_LIST_DIR}/c99_header_check.c)
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wpedantic)
  if(ENGRAM_WERROR)
    target_compile_options(${name} PRIVATE -Werror)
  endif()
  target_compile_definitions(${name} PRIVATE ENGRAM_BIN_DIR="${CMAKE_RUNTIME_OUTPUT_DIRECTORY}")
  target_link_libraries(${name} PRIVATE ${library})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  add_dependencies(${name} engram-compute)
endfunction()

# The header must also be plain C99 (the test calls a function from this file).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/c99_header_check.c
  PROPERTIES COMPILE_OPTIONS "-std=c99")

engram_add_c_api_test(c_api_test engram_c)
# engram_c is C++ inside: link with the C++ driver so that libstdc++ comes along.
set_target_properties(c_api_test PROPERTIES LINKER_LANGUAGE CXX)

if(TARGET engram_shared)
  # libengram.so brings its own libstdc++ dependency: a plain C link.
  engram_add_c_api_test(c_api_shared_test engram_shared)
endif()

engram_add_test(c_api_edge_tests
  SOURCES c_api/c_api_edge_test.cc storage/test_store.cc
  LIBS engram_c)
add_dependencies(c_api_edge_tests engram-compute)
