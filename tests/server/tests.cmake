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
  LIBS engram_remote)
add_dependencies(server_tests engramd engram-compute)
