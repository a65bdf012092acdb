// The YAML fields of each operator: one table, shared by the text reader, writer and docs.
//
// Every typed attribute of every ir::OpKind is reached through exactly one field here, so the
// text format can name, default, read and write it without a per-op switch:
//
//   for (const text::FieldSpec& f : text::op_fields(ir::OpKind::Conv2d))
//     std::cout << f.name << (f.required ? " (required)" : "") << "\n";
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hwnas/ir/ops.h"

namespace hwnas::text {

// How a field is spelled in YAML.
enum class FieldKind {
  Int,      // 16
  Bool,     // true / false
  Double,   // 1e-05, .inf
  Pair,     // [h, w], or one integer when h == w (kernel, stride, dilation, size)
  Padding,  // [top, left, bottom, right], [h, w] when symmetric, or one integer when all equal
  Dims,     // a list of integers of any length (shapes)
  Mode,     // one of a fixed set of words (resize mode)
};

// A field's value: Int -> int64_t, Bool -> bool, Double -> double,
// Pair / Padding / Dims -> the full vector (2, 4 or any entries), Mode -> the word.
using FieldValue = std::variant<int64_t, bool, double, std::vector<int64_t>, std::string>;

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;                        // no valid default exists; loading fails when the field is missing
  std::string_view help;                // one line for docs and error messages
  std::vector<std::string_view> words;  // the accepted words of a Mode field
  FieldValue (*get)(const ir::Attrs& attrs);
  void (*set)(ir::Attrs& attrs, const FieldValue& value);
};

// The fields of `kind`'s attributes, in the order they are written.
const std::vector<FieldSpec>& op_fields(ir::OpKind kind);

}  // namespace hwnas::text
