// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) read from the IDX files of Debian's dataset-fashion-mnist.
//
// Files looked for in the directory (each either gzipped, as Debian ships them, or unzipped):
//   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]   60000 items
//   t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]    10000 items
// 28 x 28 grey images, labels 0..9 (fashion_mnist_class_names()).
//
// The directory: FashionMnistOptions::directory when set; else $HWNAS_DATA_DIR/fashion-mnist
// when the environment variable HWNAS_DATA_DIR is set; else /usr/share/datasets/fashion-mnist.
// A missing file is an Error that names the directory and says how to install the data set.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

enum class Split { Train, Test };
const char* split_name(Split split);  // "train", "test"

inline constexpr int64_t kFashionMnistSide = 28;
inline constexpr int64_t kFashionMnistClasses = 10;
// T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
std::vector<std::string> fashion_mnist_class_names();

// The directory read when no directory is given (see the file comment).
std::string default_fashion_mnist_directory();

// The raw items of one split: count images of 28 x 28 bytes and their labels.
struct FashionMnistItems {
  Split split = Split::Train;
  int64_t count = 0;
  std::vector<uint8_t> pixels;  // count * 28 * 28, item i at i * 784, row-major
  std::vector<uint8_t> labels;  // count, each 0..9

  const uint8_t* item(int64_t index) const {
    return pixels.data() + index * kFashionMnistSide * kFashionMnistSide;
  }
};

// Reads and checks one split: magic numbers, 28 x 28 images, equal image and label counts, the
// expected count (60000 / 10000), labels in 0..9. `directory` empty: the default directory.
Result<FashionMnistItems> read_fashion_mnist(const std::string& directory, Split split);

struct FashionMnistOptions {
  std::string directory{};  // empty: default_fashion_mnist_directory()
  Split split = Split::Train;
  // Share of the split to keep, 0 < fraction <= 1: stratified per class after a shuffle seeded
  // by `seed` (data::fraction_indices); kept items stay in file order.
  double fraction = 1.0;
  uint64_t seed = 0;
  int64_t resolution = kFashionMnistSide;  // images resized bilinearly to resolution x resolution
  int64_t channels = 1;                    // 1, or 3 (the grey channel replicated)
};

// Classification examples: image [channels, resolution, resolution] in [0, 1] (byte / 255), label 0..9.
class FashionMnist : public Dataset {
 public:
  static Result<std::unique_ptr<FashionMnist>> open(const FashionMnistOptions& options);
  // The same from items already read (no file access); `options.directory` is unused.
  static Result<std::unique_ptr<FashionMnist>> from_items(std::shared_ptr<const FashionMnistItems> items,
                                                          const FashionMnistOptions& options);

  Task task() const override { return Task::Classification; }
  int64_t size() const override { return static_cast<int64_t>(selected_.size()); }
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return fashion_mnist_class_names(); }
  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.resolution; }
  int64_t width() const override { return options_.resolution; }
  std::vector<int64_t> labels() const override;
  std::string describe() const override;

  // Index in the split's files of each example.
  const std::vector<int64_t>& item_indices() const { return selected_; }

 private:
  FashionMnist(std::shared_ptr<const FashionMnistItems> items, FashionMnistOptions options,
               std::vector<int64_t> selected)
      : items_(std::move(items)), options_(std::move(options)), selected_(std::move(selected)) {}
  std::shared_ptr<const FashionMnistItems> items_;
  FashionMnistOptions options_;
  std::vector<int64_t> selected_;
};

inline Result<std::unique_ptr<FashionMnist>> open_fashion_mnist(const FashionMnistOptions& options) {
  return FashionMnist::open(options);
}

}  // namespace hwnas::data
