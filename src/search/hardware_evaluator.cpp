// HardwareEvaluator: latency and energy from a hw::Target, params and peak memory from the analyses.
#include <cmath>

#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/peak_memory.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/search/evaluator.h"

namespace hwnas::search {

Metrics analysis_metrics(const ir::Graph& graph, ir::Precision precision) {
  const analysis::CostSummary cost = analysis::analyze_cost(graph);
  const int64_t weights = analysis::weight_bytes(graph, precision);
  // The graph's own order: decode builds blocks in a memory-friendly order, and the exact
  // minimal-peak search (memory_schedule.h) is too slow to run on every candidate.
  const int64_t peak = analysis::peak_memory_in_graph_order(graph, precision).peak_bytes;
  Metrics m;
  m["params"] = static_cast<double>(cost.params);
  m["macs"] = static_cast<double>(cost.macs);
  m["weight_bytes"] = static_cast<double>(weights);
  m["peak_memory_bytes"] = static_cast<double>(peak);
  m["memory_bytes"] = static_cast<double>(weights + peak);
  return m;
}

HardwareEvaluator::HardwareEvaluator(std::unique_ptr<hw::Target> target, Options options)
    : target_(std::move(target)), options_(options) {
  // A simulated accelerator stores weights and activations at its own precision.
  if (auto* simulator = dynamic_cast<hw::SimulatorTarget*>(target_.get())) options_.precision = simulator->spec().precision;
}

std::string HardwareEvaluator::name() const { return "hardware:" + target_->name(); }

std::string HardwareEvaluator::version() const {
  return target_->kind() + ":" + target_->name() + " P=" + std::to_string(target_->channel_multiple()) +
         " precision=" + std::string(ir::precision_name(options_.precision));
}

Result<Metrics> HardwareEvaluator::evaluate(const EvaluationRequest& request) {
  auto graph = request.space.decode(request.arch);
  if (!graph) return graph.error();
  Metrics metrics = analysis_metrics(*graph, options_.precision);
  if (options_.measure_latency) {
    auto run = target_->measure_network(*graph);
    if (!run) return run.error().within(name());
    if (!std::isfinite(run->latency_us) || run->latency_us <= 0)
      return Error{name() + ": the target reported a latency that is not a positive number"};
    metrics["latency_us"] = run->latency_us;
    metrics["energy_uj"] = run->energy_uj;
  }
  return metrics;
}

}  // namespace hwnas::search
