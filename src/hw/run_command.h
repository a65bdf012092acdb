// Running a shell command with a timeout, capturing stdout and stderr (private to hwnas_hw).
#pragma once

#include <string>

#include "hwnas/ir/result.h"

namespace hwnas::hw::detail {

struct CommandRun {
  int exit_status = 0;     // exit code when the command exited normally
  int signal = 0;          // the signal that ended it, else 0
  bool timed_out = false;  // killed (with its process group) after the timeout
  std::string out;         // stdout (at most the last max_output_bytes)
  std::string err;         // stderr (likewise)
};

// Runs `command` with /bin/sh -c in its own process group; after `timeout_s` seconds the group
// is killed. A command that is only words (plain or single-quoted, no shell syntax, not a shell
// builtin) is started directly, without the shell, with the same result. An Error only when the
// command could not be started at all.
Result<CommandRun> run_shell_command(const std::string& command, double timeout_s,
                                     size_t max_output_bytes = 1 << 20);

// `text` as one single-quoted shell word: a file name can never inject shell syntax.
std::string shell_quote(const std::string& text);

}  // namespace hwnas::hw::detail
