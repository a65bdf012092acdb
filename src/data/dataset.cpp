// The small shared pieces of the Dataset interface: image construction, task names, the index error, option checks.
#include "hwnas/data/dataset.h"

namespace hwnas::data {

Image filled_image(int64_t channels, int64_t height, int64_t width, float value) {
  Image image;
  image.channels = channels;
  image.height = height;
  image.width = width;
  image.pixels.assign(static_cast<size_t>(channels * height * width), value);
  return image;
}

const char* task_name(Task task) {
  switch (task) {
    case Task::Classification:
      return "classification";
    case Task::Segmentation:
      return "segmentation";
    case Task::Detection:
      return "detection";
  }
  return "unknown";
}

Error index_out_of_range(const std::string& what, int64_t index, int64_t size) {
  return Error{what + ": index " + std::to_string(index) + " is outside 0.." + std::to_string(size - 1) +
               " (" + std::to_string(size) + " examples)"};
}

Status check_image_options(const std::string& what, int64_t height, int64_t width, int64_t channels) {
  if (height < 1 || width < 1 || height > 16384 || width > 16384)
    return Error{what + ": height and width must be in 1..16384, not " + std::to_string(height) + "x" +
                 std::to_string(width)};
  if (channels != 1 && channels != 3)
    return Error{what + ": channels must be 1 or 3, not " + std::to_string(channels)};
  return {};
}

}  // namespace hwnas::data
