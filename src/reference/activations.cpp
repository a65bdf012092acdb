// Reference elementwise activations: relu, relu6, clip, hard_swish, hard_sigmoid, sigmoid, swish, leaky_relu.
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace hwnas::reference::kernels {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// One activation of one value, in double. Sources: ONNX operator docs and torch.nn docs.
double activate(ir::OpKind kind, const ir::Attrs& attrs, double x) {
  switch (kind) {
    case ir::OpKind::Relu:  // max(0, x)
      return std::max(0.0, x);
    case ir::OpKind::Relu6:  // torch relu6: min(max(0, x), 6)
      return std::min(std::max(0.0, x), 6.0);
    case ir::OpKind::Clip: {  // ONNX Clip: min(max(x, min), max)
      const auto& a = std::get<ir::ClipAttrs>(attrs);
      return std::min(std::max(x, a.min), a.max);
    }
    case ir::OpKind::HardSwish:  // torch hardswish / ONNX HardSwish: x * relu6(x + 3) / 6
      return x * std::min(std::max(0.0, x + 3.0), 6.0) / 6.0;
    case ir::OpKind::HardSigmoid: {  // ONNX HardSigmoid: max(0, min(1, alpha * x + beta))
      const auto& a = std::get<ir::HardSigmoidAttrs>(attrs);
      return std::max(0.0, std::min(1.0, a.alpha * x + a.beta));
    }
    case ir::OpKind::Sigmoid:  // 1 / (1 + exp(-x))
      return sigmoid(x);
    case ir::OpKind::Swish:  // torch silu: x * sigmoid(x)
      return x * sigmoid(x);
    case ir::OpKind::LeakyRelu:  // ONNX LeakyRelu: x >= 0 ? x : alpha * x
      return x >= 0.0 ? x : std::get<ir::LeakyReluAttrs>(attrs).alpha * x;
    default:
      return x;  // not an activation; evaluate.cpp never sends one here
  }
}

}  // namespace

Tensor activation(ir::OpKind kind, const ir::Attrs& attrs, const Tensor& x) {
  Tensor y = x;
  for (float& v : y.data) v = static_cast<float>(activate(kind, attrs, v));
  return y;
}

}  // namespace hwnas::reference::kernels
