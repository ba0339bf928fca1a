// The dot-commands as data: one table holds each command's name, aliases,
// argument synopsis, summary, details and handler. Shell::RunDotCommand
// dispatches through it, `.help` prints it and completion.cc completes
// command names and their arguments from it, so the three cannot disagree.
// The handlers are Shell's (dot_commands.cc, dump_command.cc,
// import_command.cc, codec_commands.cc, ledger_commands.cc).
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ddb::shell {

class Shell;
struct DotCommand;

// One dot-command line as typed.
struct DotCall {
  const DotCommand& command;              // the command it names
  const std::string& line;                // the whole line, ".codec t c {...}"
  const std::vector<std::string>& words;  // its words; words[0] the name as typed
  bool* quit;                             // set to leave the shell
};

using DotHandler = Status (Shell::*)(const DotCall& call);

struct DotCommand {
  std::string_view name;     // "headers" (no dot)
  std::string_view aliases;  // other names that run it, blank-separated: "header"
  // The arguments as .help shows them and completion reads them: "on|off"
  // (lower-case alternatives are words to offer), "?TABLE?" (optional),
  // MODE, TABLE, PATTERN and FILE (completed as modes, tables, files).
  std::string_view args;
  std::string_view summary;  // one line
  std::string_view details;  // further lines for `.help NAME`, each ending in '\n'; may be empty
  DotHandler handler;

  // ".name ARGS", as .help prints it and usage errors quote it.
  std::string Usage() const;
  // The argument synopsis split at blanks: {"?--bom?", "?FILE?"}.
  std::vector<std::string> ArgWords() const;
  // True when `typed` is the name or one of the aliases.
  bool Named(std::string_view typed) const;
};

// Every dot-command, sorted by name.
std::span<const DotCommand> DotCommands();

// The command `typed` names exactly (name or alias); null if none.
const DotCommand* FindDotCommand(std::string_view typed);

// `.help ?-all? ?PATTERN?` (`words` as typed, words[0] "help"): one line per
// command, sorted by name, the summaries in one column; -all adds each
// command's details. With PATTERN, the commands whose name starts with it
// (a leading dot is ignored), else those whose text mentions it, with their
// details; none is an error.
Status PrintDotHelp(const std::vector<std::string>& words, std::FILE* out);

}  // namespace ddb::shell
