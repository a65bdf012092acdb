// Seeded, stratified fractions of a data set and the SubsetDataset view.
#include "hwnas/data/subset.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "hwnas/data/rng.h"

namespace hwnas::data {
namespace {

void shuffle(std::vector<int64_t>& values, Rng& rng) {
  for (int64_t i = static_cast<int64_t>(values.size()) - 1; i > 0; --i)
    std::swap(values[static_cast<size_t>(i)], values[static_cast<size_t>(rng.uniform_int(0, i))]);
}

int64_t kept_count(int64_t n, double fraction) {
  auto kept = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  return std::clamp<int64_t>(kept, 1, n);
}

constexpr uint64_t kFractionStream = 0x66726163;  // "frac"

}  // namespace

Result<std::vector<int64_t>> fraction_indices(int64_t size, const std::vector<int64_t>& labels,
                                              double fraction, uint64_t seed) {
  if (!(fraction > 0.0 && fraction <= 1.0))
    return Error{"fraction: " + std::to_string(fraction) + " is outside (0, 1]"};
  if (size < 0) return Error{"fraction: negative size"};
  if (!labels.empty() && static_cast<int64_t>(labels.size()) != size)
    return Error{"fraction: " + std::to_string(labels.size()) + " labels for " + std::to_string(size) +
                 " items"};
  std::vector<int64_t> kept;
  if (size == 0) return kept;
  if (labels.empty()) {
    std::vector<int64_t> all(static_cast<size_t>(size));
    for (int64_t i = 0; i < size; ++i) all[static_cast<size_t>(i)] = i;
    Rng rng(mix_seed({seed, kFractionStream}));
    shuffle(all, rng);
    kept.assign(all.begin(), all.begin() + kept_count(size, fraction));
  } else {
    std::map<int64_t, std::vector<int64_t>> by_class;  // ordered: deterministic
    for (int64_t i = 0; i < size; ++i) {
      int64_t label = labels[static_cast<size_t>(i)];
      if (label < 0)
        return Error{"fraction: label " + std::to_string(label) + " of item " + std::to_string(i) +
                     " is negative"};
      by_class[label].push_back(i);
    }
    for (auto& [label, items] : by_class) {
      Rng rng(mix_seed({seed, kFractionStream, static_cast<uint64_t>(label)}));
      shuffle(items, rng);
      int64_t n = kept_count(static_cast<int64_t>(items.size()), fraction);
      kept.insert(kept.end(), items.begin(), items.begin() + n);
    }
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

Result<std::unique_ptr<SubsetDataset>> SubsetDataset::make(std::shared_ptr<const Dataset> base,
                                                           std::vector<int64_t> indices) {
  if (!base) return Error{"subset: no base data set"};
  int64_t n = base->size();
  for (int64_t index : indices)
    if (index < 0 || index >= n) return index_out_of_range("subset of " + base->describe(), index, n);
  return std::unique_ptr<SubsetDataset>(new SubsetDataset(std::move(base), std::move(indices)));
}

Result<Example> SubsetDataset::get(int64_t index) const {
  if (index < 0 || index >= size()) return index_out_of_range(describe(), index, size());
  return base_->get(indices_[static_cast<size_t>(index)]);
}

std::vector<int64_t> SubsetDataset::labels() const {
  std::vector<int64_t> all = base_->labels();
  if (all.empty()) return {};
  std::vector<int64_t> out;
  out.reserve(indices_.size());
  for (int64_t index : indices_) out.push_back(all[static_cast<size_t>(index)]);
  return out;
}

std::string SubsetDataset::describe() const {
  return "subset (" + std::to_string(indices_.size()) + " examples) of " + base_->describe();
}

}  // namespace hwnas::data
