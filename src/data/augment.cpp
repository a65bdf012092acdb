// Augmentation of examples (padded crop, flip, random erasing) with their annotations; channel statistics, normalisation.
#include "hwnas/data/augment.h"

#include <algorithm>
#include <cmath>

#include "hwnas/data/image_ops.h"

namespace hwnas::data {
namespace {
constexpr uint64_t kAugmentStream = 0x6175676d;  // "augm"
}  // namespace

Example flip_horizontal(const Example& example) {
  Example out;
  out.image = flip_horizontal(example.image);
  out.label = example.label;
  if (!example.mask.classes.empty()) out.mask = flip_horizontal(example.mask);
  for (const Box& box : example.boxes) out.boxes.push_back(flip_horizontal(box, example.image.width));
  return out;
}

Example padded_crop(const Example& example, int64_t padding, int64_t top, int64_t left) {
  const Image& image = example.image;
  int64_t dy = top - padding, dx = left - padding;
  Example out;
  out.image = crop(image, dy, dx, image.height, image.width);
  out.label = example.label;
  if (!example.mask.classes.empty())
    out.mask = crop(example.mask, dy, dx, example.mask.height, example.mask.width);
  for (Box box : example.boxes)
    if (crop(box, dy, dx, image.height, image.width)) out.boxes.push_back(box);
  return out;
}

void erase_rectangle(Image& image, int64_t top, int64_t left, int64_t height, int64_t width,
                     std::span<const float> fill) {
  const int64_t y0 = std::max<int64_t>(0, top), y1 = std::min(image.height, top + height);
  const int64_t x0 = std::max<int64_t>(0, left), x1 = std::min(image.width, left + width);
  for (int64_t c = 0; c < image.channels; ++c) {
    const float value = static_cast<size_t>(c) < fill.size() ? fill[static_cast<size_t>(c)] : 0.0f;
    for (int64_t y = y0; y < y1; ++y)
      for (int64_t x = x0; x < x1; ++x) image.at(c, y, x) = value;
  }
}

namespace {
// One rectangle of random area and aspect ratio inside the image, tried up to 10 times as in the
// paper; nothing erased when none fits.
void random_erase(Image& image, std::span<const float> fill, Rng& rng) {
  const double area = static_cast<double>(image.height * image.width);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(0.02, 0.33);
    const double aspect = std::exp(rng.uniform(std::log(0.3), std::log(1.0 / 0.3)));
    const auto height = static_cast<int64_t>(std::lround(std::sqrt(target * aspect)));
    const auto width = static_cast<int64_t>(std::lround(std::sqrt(target / aspect)));
    if (height < 1 || width < 1 || height >= image.height || width >= image.width) continue;
    const int64_t top = rng.uniform_int(0, image.height - height);
    const int64_t left = rng.uniform_int(0, image.width - width);
    erase_rectangle(image, top, left, height, width, fill);
    return;
  }
}
}  // namespace

Example augment(const Example& example, const AugmentOptions& options, Rng& rng) {
  Example out = example;
  if (options.crop_padding > 0) {
    int64_t top = rng.uniform_int(0, 2 * options.crop_padding);
    int64_t left = rng.uniform_int(0, 2 * options.crop_padding);
    out = padded_crop(out, options.crop_padding, top, left);
  }
  if (options.horizontal_flip && rng.bernoulli(0.5)) out = flip_horizontal(out);
  if (options.erase_probability > 0.0 && rng.bernoulli(options.erase_probability))
    random_erase(out.image, options.erase_fill, rng);
  return out;
}

Example augment(const Example& example, const AugmentOptions& options, uint64_t seed, int64_t epoch,
                int64_t index) {
  Rng rng(mix_seed({seed, kAugmentStream, static_cast<uint64_t>(epoch), static_cast<uint64_t>(index)}));
  return augment(example, options, rng);
}

Result<ChannelStatistics> channel_statistics(const Dataset& dataset, int64_t max_examples) {
  int64_t n = max_examples > 0 ? std::min(max_examples, dataset.size()) : dataset.size();
  if (n <= 0) return Error{"channel statistics: " + dataset.describe() + " is empty"};
  int64_t channels = dataset.channels();
  std::vector<double> sum(static_cast<size_t>(channels)), sum_squares(static_cast<size_t>(channels));
  double pixels_per_channel = 0;
  for (int64_t i = 0; i < n; ++i) {
    auto example = dataset.get(i);
    if (!example) return example.error();
    const Image& image = example->image;
    if (image.channels != channels)
      return Error{"channel statistics: example " + std::to_string(i) + " has " +
                   std::to_string(image.channels) + " channels, the data set " + std::to_string(channels)};
    int64_t plane = image.height * image.width;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < plane; ++p) {
        double v = image.pixels[static_cast<size_t>(c * plane + p)];
        sum[static_cast<size_t>(c)] += v;
        sum_squares[static_cast<size_t>(c)] += v * v;
      }
    pixels_per_channel += static_cast<double>(plane);
  }
  ChannelStatistics stats;
  for (int64_t c = 0; c < channels; ++c) {
    double mean = sum[static_cast<size_t>(c)] / pixels_per_channel;
    double variance = std::max(0.0, sum_squares[static_cast<size_t>(c)] / pixels_per_channel - mean * mean);
    stats.mean.push_back(static_cast<float>(mean));
    stats.std.push_back(static_cast<float>(std::sqrt(variance)));
  }
  return stats;
}

Status normalize(Image& image, std::span<const float> mean, std::span<const float> std) {
  if (static_cast<int64_t>(mean.size()) != image.channels ||
      static_cast<int64_t>(std.size()) != image.channels)
    return Error{"normalize: " + std::to_string(mean.size()) + " means and " + std::to_string(std.size()) +
                 " standard deviations for an image of " + std::to_string(image.channels) + " channels"};
  for (float s : std)
    if (!(s > 0.0f)) return Error{"normalize: standard deviation " + std::to_string(s) + " is not positive"};
  int64_t plane = image.height * image.width;
  for (int64_t c = 0; c < image.channels; ++c) {
    float m = mean[static_cast<size_t>(c)], inverse = 1.0f / std[static_cast<size_t>(c)];
    for (int64_t p = 0; p < plane; ++p) {
      float& v = image.pixels[static_cast<size_t>(c * plane + p)];
      v = (v - m) * inverse;
    }
  }
  return {};
}

}  // namespace hwnas::data
