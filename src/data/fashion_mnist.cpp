// The Fashion-MNIST reader: locating the files, checking the IDX headers, fractions, resolution and channels.
#include "hwnas/data/fashion_mnist.h"

#include <cstdlib>
#include <filesystem>

#include "hwnas/data/idx.h"
#include "hwnas/data/image_ops.h"
#include "hwnas/data/subset.h"

namespace hwnas::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDebianDirectory = "/usr/share/datasets/fashion-mnist";

int64_t expected_count(Split split) { return split == Split::Train ? 60000 : 10000; }
std::string file_prefix(Split split) { return split == Split::Train ? "train" : "t10k"; }

std::string where_the_directory_came_from(const std::string& option) {
  if (!option.empty()) return "the directory given";
  if (std::getenv("HWNAS_DATA_DIR")) return "$HWNAS_DATA_DIR/fashion-mnist";
  return "the default directory";
}

Error not_installed(const std::string& directory, const std::string& option, const std::string& what) {
  return Error{
      "Fashion-MNIST not found: " + what + " in " + directory + " (" + where_the_directory_came_from(option) +
      "). Install it with `apt-get install dataset-fashion-mnist` (files in " + kDebianDirectory +
      "), or set HWNAS_DATA_DIR to a directory holding fashion-mnist/ with the four IDX files "
      "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
      "gzipped or not), or pass the directory that holds them"};
}

// The path of `name` or `name.gz` in `directory`, the unzipped one first.
Result<std::string> locate(const std::string& directory, const std::string& option, const std::string& name) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    return not_installed(directory, option, "the directory does not exist");
  for (const std::string& candidate : {name, name + ".gz"}) {
    fs::path path = fs::path(directory) / candidate;
    if (fs::is_regular_file(path, ec)) return path.string();
  }
  return not_installed(directory, option, "no " + name + ".gz or " + name);
}

}  // namespace

const char* split_name(Split split) { return split == Split::Train ? "train" : "test"; }

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

std::string default_fashion_mnist_directory() {
  if (const char* root = std::getenv("HWNAS_DATA_DIR"); root && *root)
    return (fs::path(root) / "fashion-mnist").string();
  return kDebianDirectory;
}

Result<FashionMnistItems> read_fashion_mnist(const std::string& directory_option, Split split) {
  std::string directory = directory_option.empty() ? default_fashion_mnist_directory() : directory_option;
  auto images_path = locate(directory, directory_option, file_prefix(split) + "-images-idx3-ubyte");
  if (!images_path) return images_path.error();
  auto labels_path = locate(directory, directory_option, file_prefix(split) + "-labels-idx1-ubyte");
  if (!labels_path) return labels_path.error();

  auto images = read_idx_file(*images_path);
  if (!images) return images.error();
  auto labels = read_idx_file(*labels_path);
  if (!labels) return labels.error();

  if (images->dims.size() != 3)
    return Error{*images_path + ": expected 3 dimensions (count, rows, columns), the IDX header has " +
                 std::to_string(images->dims.size())};
  if (images->dims[1] != kFashionMnistSide || images->dims[2] != kFashionMnistSide)
    return Error{*images_path + ": images are " + std::to_string(images->dims[1]) + "x" +
                 std::to_string(images->dims[2]) + ", Fashion-MNIST's are 28x28"};
  if (labels->dims.size() != 1)
    return Error{*labels_path + ": expected 1 dimension (count), the IDX header has " +
                 std::to_string(labels->dims.size())};
  int64_t count = images->dims[0];
  if (labels->dims[0] != count)
    return Error{*labels_path + ": " + std::to_string(labels->dims[0]) + " labels for " +
                 std::to_string(count) + " images in " + *images_path};
  if (count != expected_count(split))
    return Error{*images_path + ": " + std::to_string(count) + " items, the " + split_name(split) +
                 " split of Fashion-MNIST has " + std::to_string(expected_count(split))};
  for (int64_t i = 0; i < count; ++i)
    if (labels->data[static_cast<size_t>(i)] >= kFashionMnistClasses)
      return Error{*labels_path + ": label " + std::to_string(labels->data[static_cast<size_t>(i)]) +
                   " of item " + std::to_string(i) + " is outside 0..9"};

  FashionMnistItems items;
  items.split = split;
  items.count = count;
  items.pixels = std::move(images->data);
  items.labels = std::move(labels->data);
  return items;
}

Result<std::unique_ptr<FashionMnist>> FashionMnist::open(const FashionMnistOptions& options) {
  auto items = read_fashion_mnist(options.directory, options.split);
  if (!items) return items.error();
  return from_items(std::make_shared<const FashionMnistItems>(std::move(*items)), options);
}

Result<std::unique_ptr<FashionMnist>> FashionMnist::from_items(std::shared_ptr<const FashionMnistItems> items,
                                                               const FashionMnistOptions& options) {
  if (!items) return Error{"fashion-mnist: no items"};
  if (options.resolution < 1 || options.resolution > 4096)
    return Error{"fashion-mnist: resolution " + std::to_string(options.resolution) + " is outside 1..4096"};
  if (options.channels != 1 && options.channels != 3)
    return Error{"fashion-mnist: channels must be 1 or 3, not " + std::to_string(options.channels)};
  std::vector<int64_t> labels(items->labels.begin(), items->labels.end());
  auto selected = fraction_indices(items->count, labels, options.fraction, options.seed);
  if (!selected) return selected.error().within("fashion-mnist");
  FashionMnistOptions kept = options;
  kept.split = items->split;
  return std::unique_ptr<FashionMnist>(
      new FashionMnist(std::move(items), std::move(kept), std::move(*selected)));
}

Result<Example> FashionMnist::get(int64_t index) const {
  if (index < 0 || index >= size()) return index_out_of_range(describe(), index, size());
  int64_t item = selected_[static_cast<size_t>(index)];
  Image grey = filled_image(1, kFashionMnistSide, kFashionMnistSide);
  const uint8_t* bytes = items_->item(item);
  for (size_t p = 0; p < grey.pixels.size(); ++p) grey.pixels[p] = static_cast<float>(bytes[p]) / 255.0f;
  Example example;
  example.image = resize_bilinear(grey, options_.resolution, options_.resolution);
  if (options_.channels != 1) example.image = replicate_channels(example.image, options_.channels);
  example.label = items_->labels[static_cast<size_t>(item)];
  return example;
}

std::vector<int64_t> FashionMnist::labels() const {
  std::vector<int64_t> out;
  out.reserve(selected_.size());
  for (int64_t item : selected_) out.push_back(items_->labels[static_cast<size_t>(item)]);
  return out;
}

std::string FashionMnist::describe() const {
  std::string side = std::to_string(options_.resolution);
  return std::string("fashion-mnist ") + split_name(options_.split) + " (" + std::to_string(size()) + " of " +
         std::to_string(items_->count) + ", " + side + "x" + side + "x" + std::to_string(options_.channels) +
         ")";
}

}  // namespace hwnas::data
