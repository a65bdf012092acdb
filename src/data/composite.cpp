// Composite scenes: Fashion-MNIST items placed, painted and annotated on a canvas; a seeded stream per scene.
#include "hwnas/data/composite.h"

#include <algorithm>
#include <cmath>

#include "hwnas/data/image_ops.h"
#include "hwnas/data/rng.h"

namespace hwnas::data {
namespace {

constexpr uint64_t kSceneStream = 0x7363656e65;  // "scene"
constexpr int kPlacementAttempts = 100;

struct Placement {
  int64_t item = 0;
  int64_t top = 0, left = 0, side = 0;
};

// Intersection of two squares over the smaller one's area.
double overlap_of_smaller(const Placement& a, const Placement& b) {
  int64_t w = std::min(a.left + a.side, b.left + b.side) - std::max(a.left, b.left);
  int64_t h = std::min(a.top + a.side, b.top + b.side) - std::max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0.0;
  int64_t smaller = std::min(a.side * a.side, b.side * b.side);
  return static_cast<double>(w * h) / static_cast<double>(smaller);
}

std::string bad_option(const std::string& what) { return "composite " + what; }

Status check_options(const CompositeOptions& o) {
  auto fail = [](const std::string& what) { return Status(Error{bad_option(what)}); };
  if (o.task != Task::Segmentation && o.task != Task::Detection)
    return fail("task: must be segmentation or detection, not " + std::string(task_name(o.task)));
  if (o.canvas < kMinCompositeCanvas || o.canvas > 4096)
    return fail("canvas: " + std::to_string(o.canvas) + " is outside " + std::to_string(kMinCompositeCanvas) +
                "..4096");
  if (o.min_items < 1 || o.max_items < o.min_items || o.max_items > 64)
    return fail("items: need 1 <= min_items <= max_items <= 64, not " + std::to_string(o.min_items) + ".." +
                std::to_string(o.max_items));
  if (!(o.min_scale > 0.0) || !(o.max_scale >= o.min_scale))
    return fail("scale: need 0 < min_scale <= max_scale, not " + std::to_string(o.min_scale) + ".." +
                std::to_string(o.max_scale));
  if (std::llround(static_cast<double>(kFashionMnistSide) * o.max_scale) > o.canvas)
    return fail("scale: items of max_scale " + std::to_string(o.max_scale) + " do not fit on a canvas of " +
                std::to_string(o.canvas));
  if (!(o.max_overlap >= 0.0 && o.max_overlap <= 1.0))
    return fail("max_overlap: " + std::to_string(o.max_overlap) + " is outside [0, 1]");
  if (!(o.threshold >= 0.0f && o.threshold < 1.0f))
    return fail("threshold: " + std::to_string(o.threshold) + " is outside [0, 1)");
  if (o.channels != 1 && o.channels != 3)
    return fail("channels: must be 1 or 3, not " + std::to_string(o.channels));
  if (o.size < 0) return fail("size: " + std::to_string(o.size) + " is negative");
  return {};
}

}  // namespace

std::vector<std::string> composite_class_names() {
  std::vector<std::string> names = {"background"};
  for (std::string& name : fashion_mnist_class_names()) names.push_back(std::move(name));
  return names;
}

Result<std::unique_ptr<CompositeDataset>> CompositeDataset::open(const CompositeOptions& options) {
  if (Status s = check_options(options); !s) return s.error();
  auto items = read_fashion_mnist(options.directory, options.split);
  if (!items) return items.error();
  return from_items(std::make_shared<const FashionMnistItems>(std::move(*items)), options);
}

Result<std::unique_ptr<CompositeDataset>> CompositeDataset::from_items(
    std::shared_ptr<const FashionMnistItems> items, const CompositeOptions& options) {
  if (Status s = check_options(options); !s) return s.error();
  if (!items || items->count < 1) return Error{bad_option("items: no Fashion-MNIST items to place")};
  CompositeOptions kept = options;
  kept.split = items->split;
  int64_t size = options.size > 0 ? options.size : items->count;
  return std::unique_ptr<CompositeDataset>(new CompositeDataset(std::move(items), std::move(kept), size));
}

Result<CompositeScene> CompositeDataset::scene(int64_t index) const {
  if (index < 0 || index >= size_) return index_out_of_range(describe(), index, size_);
  const CompositeOptions& o = options_;
  Rng rng(mix_seed({o.seed, kSceneStream, static_cast<uint64_t>(index)}));

  // 1-2: how many items, which, how large, where.
  std::vector<Placement> placed;
  int64_t wanted = rng.uniform_int(o.min_items, o.max_items);
  for (int64_t i = 0; i < wanted; ++i) {
    Placement p;
    p.item = rng.uniform_int(0, items_->count - 1);
    double scale = rng.uniform(o.min_scale, o.max_scale);
    p.side = std::clamp<int64_t>(std::llround(static_cast<double>(kFashionMnistSide) * scale), 1, o.canvas);
    for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
      p.top = rng.uniform_int(0, o.canvas - p.side);
      p.left = rng.uniform_int(0, o.canvas - p.side);
      bool fits = std::all_of(placed.begin(), placed.end(),
                              [&](const Placement& q) { return overlap_of_smaller(p, q) <= o.max_overlap; });
      if (fits) {
        placed.push_back(p);
        break;
      }
    }
  }

  // 3: paint in order; foreground pixels cover, faint ones blend by max.
  Image grey = filled_image(1, o.canvas, o.canvas);
  std::vector<int64_t> instance(static_cast<size_t>(o.canvas * o.canvas), -1);
  for (size_t j = 0; j < placed.size(); ++j) {
    const Placement& p = placed[j];
    Image item = filled_image(1, kFashionMnistSide, kFashionMnistSide);
    const uint8_t* bytes = items_->item(p.item);
    for (size_t k = 0; k < item.pixels.size(); ++k) item.pixels[k] = static_cast<float>(bytes[k]) / 255.0f;
    Image scaled = resize_bilinear(item, p.side, p.side);
    for (int64_t y = 0; y < p.side; ++y)
      for (int64_t x = 0; x < p.side; ++x) {
        float v = scaled.at(0, y, x);
        int64_t cy = p.top + y, cx = p.left + x;
        float& pixel = grey.at(0, cy, cx);
        if (v > o.threshold) {
          pixel = v;
          instance[static_cast<size_t>(cy * o.canvas + cx)] = static_cast<int64_t>(j);
        } else {
          pixel = std::max(pixel, v);
        }
      }
  }

  // 4: annotations from the instance map.
  CompositeScene scene;
  scene.mask.height = o.canvas;
  scene.mask.width = o.canvas;
  scene.mask.classes.assign(instance.size(), 0);
  struct Extent {
    int64_t x0, y0, x1, y1;
  };
  std::vector<Extent> extent(placed.size(), Extent{o.canvas, o.canvas, -1, -1});
  for (int64_t y = 0; y < o.canvas; ++y)
    for (int64_t x = 0; x < o.canvas; ++x) {
      int64_t j = instance[static_cast<size_t>(y * o.canvas + x)];
      if (j < 0) continue;
      scene.mask.at(y, x) =
          int64_t{items_->labels[static_cast<size_t>(placed[static_cast<size_t>(j)].item)]} + 1;
      Extent& e = extent[static_cast<size_t>(j)];
      e.x0 = std::min(e.x0, x);
      e.y0 = std::min(e.y0, y);
      e.x1 = std::max(e.x1, x);
      e.y1 = std::max(e.y1, y);
    }
  for (size_t j = 0; j < placed.size(); ++j) {
    const Placement& p = placed[j];
    int64_t label = int64_t{items_->labels[static_cast<size_t>(p.item)]} + 1;
    scene.items.push_back(PlacedItem{p.item, label, p.top, p.left, p.side});
    const Extent& e = extent[j];
    if (e.x1 < 0) continue;  // nothing of it is visible
    Box box;
    box.x0 = static_cast<float>(e.x0);
    box.y0 = static_cast<float>(e.y0);
    box.x1 = static_cast<float>(e.x1 + 1);
    box.y1 = static_cast<float>(e.y1 + 1);
    box.label = label;
    scene.boxes.push_back(box);
    scene.item_of_box.push_back(static_cast<int64_t>(j));
  }
  scene.image = o.channels == 1 ? std::move(grey) : replicate_channels(grey, o.channels);
  return scene;
}

Result<Example> CompositeDataset::get(int64_t index) const {
  auto generated = scene(index);
  if (!generated) return generated.error();
  Example example;
  example.image = std::move(generated->image);
  if (options_.task == Task::Segmentation)
    example.mask = std::move(generated->mask);
  else
    example.boxes = std::move(generated->boxes);
  return example;
}

std::string CompositeDataset::describe() const {
  std::string side = std::to_string(options_.canvas);
  return std::string("composite ") + task_name(options_.task) + " " + split_name(options_.split) + " (" +
         std::to_string(size_) + " scenes, " + side + "x" + side + "x" + std::to_string(options_.channels) +
         ", seed " + std::to_string(options_.seed) + ")";
}

}  // namespace hwnas::data
