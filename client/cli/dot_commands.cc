// The REPL's dot-commands (repl_state.h).
#include <string>
#include <vector>

#include "client/cli/repl_state.h"

namespace engram::cli {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

// The argument text: trimmed, without one pair of surrounding quotes ('x' or "x").
std::string Argument(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') &&
      text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

void Fail(ReplState& state, const std::string& message) {
  state.printer.Note("Error: " + message);
}

// .timer / .bail: "on" or "off" into `flag`.
void SetSwitch(ReplState& state, std::string_view command, const std::string& argument,
               bool& flag) {
  if (argument == "on") {
    flag = true;
  } else if (argument == "off") {
    flag = false;
  } else {
    Fail(state, "usage: " + std::string(command) + " on|off");
  }
}

void Open(ReplState& state, const std::string& path) {
  if (path.empty()) return Fail(state, "usage: .open PATH");
  if (state.db) AbortOpenTransaction(state.db->default_session(), state.printer, "the .open");
  // Close first: a database has one writer at a time, and the path may be the same one.
  state.db.reset();
  auto opened = Database::Open(path, state.db_options);
  if (opened.ok()) {
    state.db = std::move(*opened);
    state.db_path = path;
    state.printer.Note("Opened " + path + ".");
    return;
  }
  Fail(state, "cannot open '" + path + "': " + opened.status().ToString());
  auto previous = Database::Open(state.db_path, state.db_options);
  if (previous.ok()) {
    state.db = std::move(*previous);
    state.printer.Note("Still on " + state.db_path + ".");
  } else {
    Fail(state, "cannot reopen '" + state.db_path + "' either; use .open PATH");
  }
}

void Read(ReplState& state, const std::string& path) {
  if (path.empty()) return Fail(state, "usage: .read FILE");
  auto text = ReadScriptFile(path);
  if (!text.ok()) return Fail(state, text.status().ToString());
  RunInput(state, *text);
}

}  // namespace

bool RunInput(ReplState& state, std::string_view input) {
  if (!state.db) {
    Fail(state, "no database is open; use .open PATH");
    return false;
  }
  return RunStatements(state.db->default_session(), input, state.printer, state.run).ok();
}

void RunDotCommand(std::string_view line, ReplState& state) {
  line = Trim(line);
  std::size_t end = 0;
  while (end < line.size() && !IsSpace(line[end])) ++end;
  const std::string_view command = line.substr(0, end);
  const std::string argument = Argument(line.substr(end));
  if (command == ".help") {
    std::fputs(DotCommandHelp().c_str(), stdout);
    std::fflush(stdout);
  } else if (command == ".quit" || command == ".exit") {
    state.quit = true;
  } else if (command == ".open") {
    Open(state, argument);
  } else if (command == ".read") {
    Read(state, argument);
  } else if (command == ".mode") {
    if (argument.empty()) {
      std::printf("%s\n", std::string(OutputModeName(state.printer.mode())).c_str());
      std::fflush(stdout);
    } else if (auto mode = ParseOutputMode(argument)) {
      state.printer.set_mode(*mode);
    } else {
      Fail(state, "unknown mode '" + argument + "'; use .mode box|table|json");
    }
  } else if (command == ".timer") {
    SetSwitch(state, command, argument, state.run.timer);
  } else if (command == ".bail") {
    SetSwitch(state, command, argument, state.run.bail);
  } else {
    Fail(state, "unknown command '" + std::string(command) + "'; enter .help for the list");
  }
}

std::string DotCommandHelp() {
  return "Statements end with ';' and may span lines (docs/query-language.md).\n"
         "Dot-commands, at the start of an input:\n"
         "  .help                 this text\n"
         "  .open PATH            close this database and open (or create) PATH\n"
         "  .read FILE            run the statements of FILE\n"
         "  .mode box|table|json  how results print (json: one JSON object per statement)\n"
         "  .timer on|off         print the run time of each statement\n"
         "  .bail on|off          stop an input at its first failed statement\n"
         "  .quit, .exit          leave (so does Ctrl-D)\n"
         "Ctrl-C cancels a running GENERATE; at the prompt it clears the input.\n";
}

}  // namespace engram::cli
