// Reference 2-D transposed convolution: groups, strides, paddings, output padding, dilation, optional bias.
#include "kernels.h"

namespace hwnas::reference::kernels {

// ONNX ConvTranspose / torch.nn.functional.conv_transpose2d (NCHW, weight [C, O/groups, KH, KW]):
// every input pixel scatters its weighted kernel into the output,
//   y[n, g*O/groups + o, i*stride_h - pad_top + p*dilation_h, j*stride_w - pad_left + q*dilation_w]
//     += x[n, c, i, j] * w[c, o, p, q]
// for c in group g = c / (C/groups); positions outside the output are dropped, then bias[o] is added.
Tensor conv_transpose2d(const Tensor& x, const ir::ConvTranspose2dAttrs& a, const ir::Param& weight,
                        const ir::Param* bias, const ir::Shape& out) {
  const ir::Shape& in = x.shape;
  const ir::Shape& ws = weight.shape;
  const int64_t in_per_group = in.c() / a.groups;
  const int64_t out_per_group = a.out_channels / a.groups;
  std::vector<double> sum(static_cast<size_t>(out.numel()), 0.0);
  for (int64_t n = 0; n < in.n(); ++n)
    for (int64_t c = 0; c < in.c(); ++c) {
      const int64_t group = c / in_per_group;
      for (int64_t i = 0; i < in.h(); ++i)
        for (int64_t j = 0; j < in.w(); ++j) {
          const double xv = x.data[static_cast<size_t>(nchw_index(in, n, c, i, j))];
          for (int64_t o = 0; o < out_per_group; ++o)
            for (int64_t p = 0; p < a.kernel_h; ++p) {
              const int64_t h = i * a.stride_h - a.pad_top + p * a.dilation_h;
              if (h < 0 || h >= out.h()) continue;
              for (int64_t q = 0; q < a.kernel_w; ++q) {
                const int64_t w = j * a.stride_w - a.pad_left + q * a.dilation_w;
                if (w < 0 || w >= out.w()) continue;
                const float wv = weight.data[static_cast<size_t>(nchw_index(ws, c, o, p, q))];
                sum[static_cast<size_t>(nchw_index(out, n, group * out_per_group + o, h, w))] += xv * wv;
              }
            }
        }
    }
  Tensor y = filled_tensor(out);
  for (int64_t n = 0; n < out.n(); ++n)
    for (int64_t o = 0; o < out.c(); ++o) {
      const double b = bias ? bias->data[static_cast<size_t>(o)] : 0.0;
      for (int64_t h = 0; h < out.h(); ++h)
        for (int64_t w = 0; w < out.w(); ++w) {
          const auto k = static_cast<size_t>(nchw_index(out, n, o, h, w));
          y.data[k] = static_cast<float>(sum[k] + b);
        }
    }
  return y;
}

}  // namespace hwnas::reference::kernels
