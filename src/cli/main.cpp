// hwnas command line: parses arguments and dispatches to the commands.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"hwnas: accelerator-aware neural-architecture search"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
