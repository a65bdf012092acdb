// Reference resize of H and W: nearest, and bilinear with align_corners true or false.
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace hwnas::reference::kernels {
namespace {

// torch F.interpolate(mode='nearest') with an output size (aten/src/ATen/native/UpSample.h,
// nearest_idx): src = min(floor(dst * (in / out)), in - 1), the scale computed in float as
// PyTorch does (so we agree with it bit for bit). ONNX equivalent: Resize mode=nearest,
// coordinate_transformation_mode=asymmetric, nearest_mode=floor.
int64_t nearest_source(int64_t dst, int64_t in, int64_t out) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  float scale = static_cast<float>(in) / static_cast<float>(out);
  return std::min(static_cast<int64_t>(std::floor(static_cast<float>(dst) * scale)), in - 1);
}

// The two source indices and their weights of one output coordinate for bilinear resize.
struct LinearTap {
  int64_t i0, i1;
  float w0, w1;
};

// torch F.interpolate(mode='bilinear') (UpSample.h, area_pixel_compute_scale and
// area_pixel_compute_source_index, in float as PyTorch does for float tensors):
//   align_corners: src = dst * (in - 1) / (out - 1)           (0 when out == 1)
//   otherwise:     src = max(0, (dst + 0.5) * in / out - 0.5)  (half-pixel, clamped at 0)
//   i0 = floor(src), i1 = min(i0 + 1, in - 1), w1 = src - i0, w0 = 1 - w1.
// ONNX equivalent: Resize mode=linear with coordinate_transformation_mode align_corners or
// pytorch_half_pixel.
LinearTap linear_tap(int64_t dst, int64_t in, int64_t out, bool align_corners) {
  float src = 0.0f;
  if (align_corners) {
    float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
    src = scale * static_cast<float>(dst);
  } else {
    float scale = static_cast<float>(in) / static_cast<float>(out);
    src = std::max(0.0f, scale * (static_cast<float>(dst) + 0.5f) - 0.5f);
  }
  auto i0 = std::min(static_cast<int64_t>(src), in - 1);  // src >= 0, so the cast floors
  int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
  float w1 = src - static_cast<float>(i0);
  return {i0, i1, 1.0f - w1, w1};
}

}  // namespace

Tensor resize(const Tensor& x, const ir::ResizeAttrs& a) {
  const ir::Shape& in = x.shape;
  ir::Shape out{in.n(), in.c(), a.out_h, a.out_w};
  Tensor y = filled_tensor(out);
  auto at = [&](int64_t n, int64_t c, int64_t h, int64_t w) {
    return static_cast<double>(x.data[static_cast<size_t>(nchw_index(in, n, c, h, w))]);
  };
  for (int64_t n = 0; n < out.n(); ++n)
    for (int64_t c = 0; c < out.c(); ++c)
      for (int64_t i = 0; i < out.h(); ++i)
        for (int64_t j = 0; j < out.w(); ++j) {
          double value = 0.0;
          if (a.mode == ir::ResizeMode::Nearest) {
            value = at(n, c, nearest_source(i, in.h(), out.h()), nearest_source(j, in.w(), out.w()));
          } else {
            LinearTap th = linear_tap(i, in.h(), out.h(), a.align_corners);
            LinearTap tw = linear_tap(j, in.w(), out.w(), a.align_corners);
            value = th.w0 * (tw.w0 * at(n, c, th.i0, tw.i0) + tw.w1 * at(n, c, th.i0, tw.i1)) +
                    th.w1 * (tw.w0 * at(n, c, th.i1, tw.i0) + tw.w1 * at(n, c, th.i1, tw.i1));
          }
          y.data[static_cast<size_t>(nchw_index(out, n, c, i, j))] = static_cast<float>(value);
        }
  return y;
}

}  // namespace hwnas::reference::kernels
