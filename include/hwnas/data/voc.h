// VocSegmentation: segmentation data in PASCAL VOC's layout, image and mask pairs read from disk on get().
//
//   root/ImageSets/Segmentation/train.txt   one image id per line (val.txt, or any SPLIT.txt)
//   root/JPEGImages/<id>.jpg                the image (.jpeg or .png also accepted, in that order)
//   root/SegmentationClass/<id>.png         the mask: palette or grey PNG, pixel value = class id,
//                                           255 (kIgnoreLabel) = ignored (VOC's object borders)
//   root/labels.txt                         optional: class names, one per line, line i = class i
//
//   auto train = data::VocSegmentation::open({.root = "VOCdevkit/VOC2012", .split = "train",
//                                             .height = 256, .width = 256});
//
// Without labels.txt the classes are VOC's 21 (background, aeroplane, ..., tvmonitor). get()
// decodes the image (decode_image_file) and the mask (decode_mask_png), checks the mask has its
// image's size and only class ids or 255, then resizes the image bilinearly and the mask by
// nearest neighbour to height x width. Only the ids are kept in memory.
// Errors name the file and the record (list file and line, image id): a missing root or list,
// an empty list, a line with more than one id, a missing image or mask file, an empty or
// duplicated labels.txt entry; in get(): a mask of another size than its image, a mask value that
// is neither a class id nor 255, a file that does not decode.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

// PASCAL VOC's 21 class names, "background" first.
std::vector<std::string> voc_class_names();

struct VocOptions {
  std::string root{};
  std::string split = "train";  // reads root/ImageSets/Segmentation/<split>.txt
  int64_t height = 224;
  int64_t width = 224;
  int64_t channels = 3;  // 1 (grey) or 3 (RGB)
};

class VocSegmentation : public Dataset {
 public:
  static Result<std::unique_ptr<VocSegmentation>> open(const VocOptions& options);

  Task task() const override { return Task::Segmentation; }
  int64_t size() const override { return static_cast<int64_t>(ids_.size()); }
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return class_names_; }
  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.height; }
  int64_t width() const override { return options_.width; }
  std::string describe() const override;

  // The image id, image file and mask file of example `index` (0 <= index < size()).
  const std::string& id(int64_t index) const { return ids_[static_cast<size_t>(index)]; }
  const std::string& image_file(int64_t index) const { return images_[static_cast<size_t>(index)]; }
  std::string mask_file(int64_t index) const;

 private:
  VocSegmentation() = default;
  // "ImageSets/Segmentation/train.txt:3 (id 2007_000032)", for errors.
  std::string record(int64_t index) const;

  VocOptions options_;
  std::string list_file_;
  std::vector<std::string> class_names_;
  std::vector<std::string> ids_;
  std::vector<std::string> images_;
  std::vector<int64_t> lines_;
};

}  // namespace hwnas::data
