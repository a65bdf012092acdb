// Private helpers of the ONNX part: constant tensors read from TensorProtos, typed attribute
// readers that never throw, bounded element counts, and the folding of exporters' shape arithmetic.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::onnx_io::detail {

// Limits that keep a hostile file from exhausting memory or overflowing int64 arithmetic.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 32;    // any tensor of the graph
inline constexpr int64_t kMaxConstantElements = int64_t{1} << 31;  // a tensor stored in the file
inline constexpr int64_t kMaxDim = int64_t{1} << 31;               // one dimension
inline constexpr int64_t kMaxWindow = int64_t{1} << 16;            // kernel, stride, pad, dilation

// A constant tensor: float data (FLOAT, DOUBLE, FLOAT16) or integer data (INT*, UINT*, BOOL).
struct ConstTensor {
  std::vector<int64_t> dims;  // empty for a scalar
  bool is_float = true;
  std::vector<float> floats;
  std::vector<int64_t> ints;

  size_t size() const { return is_float ? floats.size() : ints.size(); }
  double value(size_t i) const {
    return is_float ? static_cast<double>(floats[i]) : static_cast<double>(ints[i]);
  }
};

// The product of `dims`, or an error when a dim is negative or the product exceeds `limit`.
Result<int64_t> checked_numel(const std::vector<int64_t>& dims, int64_t limit);

// "1x3x224x224" ("scalar" for no dims).
std::string dims_to_string(const std::vector<int64_t>& dims);

// Reads an initializer or a Constant's tensor. Errors name the tensor, not the file.
Result<ConstTensor> read_tensor(const onnx::TensorProto& proto);

// A float read from an ONNX float32 field as the double a person wrote: the shortest decimal
// that rounds to the same float (0.2f -> 0.2, 1e-5f -> 1e-5), and 1/6 exactly for float(1/6).
double float_to_double(float value);

// Typed attribute readers: the default when absent, an error when present with another type.
const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, std::string_view name);
Result<int64_t> attr_int(const onnx::NodeProto& node, std::string_view name, int64_t fallback);
Result<double> attr_float(const onnx::NodeProto& node, std::string_view name, double fallback);
Result<std::string> attr_string(const onnx::NodeProto& node, std::string_view name, std::string fallback);
// nullopt when absent.
Result<std::optional<std::vector<int64_t>>> attr_ints(const onnx::NodeProto& node, std::string_view name);

// True for the operators of shape arithmetic that fold_constant_node can evaluate.
bool is_foldable_op(std::string_view op_type);

// Evaluates a foldable node whose present inputs are all constants (`inputs[i]` null for an
// absent optional input). Returns one tensor per node output. An operator that would create more
// than `max_elements` elements (ConstantOfShape, broadcasting, Gather, Concat, Slice) fails first.
Result<std::vector<ConstTensor>> fold_constant_node(const onnx::NodeProto& node,
                                                    const std::vector<const ConstTensor*>& inputs,
                                                    int64_t opset, int64_t max_elements);

}  // namespace hwnas::onnx_io::detail
