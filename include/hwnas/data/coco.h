// CocoDetection: detection data as a COCO instances JSON file and an image directory, images read from disk
// on get().
//
//   annotations/instances_train.json    {"images": [{"id", "file_name", "width", "height"}, ...],
//                                        "annotations": [{"image_id", "category_id",
//                                                         "bbox": [x, y, w, h], "iscrowd"}, ...],
//                                        "categories": [{"id", "name"}, ...]}
//   train/<file_name>                   the images (PNG or JPEG)
//
//   auto train = data::CocoDetection::open({.annotations = "annotations/instances_train.json",
//                                           .height = 320, .width = 320});
//
// Classes: the categories sorted by id get the contiguous ids 1..K (0 is the background, named
// "background"), so COCO's 80 categories with ids 1..90 become classes 1..80. Boxes: `bbox` is
// [x, y, width, height] in pixels of the image as listed (its width and height); a box may reach
// up to 1 px past the image (rounding in converters) and is clipped to it; boxes are scaled to
// height x width with the image. Annotations with iscrowd set are skipped (their region covers
// several objects: COCO's evaluation ignores them, and they have no single box to learn).
// Examples are the listed images in file order, those without annotations included. Only file
// names and boxes are kept in memory; an image is decoded and resized bilinearly on get().
// Errors name the JSON file and the record (images[i], annotations[i] with its id): JSON that does
// not parse (with its line, column and byte), a missing or mistyped field, a duplicated image or
// category id, no image or no category, an image file that does not exist, an annotation whose
// image_id or category_id is not listed, a box with a non-positive size or outside its image by
// more than 1 px; in get(): an image whose decoded size is not its listed width and height.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

struct CocoOptions {
  std::string annotations{};  // the instances JSON file
  std::string images{};       // the image directory; empty: default_coco_image_directory(annotations)
  int64_t height = 224;
  int64_t width = 224;
  int64_t channels = 3;  // 1 (grey) or 3 (RGB)
};

// The image directory of an instances file when none is given: for DIR/instances_NAME.json the
// first directory of DIR/NAME, DIR/../NAME (COCO's own layout: annotations/ beside train2017/)
// and DIR/images; an Error naming the places looked at otherwise.
Result<std::string> default_coco_image_directory(const std::string& annotations);

class CocoDetection : public Dataset {
 public:
  static Result<std::unique_ptr<CocoDetection>> open(const CocoOptions& options);

  Task task() const override { return Task::Detection; }
  int64_t size() const override { return static_cast<int64_t>(images_.size()); }
  // The image and its boxes (labels 1..K), scaled to height x width.
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return class_names_; }
  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.height; }
  int64_t width() const override { return options_.width; }
  std::string describe() const override;

  // The image file and COCO image id of example `index` (0 <= index < size()).
  const std::string& file(int64_t index) const { return images_[static_cast<size_t>(index)].file; }
  int64_t image_id(int64_t index) const { return images_[static_cast<size_t>(index)].id; }
  // The COCO category id of each class 1..K (position k - 1 for class k).
  const std::vector<int64_t>& category_ids() const { return category_ids_; }
  const std::string& image_directory() const { return options_.images; }

 private:
  struct Entry {
    std::string file;
    int64_t id = 0;
    int64_t width = 0, height = 0;  // as listed
    int64_t record = 0;             // position in "images"
    std::vector<Box> boxes;         // in listed pixels, clipped to the image
  };
  CocoDetection() = default;

  CocoOptions options_;
  std::vector<std::string> class_names_;
  std::vector<int64_t> category_ids_;
  std::vector<Entry> images_;
};

}  // namespace hwnas::data
