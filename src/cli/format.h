// Number formatting and plain-text tables shared by the hwnas commands.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace hwnas::cli {

// 300774272 -> "300,774,272".
std::string with_thousands(int64_t value);
// A count with an SI suffix and three significant digits: 864 -> "864", 3504872 -> "3.50M",
// 300774272 -> "301M", 1154000000 -> "1.15G".
std::string human_count(int64_t value);
// Bytes in binary units: 512 -> "512 B", 401408 -> "392 KiB", 3504872 -> "3.34 MiB".
std::string human_bytes(int64_t bytes);
// 0.4735 -> "47.4%".
std::string percent(double fraction, int digits = 1);
// A number with `digits` decimals: fixed(3.14159, 2) -> "3.14".
std::string fixed(double value, int digits = 1);

// A table of strings printed with padded columns: text columns left-aligned, numbers right.
class TextTable {
 public:
  enum class Align { Left, Right };
  void add_column(std::string header, Align align);
  // One cell per column.
  void add_row(std::vector<std::string> cells);
  // Header and a rule of dashes (when `with_header`), then the rows; every line starts with `indent`.
  void print(std::ostream& out, const std::string& indent = "", bool with_header = true) const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hwnas::cli
