// hwnas command line: builds the app from the registered commands and runs it.
#include "commands.h"
#include "torch_exec.h"

int main(int argc, char** argv) {
  hwnas::cli::set_command_line(argc, argv);
  CLI::App app{"hwnas: accelerator-aware neural-architecture search", "hwnas"};
  app.require_subcommand(1);
  hwnas::cli::register_analyze(app);
  hwnas::cli::register_zoo(app);
  hwnas::cli::register_search(app);
  hwnas::cli::register_targets(app);
  hwnas::cli::register_measure(app);
  hwnas::cli::register_estimator(app);
  hwnas::cli::register_expert(app);
  hwnas::cli::register_train(app);
  hwnas::cli::register_evaluate(app);
  hwnas::cli::register_quantize(app);
  hwnas::cli::register_compress(app);
  hwnas::cli::register_score(app);
  hwnas::cli::register_space(app);
  hwnas::cli::register_data(app);
  hwnas::cli::register_report(app);
  hwnas::cli::register_worker(app);
  return hwnas::cli::run_app(app, argc, argv);
}
