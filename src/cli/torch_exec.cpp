// exec_with_torch: the torch-free hwnas replaces itself by hwnas-torch (torch_exec.h).
#include "torch_exec.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

namespace hwnas::cli {
namespace {

std::vector<char*>& recorded_arguments() {
  static std::vector<char*> arguments;
  return arguments;
}

}  // namespace

void set_command_line(int argc, char** argv) {
  recorded_arguments().assign(argv, argv + argc);
  recorded_arguments().push_back(nullptr);
}

#ifdef HWNAS_CLI_TORCH_EXEC
bool hands_torch_to_exec() { return true; }

Error exec_with_torch(const std::string& what) {
  namespace fs = std::filesystem;
  std::string binary;
  if (const char* named = std::getenv("HWNAS_TORCH_BINARY"); named && *named) {
    binary = named;
  } else {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return Error{what + " needs libtorch, and the path of this hwnas to find hwnas-torch beside it is unknown: " + ec.message()};
    binary = (self.parent_path() / "hwnas-torch").string();
  }
  std::vector<char*> arguments = recorded_arguments();
  if (arguments.empty()) return Error{what + " needs libtorch: hwnas-torch was not given the command line (set_command_line)"};
  // Anything not yet written stays unwritten: hwnas-torch runs the command from its start.
  arguments[0] = binary.data();
  execv(binary.c_str(), arguments.data());
  return Error{what + " needs libtorch, which this hwnas hands to " + binary + ", but it cannot be started: " +
               std::strerror(errno) + " (build it with the target hwnas-torch, or set HWNAS_TORCH_BINARY)"};
}
#else
bool hands_torch_to_exec() { return false; }

Error exec_with_torch(const std::string& what) {
  return Error{what + " needs libtorch: this hwnas was built without libtorch (HWNAS_WITH_TORCH; Debian's libtorch-dev)"};
}
#endif

}  // namespace hwnas::cli
