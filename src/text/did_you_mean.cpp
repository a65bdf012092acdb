// Nearest-word suggestions ("did you mean ...?") for unknown ops, fields, values and names.
#include "hwnas/text/strict_yaml.h"

#include <algorithm>

namespace hwnas::text {
namespace {

// Levenshtein distance with adjacent transpositions counted as one edit ("kernle" -> "kernel").
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& candidates) {
  // Words longer than this are not typos of a name a person typed; skip the quadratic work.
  constexpr size_t kMaxLength = 64;
  if (word.empty() || word.size() > kMaxLength) return std::nullopt;
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    if (candidate.size() > kMaxLength) continue;
    size_t distance = edit_distance(word, candidate);
    // Close enough: at most 2 edits, or at most 40 % of the longer word ("kernal" -> "kernel").
    size_t longer = std::max(word.size(), candidate.size());
    bool close = distance > 0 && (distance <= 2 || distance * 5 <= longer * 2);
    if (close && distance < longer && (!best || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto best = nearest_word(word, candidates);
  return best ? "; did you mean '" + *best + "'?" : "";
}

std::string join_words(const std::vector<std::string>& words) {
  std::string list;
  for (const auto& w : words) list += (list.empty() ? "" : ", ") + w;
  return list;
}

}  // namespace hwnas::text
