// Writing images and class-id masks as 8-bit PNGs with stb_image_write (compiled here, private to this file).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

#include "hwnas/data/image_io.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace hwnas::data {
namespace {

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

// Encodes interleaved 8-bit pixels and writes the file.
Status write_pixels(const std::string& path, const std::vector<uint8_t>& pixels, int64_t height,
                    int64_t width, int64_t components) {
  std::vector<uint8_t> encoded;
  if (!stbi_write_png_to_func(append_bytes, &encoded, static_cast<int>(width), static_cast<int>(height),
                              static_cast<int>(components), pixels.data(),
                              static_cast<int>(width * components)))
    return Error{path + ": cannot encode PNG"};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{path + ": cannot create: " + std::strerror(errno)};
  out.write(reinterpret_cast<const char*>(encoded.data()), static_cast<std::streamsize>(encoded.size()));
  out.close();
  if (!out) return Error{path + ": cannot write: " + std::strerror(errno)};
  return {};
}

Status check_size(const std::string& path, int64_t height, int64_t width) {
  if (height < 1 || width < 1 || height > 16384 || width > 16384)
    return Error{path + ": cannot write a " + std::to_string(height) + "x" + std::to_string(width) +
                 " PNG (sides 1..16384)"};
  return {};
}

}  // namespace

Status write_png_file(const std::string& path, const Image& image) {
  if (Status size = check_size(path, image.height, image.width); !size) return size;
  if (image.channels != 1 && image.channels != 3 && image.channels != 4)
    return Error{path + ": cannot write an image of " + std::to_string(image.channels) +
                 " channels as PNG (1, 3 or 4)"};
  if (image.pixels.size() != static_cast<size_t>(image.channels * image.height * image.width))
    return Error{path + ": the image holds " + std::to_string(image.pixels.size()) + " values, not " +
                 std::to_string(image.channels) + "x" + std::to_string(image.height) + "x" +
                 std::to_string(image.width)};
  std::vector<uint8_t> pixels(image.pixels.size());
  for (int64_t y = 0; y < image.height; ++y)
    for (int64_t x = 0; x < image.width; ++x)
      for (int64_t c = 0; c < image.channels; ++c) {
        float value = image.at(c, y, x);
        value = std::isnan(value) ? 0.0f : std::clamp(value, 0.0f, 1.0f);
        pixels[static_cast<size_t>((y * image.width + x) * image.channels + c)] =
            static_cast<uint8_t>(std::lround(value * 255.0f));
      }
  return write_pixels(path, pixels, image.height, image.width, image.channels);
}

Status write_mask_png_file(const std::string& path, const Mask& mask) {
  if (Status size = check_size(path, mask.height, mask.width); !size) return size;
  if (mask.classes.size() != static_cast<size_t>(mask.height * mask.width))
    return Error{path + ": the mask holds " + std::to_string(mask.classes.size()) + " values, not " +
                 std::to_string(mask.height) + "x" + std::to_string(mask.width)};
  std::vector<uint8_t> pixels(mask.classes.size());
  for (size_t i = 0; i < pixels.size(); ++i) {
    if (mask.classes[i] < 0 || mask.classes[i] > 255)
      return Error{path + ": class id " + std::to_string(mask.classes[i]) + " at pixel " + std::to_string(i) +
                   " does not fit an 8-bit mask PNG (0..255)"};
    pixels[i] = static_cast<uint8_t>(mask.classes[i]);
  }
  return write_pixels(path, pixels, mask.height, mask.width, 1);
}

}  // namespace hwnas::data
