// Batching: a seeded shuffled order per epoch, batches of indices, a batch loaded into contiguous arrays.
//
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//     auto order = data::epoch_order(train.size(), seed, epoch);
//     for (const auto& indices : data::make_batches(order, 128, /*drop_last=*/true)) {
//       auto batch = data::load_batch(train, indices, {.augment = {.crop_padding = 2}, .seed = seed, .epoch =
//       epoch});
//       // batch->images is [n, c, h, w] row-major, ready for torch::from_blob
//     }
//   }
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/data/augment.h"
#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

// A permutation of 0..size-1 (Fisher-Yates) from the stream of (seed, epoch): the same for the
// same arguments, a different one for each epoch.
std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, int64_t epoch);

// `order` cut into consecutive batches of `batch_size` (>= 1); the last, shorter one is kept
// unless `drop_last`.
std::vector<std::vector<int64_t>> make_batches(std::span<const int64_t> order, int64_t batch_size,
                                               bool drop_last);

struct LoadOptions {
  AugmentOptions augment{};   // none by default (evaluation)
  std::vector<float> mean{};  // normalisation per channel, when not empty (with std)
  std::vector<float> std{};
  uint64_t seed = 0;  // augmentation streams: (seed, epoch, index)
  int64_t epoch = 0;
};

// Examples stacked: images[n, c, h, w]; labels[n] (classification); masks[n, h, w]
// (segmentation); boxes per example (detection).
struct Batch {
  int64_t size = 0, channels = 0, height = 0, width = 0;
  std::vector<float> images;
  std::vector<int64_t> labels;
  std::vector<int64_t> masks;
  std::vector<std::vector<Box>> boxes;
};

// Reads, augments, normalises and stacks the examples of `indices`. Error when one cannot be read
// or their image sizes differ.
Result<Batch> load_batch(const Dataset& dataset, std::span<const int64_t> indices,
                         const LoadOptions& options = {});

}  // namespace hwnas::data
