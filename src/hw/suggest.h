// "Did you mean ...?" for misspelt spec fields and target names (private to hwnas_hw).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hwnas::hw::detail {

// "; did you mean 'clock_mhz'?" when a candidate is within a typo's distance of `word`, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hwnas::hw::detail
