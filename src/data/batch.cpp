// Epoch orders, batches of indices, and stacking examples into contiguous arrays.
#include "hwnas/data/batch.h"

#include <algorithm>

#include "hwnas/data/rng.h"

namespace hwnas::data {
namespace {
constexpr uint64_t kEpochStream = 0x65706f6368;  // "epoch"
}  // namespace

std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(std::max<int64_t>(size, 0)));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  Rng rng(mix_seed({seed, kEpochStream, static_cast<uint64_t>(epoch)}));
  for (int64_t i = size - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng.uniform_int(0, i))]);
  return order;
}

std::vector<std::vector<int64_t>> make_batches(std::span<const int64_t> order, int64_t batch_size,
                                               bool drop_last) {
  std::vector<std::vector<int64_t>> batches;
  if (batch_size < 1) batch_size = 1;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size)) {
    size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
    if (drop_last && end - start < static_cast<size_t>(batch_size)) break;
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return batches;
}

Result<Batch> load_batch(const Dataset& dataset, std::span<const int64_t> indices,
                         const LoadOptions& options) {
  Batch batch;
  batch.size = static_cast<int64_t>(indices.size());
  bool normalise = !options.mean.empty() || !options.std.empty();
  for (size_t i = 0; i < indices.size(); ++i) {
    int64_t index = indices[i];
    auto read = dataset.get(index);
    if (!read) return read.error();
    Example example = augment(*read, options.augment, options.seed, options.epoch, index);
    if (normalise) {
      if (Status s = normalize(example.image, options.mean, options.std); !s)
        return s.error().within(dataset.describe());
    }
    const Image& image = example.image;
    if (i == 0) {
      batch.channels = image.channels;
      batch.height = image.height;
      batch.width = image.width;
      batch.images.reserve(indices.size() * image.pixels.size());
    } else if (image.channels != batch.channels || image.height != batch.height ||
               image.width != batch.width) {
      return Error{dataset.describe() + ": example " + std::to_string(index) + " is " +
                   std::to_string(image.channels) + "x" + std::to_string(image.height) + "x" +
                   std::to_string(image.width) + ", the batch's first " + std::to_string(batch.channels) +
                   "x" + std::to_string(batch.height) + "x" + std::to_string(batch.width)};
    }
    batch.images.insert(batch.images.end(), image.pixels.begin(), image.pixels.end());
    switch (dataset.task()) {
      case Task::Classification:
        batch.labels.push_back(example.label);
        break;
      case Task::Segmentation:
        if (example.mask.height != image.height || example.mask.width != image.width)
          return Error{dataset.describe() + ": example " + std::to_string(index) +
                       " has no mask of its image's size"};
        batch.masks.insert(batch.masks.end(), example.mask.classes.begin(), example.mask.classes.end());
        break;
      case Task::Detection:
        batch.boxes.push_back(std::move(example.boxes));
        break;
    }
  }
  return batch;
}

}  // namespace hwnas::data
