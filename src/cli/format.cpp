// Number formatting and plain-text tables shared by the hwnas commands.
#include "format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hwnas::cli {
namespace {

// `value` (>= 1) with three significant digits; 99.96 rounds to "100", not "100.0".
std::string three_digits(double value) {
  char text[32];
  const int decimals = value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2;
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

std::string with_thousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return value < 0 ? "-" + grouped : grouped;
}

std::string human_count(int64_t value) {
  const double magnitude = std::fabs(static_cast<double>(value));
  const char* sign = value < 0 ? "-" : "";
  if (magnitude < 1000) return std::to_string(value);
  static const std::pair<double, const char*> units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& [scale, suffix] : units) {
    // Round first so that 999,999 prints as "1.00M", not "1000K".
    if (magnitude >= scale * 0.9995) return sign + three_digits(magnitude / scale) + suffix;
  }
  return std::to_string(value);
}

std::string human_bytes(int64_t bytes) {
  const double magnitude = std::fabs(static_cast<double>(bytes));
  const char* sign = bytes < 0 ? "-" : "";
  if (magnitude < 1024) return std::to_string(bytes) + " B";
  static const std::pair<double, const char*> units[] = {
      {1024.0 * 1024 * 1024, " GiB"}, {1024.0 * 1024, " MiB"}, {1024.0, " KiB"}};
  for (const auto& [scale, suffix] : units)
    if (magnitude >= scale * 0.9995) return sign + three_digits(magnitude / scale) + suffix;
  return std::to_string(bytes) + " B";
}

std::string percent(double fraction, int digits) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f%%", digits, 100.0 * fraction);
  return text;
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

void TextTable::add_column(std::string header, Align align) {
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out, const std::string& indent, bool with_header) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = with_header ? headers_[c].size() : 0;
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  auto print_line = [&](const std::vector<std::string>& cells) {
    std::string line = indent;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += "  ";
      const std::string padding(widths[c] - cells[c].size(), ' ');
      line += aligns_[c] == Align::Right ? padding + cells[c] : cells[c] + padding;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  if (with_header) {
    print_line(headers_);
    std::vector<std::string> rule;
    for (size_t w : widths) rule.emplace_back(w, '-');
    print_line(rule);
  }
  for (const auto& row : rows_) print_line(row);
}

}  // namespace hwnas::cli
