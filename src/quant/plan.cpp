// The quantisation plan: each node's role, calibrated ranges (min-max or percentile), and the grid of every tensor.
#include "hwnas/quant/plan.h"

#include <algorithm>
#include <cmath>

namespace hwnas::quant {

const char* role_name(Role role) {
  switch (role) {
    case Role::Quantised: return "quantised";
    case Role::Fused: return "fused";
    case Role::KeepsGrid: return "keeps_grid";
  }
  return "quantised";
}

const char* calibration_name(Calibration c) { return c == Calibration::MinMax ? "minmax" : "percentile"; }

Result<Calibration> calibration_from_name(const std::string& name) {
  if (name == "minmax") return Calibration::MinMax;
  if (name == "percentile") return Calibration::Percentile;
  return Error{"unknown calibration '" + name + "' (one of: minmax, percentile)"};
}

Result<WeightGranularity> granularity_from_name(const std::string& name) {
  if (name == "per_channel") return WeightGranularity::PerChannel;
  if (name == "per_tensor") return WeightGranularity::PerTensor;
  return Error{"unknown weight granularity '" + name + "' (one of: per_channel, per_tensor)"};
}

namespace {

bool takes_fused_activation(ir::OpKind kind) {
  switch (kind) {
    case ir::OpKind::Conv2d:
    case ir::OpKind::ConvTranspose2d:
    case ir::OpKind::Linear:
    case ir::OpKind::Add:
    case ir::OpKind::Sub:
    case ir::OpKind::Mul:
    case ir::OpKind::BatchNorm:
      return true;
    default:
      return false;
  }
}

bool is_fusable_activation(ir::OpKind kind) {
  return kind == ir::OpKind::Relu || kind == ir::OpKind::Relu6 || kind == ir::OpKind::Clip;
}

bool keeps_grid(const ir::Node& node) {
  switch (node.kind) {
    case ir::OpKind::MaxPool:
    case ir::OpKind::GlobalMaxPool:
    case ir::OpKind::Flatten:
    case ir::OpKind::Reshape:
    case ir::OpKind::Transpose:
    case ir::OpKind::ChannelShuffle:
    case ir::OpKind::Slice:
      return true;
    case ir::OpKind::Resize:
      return node.attr<ir::ResizeAttrs>().mode == ir::ResizeMode::Nearest;
    case ir::OpKind::Pad:
      return node.attr<ir::PadAttrs>().value == 0.0;
    default:
      return false;
  }
}

}  // namespace

std::vector<Role> quantization_roles(const ir::Graph& graph) {
  std::vector<std::vector<ir::NodeId>> readers(graph.size());
  for (const ir::Node& node : graph.nodes())
    for (ir::NodeId input : node.inputs) readers[static_cast<size_t>(input)].push_back(node.id);
  std::vector<bool> is_output(graph.size(), false);
  for (ir::NodeId id : graph.outputs()) is_output[static_cast<size_t>(id)] = true;

  std::vector<Role> roles(graph.size(), Role::Quantised);
  for (const ir::Node& node : graph.nodes()) {
    const auto& r = readers[static_cast<size_t>(node.id)];
    if (takes_fused_activation(node.kind) && !is_output[static_cast<size_t>(node.id)] && r.size() == 1 &&
        is_fusable_activation(graph.node(r[0]).kind))
      roles[static_cast<size_t>(node.id)] = Role::Fused;
    else if (keeps_grid(node))
      roles[static_cast<size_t>(node.id)] = Role::KeepsGrid;
  }
  return roles;
}

RangeObserver::RangeObserver(const ir::Graph& graph, Options options)
    : roles_(quantization_roles(graph)), options_(options), ranges_(graph.size()) {}

void RangeObserver::observe(ir::NodeId id, std::span<const float> values) {
  if (values.empty()) return;
  Range& range = ranges_.at(static_cast<size_t>(id));
  double lo = 0, hi = 0;
  if (options_.method == Calibration::MinMax) {
    auto [mn, mx] = std::minmax_element(values.begin(), values.end());
    lo = *mn;
    hi = *mx;
    if (range.batches > 0) {
      lo = std::min(lo, range.min);
      hi = std::max(hi, range.max);
    }
    range = {lo, hi, range.batches + 1};
    return;
  }
  // Percentile: quantiles of an evenly strided sample, averaged over batches.
  constexpr size_t kMaxSample = size_t{1} << 20;
  const size_t stride = (values.size() + kMaxSample - 1) / kMaxSample;
  std::vector<float> sample;
  sample.reserve(values.size() / stride + 1);
  for (size_t i = 0; i < values.size(); i += stride) sample.push_back(values[i]);
  const double q = std::clamp(options_.percentile, 50.0, 100.0) / 100.0;
  auto quantile = [&](double share) {
    const auto k = static_cast<size_t>(std::llround(share * static_cast<double>(sample.size() - 1)));
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k), sample.end());
    return static_cast<double>(sample[k]);
  };
  hi = quantile(q);
  lo = quantile(1.0 - q);
  const auto n = static_cast<double>(range.batches);
  range = {(range.min * n + lo) / (n + 1), (range.max * n + hi) / (n + 1), range.batches + 1};
}

const std::optional<QuantParams>& QuantPlan::output_grid(ir::NodeId id) const {
  const ir::NodeId activation = fused_into.at(static_cast<size_t>(id));
  return grid.at(static_cast<size_t>(activation == ir::kNoNode ? id : activation));
}

int64_t QuantPlan::quantised_tensors() const {
  return static_cast<int64_t>(std::count(quantizes.begin(), quantizes.end(), true));
}

Result<QuantPlan> make_plan(const ir::Graph& graph, std::span<const Range> ranges, const PlanOptions& options) {
  if (ranges.size() != graph.size())
    return Error{"graph '" + graph.name() + "': " + std::to_string(ranges.size()) + " ranges for " +
                 std::to_string(graph.size()) + " nodes"};
  if (options.activations != ir::Precision::Int8 && options.activations != ir::Precision::Int16)
    return Error{"graph '" + graph.name() + "': activations can be quantised to int8 or int16, not " +
                 std::string(ir::precision_name(options.activations))};
  QuantPlan plan;
  plan.weights = options.weights;
  plan.roles = quantization_roles(graph);
  plan.grid.assign(graph.size(), std::nullopt);
  plan.quantizes.assign(graph.size(), false);
  plan.fused_into.assign(graph.size(), ir::kNoNode);
  for (const ir::Node& node : graph.nodes())
    for (ir::NodeId input : node.inputs)
      if (plan.roles[static_cast<size_t>(input)] == Role::Fused) plan.fused_into[static_cast<size_t>(input)] = node.id;
  for (const ir::Node& node : graph.nodes()) {
    const auto i = static_cast<size_t>(node.id);
    switch (plan.roles[i]) {
      case Role::Fused:
        break;
      case Role::KeepsGrid:
        plan.grid[i] = plan.grid[static_cast<size_t>(node.inputs.at(0))];
        break;
      case Role::Quantised: {
        const Range& r = ranges[i];
        if (r.batches == 0 || !std::isfinite(r.min) || !std::isfinite(r.max))
          return Error{"graph '" + graph.name() + "': " + node.describe() +
                       ": no calibrated range for its output (it was never observed, or saw non-finite values)"};
        // mixed precision: a layer's own integer precision, else the plan's
        plan.grid[i] = activation_params(r.min, r.max, ir::layer_precision(node.precision, options.activations));
        plan.quantizes[i] = true;
        break;
      }
    }
  }
  return plan;
}

}  // namespace hwnas::quant
