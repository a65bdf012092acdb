// Decoding PNG and JPEG files with stb_image (compiled here, private to this file).
#include "file_reading.h"
#include "hwnas/data/image_io.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_MAX_DIMENSIONS 16384
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace hwnas::data {

Result<Image> decode_image_file(const std::string& path, int64_t channels) {
  if (channels != 1 && channels != 3)
    return Error{path + ": channels must be 1 or 3, not " + std::to_string(channels)};
  auto read = read_file_bytes(path);
  if (!read) return read.error();
  const std::string& bytes = *read;
  if (bytes.empty()) return Error{path + ": cannot decode image: the file is empty"};
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    return Error{path + ": cannot decode image: file too large"};
  int width = 0, height = 0, file_channels = 0;
  unsigned char* decoded =
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()),
                            &width, &height, &file_channels, static_cast<int>(channels));
  if (!decoded) {
    const char* reason = stbi_failure_reason();
    return Error{path + ": cannot decode image as PNG or JPEG (" + (reason ? reason : "unknown reason") +
                 ")"};
  }
  Image image = filled_image(channels, height, width);
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
      for (int64_t c = 0; c < channels; ++c)
        image.at(c, y, x) = static_cast<float>(decoded[(y * width + x) * channels + c]) / 255.0f;
  stbi_image_free(decoded);
  return image;
}

}  // namespace hwnas::data
