// `engram demo [--db PATH] [--model PATH] [--compute ADDR]`: the guided tour (the README's first
// command). It creates a fresh database (in a new temporary directory, removed at the end, or at
// --db PATH, which must not exist yet so that nothing is clobbered), then runs a scripted
// sequence of every statement that works today, printing for each a one-line explanation, the
// statement as typed at the REPL and its result (GENERATE text streams). One step fails on
// purpose (a syntax error with its caret).
//
// Exit status: 0 when every step behaved as scripted (an expected failure counts only when it
// fails with the expected code), 1 otherwise, 2 on a usage error.
#ifndef ENGRAM_CLIENT_CLI_DEMO_H_
#define ENGRAM_CLIENT_CLI_DEMO_H_

#include <string>
#include <vector>

namespace engram::cli {

int DemoCommand(const std::vector<std::string>& args);

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_DEMO_H_
