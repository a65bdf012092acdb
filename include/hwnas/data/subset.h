// Subsets of data sets: seeded (stratified) fractions for multi-fidelity training; a view of chosen indices.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

// The indices of a `fraction` (0 < fraction <= 1) of `size` items, in ascending order.
// With `labels` (one per item, >= 0): stratified, i.e. per class the first round(fraction * n_c)
// items (at least 1) of that class after a shuffle seeded by (seed, class). Without labels
// (empty): the first round(fraction * size) (at least 1) after a seeded shuffle. The subsets are
// nested: with the same seed, a smaller fraction selects a subset of a larger one.
Result<std::vector<int64_t>> fraction_indices(int64_t size, const std::vector<int64_t>& labels,
                                              double fraction, uint64_t seed);

// A data set made of chosen examples of another (indices may repeat), in the given order.
class SubsetDataset : public Dataset {
 public:
  // Error when an index is outside the base set.
  static Result<std::unique_ptr<SubsetDataset>> make(std::shared_ptr<const Dataset> base,
                                                     std::vector<int64_t> indices);

  Task task() const override { return base_->task(); }
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return base_->class_names(); }
  int64_t channels() const override { return base_->channels(); }
  int64_t height() const override { return base_->height(); }
  int64_t width() const override { return base_->width(); }
  std::vector<int64_t> labels() const override;
  std::string describe() const override;

  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
      : base_(std::move(base)), indices_(std::move(indices)) {}
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

}  // namespace hwnas::data
