// Seeded augmentation (padded crop, horizontal flip, random erasing) of examples; normalisation.
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
  // > 0: with this probability, fill one random rectangle of the image (2-33 % of its area,
  // aspect ratio log-uniform in [0.3, 3.3]) with `erase_fill` (Zhong et al. 2020, "Random
  // Erasing Data Augmentation"). The image only: masks and boxes are left as they are, so this
  // is for classification.
  double erase_probability = 0.0;
  // Per-channel fill of an erased rectangle (the data set's mean, so that it normalises to 0);
  // empty: 0.
  std::vector<float> erase_fill{};
};

// The example mirrored left-right: image, mask and boxes.
Example flip_horizontal(const Example& example);
// The example shifted so that the window at (top, left) of the padded image becomes the image:
// out(y, x) = in(y + top - padding, x + left - padding), zero / background outside. Boxes move
// with it and are clipped; a box with nothing left is dropped.
Example padded_crop(const Example& example, int64_t padding, int64_t top, int64_t left);

// Fills the rectangle [top, top + height) x [left, left + width) of `image` with `fill` per
// channel (0 where `fill` is empty), clipped to the image.
void erase_rectangle(Image& image, int64_t top, int64_t left, int64_t height, int64_t width,
                     std::span<const float> fill);

// Random crop, then random flip, then random erasing, drawn from `rng`.
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
