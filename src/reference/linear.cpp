// Reference fully connected layer.
#include "kernels.h"

namespace hwnas::reference::kernels {

// torch.nn.functional.linear / ONNX Gemm(transB=1): y = x W^T + b, x [N, in], W [out, in]:
//   y[n, o] = b[o] + sum_i x[n, i] * W[o, i]
Tensor linear(const Tensor& x, const ir::Param& weight, const ir::Param* bias, const ir::Shape& out) {
  Tensor y = filled_tensor(out);
  int64_t batch = out[0], out_features = out[1], in_features = x.shape[1];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < out_features; ++o) {
      double sum = bias ? bias->data[static_cast<size_t>(o)] : 0.0;
      for (int64_t i = 0; i < in_features; ++i)
        sum += static_cast<double>(x.data[static_cast<size_t>(n * in_features + i)]) *
               weight.data[static_cast<size_t>(o * in_features + i)];
      y.data[static_cast<size_t>(n * out_features + o)] = static_cast<float>(sum);
    }
  return y;
}

}  // namespace hwnas::reference::kernels
