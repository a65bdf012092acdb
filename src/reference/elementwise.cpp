// Reference add, mul, sub and div with NumPy broadcasting.
#include "kernels.h"

namespace hwnas::reference::kernels {
namespace {

// The flat index into `s` of the element that broadcasts to output position `out_index` (the
// multi-index of an element of `out`): shapes align at the right, a dim of size 1 repeats.
int64_t broadcast_source(const ir::Shape& s, const ir::Shape& out, const std::vector<int64_t>& out_index) {
  size_t offset = out.rank() - s.rank();
  int64_t flat = 0;
  for (size_t d = 0; d < s.rank(); ++d) flat = flat * s[d] + (s[d] == 1 ? 0 : out_index[d + offset]);
  return flat;
}

}  // namespace

// ONNX Add / Mul / Sub / Div (multidirectional NumPy broadcasting), torch.add / mul / sub / div.
Tensor elementwise_binary(ir::OpKind kind, const Tensor& a, const Tensor& b, const ir::Shape& out) {
  Tensor y = filled_tensor(out);
  std::vector<int64_t> index(out.rank(), 0);  // multi-index of element k of the output
  for (size_t k = 0; k < y.data.size(); ++k) {
    float av = a.data[static_cast<size_t>(broadcast_source(a.shape, out, index))];
    float bv = b.data[static_cast<size_t>(broadcast_source(b.shape, out, index))];
    switch (kind) {
      case ir::OpKind::Mul: y.data[k] = av * bv; break;
      case ir::OpKind::Sub: y.data[k] = av - bv; break;
      case ir::OpKind::Div: y.data[k] = av / bv; break;
      default: y.data[k] = av + bv; break;
    }
    for (size_t d = out.rank(); d-- > 0;) {  // advance the multi-index, last dim fastest
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return y;
}

}  // namespace hwnas::reference::kernels
