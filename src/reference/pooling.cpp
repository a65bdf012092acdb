// Reference pooling: max pool, average pool (both count_include_pad modes, ceil_mode), global average pool.
#include <algorithm>
#include <limits>

#include "kernels.h"

namespace hwnas::reference::kernels {

// torch max_pool2d / ONNX MaxPool: the maximum over the window rows
// [i*stride_h - pad_top, +kernel_h) x cols [j*stride_w - pad_left, +kernel_w); padding is -inf,
// so positions outside the input never win. (Every window overlaps the input: shape inference
// keeps padding below the kernel and, with ceil_mode, drops a last window starting in the padding.)
Tensor max_pool(const Tensor& x, const ir::PoolAttrs& a, const ir::Shape& out) {
  Tensor y = filled_tensor(out);
  const ir::Shape& in = x.shape;
  for (int64_t n = 0; n < out.n(); ++n)
    for (int64_t c = 0; c < out.c(); ++c)
      for (int64_t i = 0; i < out.h(); ++i)
        for (int64_t j = 0; j < out.w(); ++j) {
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t h = i * a.stride_h - a.pad_top; h < i * a.stride_h - a.pad_top + a.kernel_h; ++h)
            for (int64_t w = j * a.stride_w - a.pad_left; w < j * a.stride_w - a.pad_left + a.kernel_w; ++w) {
              if (h < 0 || h >= in.h() || w < 0 || w >= in.w()) continue;
              best = std::max(best, x.data[static_cast<size_t>(nchw_index(in, n, c, h, w))]);
            }
          y.data[static_cast<size_t>(nchw_index(out, n, c, i, j))] = best;
        }
  return y;
}

// torch avg_pool2d (aten/src/ATen/native/cpu/AvgPoolKernel.cpp), generalised to asymmetric
// padding by using pad_begin / pad_end where PyTorch has one pad per axis:
//   start = i*stride - pad_begin,  end = min(start + kernel, in + pad_end)
//   pool_size = (end_h - start_h) * (end_w - start_w)   -- window inside the padded input
//   then start = max(start, 0), end = min(end, in)      -- window inside the input
//   divisor = count_include_pad ? pool_size : (end_h - start_h) * (end_w - start_w)
// So with ceil_mode a window that runs past the bottom/right padding is clipped, and the part
// beyond the padding is never counted, even with count_include_pad. (ONNX runtimes have not
// always agreed on this ceil_mode + count_include_pad case; PyTorch is the convention here.)
Tensor avg_pool(const Tensor& x, const ir::PoolAttrs& a, const ir::Shape& out) {
  Tensor y = filled_tensor(out);
  const ir::Shape& in = x.shape;
  for (int64_t n = 0; n < out.n(); ++n)
    for (int64_t c = 0; c < out.c(); ++c)
      for (int64_t i = 0; i < out.h(); ++i)
        for (int64_t j = 0; j < out.w(); ++j) {
          int64_t h_start = i * a.stride_h - a.pad_top;
          int64_t w_start = j * a.stride_w - a.pad_left;
          int64_t h_end = std::min(h_start + a.kernel_h, in.h() + a.pad_bottom);
          int64_t w_end = std::min(w_start + a.kernel_w, in.w() + a.pad_right);
          int64_t pool_size = (h_end - h_start) * (w_end - w_start);
          h_start = std::max<int64_t>(h_start, 0);
          w_start = std::max<int64_t>(w_start, 0);
          h_end = std::min(h_end, in.h());
          w_end = std::min(w_end, in.w());
          double sum = 0.0;
          for (int64_t h = h_start; h < h_end; ++h)
            for (int64_t w = w_start; w < w_end; ++w)
              sum += x.data[static_cast<size_t>(nchw_index(in, n, c, h, w))];
          int64_t divisor = a.count_include_pad ? pool_size : (h_end - h_start) * (w_end - w_start);
          y.data[static_cast<size_t>(nchw_index(out, n, c, i, j))] =
              static_cast<float>(sum / static_cast<double>(divisor));
        }
  return y;
}

// ONNX GlobalAveragePool / torch adaptive_avg_pool2d(1): the mean over H and W, output [N, C, 1, 1].
Tensor global_avg_pool(const Tensor& x) {
  const ir::Shape& in = x.shape;
  Tensor y = filled_tensor(ir::Shape{in.n(), in.c(), 1, 1});
  for (int64_t n = 0; n < in.n(); ++n)
    for (int64_t c = 0; c < in.c(); ++c) {
      double sum = 0.0;
      for (int64_t h = 0; h < in.h(); ++h)
        for (int64_t w = 0; w < in.w(); ++w) sum += x.data[static_cast<size_t>(nchw_index(in, n, c, h, w))];
      y.data[static_cast<size_t>(n * in.c() + c)] =
          static_cast<float>(sum / static_cast<double>(in.h() * in.w()));
    }
  return y;
}

// ONNX GlobalMaxPool / torch adaptive_max_pool2d(x, 1): the largest value of each channel's map.
Tensor global_max_pool(const Tensor& x) {
  const ir::Shape& in = x.shape;
  Tensor y = filled_tensor(ir::Shape{in.n(), in.c(), 1, 1});
  for (int64_t n = 0; n < in.n(); ++n)
    for (int64_t c = 0; c < in.c(); ++c) {
      float best = x.data[static_cast<size_t>(nchw_index(in, n, c, 0, 0))];
      for (int64_t h = 0; h < in.h(); ++h)
        for (int64_t w = 0; w < in.w(); ++w)
          best = std::max(best, x.data[static_cast<size_t>(nchw_index(in, n, c, h, w))]);
      y.data[static_cast<size_t>(n * in.c() + c)] = best;
    }
  return y;
}

}  // namespace hwnas::reference::kernels
