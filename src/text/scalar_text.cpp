// Exact formatting and strict parsing of the scalars of the text format.
#include "scalar_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace hwnas::text::detail {
namespace {

bool is_plain_char(char c, bool first) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') return true;
  if (first) return false;
  return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '/';
}

// Words a YAML reader may take for null or a boolean; names spelled so are quoted.
bool is_reserved_word(std::string_view text) {
  static const std::array<std::string_view, 9> words = {"null", "true", "false", "yes", "no",
                                                        "on",   "off",  "y",     "n"};
  std::string lower(text);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (std::string_view w : words)
    if (lower == w) return true;
  return false;
}

bool only_float_chars(std::string_view text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+')) return false;
  return true;
}

}  // namespace

size_t utf8_sequence(std::string_view text, size_t i, uint32_t& code) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length = 0;
  code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  if (overlong || surrogate || code > 0x10FFFF) return 0;
  return length;
}

size_t first_invalid_utf8(std::string_view text) {
  uint32_t code = 0;
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_sequence(text, i, code);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string format_double(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), end);
  // Keep a visible decimal point so that the value reads as a float: 6 -> 6.0, 1e+20 stays.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string format_string(std::string_view text) {
  bool plain = !text.empty() && !is_reserved_word(text);
  for (size_t i = 0; plain && i < text.size(); ++i) plain = is_plain_char(text[i], i == 0);
  if (plain) return std::string(text);

  static const char* hex = "0123456789ABCDEF";
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (uint32_t code = 0; size_t n = utf8_sequence(text, i, code)) {
      // Non-ASCII is escaped: YAML readers differ on which code points break a line (U+0085, U+2028).
      int digits = code > 0xFFFF ? 8 : 4;
      out += digits == 8 ? "\\U" : "\\u";
      for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += hex[(code >> shift) & 0xF];
      i += n;
    } else {
      out += "\\uFFFD";  // a byte that is not UTF-8 cannot be written in YAML; see docs/text-format.md
      ++i;
    }
  }
  out += '"';
  return out;
}

Result<int64_t> parse_int(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  bool well_formed = !digits.empty();
  for (size_t i = 0; i < digits.size(); ++i)
    well_formed = well_formed && ((digits[i] >= '0' && digits[i] <= '9') || (i == 0 && digits[i] == '-'));
  if (!well_formed || digits == "-") return Error{"expected an integer, got '" + std::string(text) + "'"};
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) return Error{"integer " + std::string(text) + " is out of range"};
  if (ec != std::errc() || end != digits.data() + digits.size())
    return Error{"expected an integer, got '" + std::string(text) + "'"};
  return value;
}

Result<double> parse_double(std::string_view text) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF")
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  Error not_a_number{"expected a number, got '" + std::string(text) + "'"};
  if (body.empty() || !only_float_chars(body) || body.front() == '+' || body.front() == '-')
    return not_a_number;
  double value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec == std::errc::result_out_of_range) return Error{"number " + std::string(text) + " is out of range"};
  if (ec != std::errc() || end != body.data() + body.size()) return not_a_number;
  return negative ? -value : value;
}

Result<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return Error{"expected true or false, got '" + std::string(text) + "'"};
}

}  // namespace hwnas::text::detail
