// Structured channel pruning: find the widths no skip connection reads, rank their channels (L1 or batch-norm scale), rebuild the graph without the weakest.
#include "hwnas/sparsity/channel_pruning.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace hwnas::sparsity {
namespace {

using ir::NodeId;
using ir::OpKind;

// A prunable width: the producer's output channels, carried by `carriers` to the `reducer`.
struct Width {
  NodeId producer = ir::kNoNode;
  std::vector<NodeId> carriers;  // batch norms, activations, a depthwise conv, pooling, flatten
  NodeId reducer = ir::kNoNode;  // conv2d (groups 1) or linear reading the width
  NodeId batch_norm = ir::kNoNode;  // the first batch norm after the producer
};

bool plain_conv(const ir::Node& n) { return n.kind == OpKind::Conv2d && n.attr<ir::Conv2dAttrs>().groups == 1; }

std::optional<Width> width_from(const ir::Graph& g, const std::vector<std::vector<NodeId>>& consumers,
                                const std::vector<bool>& is_output, NodeId producer) {
  Width w;
  w.producer = producer;
  const int64_t channels = g.node(producer).shape[1];
  bool depthwise_seen = false, pooled = false;
  for (NodeId t = producer;;) {
    if (is_output[static_cast<size_t>(t)] || consumers[static_cast<size_t>(t)].size() != 1) return std::nullopt;
    const ir::Node& u = g.node(consumers[static_cast<size_t>(t)].front());
    if (u.inputs.size() != 1) return std::nullopt;  // an add, mul or concat reads other tensors too
    const ir::Shape& in = g.node(t).shape;
    if (u.kind == OpKind::BatchNorm && !pooled) {
      if (w.batch_norm == ir::kNoNode) w.batch_norm = u.id;
    } else if (ir::is_activation(u.kind)) {
    } else if (u.kind == OpKind::Conv2d && !pooled) {
      const auto& a = u.attr<ir::Conv2dAttrs>();
      if (a.groups == 1) {
        w.reducer = u.id;
        return w;
      }
      if (depthwise_seen || a.groups != channels || a.out_channels != channels) return std::nullopt;
      depthwise_seen = true;
    } else if (u.kind == OpKind::GlobalAvgPool || u.kind == OpKind::GlobalMaxPool) {
      pooled = true;
    } else if (u.kind == OpKind::Flatten) {
      if (in.rank() != 4 || in.h() != 1 || in.w() != 1 || u.attr<ir::FlattenAttrs>().axis != 1) return std::nullopt;
    } else if (u.kind == OpKind::Linear && in.rank() == 2) {
      w.reducer = u.id;
      return w;
    } else {
      return std::nullopt;
    }
    w.carriers.push_back(u.id);
    t = u.id;
  }
}

// Rows `keep` of a [rows, ...] tensor stored row-major with `row` elements per row.
std::vector<float> select_rows(const std::vector<float>& data, int64_t row, const std::vector<int64_t>& keep) {
  std::vector<float> out;
  out.reserve(keep.size() * static_cast<size_t>(row));
  for (int64_t r : keep)
    out.insert(out.end(), data.begin() + r * row, data.begin() + (r + 1) * row);
  return out;
}

// Along dim 1 of a [d0, d1, inner] tensor: slices `keep` of d1.
std::vector<float> select_dim1(const std::vector<float>& data, int64_t d0, int64_t d1, int64_t inner, const std::vector<int64_t>& keep) {
  std::vector<float> out;
  out.reserve(static_cast<size_t>(d0 * inner) * keep.size());
  for (int64_t i = 0; i < d0; ++i)
    for (int64_t c : keep) {
      const auto from = data.begin() + (i * d1 + c) * inner;
      out.insert(out.end(), from, from + inner);
    }
  return out;
}

int64_t kept_count(int64_t channels, double ratio, int64_t multiple) {
  const auto target = static_cast<double>(channels) * (1.0 - ratio);
  const int64_t p = std::max<int64_t>(1, multiple);
  const int64_t rounded = std::max<int64_t>(p, static_cast<int64_t>(std::llround(target / static_cast<double>(p))) * p);
  return std::min(channels, rounded);
}

}  // namespace

const char* criterion_name(PruneCriterion criterion) { return criterion == PruneCriterion::L1 ? "l1" : "bn_scale"; }

Result<PruneCriterion> criterion_from_name(const std::string& name) {
  if (name == "l1") return PruneCriterion::L1;
  if (name == "bn_scale") return PruneCriterion::BatchNormScale;
  return Error{"unknown pruning criterion '" + name + "' (l1 or bn_scale)"};
}

Result<PrunedNetwork> prune_channels(const ir::Graph& graph, const PruneOptions& options) {
  if (!(options.ratio >= 0.0 && options.ratio < 1.0))
    return Error{"channel pruning: ratio " + std::to_string(options.ratio) + " is outside [0, 1)"};
  if (!graph.has_weights()) return Error{"channel pruning: graph '" + graph.name() + "' has no weights (train it first)"};
  const size_t n = graph.size();
  const auto consumers = graph.consumers();
  std::vector<bool> is_output(n, false);
  for (NodeId o : graph.outputs()) is_output[static_cast<size_t>(o)] = true;

  // Per node: the output channels it keeps, and (for a reducer) the input channels it reads.
  std::vector<std::optional<std::vector<int64_t>>> keep_out(n), keep_in(n);
  PrunedNetwork result;
  for (const ir::Node& node : graph.nodes()) {
    if (!plain_conv(node) || keep_out[static_cast<size_t>(node.id)]) continue;
    auto width = width_from(graph, consumers, is_output, node.id);
    if (!width) continue;
    const int64_t channels = node.shape[1];
    std::vector<double> score(static_cast<size_t>(channels), 0.0);
    if (options.criterion == PruneCriterion::L1) {
      const std::vector<float>& w = node.params[0].data;
      const int64_t row = static_cast<int64_t>(w.size()) / channels;
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < row; ++i) score[static_cast<size_t>(c)] += std::fabs(w[static_cast<size_t>(c * row + i)]);
    } else {
      if (width->batch_norm == ir::kNoNode)
        return Error{"channel pruning: bn_scale: " + node.describe() + " has no batch norm after it to rank its channels by (use l1)"};
      const std::vector<float>& scale = graph.node(width->batch_norm).params[0].data;
      for (int64_t c = 0; c < channels; ++c) score[static_cast<size_t>(c)] = std::fabs(scale[static_cast<size_t>(c)]);
    }
    const int64_t kept = kept_count(channels, options.ratio, options.channel_multiple);
    result.widths.push_back({node.name, channels, kept});
    if (kept >= channels) continue;
    std::vector<int64_t> order(static_cast<size_t>(channels));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[static_cast<size_t>(a)] > score[static_cast<size_t>(b)]; });
    order.resize(static_cast<size_t>(kept));
    std::sort(order.begin(), order.end());
    keep_out[static_cast<size_t>(node.id)] = order;
    for (NodeId c : width->carriers) keep_out[static_cast<size_t>(c)] = order;
    keep_in[static_cast<size_t>(width->reducer)] = order;
  }

  ir::Graph out(graph.name());
  std::vector<NodeId> new_id(n, ir::kNoNode);
  for (const ir::Node& node : graph.nodes()) {
    const auto i = static_cast<size_t>(node.id);
    std::vector<NodeId> inputs;
    for (NodeId in : node.inputs) inputs.push_back(new_id[static_cast<size_t>(in)]);
    ir::Attrs attrs = node.attrs;
    const auto& keep = keep_out[i];
    if (keep && node.kind == OpKind::Conv2d) {
      auto& a = std::get<ir::Conv2dAttrs>(attrs);
      if (a.groups > 1) a.groups = static_cast<int64_t>(keep->size());
      a.out_channels = static_cast<int64_t>(keep->size());
    }
    auto id = out.add(node.kind, attrs, std::move(inputs), node.name);
    if (!id) return id.error().within("channel pruning: rebuilding " + node.describe());
    new_id[i] = *id;
    out.set_precision(*id, node.precision);
    for (size_t k = 0; k < node.params.size(); ++k) {
      const ir::Param& p = node.params[k];
      std::vector<float> data = p.data;
      if (keep) {  // every param of a carrier or producer starts with its output channels
        const int64_t rows = p.shape[0];
        data = select_rows(data, static_cast<int64_t>(data.size()) / rows, *keep);
      }
      if (keep_in[i] && k == 0) {  // the reducer's weight: [out, in, ...]
        const ir::Shape& s = out.node(*id).params[0].shape;
        const int64_t d0 = s[0], inner = static_cast<int64_t>(data.size()) / (d0 * p.shape[1]);
        data = select_dim1(data, d0, p.shape[1], inner, *keep_in[i]);
      }
      out.param(*id, k).data = std::move(data);
    }
  }
  std::vector<NodeId> outputs;
  for (NodeId o : graph.outputs()) outputs.push_back(new_id[static_cast<size_t>(o)]);
  if (Status s = out.set_outputs(outputs); !s) return s.error();
  result.graph = std::move(out);
  return result;
}

}  // namespace hwnas::sparsity
