// Spelling of YAML scalars in the text format: exact numbers, booleans and safely quoted names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hwnas/ir/result.h"

namespace hwnas::text::detail {

// The shortest decimal that reads back to exactly `value`; .inf, -.inf and .nan as YAML spells them.
std::string format_double(double value);
// `text` as a YAML scalar: plain when it is a simple identifier, else double-quoted with escapes.
std::string format_string(std::string_view text);

// Length of the valid UTF-8 sequence of a non-ASCII lead byte at text[i], or 0 when it is not one;
// its code point in `code`.
size_t utf8_sequence(std::string_view text, size_t i, uint32_t& code);
// The offset of the first byte that is not part of valid UTF-8, or npos when `text` is valid.
size_t first_invalid_utf8(std::string_view text);

// Decimal integer with an optional sign; the message says why `text` is not one.
Result<int64_t> parse_int(std::string_view text);
// A YAML 1.2 float or integer: 1, -2.5, 1e-05, .inf, -.inf, .nan.
Result<double> parse_double(std::string_view text);
// true or false (also True, TRUE, False, FALSE).
Result<bool> parse_bool(std::string_view text);

}  // namespace hwnas::text::detail
