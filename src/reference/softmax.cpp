// Reference softmax along one axis, numerically stable.
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace hwnas::reference::kernels {

// torch.softmax(x, dim=axis) / ONNX Softmax (opset >= 13, a single axis):
//   y_k = exp(x_k - max_j x_j) / sum_j exp(x_j - max_j x_j) over the axis; subtracting the max
// changes nothing mathematically and keeps exp from overflowing.
Tensor softmax(const Tensor& x, int64_t axis) {
  const ir::Shape& s = x.shape;
  auto ax = static_cast<size_t>(normalise_axis(axis, s.rank()));
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < ax; ++d) outer *= s[d];
  for (size_t d = ax + 1; d < s.rank(); ++d) inner *= s[d];
  int64_t length = s[ax];
  Tensor y = filled_tensor(s);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto idx = [&](int64_t k) { return static_cast<size_t>((o * length + k) * inner + i); };
      double largest = x.data[idx(0)];
      for (int64_t k = 1; k < length; ++k) largest = std::max(largest, static_cast<double>(x.data[idx(k)]));
      double total = 0.0;
      for (int64_t k = 0; k < length; ++k) total += std::exp(x.data[idx(k)] - largest);
      for (int64_t k = 0; k < length; ++k)
        y.data[idx(k)] = static_cast<float>(std::exp(x.data[idx(k)] - largest) / total);
    }
  return y;
}

}  // namespace hwnas::reference::kernels
