// Reference batch normalisation in inference mode (running statistics).
#include <cmath>

#include "kernels.h"

namespace hwnas::reference::kernels {

// ONNX BatchNormalization (inference) / torch batch_norm(training=False), channels on dim 1:
//   y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]
Tensor batch_norm(const Tensor& x, const ir::BatchNormAttrs& a, const std::vector<ir::Param>& params) {
  const auto& scale = params[0].data;
  const auto& bias = params[1].data;
  const auto& mean = params[2].data;
  const auto& var = params[3].data;
  int64_t batch = x.shape[0], channels = x.shape[1];
  int64_t inner = x.shape.numel() / (batch * channels);  // product of dims 2.. (1 for rank 2)
  Tensor y = filled_tensor(x.shape);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      auto ci = static_cast<size_t>(c);
      double inv_std = 1.0 / std::sqrt(static_cast<double>(var[ci]) + a.epsilon);
      for (int64_t k = 0; k < inner; ++k) {
        auto idx = static_cast<size_t>((n * channels + c) * inner + k);
        y.data[idx] = static_cast<float>((x.data[idx] - static_cast<double>(mean[ci])) * inv_std * scale[ci] +
                                         bias[ci]);
      }
    }
  return y;
}

}  // namespace hwnas::reference::kernels
