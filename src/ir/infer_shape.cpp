// Shape inference and parameter shapes for every operator kind.
#include "hwnas/ir/infer_shape.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>

namespace hwnas::ir {
namespace {

std::string str(const Shape& s) { return "[" + s.to_string() + "]"; }

Result<Shape> fail(const std::string& message) { return Error{message}; }

// Output extent of a sliding window; <= 0 when the window does not fit.
int64_t window_out(int64_t in, int64_t pad_begin, int64_t pad_end, int64_t kernel, int64_t stride,
                   int64_t dilation, bool ceil_mode) {
  int64_t span = in + pad_begin + pad_end - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch/ONNX rule: the last window must start inside the input or left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

Result<Shape> need_rank(const Shape& s, size_t rank, const char* what) {
  if (s.rank() != rank)
    return fail(std::string(what) + " expects a rank-" + std::to_string(rank) + " input, got " + str(s));
  return s;
}

// The checks conv2d and conv_transpose2d share: positive widths, kernels, strides and dilations,
// paddings not negative. An empty Shape when they pass.
template <class A>
Result<Shape> check_window(const A& a) {
  if (a.out_channels <= 0) return fail("out_channels must be positive, got " + std::to_string(a.out_channels));
  if (a.kernel_h <= 0 || a.kernel_w <= 0) return fail("kernel sizes must be positive");
  if (a.stride_h <= 0 || a.stride_w <= 0) return fail("strides must be positive");
  if (a.dilation_h <= 0 || a.dilation_w <= 0) return fail("dilations must be positive");
  if (a.pad_top < 0 || a.pad_left < 0 || a.pad_bottom < 0 || a.pad_right < 0)
    return fail("paddings must not be negative");
  return Shape{};
}

Result<Shape> infer_conv(const Conv2dAttrs& a, const Shape& x) {
  if (auto r = need_rank(x, 4, "conv2d"); !r) return r;
  if (auto r = check_window(a); !r) return r;
  if (a.groups <= 0) return fail("groups must be positive, got " + std::to_string(a.groups));
  if (x.c() % a.groups != 0)
    return fail("input has " + std::to_string(x.c()) + " channels, not divisible by groups=" +
                std::to_string(a.groups));
  if (a.out_channels % a.groups != 0)
    return fail("out_channels=" + std::to_string(a.out_channels) + " is not divisible by groups=" +
                std::to_string(a.groups));
  int64_t h = window_out(x.h(), a.pad_top, a.pad_bottom, a.kernel_h, a.stride_h, a.dilation_h, false);
  int64_t w = window_out(x.w(), a.pad_left, a.pad_right, a.kernel_w, a.stride_w, a.dilation_w, false);
  if (h <= 0 || w <= 0) return fail("kernel does not fit the padded input " + str(x));
  return Shape{x.n(), a.out_channels, h, w};
}

Result<Shape> infer_conv_transpose(const ConvTranspose2dAttrs& a, const Shape& x) {
  if (auto r = need_rank(x, 4, "conv_transpose2d"); !r) return r;
  if (auto r = check_window(a); !r) return r;
  if (a.output_padding_h < 0 || a.output_padding_w < 0) return fail("output paddings must not be negative");
  if (a.output_padding_h >= std::max(a.stride_h, a.dilation_h) ||
      a.output_padding_w >= std::max(a.stride_w, a.dilation_w))
    return fail("output padding must be smaller than the stride or the dilation");
  if (a.groups <= 0) return fail("groups must be positive, got " + std::to_string(a.groups));
  if (x.c() % a.groups != 0 || a.out_channels % a.groups != 0)
    return fail("input channels " + std::to_string(x.c()) + " and out_channels " + std::to_string(a.out_channels) +
                " must both be divisible by groups=" + std::to_string(a.groups));
  int64_t h = (x.h() - 1) * a.stride_h - a.pad_top - a.pad_bottom + a.dilation_h * (a.kernel_h - 1) +
              a.output_padding_h + 1;
  int64_t w = (x.w() - 1) * a.stride_w - a.pad_left - a.pad_right + a.dilation_w * (a.kernel_w - 1) +
              a.output_padding_w + 1;
  if (h <= 0 || w <= 0) return fail("paddings leave no output for the input " + str(x));
  return Shape{x.n(), a.out_channels, h, w};
}

Result<Shape> infer_transpose(const TransposeAttrs& a, const Shape& x) {
  if (a.perm.size() != x.rank())
    return fail("transpose perm has " + std::to_string(a.perm.size()) + " entries for the rank-" +
                std::to_string(x.rank()) + " input " + str(x));
  std::vector<bool> seen(x.rank(), false);
  Shape out = x;
  for (size_t i = 0; i < a.perm.size(); ++i) {
    int64_t p = a.perm[i];
    if (p < 0 || p >= static_cast<int64_t>(x.rank()) || seen[static_cast<size_t>(p)])
      return fail("transpose perm is not a permutation of 0.." + std::to_string(x.rank() - 1));
    seen[static_cast<size_t>(p)] = true;
    out[i] = x[static_cast<size_t>(p)];
  }
  return out;
}

Result<Shape> infer_slice(const SliceAttrs& a, const Shape& x) {
  int64_t axis = a.axis < 0 ? a.axis + static_cast<int64_t>(x.rank()) : a.axis;
  if (axis < 0 || axis >= static_cast<int64_t>(x.rank()))
    return fail("slice axis " + std::to_string(a.axis) + " is out of range for " + str(x));
  int64_t extent = x[static_cast<size_t>(axis)];
  if (a.start < 0 || a.end > extent || a.start >= a.end)
    return fail("slice [" + std::to_string(a.start) + ", " + std::to_string(a.end) + ") of axis " +
                std::to_string(axis) + " is empty or outside [0, " + std::to_string(extent) + ")");
  Shape out = x;
  out[static_cast<size_t>(axis)] = a.end - a.start;
  return out;
}

Result<Shape> infer_pool(const PoolAttrs& a, const Shape& x, const char* what) {
  if (auto r = need_rank(x, 4, what); !r) return r;
  if (a.kernel_h <= 0 || a.kernel_w <= 0) return fail("kernel sizes must be positive");
  if (a.stride_h <= 0 || a.stride_w <= 0) return fail("strides must be positive");
  if (a.pad_top < 0 || a.pad_left < 0 || a.pad_bottom < 0 || a.pad_right < 0)
    return fail("paddings must not be negative");
  if (a.pad_top >= a.kernel_h || a.pad_bottom >= a.kernel_h || a.pad_left >= a.kernel_w ||
      a.pad_right >= a.kernel_w)
    return fail("padding must be smaller than the kernel");
  int64_t h = window_out(x.h(), a.pad_top, a.pad_bottom, a.kernel_h, a.stride_h, 1, a.ceil_mode);
  int64_t w = window_out(x.w(), a.pad_left, a.pad_right, a.kernel_w, a.stride_w, 1, a.ceil_mode);
  if (h <= 0 || w <= 0) return fail("pooling window does not fit the padded input " + str(x));
  return Shape{x.n(), x.c(), h, w};
}

// NumPy-style broadcast of two shapes, as ONNX Add/Mul do.
Result<Shape> broadcast(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.rank(), b.rank());
  Shape out(std::vector<int64_t>(rank, 1));
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.rank() ? 1 : a[i - (rank - a.rank())];
    int64_t db = i < rank - b.rank() ? 1 : b[i - (rank - b.rank())];
    if (da != db && da != 1 && db != 1)
      return fail("shapes " + str(a) + " and " + str(b) + " do not broadcast");
    out[i] = std::max(da, db);
  }
  return out;
}

Result<Shape> infer_reshape(const ReshapeAttrs& a, const Shape& x) {
  if (a.shape.empty()) return fail("reshape needs a target shape");
  Shape out(a.shape);
  int64_t known = 1;
  int inferred = -1;
  for (size_t i = 0; i < out.rank(); ++i) {
    if (out[i] == 0) {
      if (i >= x.rank()) return fail("reshape dim " + std::to_string(i) + " is 0 but the input has no such dim");
      out[i] = x[i];
    }
    if (out[i] == -1) {
      if (inferred >= 0) return fail("reshape target has more than one -1");
      inferred = static_cast<int>(i);
      continue;
    }
    if (out[i] <= 0) return fail("reshape dims must be positive, -1 or 0, got " + std::to_string(out[i]));
    known *= out[i];
  }
  if (inferred >= 0) {
    if (x.numel() % known != 0) return fail("cannot reshape " + str(x) + " to " + str(Shape(a.shape)));
    out[static_cast<size_t>(inferred)] = x.numel() / known;
  }
  if (out.numel() != x.numel()) return fail("cannot reshape " + str(x) + " to " + str(Shape(a.shape)));
  return out;
}

// Bounds that keep all shape arithmetic inside int64: attribute values and dims are at most
// kMaxExtent, and a tensor holds at most kMaxElements.
constexpr int64_t kMaxExtent = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxElements = int64_t{1} << 40;

// Elements of `s`, or -1 when they exceed kMaxElements (computed without overflow).
int64_t bounded_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s.dims) {
    if (d <= 0) return d == 0 ? 0 : -1;
    if (n > kMaxElements / d) return -1;
    n *= d;
  }
  return n;
}

std::optional<std::string> out_of_range(std::initializer_list<int64_t> values) {
  for (int64_t v : values)
    if (v > kMaxExtent || v < -kMaxExtent) return "attribute value " + std::to_string(v) + " is out of range";
  return std::nullopt;
}

// Rejects attribute values so large that shape arithmetic could overflow.
std::optional<std::string> attrs_out_of_range(const Attrs& attrs) {
  return std::visit(
      [](const auto& a) -> std::optional<std::string> {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, InputAttrs>) {
          for (int64_t d : a.shape.dims)
            if (d > kMaxExtent) return "input dim " + std::to_string(d) + " is out of range";
          return std::nullopt;
        } else if constexpr (std::is_same_v<A, Conv2dAttrs>) {
          return out_of_range({a.out_channels, a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.pad_top, a.pad_left,
                               a.pad_bottom, a.pad_right, a.dilation_h, a.dilation_w, a.groups});
        } else if constexpr (std::is_same_v<A, ConvTranspose2dAttrs>) {
          return out_of_range({a.out_channels, a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.pad_top, a.pad_left,
                               a.pad_bottom, a.pad_right, a.output_padding_h, a.output_padding_w, a.dilation_h,
                               a.dilation_w, a.groups});
        } else if constexpr (std::is_same_v<A, TransposeAttrs>) {
          for (int64_t d : a.perm)
            if (d > kMaxExtent || d < -kMaxExtent) return "transpose perm entry " + std::to_string(d) + " is out of range";
          return std::nullopt;
        } else if constexpr (std::is_same_v<A, ChannelShuffleAttrs>) {
          return out_of_range({a.groups});
        } else if constexpr (std::is_same_v<A, SliceAttrs>) {
          return out_of_range({a.axis, a.start, a.end});
        } else if constexpr (std::is_same_v<A, LinearAttrs>) {
          return out_of_range({a.out_features});
        } else if constexpr (std::is_same_v<A, PoolAttrs>) {
          return out_of_range({a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.pad_top, a.pad_left, a.pad_bottom,
                               a.pad_right});
        } else if constexpr (std::is_same_v<A, ResizeAttrs>) {
          return out_of_range({a.out_h, a.out_w});
        } else if constexpr (std::is_same_v<A, PadAttrs>) {
          return out_of_range({a.pad_top, a.pad_left, a.pad_bottom, a.pad_right});
        } else if constexpr (std::is_same_v<A, ReshapeAttrs>) {
          for (int64_t d : a.shape)
            if (d > kMaxExtent || d < -kMaxExtent) return "reshape dim " + std::to_string(d) + " is out of range";
          return std::nullopt;
        } else if constexpr (std::is_same_v<A, ConcatAttrs> || std::is_same_v<A, FlattenAttrs> ||
                             std::is_same_v<A, SoftmaxAttrs>) {
          return out_of_range({a.axis});
        } else {
          return std::nullopt;
        }
      },
      attrs);
}

Result<Shape> infer_unchecked(OpKind kind, const Attrs& attrs, const std::vector<Shape>& in);

int64_t normalise_axis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

}  // namespace

Result<Shape> infer_shape(OpKind kind, const Attrs& attrs, const std::vector<Shape>& in) {
  if (!attrs_match(kind, attrs)) return fail("attributes of the wrong type for " + std::string(op_name(kind)));
  if (auto message = attrs_out_of_range(attrs)) return fail(*message);
  for (const Shape& s : in)
    if (bounded_numel(s) < 0) return fail("input shape " + str(s) + " is too large or has a non-positive dim");
  auto out = infer_unchecked(kind, attrs, in);
  if (out && bounded_numel(*out) < 0)
    return fail("output shape " + str(*out) + " has more than " + std::to_string(kMaxElements) + " elements");
  return out;
}

namespace {

Result<Shape> infer_unchecked(OpKind kind, const Attrs& attrs, const std::vector<Shape>& in) {
  size_t want = kind == OpKind::Input ? 0 : is_elementwise_binary(kind) ? 2 : 1;
  if (kind == OpKind::Concat) {
    if (in.empty()) return fail("concat needs at least one input");
  } else if (in.size() != want) {
    return fail("expects " + std::to_string(want) + " input(s), got " + std::to_string(in.size()));
  }
  for (const Shape& s : in)
    for (int64_t d : s.dims)
      if (d <= 0) return fail("input shape " + str(s) + " has a non-positive dim");

  switch (kind) {
    case OpKind::Input: {
      const auto& a = std::get<InputAttrs>(attrs);
      if (a.shape.rank() == 0) return fail("input needs a shape");
      for (int64_t d : a.shape.dims)
        if (d <= 0) return fail("input shape " + str(a.shape) + " has a non-positive dim");
      return a.shape;
    }
    case OpKind::Conv2d:
      return infer_conv(std::get<Conv2dAttrs>(attrs), in[0]);
    case OpKind::ConvTranspose2d:
      return infer_conv_transpose(std::get<ConvTranspose2dAttrs>(attrs), in[0]);
    case OpKind::Linear: {
      const auto& a = std::get<LinearAttrs>(attrs);
      if (in[0].rank() != 2) return fail("linear expects a rank-2 input [N, features], got " + str(in[0]));
      if (a.out_features <= 0) return fail("out_features must be positive, got " + std::to_string(a.out_features));
      return Shape{in[0][0], a.out_features};
    }
    case OpKind::BatchNorm: {
      const auto& a = std::get<BatchNormAttrs>(attrs);
      if (in[0].rank() < 2) return fail("batch_norm expects a rank >= 2 input, got " + str(in[0]));
      if (!(a.epsilon > 0)) return fail("epsilon must be positive");
      return in[0];
    }
    case OpKind::Clip: {
      const auto& a = std::get<ClipAttrs>(attrs);
      if (!(a.min <= a.max)) return fail("clip min must not exceed max");
      return in[0];
    }
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::HardSwish:
    case OpKind::HardSigmoid:
    case OpKind::Sigmoid:
    case OpKind::Swish:
      return in[0];
    case OpKind::LeakyRelu: {
      const auto& a = std::get<LeakyReluAttrs>(attrs);
      if (!std::isfinite(a.alpha)) return fail("leaky_relu alpha must be finite");
      return in[0];
    }
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Sub:
    case OpKind::Div: {
      auto out = broadcast(in[0], in[1]);
      if (!out) return out;
      // The result must keep the first operand's shape: a feature map times a gate, not a growth.
      if (!(*out == in[0]) && !(*out == in[1]))
        return fail("shapes " + str(in[0]) + " and " + str(in[1]) + " broadcast to a third shape");
      return out;
    }
    case OpKind::Concat: {
      const auto& a = std::get<ConcatAttrs>(attrs);
      int64_t axis = normalise_axis(a.axis, in[0].rank());
      if (axis < 0 || axis >= static_cast<int64_t>(in[0].rank()))
        return fail("concat axis " + std::to_string(a.axis) + " is out of range for " + str(in[0]));
      Shape out = in[0];
      for (size_t i = 1; i < in.size(); ++i) {
        if (in[i].rank() != out.rank()) return fail("concat inputs differ in rank");
        for (size_t d = 0; d < out.rank(); ++d)
          if (static_cast<int64_t>(d) != axis && in[i][d] != out[d])
            return fail("concat inputs " + str(in[0]) + " and " + str(in[i]) + " differ outside axis " +
                        std::to_string(axis));
        out[static_cast<size_t>(axis)] += in[i][static_cast<size_t>(axis)];
      }
      return out;
    }
    case OpKind::MaxPool:
      return infer_pool(std::get<PoolAttrs>(attrs), in[0], "max_pool");
    case OpKind::AvgPool:
      return infer_pool(std::get<PoolAttrs>(attrs), in[0], "avg_pool");
    case OpKind::GlobalAvgPool: {
      if (auto r = need_rank(in[0], 4, "global_avg_pool"); !r) return r;
      return Shape{in[0].n(), in[0].c(), 1, 1};
    }
    case OpKind::GlobalMaxPool: {
      if (auto r = need_rank(in[0], 4, "global_max_pool"); !r) return r;
      return Shape{in[0].n(), in[0].c(), 1, 1};
    }
    case OpKind::Transpose:
      return infer_transpose(std::get<TransposeAttrs>(attrs), in[0]);
    case OpKind::ChannelShuffle: {
      const auto& a = std::get<ChannelShuffleAttrs>(attrs);
      if (auto r = need_rank(in[0], 4, "channel_shuffle"); !r) return r;
      if (a.groups <= 0 || in[0].c() % a.groups != 0)
        return fail("channel_shuffle groups=" + std::to_string(a.groups) + " does not divide the " +
                    std::to_string(in[0].c()) + " channels");
      return in[0];
    }
    case OpKind::Slice:
      return infer_slice(std::get<SliceAttrs>(attrs), in[0]);
    case OpKind::Resize: {
      const auto& a = std::get<ResizeAttrs>(attrs);
      if (auto r = need_rank(in[0], 4, "resize"); !r) return r;
      if (a.out_h <= 0 || a.out_w <= 0) return fail("resize output size must be positive");
      return Shape{in[0].n(), in[0].c(), a.out_h, a.out_w};
    }
    case OpKind::Pad: {
      const auto& a = std::get<PadAttrs>(attrs);
      if (auto r = need_rank(in[0], 4, "pad"); !r) return r;
      if (a.pad_top < 0 || a.pad_left < 0 || a.pad_bottom < 0 || a.pad_right < 0)
        return fail("paddings must not be negative");
      return Shape{in[0].n(), in[0].c(), in[0].h() + a.pad_top + a.pad_bottom,
                   in[0].w() + a.pad_left + a.pad_right};
    }
    case OpKind::Flatten: {
      const auto& a = std::get<FlattenAttrs>(attrs);
      int64_t axis = normalise_axis(a.axis, in[0].rank());
      if (axis < 0 || axis > static_cast<int64_t>(in[0].rank()))
        return fail("flatten axis " + std::to_string(a.axis) + " is out of range for " + str(in[0]));
      int64_t outer = 1, inner = 1;
      for (int64_t d = 0; d < static_cast<int64_t>(in[0].rank()); ++d)
        (d < axis ? outer : inner) *= in[0][static_cast<size_t>(d)];
      return Shape{outer, inner};
    }
    case OpKind::Reshape:
      return infer_reshape(std::get<ReshapeAttrs>(attrs), in[0]);
    case OpKind::Softmax: {
      const auto& a = std::get<SoftmaxAttrs>(attrs);
      int64_t axis = normalise_axis(a.axis, in[0].rank());
      if (axis < 0 || axis >= static_cast<int64_t>(in[0].rank()))
        return fail("softmax axis " + std::to_string(a.axis) + " is out of range for " + str(in[0]));
      return in[0];
    }
  }
  return fail("unknown operator kind");
}

}  // namespace

std::vector<Param> make_params(OpKind kind, const Attrs& attrs, const std::vector<Shape>& in) {
  switch (kind) {
    case OpKind::Conv2d: {
      const auto& a = std::get<Conv2dAttrs>(attrs);
      std::vector<Param> p{{"weight", Shape{a.out_channels, in[0].c() / a.groups, a.kernel_h, a.kernel_w}, true, {}}};
      if (a.bias) p.push_back({"bias", Shape{a.out_channels}, true, {}});
      return p;
    }
    case OpKind::ConvTranspose2d: {
      const auto& a = std::get<ConvTranspose2dAttrs>(attrs);
      std::vector<Param> p{{"weight", Shape{in[0].c(), a.out_channels / a.groups, a.kernel_h, a.kernel_w}, true, {}}};
      if (a.bias) p.push_back({"bias", Shape{a.out_channels}, true, {}});
      return p;
    }
    case OpKind::Linear: {
      const auto& a = std::get<LinearAttrs>(attrs);
      std::vector<Param> p{{"weight", Shape{a.out_features, in[0][1]}, true, {}}};
      if (a.bias) p.push_back({"bias", Shape{a.out_features}, true, {}});
      return p;
    }
    case OpKind::BatchNorm: {
      int64_t c = in[0][1];
      return {{"scale", Shape{c}, true, {}},
              {"bias", Shape{c}, true, {}},
              {"mean", Shape{c}, false, {}},
              {"var", Shape{c}, false, {}}};
    }
    default:
      return {};
  }
}

}  // namespace hwnas::ir
