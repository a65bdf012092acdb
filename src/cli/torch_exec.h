// The torch-free `hwnas`: it hands a command that needs libtorch to `hwnas-torch` by exec.
//
// Loading libtorch costs about half a second of start-up and a 170 MB process, which a search
// over a command evaluator or a simulator never needs. So `hwnas` is built without libtorch
// (HWNAS_CLI_TORCH_EXEC) and, where a command needs it (train, evaluate, score, a search with
// training, zero-shot or a supernet, the cpu and cuda targets, expert fine-tuning), replaces
// itself before printing anything by `hwnas-torch` with the same arguments: the same commands
// built with libtorch, installed beside it (or named by HWNAS_TORCH_BINARY).
#pragma once

#include <string>

#include "hwnas/ir/result.h"

namespace hwnas::cli {

// main() records its arguments for exec_with_torch.
void set_command_line(int argc, char** argv);

// Whether this binary hands libtorch work to hwnas-torch (the torch-free hwnas).
bool hands_torch_to_exec();

// Replaces this process by hwnas-torch with the recorded arguments; returns only when that is
// impossible, with the reason: `what` needs libtorch and this hwnas was built without it, or
// hwnas-torch cannot be started (its path and the system's error).
Error exec_with_torch(const std::string& what);

}  // namespace hwnas::cli
