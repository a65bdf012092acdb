// Image files: PNG / JPEG decoding (stb_image), class-id masks from palette or grey PNGs, PNG writing.
//
//   auto image = data::decode_image_file("cat.jpg", 3);      // [3, h, w], values byte / 255
//   auto mask = data::decode_mask_png("2007_000032.png");    // the PNG's sample values, not colours
//   data::write_png_file("out.png", *image);                 // 8 bit, round(value * 255)
//
// Masks are read by a small PNG reader of their own (zlib inflate), because stb_image expands a
// palette into colours: a VOC mask's pixel value is its palette index, which is the class id.
// Every function names the file in its errors and never throws.
#pragma once

#include <cstdint>
#include <string>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

// Decodes a PNG or JPEG file into an image of `channels` (1 or 3) at its own size, values byte / 255
// (alpha dropped; RGB to grey with stb's (77 r + 150 g + 29 b) >> 8). Errors name the file.
Result<Image> decode_image_file(const std::string& path, int64_t channels);

// Reads a PNG whose sample values are class ids: colour type 3 (palette; the value is the
// palette index) or 0 (grey), bit depth 1, 2, 4, 8 or 16 (grey only), not interlaced. Other
// PNGs (RGB, grey + alpha, Adam7), a bad signature, a CRC mismatch, truncated or corrupt data are
// errors naming the file.
Result<Mask> decode_mask_png(const std::string& path);

// Writes `image` (1, 3 or 4 channels, values in [0, 1]; clamped) as an 8-bit PNG (stb_image_write),
// byte = round(value * 255). Errors name the file.
Status write_png_file(const std::string& path, const Image& image);
// Writes `mask` as an 8-bit grey PNG whose pixel values are its class ids; an id outside 0..255
// is an error.
Status write_mask_png_file(const std::string& path, const Mask& mask);

}  // namespace hwnas::data
