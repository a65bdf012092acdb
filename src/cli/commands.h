// The hwnas commands: each adds itself to the CLI11 app through one register_<command> call.
//
// main.cpp has one line per command. A command parses into its own options, runs a function
// of its arguments and of `Streams` (testable without a process), writes its report to
// streams.out and its errors as "hwnas: error: <message>" to streams.err, and leaves its
// callback through finish(exit_code). run_app turns that, usage errors and any escaped
// exception into the exit status: 0 success, 1 failure, 2 usage error.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

namespace hwnas::cli {

enum ExitCode : int { kExitSuccess = 0, kExitFailure = 1, kExitUsage = 2 };

// Where a command writes: the report and the errors.
struct Streams {
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
};

void register_analyze(CLI::App& app, Streams streams = {});
void register_zoo(CLI::App& app, Streams streams = {});
void register_search(CLI::App& app, Streams streams = {});  // `search` and `trials`
void register_targets(CLI::App& app, Streams streams = {});
void register_measure(CLI::App& app, Streams streams = {});
void register_estimator(CLI::App& app, Streams streams = {});  // `estimator build|fit|eval` and `estimate`
void register_expert(CLI::App& app, Streams streams = {});  // `expert patterns|explain|optimize|apply|mine|replay`
void register_train(CLI::App& app, Streams streams = {});     // needs libtorch; says so without it
void register_evaluate(CLI::App& app, Streams streams = {});  // needs libtorch; says so without it
void register_quantize(CLI::App& app, Streams streams = {});  // needs libtorch; says so without it
void register_compress(CLI::App& app, Streams streams = {});  // pruning and clustering (needs libtorch)
void register_score(CLI::App& app, Streams streams = {});      // zero-shot proxies (needs libtorch)
void register_space(CLI::App& app, Streams streams = {});      // list, show, decode and sample search spaces
void register_data(CLI::App& app, Streams streams = {});       // `data export composite --format coco|voc`
void register_report(CLI::App& app, Streams streams = {});     // `report` (an HTML file) and `dashboard` (served live)
void register_worker(CLI::App& app, Streams streams = {});     // `worker`: evaluates a trial-queue study's trials

// Prints "hwnas: error: <message>" on `err`; returns `code`.
int report_error(std::ostream& err, const std::string& message, int code = kExitFailure);

// Ends a command's callback with `code`: returns for 0, else throws CLI::RuntimeError(code),
// which run_app turns into the exit status.
void finish(int code);

// Parses `argv` and runs the chosen command; returns the exit status and never throws.
int run_app(CLI::App& app, int argc, const char* const* argv, Streams streams = {});

}  // namespace hwnas::cli
