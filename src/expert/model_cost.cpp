// ModelCost: latency through a target or an estimator, parameters, peak memory; budgets.
#include "hwnas/expert/model_cost.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/peak_memory.h"

namespace hwnas::expert {
namespace {

// "2.5M" -> 2500000; suffixes K M G (powers of 1000) and KiB MiB GiB (powers of 1024).
Result<double> parse_amount(const std::string& key, std::string text) {
  double scale = 1;
  auto ends = [&](const std::string& suffix) {
    if (text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      text.resize(text.size() - suffix.size());
      return true;
    }
    return false;
  };
  if (key == "latency") {
    if (ends("ms")) scale = 1000;
    else if (ends("us")) scale = 1;
  } else if (ends("KiB")) scale = 1024;
  else if (ends("MiB")) scale = 1024.0 * 1024;
  else if (ends("GiB")) scale = 1024.0 * 1024 * 1024;
  else if (ends("K") || ends("k")) scale = 1e3;
  else if (ends("M")) scale = 1e6;
  else if (ends("G")) scale = 1e9;
  else if (ends("B")) scale = 1;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value > 0))
    return Error{"budget '" + key + "': '" + text + "' is not a positive number"};
  return value * scale;
}

}  // namespace

LatencyFn target_latency(hw::Target& target) {
  return [&target](const ir::Graph& graph) -> Result<double> {
    auto run = target.measure_network(graph);
    if (!run) return run.error();
    return run->latency_us;
  };
}

LatencyFn estimator_latency(const estimator::Estimator& estimator) {
  return [&estimator](const ir::Graph& graph) -> Result<double> { return estimator.predict(graph).latency_us; };
}

Result<ModelCost> measure_cost(const ir::Graph& graph, const LatencyFn& latency, ir::Precision precision) {
  auto latency_us = latency(graph);
  if (!latency_us) return latency_us.error();
  return ModelCost{*latency_us, analysis::analyze_cost(graph).params,
                   analysis::peak_memory_in_graph_order(graph, precision).peak_bytes};
}

Result<Budget> parse_budget(const std::string& text) {
  Budget budget;
  std::stringstream stream(text);
  std::string entry;
  while (std::getline(stream, entry, ',')) {
    if (entry.empty()) continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos) return Error{"budget entry '" + entry + "' is not key=value"};
    std::string key = entry.substr(0, eq);
    auto amount = parse_amount(key, entry.substr(eq + 1));
    if (!amount) return amount.error();
    if (key == "latency") budget.latency_us = *amount;
    else if (key == "params") budget.params = static_cast<int64_t>(*amount);
    else if (key == "memory") budget.peak_activation_bytes = static_cast<int64_t>(*amount);
    else return Error{"unknown budget '" + key + "' (latency, params, memory)"};
  }
  return budget;
}

double budget_excess(const ModelCost& cost, const Budget& budget) {
  double excess = 0;
  if (budget.latency_us) excess += std::max(0.0, cost.latency_us / *budget.latency_us - 1);
  if (budget.params) excess += std::max(0.0, static_cast<double>(cost.params) / static_cast<double>(*budget.params) - 1);
  if (budget.peak_activation_bytes)
    excess += std::max(0.0, static_cast<double>(cost.peak_activation_bytes) /
                                static_cast<double>(*budget.peak_activation_bytes) - 1);
  return excess;
}

}  // namespace hwnas::expert
