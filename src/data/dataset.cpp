// The small shared pieces of the Dataset interface: image construction, task names, the index error.
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

}  // namespace hwnas::data
