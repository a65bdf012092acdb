// Command-line validators shared by the benches (CLI11): CLI::PositiveNumber's message in CLI11 2.1
// spells out DBL_MAX; these say what is wrong ("0 is not a number > 0").
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

namespace hwnas::bench {

// A number > 0 (or >= 0 when `zero_allowed`).
inline CLI::Validator number_from_zero(bool zero_allowed) {
  return CLI::Validator(
      [zero_allowed](std::string& input) {
        char* end = nullptr;
        const double value = std::strtod(input.c_str(), &end);
        const bool number = end != input.c_str() && *end == '\0';
        const bool ok = number && (zero_allowed ? value >= 0 : value > 0);
        return ok ? std::string() : input + (zero_allowed ? " is not a number >= 0" : " is not a number > 0");
      },
      zero_allowed ? "NONNEGATIVE" : "POSITIVE");
}

inline CLI::Validator positive_number() { return number_from_zero(false); }
inline CLI::Validator non_negative_number() { return number_from_zero(true); }

}  // namespace hwnas::bench
