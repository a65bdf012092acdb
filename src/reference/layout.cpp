// Reference data-movement ops: concat on any axis, constant pad of H and W, flatten / reshape.
#include "kernels.h"

namespace hwnas::reference::kernels {

// ONNX Concat / torch.cat along `axis`: for each index of the dims before the axis, the
// inputs' blocks (their dims from the axis on) follow each other in input order.
Tensor concat(const std::vector<const Tensor*>& xs, int64_t axis, const ir::Shape& out) {
  Tensor y = filled_tensor(out);
  auto ax = static_cast<size_t>(normalise_axis(axis, out.rank()));
  int64_t outer = 1;
  for (size_t d = 0; d < ax; ++d) outer *= out[d];
  size_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor* x : xs) {
      int64_t block = x->shape.numel() / outer;  // x's dims from the axis on
      for (int64_t b = 0; b < block; ++b) y.data[k++] = x->data[static_cast<size_t>(o * block + b)];
    }
  return y;
}

// ONNX Pad mode=constant / torch F.pad(mode='constant') on H and W: positions outside the input get `value`.
Tensor pad(const Tensor& x, const ir::PadAttrs& a, const ir::Shape& out) {
  Tensor y = filled_tensor(out, static_cast<float>(a.value));
  const ir::Shape& in = x.shape;
  for (int64_t n = 0; n < in.n(); ++n)
    for (int64_t c = 0; c < in.c(); ++c)
      for (int64_t h = 0; h < in.h(); ++h)
        for (int64_t w = 0; w < in.w(); ++w)
          y.data[static_cast<size_t>(nchw_index(out, n, c, h + a.pad_top, w + a.pad_left))] =
              x.data[static_cast<size_t>(nchw_index(in, n, c, h, w))];
  return y;
}

// ONNX Flatten / Reshape, torch.flatten / reshape: row-major data is unchanged, only the shape is new.
Tensor reshape(const Tensor& x, const ir::Shape& out) { return Tensor{out, x.data}; }

}  // namespace hwnas::reference::kernels
