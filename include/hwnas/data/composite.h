// Composite scenes of Fashion-MNIST items on a larger canvas: segmentation masks and detection boxes.
//
// Scene `index` is generated on demand from a stream seeded by (seed, index), so no scene is
// stored and the same options give the same scenes in any reading order. Its recipe:
//  1. draw the number of items k uniform in [min_items, max_items];
//  2. per item: a source item uniform over the split, a scale s uniform in [min_scale,
//     max_scale) giving a square of side round(28 s) px, a top-left corner uniform over the
//     positions that keep the square on the canvas; a position whose square overlaps an earlier
//     item's square by more than max_overlap of the smaller square's area is redrawn (up to 100
//     times, then the item is left out; the first item always fits);
//  3. paint the items in order on a black canvas, each resized bilinearly: where an item's
//     intensity exceeds `threshold` it covers what is below (pixel value, mask class, instance);
//     elsewhere the canvas keeps the larger of the two values, so faint edges blend;
//  4. mask: class of the covering item + 1 (1..10), 0 (background) where no item covers;
//     boxes: per item, the tight box of the pixels it covers, label class + 1; an item left
//     with no visible pixel has no box.
// So a pixel's mask is non-zero exactly where its intensity exceeds `threshold`, and every
// box's border rows and columns hold pixels of its class.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/data/fashion_mnist.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

inline constexpr int64_t kMinCompositeCanvas = 96;

struct CompositeOptions {
  Task task = Task::Segmentation;        // Segmentation (mask) or Detection (boxes)
  std::string directory{};               // Fashion-MNIST's; empty: default_fashion_mnist_directory()
  Split split = Split::Train;            // the split the items come from (test scenes use test items)
  int64_t size = 0;                      // number of scenes; 0: the number of items of the split
  int64_t canvas = kMinCompositeCanvas;  // side of the square canvas, >= 96
  int64_t min_items = 1;
  int64_t max_items = 4;
  double min_scale = 0.6;  // of the 28 px item side
  double max_scale = 1.6;
  double max_overlap = 0.25;  // of the smaller square's area, in [0, 1]
  float threshold = 0.1f;     // intensity (0..1) above which an item pixel is foreground
  int64_t channels = 1;       // 1, or 3 (replicated)
  uint64_t seed = 0;
};

// Where one Fashion-MNIST item was painted.
struct PlacedItem {
  int64_t item = 0;                     // index in the split
  int64_t label = 0;                    // its class + 1 (1..10)
  int64_t top = 0, left = 0, side = 0;  // its square on the canvas
};

// One composite scene with both annotations.
struct CompositeScene {
  Image image;                       // [channels, canvas, canvas]
  Mask mask;                         // canvas x canvas, 0 background, 1..10
  std::vector<Box> boxes;            // labels 1..10, in painting order
  std::vector<PlacedItem> items;     // in painting order (later ones on top)
  std::vector<int64_t> item_of_box;  // per box, its item's position in `items`
};

// Class names of the composite sets: "background", then the ten Fashion-MNIST classes.
std::vector<std::string> composite_class_names();

class CompositeDataset : public Dataset {
 public:
  static Result<std::unique_ptr<CompositeDataset>> open(const CompositeOptions& options);
  // From items already read (no file access); `options.directory` and `options.split` unused.
  static Result<std::unique_ptr<CompositeDataset>> from_items(std::shared_ptr<const FashionMnistItems> items,
                                                              const CompositeOptions& options);

  Task task() const override { return options_.task; }
  int64_t size() const override { return size_; }
  // Segmentation: image and mask; Detection: image and boxes.
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return composite_class_names(); }
  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.canvas; }
  int64_t width() const override { return options_.canvas; }
  std::string describe() const override;

  // The whole scene of `index`, both annotations.
  Result<CompositeScene> scene(int64_t index) const;
  const CompositeOptions& options() const { return options_; }

 private:
  CompositeDataset(std::shared_ptr<const FashionMnistItems> items, CompositeOptions options, int64_t size)
      : items_(std::move(items)), options_(std::move(options)), size_(size) {}
  std::shared_ptr<const FashionMnistItems> items_;
  CompositeOptions options_;
  int64_t size_;
};

inline Result<std::unique_ptr<CompositeDataset>> open_composite(const CompositeOptions& options) {
  return CompositeDataset::open(options);
}

}  // namespace hwnas::data
