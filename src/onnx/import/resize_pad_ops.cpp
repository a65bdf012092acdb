// ONNX import of resizing and padding: Resize, Upsample, Pad.
#include <cmath>

#include "importer.h"

namespace hwnas::onnx_io::detail {

Status Importer::convert_resize(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + in.to_string() + "]");
  // Inputs: X, scales (opset 10); X, roi, scales, sizes (opset 11+). An empty constant is absent.
  int scales_index = opset_ < 11 ? 1 : 2, sizes_index = opset_ < 11 ? -1 : 3;
  auto present = [&](int i) -> Result<const ConstTensor*> {
    if (i < 0 || !has_input(node, i)) return static_cast<const ConstTensor*>(nullptr);
    auto t = constant_input(node, i, i == sizes_index ? "sizes" : "scales");
    if (!t) return t.error();
    return (*t)->size() == 0 ? nullptr : *t;
  };
  auto scales = present(scales_index);
  if (!scales) return scales.error();
  auto sizes = present(sizes_index);
  if (!sizes) return sizes.error();
  int64_t out_h = 0, out_w = 0;
  if (*sizes) {
    const ConstTensor& s = **sizes;
    if (s.is_float || s.size() != 4) return node_error("sizes must hold 4 integers");
    if (s.ints[0] != in.n() || s.ints[1] != in.c())
      return node_error("resizing the batch or channel axis is not supported");
    out_h = s.ints[2];
    out_w = s.ints[3];
  } else if (*scales) {
    const ConstTensor& s = **scales;
    if (!s.is_float || s.size() != 4) return node_error("scales must hold 4 floats");
    if (s.floats[0] != 1.0f || s.floats[1] != 1.0f)
      return node_error("resizing the batch or channel axis is not supported");
    for (int k : {2, 3}) {
      double scale = s.floats[static_cast<size_t>(k)];
      double size = std::floor(static_cast<double>(in[static_cast<size_t>(k)]) * scale);
      if (!(scale > 0.0) || !(size >= 1.0) || size > static_cast<double>(kMaxDim))
        return node_error("scale " + std::to_string(scale) + " gives an invalid output size");
      (k == 2 ? out_h : out_w) = static_cast<int64_t>(size);
    }
  } else {
    return node_error("neither sizes nor scales is given as a constant");
  }
  if (out_h < 1 || out_w < 1 || out_h > kMaxDim || out_w > kMaxDim)
    return node_error("output size " + std::to_string(out_h) + "x" + std::to_string(out_w) + " is invalid");

  auto mode = attr_string(node, "mode", "nearest");
  auto transform =
      attr_string(node, "coordinate_transformation_mode", opset_ < 11 ? "asymmetric" : "half_pixel");
  auto nearest_mode = attr_string(node, "nearest_mode", opset_ < 11 ? "floor" : "round_prefer_floor");
  if (!mode) return node_error(mode.error().message);
  if (!transform) return node_error(transform.error().message);
  if (!nearest_mode) return node_error(nearest_mode.error().message);
  ir::ResizeAttrs a;
  a.out_h = out_h;
  a.out_w = out_w;
  const std::string how = "mode '" + *mode + "' with coordinate_transformation_mode '" + *transform + "'";
  if (*mode == "nearest") {
    a.mode = ir::ResizeMode::Nearest;
    // The IR's nearest is PyTorch's: src = floor(dst * in / out), ONNX asymmetric + floor. Half-pixel
    // rounding picks the same pixels when both axes are upsampled by whole factors.
    bool whole_upsampling = out_h % in.h() == 0 && out_w % in.w() == 0;
    bool half_pixel = *transform == "half_pixel" || *transform == "pytorch_half_pixel";
    bool rounding = *nearest_mode == "round_prefer_floor" || *nearest_mode == "round_prefer_ceil";
    bool same = (*transform == "asymmetric" && *nearest_mode == "floor") ||
                (whole_upsampling && half_pixel && rounding);
    if (!same)
      return node_error("Resize " + how + " and nearest_mode '" + *nearest_mode + "' is not supported");
  } else if (*mode == "linear" || *mode == "bilinear") {
    a.mode = ir::ResizeMode::Bilinear;
    if (*transform == "align_corners") {
      a.align_corners = true;
    } else if (*transform == "pytorch_half_pixel" || (*transform == "half_pixel" && out_h > 1 && out_w > 1)) {
      a.align_corners = false;  // half_pixel equals pytorch_half_pixel unless an output dim is 1
    } else {
      return node_error("Resize " + how + " is not supported");
    }
  } else {
    return node_error("Resize " + how + " is not supported");
  }
  return convert_unary(node, ir::OpKind::Resize, a);
}

Status Importer::convert_upsample(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 4) return node_error("expects a rank-4 NCHW input, got [" + in.to_string() + "]");
  auto mode = attr_string(node, "mode", "nearest");
  if (!mode) return node_error(mode.error().message);
  if (*mode != "nearest")
    return node_error("Upsample mode '" + *mode +
                      "' (asymmetric coordinates) is not supported; re-export with opset >= 11 (Resize)");
  std::vector<float> scales;
  if (opset_ < 9) {
    const onnx::AttributeProto* a = find_attribute(node, "scales");
    if (!a) return node_error("attribute 'scales' is missing");
    scales.assign(a->floats().begin(), a->floats().end());
  } else {
    auto t = constant_input(node, 1, "scales");
    if (!t) return t.error();
    if (!(*t)->is_float) return node_error("scales must be floats");
    scales = (*t)->floats;
  }
  if (scales.size() != 4) return node_error("scales must hold 4 values");
  if (scales[0] != 1.0f || scales[1] != 1.0f) return node_error("upsampling the batch or channel axis is not supported");
  ir::ResizeAttrs a;
  a.mode = ir::ResizeMode::Nearest;
  for (int k : {2, 3}) {
    const double size = std::floor(static_cast<double>(in[static_cast<size_t>(k)]) * scales[static_cast<size_t>(k)]);
    if (!(size >= 1.0) || size > static_cast<double>(kMaxDim))
      return node_error("scale " + std::to_string(scales[static_cast<size_t>(k)]) + " gives an invalid output size");
    (k == 2 ? a.out_h : a.out_w) = static_cast<int64_t>(size);
  }
  return convert_unary(node, ir::OpKind::Resize, a);
}

Status Importer::convert_pad(const onnx::NodeProto& node) {
  auto x = tensor_input(node, 0);
  if (!x) return x.error();
  auto mode = attr_string(node, "mode", "constant");
  if (!mode) return node_error(mode.error().message);
  if (*mode != "constant") return node_error("Pad mode '" + *mode + "' is not supported (only constant)");
  std::vector<int64_t> pads;
  double value = 0.0;
  if (opset_ < 11) {
    auto p = attr_ints(node, "pads");
    if (!p) return node_error(p.error().message);
    if (!p->has_value()) return node_error("attribute 'pads' is missing");
    pads = **p;
    auto v = attr_float(node, "value", 0.0);
    if (!v) return node_error(v.error().message);
    value = *v;
  } else {
    auto p = constant_input(node, 1, "pads");
    if (!p) return p.error();
    if ((*p)->is_float) return node_error("pads must be integers");
    pads = (*p)->ints;
    if (has_input(node, 2)) {
      auto v = constant_input(node, 2, "constant_value");
      if (!v) return v.error();
      if ((*v)->size() > 1) return node_error("constant_value must be a scalar");
      if ((*v)->size() == 1)
        value = (*v)->is_float ? float_to_double((*v)->floats[0]) : (*v)->value(0);
    }
  }
  const ir::Shape in = shape_of(*x);
  if (in.rank() != 4) return node_error("only 4-D NCHW tensors can be padded, got [" + in.to_string() + "]");
  if (pads.size() != 8)
    return node_error("pads must hold 8 values for a 4-D input, got " + std::to_string(pads.size()));
  for (int64_t p : pads) {
    if (p < 0) return node_error("negative pads (cropping) are not supported");
    if (p > kMaxWindow) return node_error("pad " + std::to_string(p) + " is too large");
  }
  if (pads[0] || pads[1] || pads[4] || pads[5])
    return node_error("padding the batch or channel axis is not supported");
  if (std::isnan(value)) return node_error("pad value is NaN");
  if (pads[2] == 0 && pads[3] == 0 && pads[6] == 0 && pads[7] == 0) {
    alias(output_name(node, 0), Value{Value::Kind::Tensor, *x, nullptr, {}});
    return {};
  }
  return convert_unary(node, ir::OpKind::Pad, ir::PadAttrs{pads[2], pads[3], pads[6], pads[7], value});
}

}  // namespace hwnas::onnx_io::detail
