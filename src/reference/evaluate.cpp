// The reference evaluator: checks inputs and params, then runs every node's kernel in node order.
#include "hwnas/reference/evaluate.h"

#include <string>

#include "hwnas/ir/infer_shape.h"
#include "kernels.h"

namespace hwnas::reference {
namespace {

std::string bracket(const ir::Shape& s) { return "[" + s.to_string() + "]"; }

const ir::Param* optional_param(const ir::Node& node, size_t index) {
  return index < node.params.size() ? &node.params[index] : nullptr;
}

// Runs the kernel of `node` on inputs the caller has checked.
Tensor run_kernel(const ir::Node& node, const std::vector<const Tensor*>& in) {
  using ir::OpKind;
  switch (node.kind) {
    case OpKind::Input:
      return *in[0];  // evaluate_checked never gets here: inputs come from the caller
    case OpKind::Conv2d:
      return kernels::conv2d(*in[0], node.attr<ir::Conv2dAttrs>(), node.params[0], optional_param(node, 1),
                             node.shape);
    case OpKind::ConvTranspose2d:
      return kernels::conv_transpose2d(*in[0], node.attr<ir::ConvTranspose2dAttrs>(), node.params[0],
                                       optional_param(node, 1), node.shape);
    case OpKind::Linear:
      return kernels::linear(*in[0], node.params[0], optional_param(node, 1), node.shape);
    case OpKind::BatchNorm:
      return kernels::batch_norm(*in[0], node.attr<ir::BatchNormAttrs>(), node.params);
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Clip:
    case OpKind::HardSwish:
    case OpKind::HardSigmoid:
    case OpKind::Sigmoid:
    case OpKind::Swish:
    case OpKind::LeakyRelu:
      return kernels::activation(node.kind, node.attrs, *in[0]);
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Sub:
    case OpKind::Div:
      return kernels::elementwise_binary(node.kind, *in[0], *in[1], node.shape);
    case OpKind::Concat:
      return kernels::concat(in, node.attr<ir::ConcatAttrs>().axis, node.shape);
    case OpKind::MaxPool:
      return kernels::max_pool(*in[0], node.attr<ir::PoolAttrs>(), node.shape);
    case OpKind::AvgPool:
      return kernels::avg_pool(*in[0], node.attr<ir::PoolAttrs>(), node.shape);
    case OpKind::GlobalAvgPool:
      return kernels::global_avg_pool(*in[0]);
    case OpKind::GlobalMaxPool:
      return kernels::global_max_pool(*in[0]);
    case OpKind::Transpose:
      return kernels::transpose(*in[0], node.attr<ir::TransposeAttrs>().perm, node.shape);
    case OpKind::ChannelShuffle:
      return kernels::channel_shuffle(*in[0], node.attr<ir::ChannelShuffleAttrs>().groups);
    case OpKind::Slice:
      return kernels::slice(*in[0], node.attr<ir::SliceAttrs>(), node.shape);
    case OpKind::Resize:
      return kernels::resize(*in[0], node.attr<ir::ResizeAttrs>());
    case OpKind::Pad:
      return kernels::pad(*in[0], node.attr<ir::PadAttrs>(), node.shape);
    case OpKind::Flatten:
    case OpKind::Reshape:
      return kernels::reshape(*in[0], node.shape);
    case OpKind::Softmax:
      return kernels::softmax(*in[0], node.attr<ir::SoftmaxAttrs>().axis);
  }
  return Tensor{};
}

// Checks that the inputs and params are what the node was built for, then runs it. The node
// is re-inferred from the inputs' shapes, so a hand-made node that does not hold together is
// reported rather than read out of bounds.
Result<Tensor> evaluate_checked(const ir::Node& node, const std::vector<const Tensor*>& in) {
  if (node.kind == ir::OpKind::Input)
    return Error{node.describe() + ": an input node takes its value from the caller"};
  if (in.size() != node.inputs.size())
    return Error{node.describe() + ": expects " + std::to_string(node.inputs.size()) +
                 " input tensor(s), got " + std::to_string(in.size())};
  std::vector<ir::Shape> shapes;
  for (size_t i = 0; i < in.size(); ++i) {
    if (static_cast<int64_t>(in[i]->data.size()) != in[i]->shape.numel())
      return Error{node.describe() + ": input " + std::to_string(i) + " has " +
                   std::to_string(in[i]->data.size()) + " values for shape " + bracket(in[i]->shape)};
    shapes.push_back(in[i]->shape);
  }
  auto inferred = ir::infer_shape(node.kind, node.attrs, shapes);
  if (!inferred) return inferred.error().within(node.describe());
  if (!(*inferred == node.shape))
    return Error{node.describe() + ": inputs give output shape " + bracket(*inferred) + " but the node has " +
                 bracket(node.shape)};
  std::vector<ir::Param> expected = ir::make_params(node.kind, node.attrs, shapes);
  if (expected.size() != node.params.size())
    return Error{node.describe() + ": has " + std::to_string(node.params.size()) + " params, expected " +
                 std::to_string(expected.size())};
  for (size_t i = 0; i < expected.size(); ++i) {
    const ir::Param& p = node.params[i];
    if (!(p.shape == expected[i].shape))
      return Error{node.describe() + ": param '" + p.role + "' has shape " + bracket(p.shape) +
                   ", expected " + bracket(expected[i].shape)};
    if (static_cast<int64_t>(p.data.size()) != p.shape.numel())
      return Error{node.describe() + ": param '" + p.role + "' has " + std::to_string(p.data.size()) +
                   " values, expected " + std::to_string(p.shape.numel()) +
                   (p.data.empty() ? " (the graph has no weights; see fill_random_weights)" : "")};
  }
  return run_kernel(node, in);
}

}  // namespace

Result<Tensor> evaluate_node(const ir::Node& node, const std::vector<Tensor>& inputs) {
  std::vector<const Tensor*> in;
  for (const Tensor& t : inputs) in.push_back(&t);
  return evaluate_checked(node, in);
}

Result<std::vector<Tensor>> evaluate_all(const ir::Graph& graph, const std::vector<Tensor>& inputs) {
  const std::string where = "graph '" + graph.name() + "'";
  if (!graph.has_weights())
    return Error{where + ": has no weights (a param lacks data); load them or call fill_random_weights"};
  std::vector<ir::NodeId> input_ids = graph.inputs();
  if (inputs.size() != input_ids.size())
    return Error{where + ": expects " + std::to_string(input_ids.size()) + " input tensor(s), got " +
                 std::to_string(inputs.size())};

  std::vector<Tensor> values(graph.size());
  for (size_t i = 0; i < input_ids.size(); ++i) {
    const ir::Node& node = graph.node(input_ids[i]);
    const Tensor& given = inputs[i];
    if (!(given.shape == node.shape))
      return Error{where + ": input " + std::to_string(i) + ", " + node.describe() + ", expects shape " +
                   bracket(node.shape) + ", got " + bracket(given.shape)};
    if (static_cast<int64_t>(given.data.size()) != given.shape.numel())
      return Error{where + ": input " + std::to_string(i) + ", " + node.describe() + ", has " +
                   std::to_string(given.data.size()) + " values for shape " + bracket(given.shape)};
    values[static_cast<size_t>(node.id)] = given;
  }

  for (const ir::Node& node : graph.nodes()) {
    if (node.kind == ir::OpKind::Input) continue;
    std::vector<const Tensor*> in;
    for (ir::NodeId id : node.inputs) in.push_back(&values[static_cast<size_t>(id)]);
    auto out = evaluate_checked(node, in);
    if (!out) return out.error().within(where);
    values[static_cast<size_t>(node.id)] = std::move(out).value();
  }
  return values;
}

Result<std::vector<Tensor>> evaluate(const ir::Graph& graph, const std::vector<Tensor>& inputs) {
  auto all = evaluate_all(graph, inputs);
  if (!all) return all.error();
  std::vector<Tensor> outputs;
  for (ir::NodeId id : graph.outputs()) outputs.push_back(all->at(static_cast<size_t>(id)));
  return outputs;
}

}  // namespace hwnas::reference
