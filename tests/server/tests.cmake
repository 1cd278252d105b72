# The engramd tests (tests/server/): each starts real engramd processes on loopback (and the
# real co-process, engram-compute), talks to them over sockets and stops them with SIGTERM.
engram_add_test(server_tests
  SOURCES
    server/engramd_process.cc
    server/protocol_test.cc
    server/statements_test.cc
    server/auth_tenant_test.cc
    server/robustness_test.cc
    server/load_test.cc
    server/resp_codec_test.cc
  LIBS engram_remote engram_server)
add_dependencies(server_tests engramd engram-compute)

# The C API's remote mode (engram.h, options->server) against a live engramd.
engram_add_test(c_api_remote_tests
  SOURCES server/engramd_process.cc server/c_api_remote_test.cc
  LIBS engram_c engram_remote)
add_dependencies(c_api_remote_tests engramd engram-compute)

# The Python tests: the pure-Python client (any python3) and the stock Redis clients (redis-cli
# from redis-tools, redis-py from Debian's python3-redis, hence Debian's own interpreter).
find_program(ENGRAM_PYTHON3 python3 REQUIRED)
find_program(ENGRAM_SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT ENGRAM_SYSTEM_PYTHON3)
  set(ENGRAM_SYSTEM_PYTHON3 ${ENGRAM_PYTHON3})
endif()
set(ENGRAM_SERVER_TEST_ENV
  "ENGRAMD=${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/engramd"
  "PYTHONPATH=${CMAKE_SOURCE_DIR}/client/python")
add_test(NAME server_python_client
  COMMAND ${ENGRAM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/server/python_client_test.py -v)
add_test(NAME server_redis_clients
  COMMAND ${ENGRAM_SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/server/redis_clients_test.py -v)
set_tests_properties(server_python_client server_redis_clients PROPERTIES
  ENVIRONMENT "${ENGRAM_SERVER_TEST_ENV}" TIMEOUT 300)
