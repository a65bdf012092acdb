// Base64 of little-endian float32: the bit-exact encoding of weights in the text format.
#include "weights_base64.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace hwnas::text::detail {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for an alphabet character, -1 otherwise.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

std::string encode_floats(const std::vector<float>& values) {
  const size_t byte_count = values.size() * 4;
  std::vector<uint8_t> bytes(byte_count);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits = 0;
    std::memcpy(&bits, &values[i], sizeof bits);
    for (size_t k = 0; k < 4; ++k) bytes[i * 4 + k] = static_cast<uint8_t>(bits >> (8 * k));  // little-endian
  }
  std::string out((byte_count + 2) / 3 * 4, '=');
  size_t o = 0;
  for (size_t i = 0; i < byte_count; i += 3) {
    size_t n = std::min<size_t>(3, byte_count - i);
    uint32_t group = static_cast<uint32_t>(bytes[i]) << 16;
    if (n > 1) group |= static_cast<uint32_t>(bytes[i + 1]) << 8;
    if (n > 2) group |= bytes[i + 2];
    out[o] = kAlphabet[(group >> 18) & 63];
    out[o + 1] = kAlphabet[(group >> 12) & 63];
    if (n > 1) out[o + 2] = kAlphabet[(group >> 6) & 63];
    if (n > 2) out[o + 3] = kAlphabet[group & 63];
    o += 4;
  }
  return out;
}

Result<std::vector<float>> decode_floats(std::string_view text) {
  std::string compact(text.size(), '\0');
  size_t length = 0;
  for (char c : text)
    if (!is_space(c)) compact[length++] = c;
  compact.resize(length);
  if (length % 4 != 0)
    return Error{"not valid base64: " + std::to_string(length) + " characters, not a multiple of 4"};
  size_t padding = 0;
  if (length > 0 && compact[length - 1] == '=') padding = compact[length - 2] == '=' ? 2 : 1;
  std::vector<uint8_t> bytes(length / 4 * 3 - padding);
  for (size_t i = 0, o = 0; i < length; i += 4) {
    bool last = i + 4 == length;
    uint32_t group = 0;
    for (size_t k = 0; k < 4; ++k) {
      int value = last && k >= 4 - padding ? 0 : sextet(compact[i + k]);
      if (value < 0)
        return Error{"not valid base64: unexpected character at offset " + std::to_string(i + k)};
      group = (group << 6) | static_cast<uint32_t>(value);
    }
    size_t n = last ? 3 - padding : 3;
    for (size_t k = 0; k < n; ++k) bytes[o++] = static_cast<uint8_t>(group >> (16 - 8 * k));
  }
  if (bytes.size() % 4 != 0)
    return Error{"not a whole number of float32 values: " + std::to_string(bytes.size()) + " bytes"};
  std::vector<float> values(bytes.size() / 4);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits = 0;
    for (size_t k = 0; k < 4; ++k) bits |= static_cast<uint32_t>(bytes[i * 4 + k]) << (8 * k);
    std::memcpy(&values[i], &bits, sizeof bits);
  }
  return values;
}

}  // namespace hwnas::text::detail
