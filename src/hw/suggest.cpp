// Nearest-name suggestions (edit distance) for spec fields and target names.
#include "suggest.h"

#include <algorithm>

namespace hwnas::hw::detail {
namespace {

// Levenshtein distance, adjacent transpositions counting as one edit.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  constexpr size_t kMaxLength = 128;  // longer words are no typos of a name
  if (word.empty() || word.size() > kMaxLength) return "";
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    if (candidate.size() > kMaxLength) continue;
    size_t distance = edit_distance(word, candidate);
    size_t longer = std::max(word.size(), candidate.size());
    // at most 2 edits, or at most 40 % of the longer word
    bool close = distance > 0 && distance < longer && (distance <= 2 || distance * 5 <= longer * 2);
    if (close && (!best || distance < best_distance)) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best ? "; did you mean '" + *best + "'?" : "";
}

}  // namespace hwnas::hw::detail
