// ONNX import of pooling: MaxPool and AveragePool (with a Pad folded in), and ReduceMean over H and W.
#include <cfloat>

#include "importer.h"

namespace hwnas::onnx_io::detail {

Status Importer::convert_pool(const onnx::NodeProto& node, bool is_max) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  int source = *x;
  const ir::Shape in = shape_of(source);
  if (in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + in.to_string() + "]");
  if (!find_attribute(node, "kernel_shape")) return node_error("attribute 'kernel_shape' is missing");
  auto kernel = ints_attr(node, "kernel_shape", 2, {}, 1, kMaxWindow);
  if (!kernel) return kernel.error();
  auto strides = ints_attr(node, "strides", 2, {1, 1}, 1, kMaxWindow);
  if (!strides) return strides.error();
  auto pads = ints_attr(node, "pads", 4, {0, 0, 0, 0}, 0, kMaxWindow);
  if (!pads) return pads.error();
  auto dilations = ints_attr(node, "dilations", 2, {1, 1}, 1, kMaxWindow);
  if (!dilations) return dilations.error();
  if ((*dilations)[0] != 1 || (*dilations)[1] != 1) return node_error("dilated pooling is not supported");
  auto ceil_mode = attr_int(node, "ceil_mode", 0);
  if (!ceil_mode) return node_error(ceil_mode.error().message);
  auto include_pad = attr_int(node, "count_include_pad", 0);
  if (!include_pad) return node_error(include_pad.error().message);
  if (is_max)
    if (auto s = check_unused_output(node, 1, "the max-pool indices"); !s) return s;
  if (auto s =
          apply_auto_pad(node, in, (*kernel)[0], (*kernel)[1], (*strides)[0], (*strides)[1], 1, 1, *pads);
      !s)
    return s;

  ir::PoolAttrs a;
  a.kernel_h = (*kernel)[0];
  a.kernel_w = (*kernel)[1];
  a.stride_h = (*strides)[0];
  a.stride_w = (*strides)[1];
  a.pad_top = (*pads)[0];
  a.pad_left = (*pads)[1];
  a.pad_bottom = (*pads)[2];
  a.pad_right = (*pads)[3];
  a.ceil_mode = *ceil_mode != 0;
  a.count_include_pad = !is_max && *include_pad != 0;
  // A Pad that feeds only this pool becomes its padding where that means the same: zeros counted
  // by an average pool, or -inf for a max pool; never with ceil_mode, whose last window differs.
  PlannedNode& producer = plan_[static_cast<size_t>(source)];
  if (options_.fold_pads && producer.alive && producer.kind == ir::OpKind::Pad && producer.uses == 1 &&
      !a.ceil_mode) {
    const auto& pad = std::get<ir::PadAttrs>(producer.attrs);
    bool no_own_pads = a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
    bool equivalent =
        is_max ? pad.value <= -FLT_MAX : pad.value == 0.0 && (no_own_pads || a.count_include_pad);
    ir::PoolAttrs folded = a;
    folded.pad_top += pad.pad_top;
    folded.pad_left += pad.pad_left;
    folded.pad_bottom += pad.pad_bottom;
    folded.pad_right += pad.pad_right;
    folded.count_include_pad = !is_max;
    bool fits = folded.pad_top < a.kernel_h && folded.pad_bottom < a.kernel_h &&
                folded.pad_left < a.kernel_w && folded.pad_right < a.kernel_w;
    if (equivalent && fits) {
      a = folded;
      producer.alive = false;
      source = producer.inputs[0];
    }
  }
  auto p = plan_node(is_max ? ir::OpKind::MaxPool : ir::OpKind::AvgPool, a, {source}, node);
  if (!p) return p.error();
  bind(output_name(node, 0), *p);
  return {};
}

Status Importer::convert_reduce_mean(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  auto axes = axes_of(node, -1, "axes", static_cast<int64_t>(in.rank()), false);
  if (!axes) return axes.error();
  auto keepdims = attr_int(node, "keepdims", 1);
  if (!keepdims) return node_error(keepdims.error().message);
  if (in.rank() != 4 || *axes != std::vector<int64_t>{2, 3})
    return node_error("ReduceMean over axes [" + dims_to_string(*axes) + "] of [" + in.to_string() +
                      "] is not supported (only the spatial mean over H and W of an NCHW tensor)");
  auto pool = plan_node(ir::OpKind::GlobalAvgPool, ir::NoAttrs{}, {*x}, node);
  if (!pool) return pool.error();
  int result = *pool;
  if (*keepdims == 0) {
    auto flat = plan_node(ir::OpKind::Flatten, ir::FlattenAttrs{1}, {*pool}, node);
    if (!flat) return flat.error();
    plan_[static_cast<size_t>(*pool)].uses = 1;
    result = *flat;
  }
  bind(output_name(node, 0), result);
  return {};
}

}  // namespace hwnas::onnx_io::detail
