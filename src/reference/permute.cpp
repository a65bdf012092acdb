// Reference permutations and slices: transpose of any rank, channel shuffle, slice of one axis.
#include "kernels.h"

namespace hwnas::reference::kernels {

// ONNX Transpose / torch.permute: output dim d is input dim perm[d], so the output element at
// multi-index idx is the input element whose index along dim perm[d] is idx[d].
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm, const ir::Shape& out) {
  const ir::Shape& in = x.shape;
  const size_t rank = in.rank();
  std::vector<int64_t> in_stride(rank, 1);
  for (size_t d = rank; d-- > 1;) in_stride[d - 1] = in_stride[d] * in[d];
  Tensor y = filled_tensor(out);
  std::vector<int64_t> index(rank, 0);  // multi-index of element k of the output
  for (size_t k = 0; k < y.data.size(); ++k) {
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d) source += index[d] * in_stride[static_cast<size_t>(perm[d])];
    y.data[k] = x.data[static_cast<size_t>(source)];
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return y;
}

// torch.nn.ChannelShuffle: output channel j * groups + g is input channel g * (C / groups) + j.
Tensor channel_shuffle(const Tensor& x, int64_t groups) {
  const ir::Shape& s = x.shape;
  const int64_t per_group = s.c() / groups;
  Tensor y = filled_tensor(s);
  for (int64_t n = 0; n < s.n(); ++n)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < per_group; ++j)
        for (int64_t h = 0; h < s.h(); ++h)
          for (int64_t w = 0; w < s.w(); ++w)
            y.data[static_cast<size_t>(nchw_index(s, n, j * groups + g, h, w))] =
                x.data[static_cast<size_t>(nchw_index(s, n, g * per_group + j, h, w))];
  return y;
}

// ONNX Slice of one axis with step 1 / x.narrow(axis, start, end - start).
Tensor slice(const Tensor& x, const ir::SliceAttrs& a, const ir::Shape& out) {
  const ir::Shape& in = x.shape;
  const auto axis = static_cast<size_t>(normalise_axis(a.axis, in.rank()));
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= in[d];
  for (size_t d = axis + 1; d < in.rank(); ++d) inner *= in[d];
  Tensor y = filled_tensor(out);
  size_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = a.start; i < a.end; ++i)
      for (int64_t r = 0; r < inner; ++r)
        y.data[k++] = x.data[static_cast<size_t>((o * in[axis] + i) * inner + r)];
  return y;
}

}  // namespace hwnas::reference::kernels
