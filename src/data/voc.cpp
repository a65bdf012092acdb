// VocSegmentation: reading a VOC split list, finding image and mask files, decoding and resizing pairs on
// get().
#include "hwnas/data/voc.h"

#include <filesystem>
#include <set>

#include "file_reading.h"
#include "hwnas/data/image_io.h"
#include "hwnas/data/image_ops.h"

namespace hwnas::data {
namespace fs = std::filesystem;
namespace {

std::string size_text(int64_t width, int64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// Class names from root/labels.txt when it exists, else VOC's.
Result<std::vector<std::string>> read_class_names(const fs::path& root) {
  const fs::path file = root / "labels.txt";
  std::error_code ec;
  if (!fs::exists(file, ec)) return voc_class_names();
  auto lines = read_list_lines(file.string());
  if (!lines) return lines.error();
  if (lines->empty())
    return Error{file.string() + ": empty; give one class name per line (background first) or remove it"};
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const ListLine& line : *lines) {
    if (line.number != static_cast<int64_t>(names.size()) + 1)
      return Error{file.string() + ":" + std::to_string(names.size() + 1) +
                   ": empty line; line i names class i - 1, so blank lines are not allowed"};
    if (!seen.insert(line.text).second)
      return Error{file.string() + ":" + std::to_string(line.number) + ": class '" + line.text +
                   "' is listed twice"};
    names.push_back(line.text);
  }
  if (names.size() > static_cast<size_t>(kIgnoreLabel))
    return Error{file.string() + ": " + std::to_string(names.size()) + " classes; masks hold at most " +
                 std::to_string(kIgnoreLabel) + " (" + std::to_string(kIgnoreLabel) +
                 " is the ignore label)"};
  return names;
}

}  // namespace

std::vector<std::string> voc_class_names() {
  return {"background", "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",
          "car",        "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",
          "motorbike",  "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};
}

Result<std::unique_ptr<VocSegmentation>> VocSegmentation::open(const VocOptions& options) {
  const std::string& root = options.root;
  if (root.empty()) return Error{"VOC segmentation: no root directory given"};
  if (Status valid =
          check_image_options("VOC segmentation " + root, options.height, options.width, options.channels);
      !valid)
    return valid.error();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Error{"VOC segmentation " + root + ": not a directory"};
  const fs::path base(root);
  const fs::path list = base / "ImageSets" / "Segmentation" / (options.split + ".txt");
  if (!fs::is_regular_file(list, ec))
    return Error{list.string() +
                 ": missing; a VOC root holds ImageSets/Segmentation/<split>.txt, JPEGImages/ and "
                 "SegmentationClass/"};
  auto class_names = read_class_names(base);
  if (!class_names) return class_names.error();
  auto lines = read_list_lines(list.string());
  if (!lines) return lines.error();
  if (lines->empty()) return Error{list.string() + ": empty list (no image id)"};

  std::unique_ptr<VocSegmentation> set(new VocSegmentation());
  set->options_ = options;
  set->list_file_ = list.string();
  set->class_names_ = std::move(*class_names);
  for (const ListLine& line : *lines) {
    const std::string where = list.string() + ":" + std::to_string(line.number);
    if (line.text.find_first_of(" \t") != std::string::npos)
      return Error{where + ": expected one image id, found '" + line.text + "'"};
    const std::string& id = line.text;
    std::string image;
    for (const char* extension : {".jpg", ".jpeg", ".png"}) {
      const fs::path candidate = base / "JPEGImages" / (id + extension);
      if (fs::is_regular_file(candidate, ec)) {
        image = candidate.string();
        break;
      }
    }
    if (image.empty())
      return Error{where + ": image id " + id + ": image file " +
                   (base / "JPEGImages" / (id + ".jpg")).string() + " does not exist (nor .jpeg or .png)"};
    const fs::path mask = base / "SegmentationClass" / (id + ".png");
    if (!fs::is_regular_file(mask, ec))
      return Error{where + ": image id " + id + ": mask file " + mask.string() + " does not exist"};
    set->ids_.push_back(id);
    set->images_.push_back(std::move(image));
    set->lines_.push_back(line.number);
  }
  return set;
}

std::string VocSegmentation::mask_file(int64_t index) const {
  return (fs::path(options_.root) / "SegmentationClass" / (id(index) + ".png")).string();
}

std::string VocSegmentation::record(int64_t index) const {
  return list_file_ + ":" + std::to_string(lines_[static_cast<size_t>(index)]) + " (image id " + id(index) +
         ")";
}

Result<Example> VocSegmentation::get(int64_t index) const {
  if (index < 0 || index >= size()) return index_out_of_range(describe(), index, size());
  auto image = decode_image_file(image_file(index), options_.channels);
  if (!image) return image.error().within(record(index));
  const std::string mask_path = mask_file(index);
  auto mask = decode_mask_png(mask_path);
  if (!mask) return mask.error().within(record(index));
  if (mask->height != image->height || mask->width != image->width)
    return Error{record(index) + ": " + mask_path + ": mask is " + size_text(mask->width, mask->height) +
                 " but its image " + image_file(index) + " is " + size_text(image->width, image->height)};
  const auto classes = static_cast<int64_t>(class_names_.size());
  for (int64_t y = 0; y < mask->height; ++y)
    for (int64_t x = 0; x < mask->width; ++x) {
      const int64_t value = mask->at(y, x);
      if (value != kIgnoreLabel && value >= classes)
        return Error{record(index) + ": " + mask_path + ": value " + std::to_string(value) + " at (x " +
                     std::to_string(x) + ", y " + std::to_string(y) + ") is neither a class id (0.." +
                     std::to_string(classes - 1) + ") nor " + std::to_string(kIgnoreLabel) + " (ignore)"};
    }
  Example example;
  example.image = resize_bilinear(*image, options_.height, options_.width);
  example.mask = resize_nearest(*mask, options_.height, options_.width);
  return example;
}

std::string VocSegmentation::describe() const {
  return "VOC segmentation " + options_.root + " " + options_.split + " (" + std::to_string(size()) +
         " images, " + std::to_string(class_names_.size()) + " classes, " + std::to_string(options_.height) +
         "x" + std::to_string(options_.width) + "x" + std::to_string(options_.channels) + ")";
}

}  // namespace hwnas::data
