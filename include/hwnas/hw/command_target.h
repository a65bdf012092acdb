// CommandTarget: a device hwnas cannot drive, measured by a user's command that times an ONNX file.
//
//   auto phone = hw::CommandTarget::create("./bench_on_phone.sh {onnx}");
//   auto run = (*phone)->measure_network(graph);   // exports graph.onnx, runs the command, reads
//                                                  // {"latency_ms": 3.2} from its stdout
//
// The command template is run by /bin/sh -c after substituting {onnx} (the exported model's
// path) and {name} (the graph's name), each as one single-quoted shell word: a file or graph
// name never injects shell syntax. Do not quote the placeholders yourself.
//
// The command prints one JSON object (the last line of stdout that is one; or all of stdout):
//   latency_ms | latency_us   required (exactly one), a number > 0
//   spread_ms  | spread_us    optional, >= 0: the spread of repeated runs (e.g. the IQR)
//   energy_mj  | energy_uj    optional, >= 0
//   notes                     optional string
// Other keys are ignored. A non-zero exit, a timeout, no JSON object, a missing latency, a
// value that is no number or is negative is an Error that quotes the tail of stderr.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "hwnas/hw/fusion.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

struct CommandReport {
  double latency_us = 0;
  double spread_us = 0;
  double energy_uj = 0;
  std::string notes;
};

// Parses what a command printed. `command` names it in errors.
Result<CommandReport> parse_command_output(std::string_view stdout_text, std::string_view command);

struct CommandOptions {
  double timeout_s = 600;  // per run of the command
  std::string name;        // shown as "command:<name>"; the template when empty
  FusionRules fusion;      // how measure_kernel's kernels are cut (conv + batch_norm + activation)
  int onnx_opset = 13;
};

class CommandTarget : public Target {
 public:
  // The template must contain {onnx}; the timeout must be positive.
  static Result<std::unique_ptr<CommandTarget>> create(std::string command_template,
                                                       CommandOptions options = {});

  std::string name() const override;
  std::string kind() const override { return "command"; }
  std::vector<Kernel> partition(const ir::Graph& graph) const override;
  // Exports the kernel's nodes as a standalone graph (ir::extract_subgraph) and times that.
  Result<KernelMeasurement> measure_kernel(const ir::Graph& graph, const Kernel& kernel) override;
  Result<NetworkMeasurement> measure_network(const ir::Graph& graph) override;

  const std::string& command_template() const { return template_; }

 private:
  CommandTarget(std::string command_template, CommandOptions options)
      : template_(std::move(command_template)), options_(std::move(options)) {}
  // Exports `graph` to a fresh temporary directory, runs the command on it and parses its report.
  Result<CommandReport> run_on(const ir::Graph& graph) const;

  std::string template_;
  CommandOptions options_;
};

}  // namespace hwnas::hw
