// ModelCost: the three figures the expert optimises and reports: latency on a target (measured
// or estimated), trainable parameters, and peak activation memory in graph order.
//
//   hw::SimulatorTarget npu(*hw::load_preset("ethos-u55-256"));
//   auto cost = expert::measure_cost(graph, expert::target_latency(npu));
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hwnas/estimator/estimator.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"

namespace hwnas::expert {

// A network's latency in microseconds, or an Error.
using LatencyFn = std::function<Result<double>(const ir::Graph&)>;

// The target's measure_network (the target must outlive the function).
LatencyFn target_latency(hw::Target& target);
// The estimator's prediction (the estimator must outlive the function).
LatencyFn estimator_latency(const estimator::Estimator& estimator);

struct ModelCost {
  double latency_us = 0;
  int64_t params = 0;
  int64_t peak_activation_bytes = 0;  // graph order, at the chosen precision
};

Result<ModelCost> measure_cost(const ir::Graph& graph, const LatencyFn& latency,
                               ir::Precision precision = ir::Precision::Int8);

// Upper limits; a missing one is no limit.
struct Budget {
  std::optional<double> latency_us;
  std::optional<int64_t> params;
  std::optional<int64_t> peak_activation_bytes;
  bool empty() const { return !latency_us && !params && !peak_activation_bytes; }
};

// Parses "latency=800us,params=2.5M,memory=600K" (latency in us or ms; params and memory take
// K, M, G suffixes, memory in bytes, KiB, MiB also accepted); an Error names the bad entry.
Result<Budget> parse_budget(const std::string& text);

// How far `cost` is over `budget`: the sum over the limits of max(0, value / limit - 1).
double budget_excess(const ModelCost& cost, const Budget& budget);

}  // namespace hwnas::expert
