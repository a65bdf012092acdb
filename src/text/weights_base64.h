// Exact encoding of parameter data: base64 (RFC 4648) of little-endian IEEE-754 float32 values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::text::detail {

// Base64 of the values' little-endian float32 bytes, with '=' padding and no line breaks.
std::string encode_floats(const std::vector<float>& values);
// Inverse of encode_floats; whitespace (the line breaks of a YAML block) is skipped.
Result<std::vector<float>> decode_floats(std::string_view text);

}  // namespace hwnas::text::detail
