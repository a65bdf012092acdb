// Operator names, attribute dispatch and op classes, generated from ops.def.
#include "hwnas/ir/ops.h"

#include <sstream>

#include "hwnas/ir/shape.h"

namespace hwnas::ir {

std::string Shape::to_string() const {
  std::ostringstream out;
  for (size_t i = 0; i < dims.size(); ++i) out << (i ? "x" : "") << dims[i];
  return out.str();
}

Conv2dAttrs Conv2dAttrs::make(int64_t out_channels, int64_t k, int64_t s, int64_t groups,
                              bool bias) {
  Conv2dAttrs a;
  a.out_channels = out_channels;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = s;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = (k - 1) / 2;
  a.groups = groups;
  a.bias = bias;
  return a;
}

std::string_view op_name(OpKind kind) {
  switch (kind) {
#define HWNAS_OP(Enum, text, Attrs) \
  case OpKind::Enum:                \
    return text;
#include "hwnas/ir/ops.def"
#undef HWNAS_OP
  }
  return "unknown";
}

const std::vector<OpKind>& all_op_kinds() {
  static const std::vector<OpKind> kinds = {
#define HWNAS_OP(Enum, text, Attrs) OpKind::Enum,
#include "hwnas/ir/ops.def"
#undef HWNAS_OP
  };
  return kinds;
}

std::optional<OpKind> op_from_name(std::string_view name) {
  for (OpKind kind : all_op_kinds())
    if (op_name(kind) == name) return kind;
  return std::nullopt;
}

Attrs default_attrs(OpKind kind) {
  switch (kind) {
#define HWNAS_OP(Enum, text, AttrsType) \
  case OpKind::Enum:                    \
    return AttrsType{};
#include "hwnas/ir/ops.def"
#undef HWNAS_OP
  }
  return NoAttrs{};
}

bool attrs_match(OpKind kind, const Attrs& attrs) {
  switch (kind) {
#define HWNAS_OP(Enum, text, AttrsType) \
  case OpKind::Enum:                    \
    return std::holds_alternative<AttrsType>(attrs);
#include "hwnas/ir/ops.def"
#undef HWNAS_OP
  }
  return false;
}

bool is_activation(OpKind kind) {
  switch (kind) {
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Clip:
    case OpKind::HardSwish:
    case OpKind::HardSigmoid:
    case OpKind::Sigmoid:
    case OpKind::Swish:
    case OpKind::LeakyRelu:
      return true;
    default:
      return false;
  }
}

bool is_elementwise_binary(OpKind kind) {
  return kind == OpKind::Add || kind == OpKind::Mul || kind == OpKind::Sub || kind == OpKind::Div;
}

bool is_mac(OpKind kind) {
  return kind == OpKind::Conv2d || kind == OpKind::ConvTranspose2d || kind == OpKind::Linear;
}

bool is_data_movement(OpKind kind) {
  return kind == OpKind::Transpose || kind == OpKind::ChannelShuffle || kind == OpKind::Slice;
}

}  // namespace hwnas::ir
