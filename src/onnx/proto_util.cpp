// Reading ONNX TensorProtos and attributes into plain values, with every size and type checked.
#include "proto_util.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace hwnas::onnx_io::detail {
namespace {

// IEEE half -> float, for FLOAT16 initializers: (1024 + m) * 2^(e - 25), subnormals m * 2^-24.
float half_to_float(uint16_t h) {
  int exponent = (h >> 10) & 0x1f;
  int mantissa = h & 0x3ff;
  float magnitude = 0.0f;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa == 0 ? HUGE_VALF : NAN;
  else
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
}

template <class T>
T load_raw(const std::string& raw, size_t i) {
  T value;
  std::memcpy(&value, raw.data() + i * sizeof(T), sizeof(T));
  return value;
}

// Fills `out` from raw_data of element type T or from the typed repeated field.
template <class T, class Field, class Convert>
Status read_elements(const onnx::TensorProto& proto, const Field& field, int64_t numel, Convert convert,
                     auto& out) {
  auto n = static_cast<size_t>(numel);
  // Sizes are checked before anything is allocated: a tensor never outgrows the file's bytes.
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() / sizeof(T) != n || proto.raw_data().size() % sizeof(T) != 0)
      return Error{"raw_data holds " + std::to_string(proto.raw_data().size()) + " bytes, expected " +
                   std::to_string(n) + " values of " + std::to_string(sizeof(T)) + " bytes for shape [" +
                   dims_to_string({proto.dims().begin(), proto.dims().end()}) + "]"};
    out.resize(n);
    for (size_t i = 0; i < n; ++i) out[i] = convert(load_raw<T>(proto.raw_data(), i));
    return {};
  }
  if (static_cast<size_t>(field.size()) != n)
    return Error{"holds " + std::to_string(field.size()) + " values, expected " + std::to_string(n) +
                 " for shape [" + dims_to_string({proto.dims().begin(), proto.dims().end()}) + "]"};
  out.resize(n);
  for (size_t i = 0; i < n; ++i) out[i] = convert(static_cast<T>(field.Get(static_cast<int>(i))));
  return {};
}

const char* type_name(onnx::AttributeProto::AttributeType type) {
  switch (type) {
    case onnx::AttributeProto::FLOAT:
      return "float";
    case onnx::AttributeProto::INT:
      return "int";
    case onnx::AttributeProto::STRING:
      return "string";
    case onnx::AttributeProto::TENSOR:
      return "tensor";
    case onnx::AttributeProto::FLOATS:
      return "floats";
    case onnx::AttributeProto::INTS:
      return "ints";
    default:
      return "another type";
  }
}

Error wrong_type(const onnx::AttributeProto& a, const char* expected) {
  return Error{"attribute '" + a.name() + "' should be " + expected + ", not " + type_name(a.type())};
}

}  // namespace

Result<int64_t> checked_numel(const std::vector<int64_t>& dims, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return Error{"dimension " + std::to_string(d) + " is negative"};
    if (d == 0) return int64_t{0};
  }
  for (int64_t d : dims) {
    if (d > limit || n > limit / d)
      return Error{"shape [" + dims_to_string(dims) + "] has more than " + std::to_string(limit) +
                   " elements"};
    n *= d;
  }
  return n;
}

std::string dims_to_string(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

Result<ConstTensor> read_tensor(const onnx::TensorProto& proto) {
  const std::string where = "tensor '" + proto.name() + "'";
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0)
    return Error{where + " keeps its data in an external file, which is not supported"};
  if (proto.has_segment()) return Error{where + " is segmented, which is not supported"};
  ConstTensor t;
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  auto numel = checked_numel(t.dims, kMaxConstantElements);
  if (!numel) return numel.error().within(where);
  Status status;
  auto as_float = [](auto v) { return static_cast<float>(v); };
  auto as_int = [](auto v) { return static_cast<int64_t>(v); };
  switch (proto.data_type()) {
    case onnx::TensorProto::FLOAT:
      status = read_elements<float>(proto, proto.float_data(), *numel, as_float, t.floats);
      break;
    case onnx::TensorProto::DOUBLE:
      status = read_elements<double>(proto, proto.double_data(), *numel, as_float, t.floats);
      break;
    case onnx::TensorProto::FLOAT16:
      status = read_elements<uint16_t>(proto, proto.int32_data(), *numel, half_to_float, t.floats);
      break;
    case onnx::TensorProto::INT64:
      t.is_float = false;
      status = read_elements<int64_t>(proto, proto.int64_data(), *numel, as_int, t.ints);
      break;
    case onnx::TensorProto::INT32:
      t.is_float = false;
      status = read_elements<int32_t>(proto, proto.int32_data(), *numel, as_int, t.ints);
      break;
    case onnx::TensorProto::INT16:
      t.is_float = false;
      status = read_elements<int16_t>(proto, proto.int32_data(), *numel, as_int, t.ints);
      break;
    case onnx::TensorProto::UINT16:
      t.is_float = false;
      status = read_elements<uint16_t>(proto, proto.int32_data(), *numel, as_int, t.ints);
      break;
    case onnx::TensorProto::INT8:
      t.is_float = false;
      status = read_elements<int8_t>(proto, proto.int32_data(), *numel, as_int, t.ints);
      break;
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      t.is_float = false;
      status = read_elements<uint8_t>(proto, proto.int32_data(), *numel, as_int, t.ints);
      break;
    case onnx::TensorProto::UINT32:
      t.is_float = false;
      status = read_elements<uint32_t>(proto, proto.uint64_data(), *numel, as_int, t.ints);
      break;
    default:
      return Error{where + " has data type " + std::to_string(proto.data_type()) +
                   ", which is not supported"};
  }
  if (!status) return status.error().within(where);
  return t;
}

double float_to_double(float value) {
  if (!std::isfinite(value)) return static_cast<double>(value);
  if (value == static_cast<float>(1.0 / 6.0)) return 1.0 / 6.0;
  char buffer[64];
  auto printed = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (printed.ec != std::errc()) return static_cast<double>(value);
  double parsed = 0.0;
  auto read = std::from_chars(buffer, printed.ptr, parsed);
  if (read.ec != std::errc() || static_cast<float>(parsed) != value) return static_cast<double>(value);
  return parsed;
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

Result<int64_t> attr_int(const onnx::NodeProto& node, std::string_view name, int64_t fallback) {
  const auto* a = find_attribute(node, name);
  if (!a) return fallback;
  if (a->type() == onnx::AttributeProto::INT || (a->type() == onnx::AttributeProto::UNDEFINED && a->has_i()))
    return static_cast<int64_t>(a->i());
  return wrong_type(*a, "an int");
}

Result<double> attr_float(const onnx::NodeProto& node, std::string_view name, double fallback) {
  const auto* a = find_attribute(node, name);
  if (!a) return fallback;
  if (a->type() == onnx::AttributeProto::FLOAT ||
      (a->type() == onnx::AttributeProto::UNDEFINED && a->has_f()))
    return float_to_double(a->f());
  return wrong_type(*a, "a float");
}

Result<std::string> attr_string(const onnx::NodeProto& node, std::string_view name, std::string fallback) {
  const auto* a = find_attribute(node, name);
  if (!a) return fallback;
  if (a->type() == onnx::AttributeProto::STRING ||
      (a->type() == onnx::AttributeProto::UNDEFINED && a->has_s()))
    return a->s();
  return wrong_type(*a, "a string");
}

Result<std::optional<std::vector<int64_t>>> attr_ints(const onnx::NodeProto& node, std::string_view name) {
  const auto* a = find_attribute(node, name);
  if (!a) return std::optional<std::vector<int64_t>>{};
  if (a->type() == onnx::AttributeProto::INTS ||
      (a->type() == onnx::AttributeProto::UNDEFINED && a->ints_size() > 0))
    return std::optional<std::vector<int64_t>>{std::vector<int64_t>(a->ints().begin(), a->ints().end())};
  return wrong_type(*a, "a list of ints");
}

}  // namespace hwnas::onnx_io::detail
