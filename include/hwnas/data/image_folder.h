// ImageFolder: a user's classification data as one sub-folder per class of PNG and JPEG files.
//
//   root/cat/0001.jpg, root/cat/0002.png, root/dog/a.jpeg, ...  ->  classes {"cat", "dog"}
//
// Class names are the sub-folder names sorted byte-wise; examples are ordered by class, then by
// file name. Files ending .png, .jpg or .jpeg (any case) are images; other files and hidden
// entries (names starting with '.') are skipped. Images are decoded (stb_image) when get() is
// called, converted to `channels` (grey or RGB; alpha dropped), and resized bilinearly to
// height x width. Errors: a missing or unreadable root, a root with no class sub-folder, a class
// sub-folder with no image, a file that fails to decode (the message names the file).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/data/image_io.h"  // decode_image_file
#include "hwnas/ir/result.h"

namespace hwnas::data {

struct ImageFolderOptions {
  std::string root{};
  int64_t height = 224;
  int64_t width = 224;
  int64_t channels = 3;  // 1 (grey) or 3 (RGB)
};

class ImageFolder : public Dataset {
 public:
  static Result<std::unique_ptr<ImageFolder>> open(const ImageFolderOptions& options);

  Task task() const override { return Task::Classification; }
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return class_names_; }
  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.height; }
  int64_t width() const override { return options_.width; }
  std::vector<int64_t> labels() const override { return labels_; }
  std::string describe() const override;

  // The file of example `index` (0 <= index < size()).
  const std::string& file(int64_t index) const { return files_[static_cast<size_t>(index)]; }

 private:
  ImageFolder() = default;
  ImageFolderOptions options_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
  std::vector<int64_t> labels_;
};

}  // namespace hwnas::data
