// The table of metrics: units and default objective directions (search/metrics.h).
#include "hwnas/search/metrics.h"

#include <algorithm>

namespace hwnas::search {

namespace {
constexpr std::string_view kFraction = "fraction in [0, 1]";
}  // namespace

const std::vector<MetricInfo>& known_metrics() {
  static const std::vector<MetricInfo> table = {
      // quality: higher is better
      {"accuracy", Direction::Maximize, kFraction, "the task's evaluation metric (top1, miou or map50), on held-out data"},
      {"top1", Direction::Maximize, kFraction, "classification top-1 accuracy"},
      {"top5", Direction::Maximize, kFraction, "classification top-5 accuracy"},
      {"miou", Direction::Maximize, kFraction, "segmentation mean intersection over union"},
      {"map50", Direction::Maximize, kFraction, "detection mean average precision at IoU 0.5"},
      {"inherited_accuracy", Direction::Maximize, kFraction, "a subnet's accuracy with the supernet's weights"},
      {"naswot", Direction::Maximize, "score", "zero-shot proxy: log-determinant of the activation-code kernel"},
      {"synflow", Direction::Maximize, "score", "zero-shot proxy: log of the synaptic flow"},
      {"grad_norm", Direction::Maximize, "score", "zero-shot proxy: norm of the loss gradients"},
      {"snip", Direction::Maximize, "score", "zero-shot proxy: connection sensitivity"},
      {"zen", Direction::Maximize, "score", "zero-shot proxy: Zen-score"},
      // cost: lower is better
      {"latency_us", Direction::Minimize, "microseconds", "one inference on the target (measured, simulated or predicted)"},
      {"latency_std_us", Direction::Minimize, "microseconds", "the estimator's uncertainty of latency_us"},
      {"energy_uj", Direction::Minimize, "microjoules", "energy of one inference"},
      {"params", Direction::Minimize, "count", "parameters"},
      {"macs", Direction::Minimize, "count", "multiply-accumulates of one inference"},
      {"weight_bytes", Direction::Minimize, "bytes", "weights at the target's precision"},
      {"peak_memory_bytes", Direction::Minimize, "bytes", "peak live activations at the target's precision"},
      {"memory_bytes", Direction::Minimize, "bytes", "weight_bytes + peak_memory_bytes"},
      {"eval_loss", Direction::Minimize, "loss", "training evaluator: loss on the held-out data"},
      {"train_loss", Direction::Minimize, "loss", "training evaluator: loss of the last epoch"},
      {"train_seconds", Direction::Minimize, "seconds", "training evaluator: wall time of the training"},
  };
  return table;
}

const MetricInfo* find_metric(std::string_view name) {
  const auto& table = known_metrics();
  auto it = std::find_if(table.begin(), table.end(), [&](const MetricInfo& m) { return m.name == name; });
  return it == table.end() ? nullptr : &*it;
}

Result<Direction> default_direction(std::string_view name) {
  if (const MetricInfo* m = find_metric(name)) return m->direction;
  return Error{"metric '" + std::string(name) +
               "' is not one of hwnas's own, so its direction is not known: write {metric: " + std::string(name) +
               ", direction: minimize} or direction: maximize"};
}

std::string_view direction_name(Direction direction) { return direction == Direction::Minimize ? "minimize" : "maximize"; }

bool is_fraction_metric(std::string_view name) {
  const MetricInfo* m = find_metric(name);
  return m && m->unit == kFraction;
}

}  // namespace hwnas::search
