// Seeded augmentation (padded crop, horizontal flip) over image, mask and boxes alike; normalisation.
//
// The random draws of example `index` in `epoch` come from a stream seeded by
// (seed, epoch, index), so augmentation does not depend on batch order or threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/data/rng.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

struct AugmentOptions {
  // > 0: pad every side with this many zero pixels (background in masks) and crop the original
  // size at a uniform offset (torchvision's RandomCrop(size, padding)).
  int64_t crop_padding = 0;
  // Mirror left-right with probability 1/2.
  bool horizontal_flip = false;
};

// The example mirrored left-right: image, mask and boxes.
Example flip_horizontal(const Example& example);
// The example shifted so that the window at (top, left) of the padded image becomes the image:
// out(y, x) = in(y + top - padding, x + left - padding), zero / background outside. Boxes move
// with it and are clipped; a box with nothing left is dropped.
Example padded_crop(const Example& example, int64_t padding, int64_t top, int64_t left);

// Random crop then random flip, drawn from `rng`.
Example augment(const Example& example, const AugmentOptions& options, Rng& rng);
// The same with the stream of (seed, epoch, index).
Example augment(const Example& example, const AugmentOptions& options, uint64_t seed, int64_t epoch,
                int64_t index);

// Per-channel mean and standard deviation of a data set's images.
struct ChannelStatistics {
  std::vector<float> mean;
  std::vector<float> std;
};
// Over the first `max_examples` examples (0: all), in double precision. Error when an example
// cannot be read or the set is empty.
Result<ChannelStatistics> channel_statistics(const Dataset& dataset, int64_t max_examples = 0);

// (pixel - mean[c]) / std[c] per channel. Error when the sizes differ from the image's channels
// or a std is not positive.
Status normalize(Image& image, std::span<const float> mean, std::span<const float> std);

}  // namespace hwnas::data
