// Runs `hwnas ARGS...` in process over chosen commands, capturing exit status, stdout and stderr.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "commands.h"

namespace hwnas::cli::test_support {

struct RunResult {
  int status = -1;
  std::string out, err;
};

using RegisterCommand = void (*)(CLI::App&, Streams);

// `registers` are the commands of the app (e.g. {register_search}); args follow "hwnas".
inline RunResult run_in_process(const std::vector<RegisterCommand>& registers, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Streams streams{&out, &err};
  CLI::App app{"hwnas: accelerator-aware neural-architecture search", "hwnas"};
  app.require_subcommand(1);
  for (RegisterCommand add : registers) add(app, streams);
  std::vector<const char*> argv{"hwnas"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  RunResult result;
  result.status = run_app(app, static_cast<int>(argv.size()), argv.data(), streams);
  result.out = out.str();
  result.err = err.str();
  return result;
}

}  // namespace hwnas::cli::test_support
