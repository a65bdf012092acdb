// "Did you mean ...?": the nearest known word to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::text::detail {

// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'conv2d'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hwnas::text::detail
