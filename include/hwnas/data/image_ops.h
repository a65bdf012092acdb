// Pixel operations on images and masks: bilinear and nearest resize, channel replication, flip, crop.
#pragma once

#include <cstdint>

#include "hwnas/data/dataset.h"

namespace hwnas::data {

// Bilinear resize with half-pixel centres (PyTorch's interpolate(mode="bilinear",
// align_corners=False) without antialiasing): output pixel (y, x) samples the input at
// ((y + 0.5) * in_h / out_h - 0.5, ...), clamped to the border. Same size returns a copy.
Image resize_bilinear(const Image& image, int64_t height, int64_t width);

// Nearest-neighbour resize of a mask (class ids are never blended): output pixel (y, x) takes
// input pixel (floor(y * in_h / out_h), floor(x * in_w / out_w)), as PyTorch's
// interpolate(mode="nearest") and torchvision's mask transforms. Same size returns a copy.
Mask resize_nearest(const Mask& mask, int64_t height, int64_t width);

// A 1-channel image copied into `channels` identical channels (channels >= 1).
Image replicate_channels(const Image& grey, int64_t channels);

// Mirror left-right: column x goes to width - 1 - x.
Image flip_horizontal(const Image& image);
Mask flip_horizontal(const Mask& mask);
// The box of the mirrored image: [x0, x1) becomes [width - x1, width - x0).
Box flip_horizontal(const Box& box, int64_t width);

// The window of `height` x `width` whose top-left corner is (top, left) in the image; pixels
// outside the image (negative or past the border) are `fill`.
Image crop(const Image& image, int64_t top, int64_t left, int64_t height, int64_t width, float fill = 0.0f);
Mask crop(const Mask& mask, int64_t top, int64_t left, int64_t height, int64_t width, int64_t fill = 0);
// The box moved into the window's coordinates and clipped to it; false when nothing of it is
// left inside (a box is not re-tightened around its item's pixels after clipping).
bool crop(Box& box, int64_t top, int64_t left, int64_t height, int64_t width);

}  // namespace hwnas::data
