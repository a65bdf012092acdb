// Dataset: the interface every hwnas data set implements, and the Example it yields (image, annotations).
//
//   auto train = data::open_fashion_mnist({.split = data::Split::Train, .fraction = 0.25, .seed = 1});
//   if (!train) std::cerr << train.error().message;      // says how to install the data set
//   for (int64_t i = 0; i < (*train)->size(); ++i) {
//     auto example = (*train)->get(i);                  // Result<Example>: image CHW in [0, 1]
//     ...
//   }
//
// Every data set is deterministic: the same options and seed give the same examples, and
// get(i) does not depend on which indices were read before (composites are generated per index).
// get() is const and keeps no state, so several threads may call it at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::data {

// A dense fp32 image, channels first: pixels[(c * height + y) * width + x]. Values are in [0, 1]
// as read; normalisation (augment.h) changes that.
struct Image {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<float> pixels;

  float& at(int64_t c, int64_t y, int64_t x) {
    return pixels[static_cast<size_t>((c * height + y) * width + x)];
  }
  float at(int64_t c, int64_t y, int64_t x) const {
    return pixels[static_cast<size_t>((c * height + y) * width + x)];
  }
  bool operator==(const Image&) const = default;
};

// An image of the given size filled with `value`.
Image filled_image(int64_t channels, int64_t height, int64_t width, float value = 0.0f);

// The mask value of pixels that belong to no class and are left out of the segmentation loss
// and of the mean IoU: the border and "difficult" pixels of PASCAL VOC's SegmentationClass PNGs
// (voc.h). train::SegmentationOptions::ignore_label defaults to it.
inline constexpr int64_t kIgnoreLabel = 255;

// Per-pixel class ids of a segmentation example: classes[y * width + x]; 0 is the background,
// kIgnoreLabel a pixel to leave out.
struct Mask {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<int64_t> classes;

  int64_t& at(int64_t y, int64_t x) { return classes[static_cast<size_t>(y * width + x)]; }
  int64_t at(int64_t y, int64_t x) const { return classes[static_cast<size_t>(y * width + x)]; }
  bool operator==(const Mask&) const = default;
};

// An axis-aligned box in pixel coordinates: it covers the pixels x0 <= x < x1, y0 <= y < y1
// (pixel x spans [x, x + 1)), so its area is (x1 - x0) * (y1 - y0), as in COCO and torchvision.
struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int64_t label = 0;  // class id; 0 is the background and never labels a box

  bool operator==(const Box&) const = default;
};

// What an example is annotated with.
enum class Task { Classification, Segmentation, Detection };
const char* task_name(Task task);

// One item of a data set. Which annotation is filled depends on the data set's task:
// Classification sets `label`; Segmentation sets `mask` (same height and width as the image);
// Detection sets `boxes`. The others stay empty (label -1).
struct Example {
  Image image;
  int64_t label = -1;
  Mask mask;
  std::vector<Box> boxes;
};

class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual Task task() const = 0;
  // Number of examples; get() accepts 0 <= index < size().
  virtual int64_t size() const = 0;
  // The example at `index`; an Error for an index out of range or an item that cannot be read
  // (the message names the file).
  virtual Result<Example> get(int64_t index) const = 0;
  // Class names by class id. Segmentation and detection sets name the background as class 0.
  virtual std::vector<std::string> class_names() const = 0;
  int64_t num_classes() const { return static_cast<int64_t>(class_names().size()); }
  // Channels, height and width of every image (all examples of a data set share them).
  virtual int64_t channels() const = 0;
  virtual int64_t height() const = 0;
  virtual int64_t width() const = 0;
  // Class label of every example, for stratified subsets; empty when the set has none (not
  // a classification set).
  virtual std::vector<int64_t> labels() const { return {}; }
  // A short description: "fashion-mnist train (60000 of 60000, 28x28x1)".
  virtual std::string describe() const = 0;
};

// The Error for get(index) with an index outside [0, size).
Error index_out_of_range(const std::string& what, int64_t index, int64_t size);

// The image size options every file-backed data set takes: height and width in 1..16384,
// channels 1 or 3. The Error's message starts with `what` (e.g. "image folder ROOT").
Status check_image_options(const std::string& what, int64_t height, int64_t width, int64_t channels);

}  // namespace hwnas::data
