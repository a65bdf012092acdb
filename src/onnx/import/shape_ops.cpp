// ONNX import of shape and layout operators: Flatten, Reshape, Squeeze, Transpose, Concat, Split, Slice.
#include <algorithm>
#include <utility>

#include "hwnas/ir/infer_shape.h"
#include "importer.h"

namespace hwnas::onnx_io::detail {

Status Importer::convert_flatten(const onnx::NodeProto& node) {
  auto axis = attr_int(node, "axis", 1);
  if (!axis) return node_error(axis.error().message);
  return convert_unary(node, ir::OpKind::Flatten, ir::FlattenAttrs{*axis});
}

Status Importer::convert_reshape(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  std::vector<int64_t> target;
  if (opset_ < 5) {
    auto shape = attr_ints(node, "shape");
    if (!shape) return node_error(shape.error().message);
    if (!shape->has_value()) return node_error("attribute 'shape' is missing");
    target = **shape;
  } else {
    auto shape = constant_input(node, 1, "shape input");
    if (!shape) return shape.error();
    if ((*shape)->is_float || (*shape)->dims.size() != 1)
      return node_error("shape input must be a 1-D integer tensor");
    target = (*shape)->ints;
  }
  auto allowzero = attr_int(node, "allowzero", 0);
  if (!allowzero) return node_error(allowzero.error().message);
  const ir::Shape in = shape_of(*x);
  std::vector<int64_t> resolved;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && *allowzero) return node_error("allowzero=1 with a 0 in the shape is not supported");
    if (d < -1 || d > kMaxDim) return node_error("shape holds " + std::to_string(d) + ", which is invalid");
    if (d == 0 && i < in.rank()) d = in[i];
    if (d > 0) resolved.push_back(d);
  }
  if (auto n = checked_numel(resolved, kMaxTensorElements); !n)
    return node_error("shape " + n.error().message);
  auto out = ir::infer_shape(ir::OpKind::Reshape, ir::ReshapeAttrs{target}, {in});
  if (!out) return node_error(out.error().message);
  auto shuffled = fuse_channel_shuffle(node, *x, *out);
  if (!shuffled) return shuffled.error();
  if (*shuffled) return {};
  return convert_unary(node, ir::OpKind::Reshape, ir::ReshapeAttrs{target});
}

Result<bool> Importer::fuse_channel_shuffle(const onnx::NodeProto& node, int source, const ir::Shape& target) {
  // Reshape [N, C, H, W] -> [N, g, C/g, H, W], Transpose (0, 2, 1, 3, 4), Reshape back to [N, C, H, W].
  PlannedNode& transpose = plan_[static_cast<size_t>(source)];
  if (!transpose.alive || transpose.uses != 1 || transpose.kind != ir::OpKind::Transpose) return false;
  if (std::get<ir::TransposeAttrs>(transpose.attrs).perm != std::vector<int64_t>{0, 2, 1, 3, 4}) return false;
  PlannedNode& grouped = plan_[static_cast<size_t>(transpose.inputs[0])];
  if (!grouped.alive || grouped.uses != 1 || grouped.kind != ir::OpKind::Reshape) return false;
  const int input = grouped.inputs[0];
  const ir::Shape& x = shape_of(input);
  const ir::Shape& g = grouped.shape;
  if (x.rank() != 4 || !(target == x) || g.rank() != 5) return false;
  if (g[0] != x[0] || g[1] * g[2] != x[1] || g[3] != x[2] || g[4] != x[3]) return false;
  transpose.alive = false;
  grouped.alive = false;
  auto p = plan_node(ir::OpKind::ChannelShuffle, ir::ChannelShuffleAttrs{g[1]}, {input}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return true;
}

Status Importer::convert_squeeze(const onnx::NodeProto& node, bool unsqueeze) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  const int input = opset_ >= 13 ? 1 : -1;
  std::vector<int64_t> out;
  if (unsqueeze) {
    // The axes count in the output's rank, which is known only after reading how many there are.
    std::vector<int64_t> raw;
    if (input >= 0) {
      auto t = constant_input(node, 1, "axes");
      if (!t) return t.error();
      raw = (*t)->ints;
    } else {
      auto a = attr_ints(node, "axes");
      if (!a) return node_error(a.error().message);
      if (a->has_value()) raw = **a;
    }
    const auto rank = static_cast<int64_t>(in.rank() + raw.size());
    auto axes = axes_of(node, input, "axes", rank, true);
    if (!axes) return axes.error();
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if (std::binary_search(axes->begin(), axes->end(), d)) out.push_back(1);
      else out.push_back(in[next++]);
    }
  } else {
    auto axes = axes_of(node, input, "axes", static_cast<int64_t>(in.rank()), false);
    if (!axes) return axes.error();
    for (int64_t d = 0; d < static_cast<int64_t>(in.rank()); ++d) {
      const bool listed = std::binary_search(axes->begin(), axes->end(), d);
      const int64_t extent = in[static_cast<size_t>(d)];
      if (listed && extent != 1)
        return node_error("axis " + std::to_string(d) + " of [" + in.to_string() + "] has size " +
                          std::to_string(extent) + ", not 1, and cannot be squeezed");
      if (listed || (axes->empty() && extent == 1)) continue;
      out.push_back(extent);
    }
    if (out.empty()) return node_error("squeezing [" + in.to_string() + "] to a scalar is not supported");
  }
  if (out == in.dims) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  return convert_unary(node, ir::OpKind::Reshape, ir::ReshapeAttrs{out});
}

Status Importer::convert_transpose(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const auto rank = static_cast<int64_t>(shape_of(*x).rank());
  auto perm = attr_ints(node, "perm");
  if (!perm) return node_error(perm.error().message);
  std::vector<int64_t> order;
  if (perm->has_value()) {
    order = **perm;
  } else {
    for (int64_t d = rank - 1; d >= 0; --d) order.push_back(d);  // ONNX default: reverse the dims
  }
  bool identity = static_cast<int64_t>(order.size()) == rank;
  for (size_t d = 0; d < order.size() && identity; ++d) identity = order[d] == static_cast<int64_t>(d);
  if (identity) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  return convert_unary(node, ir::OpKind::Transpose, ir::TransposeAttrs{order});
}

Status Importer::convert_concat(const onnx::NodeProto& node) {
  std::vector<int> inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    auto x = tensor_input(node, i);
    if (!x) return x.error();
    inputs.push_back(*x);
  }
  if (inputs.empty()) return node_error("needs at least one input");
  if (!find_attribute(node, "axis")) return node_error("attribute 'axis' is missing");
  auto axis = attr_int(node, "axis", 1);
  if (!axis) return node_error(axis.error().message);
  auto p = plan_node(ir::OpKind::Concat, ir::ConcatAttrs{*axis}, std::move(inputs), node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_split(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  const auto rank = static_cast<int64_t>(in.rank());
  auto axis = attr_int(node, "axis", 0);
  if (!axis) return node_error(axis.error().message);
  if (*axis < -rank || *axis >= rank) return node_error("axis " + std::to_string(*axis) + " is out of range");
  if (*axis < 0) *axis += rank;
  const int64_t dim = in[static_cast<size_t>(*axis)];
  std::vector<int64_t> sizes;
  if (opset_ >= 13) {
    if (has_input(node, 1)) {
      auto t = constant_input(node, 1, "split");
      if (!t) return t.error();
      if ((*t)->is_float) return node_error("split must be integers");
      sizes = (*t)->ints;
    }
  } else {
    auto v = attr_ints(node, "split");
    if (!v) return node_error(v.error().message);
    if (v->has_value()) sizes = **v;
  }
  const int parts = node.output_size();
  if (parts < 1) return node_error("Split has no outputs");
  if (sizes.empty()) {
    if (dim % parts != 0)
      return node_error("axis " + std::to_string(*axis) + " of size " + std::to_string(dim) +
                        " does not split into " + std::to_string(parts) + " equal parts");
    sizes.assign(static_cast<size_t>(parts), dim / parts);
  }
  if (static_cast<int>(sizes.size()) != parts)
    return node_error("split lists " + std::to_string(sizes.size()) + " sizes for " + std::to_string(parts) +
                      " outputs");
  int64_t offset = 0;
  for (int i = 0; i < parts; ++i) {
    const int64_t size = sizes[static_cast<size_t>(i)];
    if (size < 1 || size > dim - offset)
      return node_error("split sizes [" + dims_to_string(sizes) + "] do not fit axis " + std::to_string(*axis) +
                        " of size " + std::to_string(dim));
    if (!output_name(node, i).empty()) {
      if (size == dim) {
        alias(output_name(node, i), Value{Value::Kind::Tensor, *x, nullptr, {}});
      } else {
        auto p = plan_node(ir::OpKind::Slice, ir::SliceAttrs{*axis, offset, offset + size}, {*x}, node);
        if (!p) return p.error();
        bind(output_name(node, i), *p);
      }
    }
    offset += size;
  }
  if (offset != dim)
    return node_error("split sizes [" + dims_to_string(sizes) + "] do not add up to axis " + std::to_string(*axis) +
                      " of size " + std::to_string(dim));
  return {};
}

Result<int> Importer::plan_slices(int source, const std::vector<ir::SliceAttrs>& slices,
                                  const onnx::NodeProto& node) {
  int current = source;
  for (const ir::SliceAttrs& slice : slices) {
    auto p = plan_node(ir::OpKind::Slice, slice, {current}, node);
    if (!p) return p.error();
    if (current != source) plan_[static_cast<size_t>(current)].uses = 1;
    current = *p;
  }
  return current;
}

Status Importer::convert_slice(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  const auto rank = static_cast<int64_t>(in.rank());
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    for (auto [name, into] : {std::pair{"starts", &starts}, std::pair{"ends", &ends}, std::pair{"axes", &axes}}) {
      auto v = attr_ints(node, name);
      if (!v) return node_error(v.error().message);
      if (v->has_value()) *into = **v;
    }
  } else {
    const char* names[] = {"starts", "ends", "axes", "steps"};
    std::vector<int64_t>* into[] = {&starts, &ends, &axes, &steps};
    for (int i = 1; i <= 4; ++i) {
      if (!has_input(node, i)) continue;
      auto t = constant_input(node, i, names[i - 1]);
      if (!t) return t.error();
      if ((*t)->is_float) return node_error(std::string(names[i - 1]) + " must be integers");
      *into[i - 1] = (*t)->ints;
    }
  }
  if (starts.size() != ends.size()) return node_error("starts and ends differ in length");
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (axes.size() != starts.size() || (!steps.empty() && steps.size() != starts.size()))
    return node_error("starts, ends, axes and steps differ in length");
  std::vector<ir::SliceAttrs> slices;
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t axis = axes[k];
    if (axis < -rank || axis >= rank) return node_error("axis " + std::to_string(axis) + " is out of range");
    if (axis < 0) axis += rank;
    if (!steps.empty() && steps[k] != 1)
      return node_error("Slice with step " + std::to_string(steps[k]) + " is not supported (only step 1)");
    const int64_t dim = in[static_cast<size_t>(axis)];
    auto clamp = [dim](int64_t v) { return std::clamp<int64_t>(v < 0 ? std::max(v, -dim) + dim : v, 0, dim); };
    const int64_t begin = clamp(starts[k]), end = clamp(ends[k]);
    if (begin >= end)
      return node_error("the slice [" + std::to_string(starts[k]) + ", " + std::to_string(ends[k]) + ") of axis " +
                        std::to_string(axis) + " (size " + std::to_string(dim) + ") is empty");
    if (begin == 0 && end == dim) continue;  // the whole axis
    slices.push_back(ir::SliceAttrs{axis, begin, end});
  }
  auto result = plan_slices(*x, slices, node);
  if (!result) return result.error();
  if (*result == *x) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  bind(output_name(node, 0), *result);
  return {};
}

}  // namespace hwnas::onnx_io::detail
