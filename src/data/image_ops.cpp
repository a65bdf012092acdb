// Pixel operations: bilinear (half-pixel centres) and nearest resize, channel replication, flip, crop.
#include "hwnas/data/image_ops.h"

#include <algorithm>
#include <cmath>

namespace hwnas::data {
namespace {

// Source index and weight of one output coordinate along an axis, as PyTorch computes them for
// bilinear interpolation with align_corners=False.
struct Tap {
  int64_t low = 0, high = 0;
  float high_weight = 0;
};

std::vector<Tap> bilinear_taps(int64_t in, int64_t out) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t o = 0; o < out; ++o) {
    double source = std::max(0.0, (static_cast<double>(o) + 0.5) * scale - 0.5);
    int64_t low = std::min(static_cast<int64_t>(source), in - 1);
    Tap& tap = taps[static_cast<size_t>(o)];
    tap.low = low;
    tap.high = std::min(low + 1, in - 1);
    tap.high_weight = static_cast<float>(source - static_cast<double>(low));
  }
  return taps;
}

}  // namespace

Image resize_bilinear(const Image& image, int64_t height, int64_t width) {
  if (height == image.height && width == image.width) return image;
  Image out = filled_image(image.channels, height, width);
  std::vector<Tap> rows = bilinear_taps(image.height, height);
  std::vector<Tap> cols = bilinear_taps(image.width, width);
  for (int64_t c = 0; c < image.channels; ++c) {
    for (int64_t y = 0; y < height; ++y) {
      const Tap& r = rows[static_cast<size_t>(y)];
      for (int64_t x = 0; x < width; ++x) {
        const Tap& k = cols[static_cast<size_t>(x)];
        float top =
            image.at(c, r.low, k.low) * (1 - k.high_weight) + image.at(c, r.low, k.high) * k.high_weight;
        float bottom =
            image.at(c, r.high, k.low) * (1 - k.high_weight) + image.at(c, r.high, k.high) * k.high_weight;
        out.at(c, y, x) = top * (1 - r.high_weight) + bottom * r.high_weight;
      }
    }
  }
  return out;
}

Mask resize_nearest(const Mask& mask, int64_t height, int64_t width) {
  if (height == mask.height && width == mask.width) return mask;
  Mask out;
  out.height = height;
  out.width = width;
  out.classes.assign(static_cast<size_t>(height * width), 0);
  for (int64_t y = 0; y < height; ++y) {
    const int64_t source_y = std::min(y * mask.height / height, mask.height - 1);
    for (int64_t x = 0; x < width; ++x)
      out.at(y, x) = mask.at(source_y, std::min(x * mask.width / width, mask.width - 1));
  }
  return out;
}

Image replicate_channels(const Image& grey, int64_t channels) {
  Image out = filled_image(channels, grey.height, grey.width);
  size_t plane = static_cast<size_t>(grey.height * grey.width);
  for (int64_t c = 0; c < channels; ++c)
    std::copy(grey.pixels.begin(), grey.pixels.begin() + static_cast<std::ptrdiff_t>(plane),
              out.pixels.begin() + static_cast<std::ptrdiff_t>(plane * static_cast<size_t>(c)));
  return out;
}

Image flip_horizontal(const Image& image) {
  Image out = image;
  for (int64_t c = 0; c < image.channels; ++c)
    for (int64_t y = 0; y < image.height; ++y)
      for (int64_t x = 0; x < image.width; ++x) out.at(c, y, x) = image.at(c, y, image.width - 1 - x);
  return out;
}

Mask flip_horizontal(const Mask& mask) {
  Mask out = mask;
  for (int64_t y = 0; y < mask.height; ++y)
    for (int64_t x = 0; x < mask.width; ++x) out.at(y, x) = mask.at(y, mask.width - 1 - x);
  return out;
}

Box flip_horizontal(const Box& box, int64_t width) {
  Box out = box;
  out.x0 = static_cast<float>(width) - box.x1;
  out.x1 = static_cast<float>(width) - box.x0;
  return out;
}

Image crop(const Image& image, int64_t top, int64_t left, int64_t height, int64_t width, float fill) {
  Image out = filled_image(image.channels, height, width, fill);
  for (int64_t c = 0; c < image.channels; ++c)
    for (int64_t y = 0; y < height; ++y) {
      int64_t sy = y + top;
      if (sy < 0 || sy >= image.height) continue;
      for (int64_t x = 0; x < width; ++x) {
        int64_t sx = x + left;
        if (sx >= 0 && sx < image.width) out.at(c, y, x) = image.at(c, sy, sx);
      }
    }
  return out;
}

Mask crop(const Mask& mask, int64_t top, int64_t left, int64_t height, int64_t width, int64_t fill) {
  Mask out;
  out.height = height;
  out.width = width;
  out.classes.assign(static_cast<size_t>(height * width), fill);
  for (int64_t y = 0; y < height; ++y) {
    int64_t sy = y + top;
    if (sy < 0 || sy >= mask.height) continue;
    for (int64_t x = 0; x < width; ++x) {
      int64_t sx = x + left;
      if (sx >= 0 && sx < mask.width) out.at(y, x) = mask.at(sy, sx);
    }
  }
  return out;
}

bool crop(Box& box, int64_t top, int64_t left, int64_t height, int64_t width) {
  auto clamp = [](float v, int64_t hi) { return std::clamp(v, 0.0f, static_cast<float>(hi)); };
  box.x0 = clamp(box.x0 - static_cast<float>(left), width);
  box.x1 = clamp(box.x1 - static_cast<float>(left), width);
  box.y0 = clamp(box.y0 - static_cast<float>(top), height);
  box.y1 = clamp(box.y1 - static_cast<float>(top), height);
  return box.x1 > box.x0 && box.y1 > box.y0;
}

}  // namespace hwnas::data
