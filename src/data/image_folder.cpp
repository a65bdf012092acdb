// ImageFolder: scanning one sub-folder per class for PNG and JPEG files, decoding and resizing on get().
#include "hwnas/data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "hwnas/data/image_ops.h"

namespace hwnas::data {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* extension : {".png", ".jpg", ".jpeg"}) {
    std::string e = extension;
    if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with("."); }

// The sorted entries of `directory` that pass `keep`; an Error when it cannot be listed.
template <class Keep>
Result<std::vector<fs::path>> sorted_entries(const fs::path& directory, Keep keep) {
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) return Error{directory.string() + ": cannot list: " + ec.message()};
  std::vector<fs::path> entries;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return Error{directory.string() + ": cannot list: " + ec.message()};
    if (!is_hidden(it->path()) && keep(*it)) entries.push_back(it->path());
  }
  if (ec) return Error{directory.string() + ": cannot list: " + ec.message()};
  std::sort(entries.begin(), entries.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  return entries;
}

}  // namespace

Result<std::unique_ptr<ImageFolder>> ImageFolder::open(const ImageFolderOptions& options) {
  const std::string& root = options.root;
  if (Status valid =
          check_image_options("image folder " + root, options.height, options.width, options.channels);
      !valid)
    return valid.error();
  std::error_code ec;
  if (root.empty()) return Error{"image folder: no directory given"};
  if (!fs::exists(root, ec)) return Error{"image folder " + root + ": does not exist"};
  if (!fs::is_directory(root, ec)) return Error{"image folder " + root + ": not a directory"};

  auto class_dirs = sorted_entries(root, [](const fs::directory_entry& e) {
    std::error_code ignored;
    return e.is_directory(ignored);
  });
  if (!class_dirs) return class_dirs.error();
  if (class_dirs->empty())
    return Error{"image folder " + root + ": empty, expected one sub-folder of PNG / JPEG images per class"};

  std::unique_ptr<ImageFolder> folder(new ImageFolder());
  folder->options_ = options;
  for (const fs::path& class_dir : *class_dirs) {
    auto files = sorted_entries(class_dir, [](const fs::directory_entry& e) {
      std::error_code ignored;
      return e.is_regular_file(ignored) && is_image_name(e.path().filename().string());
    });
    if (!files) return files.error();
    if (files->empty())
      return Error{"image folder " + root + ": class folder " + class_dir.string() +
                   " has no .png, .jpg or .jpeg file"};
    auto label = static_cast<int64_t>(folder->class_names_.size());
    folder->class_names_.push_back(class_dir.filename().string());
    for (const fs::path& file : *files) {
      folder->files_.push_back(file.string());
      folder->labels_.push_back(label);
    }
  }
  return folder;
}

Result<Example> ImageFolder::get(int64_t index) const {
  if (index < 0 || index >= size()) return index_out_of_range(describe(), index, size());
  auto decoded = decode_image_file(files_[static_cast<size_t>(index)], options_.channels);
  if (!decoded) return decoded.error();
  Example example;
  example.image = resize_bilinear(*decoded, options_.height, options_.width);
  example.label = labels_[static_cast<size_t>(index)];
  return example;
}

std::string ImageFolder::describe() const {
  return "image folder " + options_.root + " (" + std::to_string(size()) + " images, " +
         std::to_string(class_names_.size()) + " classes, " + std::to_string(options_.height) + "x" +
         std::to_string(options_.width) + "x" + std::to_string(options_.channels) + ")";
}

}  // namespace hwnas::data
