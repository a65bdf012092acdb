// Builder: scoped names and first-error bookkeeping over Graph::add.
#include "hwnas/ir/builder.h"

namespace hwnas::ir {

Builder::Scope::Scope(Builder& b, const std::string& name) : builder_(b), previous_size_(b.prefix_.size()) {
  b.prefix_ += name + ".";
}

Builder::Scope::~Scope() { builder_.prefix_.resize(previous_size_); }

NodeId Builder::op(OpKind kind, Attrs attrs, std::vector<NodeId> inputs, const std::string& name) {
  if (error_) return kNoNode;
  for (NodeId x : inputs)
    if (x == kNoNode) {
      error_ = Error{"internal: builder input is missing for '" + prefix_ + name + "'"};
      return kNoNode;
    }
  std::string full = name.empty() ? "" : prefix_ + name;
  if (name.empty() && !prefix_.empty())
    full = prefix_ + std::string(op_name(kind)) + "_" + std::to_string(graph_.size());
  auto id = graph_.add(kind, std::move(attrs), std::move(inputs), full);
  if (!id) {
    error_ = id.error();
    return kNoNode;
  }
  return *id;
}

NodeId Builder::input(Shape shape, const std::string& name) {
  return op(OpKind::Input, InputAttrs{std::move(shape)}, {}, name);
}

NodeId Builder::conv(NodeId x, const Conv2dAttrs& attrs, const std::string& name) {
  return op(OpKind::Conv2d, attrs, {x}, name);
}

NodeId Builder::batch_norm(NodeId x, const std::string& name) {
  return op(OpKind::BatchNorm, BatchNormAttrs{}, {x}, name);
}

NodeId Builder::act(NodeId x, OpKind kind, const std::string& name) {
  if (!error_ && !is_activation(kind)) {
    error_ = Error{"internal: '" + std::string(op_name(kind)) + "' is not an activation"};
    return kNoNode;
  }
  return op(kind, default_attrs(kind), {x}, name);
}

NodeId Builder::conv_bn_act(NodeId x, int64_t out_channels, int64_t kernel, int64_t stride,
                            OpKind activation, int64_t groups, const std::string& name) {
  NodeId y = conv(x, Conv2dAttrs::make(out_channels, kernel, stride, groups), name);
  y = batch_norm(y, name + "_bn");
  if (activation != OpKind::Input) y = act(y, activation, name + "_" + std::string(op_name(activation)));
  return y;
}

NodeId Builder::linear(NodeId x, int64_t out_features, bool bias, const std::string& name) {
  return op(OpKind::Linear, LinearAttrs{out_features, bias}, {x}, name);
}

NodeId Builder::add(NodeId a, NodeId b, const std::string& name) { return op(OpKind::Add, NoAttrs{}, {a, b}, name); }

NodeId Builder::mul(NodeId a, NodeId b, const std::string& name) { return op(OpKind::Mul, NoAttrs{}, {a, b}, name); }

NodeId Builder::concat(std::vector<NodeId> xs, int64_t axis, const std::string& name) {
  return op(OpKind::Concat, ConcatAttrs{axis}, std::move(xs), name);
}

NodeId Builder::global_avg_pool(NodeId x, const std::string& name) {
  return op(OpKind::GlobalAvgPool, NoAttrs{}, {x}, name);
}

NodeId Builder::flatten(NodeId x, const std::string& name) {
  return op(OpKind::Flatten, FlattenAttrs{1}, {x}, name);
}

}  // namespace hwnas::ir
