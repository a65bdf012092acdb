// Reference 2-D convolution: groups, strides, asymmetric zero padding, dilation, optional bias.
#include "kernels.h"

namespace hwnas::reference::kernels {

// ONNX Conv / torch.nn.functional.conv2d (cross-correlation, NCHW, weight [O, C/groups, KH, KW]):
//   y[n, o, i, j] = bias[o] + sum_{c, p, q} w[o, c, p, q] *
//                   x[n, g*C/groups + c, i*stride_h - pad_top + p*dilation_h,
//                                        j*stride_w - pad_left + q*dilation_w]
// with g = o / (O/groups) the group of output channel o; x is zero outside the input.
Tensor conv2d(const Tensor& x, const ir::Conv2dAttrs& a, const ir::Param& weight, const ir::Param* bias,
              const ir::Shape& out) {
  Tensor y = filled_tensor(out);
  const ir::Shape& in = x.shape;
  const ir::Shape& ws = weight.shape;
  int64_t in_per_group = in.c() / a.groups;
  int64_t out_per_group = a.out_channels / a.groups;
  for (int64_t n = 0; n < out.n(); ++n)
    for (int64_t o = 0; o < out.c(); ++o) {
      int64_t group = o / out_per_group;
      for (int64_t i = 0; i < out.h(); ++i)
        for (int64_t j = 0; j < out.w(); ++j) {
          double sum = bias ? bias->data[static_cast<size_t>(o)] : 0.0;
          for (int64_t c = 0; c < in_per_group; ++c)
            for (int64_t p = 0; p < a.kernel_h; ++p)
              for (int64_t q = 0; q < a.kernel_w; ++q) {
                int64_t h = i * a.stride_h - a.pad_top + p * a.dilation_h;
                int64_t w = j * a.stride_w - a.pad_left + q * a.dilation_w;
                if (h < 0 || h >= in.h() || w < 0 || w >= in.w()) continue;  // zero padding
                float xv = x.data[static_cast<size_t>(nchw_index(in, n, group * in_per_group + c, h, w))];
                float wv = weight.data[static_cast<size_t>(nchw_index(ws, o, c, p, q))];
                sum += static_cast<double>(xv) * wv;
              }
          y.data[static_cast<size_t>(nchw_index(out, n, o, i, j))] = static_cast<float>(sum);
        }
    }
  return y;
}

}  // namespace hwnas::reference::kernels
