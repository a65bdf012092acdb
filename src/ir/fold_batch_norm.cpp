// Batch-norm folding pass: conv2d -> batch_norm pairs become conv2d with bias, numerically when the
// weights are there.
#include "hwnas/ir/fold_batch_norm.h"

#include <algorithm>
#include <cmath>

namespace hwnas::ir {
namespace {

bool has_data(const Param& p) { return static_cast<int64_t>(p.data.size()) == p.shape.numel(); }

// The folded conv's weight and bias, or empty vectors when either node lacks data.
void fold_params(const Node& conv, const Node& bn, std::vector<float>& weight, std::vector<float>& bias) {
  const auto& conv_attrs = conv.attr<Conv2dAttrs>();
  for (const Param& p : conv.params)
    if (!has_data(p)) return;
  for (const Param& p : bn.params)
    if (!has_data(p)) return;
  const std::vector<float>& w = conv.params[0].data;
  const std::vector<float>& scale = bn.params[0].data;
  const std::vector<float>& shift = bn.params[1].data;
  const std::vector<float>& mean = bn.params[2].data;
  const std::vector<float>& var = bn.params[3].data;
  double epsilon = bn.attr<BatchNormAttrs>().epsilon;
  auto channels = static_cast<size_t>(conv_attrs.out_channels);
  size_t per_channel = w.size() / channels;
  weight.resize(w.size());
  bias.resize(channels);
  for (size_t o = 0; o < channels; ++o) {
    double s = scale[o] / std::sqrt(static_cast<double>(var[o]) + epsilon);
    for (size_t i = 0; i < per_channel; ++i)
      weight[o * per_channel + i] = static_cast<float>(w[o * per_channel + i] * s);
    double b = conv_attrs.bias ? conv.params[1].data[o] : 0.0;
    bias[o] = static_cast<float>((b - mean[o]) * s + shift[o]);
  }
}

}  // namespace

Graph fold_batch_norm(const Graph& graph) {
  const auto consumers = graph.consumers();
  const std::vector<NodeId> outputs = graph.outputs();
  auto is_output = [&](NodeId id) { return std::find(outputs.begin(), outputs.end(), id) != outputs.end(); };
  // batch_norm_of[conv] = the batch norm folded into it.
  std::vector<NodeId> batch_norm_of(graph.size(), kNoNode);
  std::vector<bool> folded_away(graph.size(), false);
  for (const Node& n : graph.nodes()) {
    if (n.kind != OpKind::BatchNorm || n.inputs.size() != 1) continue;
    NodeId source = n.inputs[0];
    const Node& conv = graph.node(source);
    if (conv.kind != OpKind::Conv2d || is_output(source)) continue;
    if (consumers[static_cast<size_t>(source)] != std::vector<NodeId>{n.id}) continue;
    if (conv.shape.rank() < 2 || n.params.size() != 4 || n.params[0].shape.numel() != conv.shape[1]) continue;
    batch_norm_of[static_cast<size_t>(source)] = n.id;
    folded_away[static_cast<size_t>(n.id)] = true;
  }

  Graph out(graph.name());
  std::vector<NodeId> new_id(graph.size(), kNoNode);
  for (const Node& n : graph.nodes()) {
    auto index = static_cast<size_t>(n.id);
    if (folded_away[index]) {  // readers of the batch norm read the folded conv
      new_id[index] = new_id[static_cast<size_t>(n.inputs[0])];
      continue;
    }
    std::vector<NodeId> inputs;
    for (NodeId in : n.inputs) inputs.push_back(new_id[static_cast<size_t>(in)]);
    NodeId bn = batch_norm_of[index];
    Attrs attrs = n.attrs;
    if (bn != kNoNode) std::get<Conv2dAttrs>(attrs).bias = true;
    auto id = out.add(n.kind, attrs, std::move(inputs), n.name);
    if (!id) return graph;  // cannot happen: the structure is the input's, which was valid
    new_id[index] = *id;
    out.set_precision(*id, n.precision);
    if (bn == kNoNode) {
      for (size_t k = 0; k < n.params.size(); ++k) out.param(*id, k).data = n.params[k].data;
      continue;
    }
    std::vector<float> weight, bias;
    fold_params(n, graph.node(bn), weight, bias);
    out.param(*id, 0).data = std::move(weight);
    out.param(*id, 1).data = std::move(bias);
  }
  std::vector<NodeId> new_outputs;
  for (NodeId id : outputs) new_outputs.push_back(new_id[static_cast<size_t>(id)]);
  if (!new_outputs.empty() && !out.set_outputs(std::move(new_outputs)).ok()) return graph;
  return out;
}

}  // namespace hwnas::ir
