// Composite scenes: determinism, canvas, item counts and overlap, masks consistent with boxes and pixels.
#include "hwnas/data/composite.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "hwnas/data/augment.h"

namespace hwnas::data {
namespace {

// The test split, read once for all tests of this file.
std::shared_ptr<const FashionMnistItems> test_items() {
  static std::shared_ptr<const FashionMnistItems> items = [] {
    auto read = read_fashion_mnist("/usr/share/datasets/fashion-mnist", Split::Test);
    EXPECT_TRUE(read.ok()) << read.error().message;
    return read.ok() ? std::make_shared<const FashionMnistItems>(std::move(*read)) : nullptr;
  }();
  return items;
}

std::unique_ptr<CompositeDataset> make(CompositeOptions options) {
  auto set = CompositeDataset::from_items(test_items(), options);
  EXPECT_TRUE(set.ok()) << set.error().message;
  return set.ok() ? std::move(*set) : nullptr;
}

struct Extent {
  int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = -1, y1 = -1;  // x1, y1 exclusive
  void include(int64_t x, int64_t y) {
    x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x + 1), y1 = std::max(y1, y + 1);
  }
  void include(const Box& b) {
    x0 = std::min<int64_t>(x0, static_cast<int64_t>(b.x0)),
    y0 = std::min<int64_t>(y0, static_cast<int64_t>(b.y0));
    x1 = std::max<int64_t>(x1, static_cast<int64_t>(b.x1)),
    y1 = std::max<int64_t>(y1, static_cast<int64_t>(b.y1));
  }
  bool operator==(const Extent&) const = default;
};

// Per class: the extent of its mask pixels and the union extent of its boxes.
void expect_boxes_tight_on_mask(const Mask& mask, const std::vector<Box>& boxes, const std::string& what) {
  std::map<int64_t, Extent> of_mask, of_boxes;
  for (int64_t y = 0; y < mask.height; ++y)
    for (int64_t x = 0; x < mask.width; ++x)
      if (mask.at(y, x) != 0) of_mask[mask.at(y, x)].include(x, y);
  for (const Box& box : boxes) of_boxes[box.label].include(box);
  EXPECT_EQ(of_mask.size(), of_boxes.size()) << what;
  for (const auto& [label, extent] : of_mask)
    EXPECT_TRUE(of_boxes[label] == extent) << what << " class " << label;
}

TEST(Composite, SameSeedSameScenesInAnyOrder) {
  auto a = make({.size = 50, .seed = 11});
  auto b = make({.size = 50, .seed = 11});
  auto c = make({.size = 50, .seed = 12});
  ASSERT_TRUE(a && b && c);
  auto late = b->scene(7);  // b reads 7 first, a reads 0..7 in order
  for (int64_t i = 0; i < 7; ++i) ASSERT_TRUE(a->scene(i).ok());
  auto early = a->scene(7);
  ASSERT_TRUE(late.ok() && early.ok());
  EXPECT_EQ(late->image, early->image);
  EXPECT_EQ(late->mask, early->mask);
  EXPECT_EQ(late->boxes, early->boxes);
  int differing = 0;
  for (int64_t i = 0; i < 10; ++i) differing += a->scene(i)->image == c->scene(i)->image ? 0 : 1;
  EXPECT_EQ(differing, 10);
}

TEST(Composite, CanvasItemsScalesAndOverlap) {
  auto set = make({.size = 200, .canvas = 128, .seed = 3});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->height(), 128);
  std::map<size_t, int> item_counts;
  int64_t min_side = 1000, max_side = 0;
  for (int64_t i = 0; i < set->size(); ++i) {
    auto scene = set->scene(i);
    ASSERT_TRUE(scene.ok()) << scene.error().message;
    ASSERT_EQ(scene->image.height, 128);
    ASSERT_EQ(scene->image.width, 128);
    ASSERT_EQ(scene->mask.classes.size(), 128u * 128);
    ASSERT_GE(scene->items.size(), 1u);
    ASSERT_LE(scene->items.size(), 4u);
    ++item_counts[scene->items.size()];
    for (size_t j = 0; j < scene->items.size(); ++j) {
      const PlacedItem& p = scene->items[j];
      min_side = std::min(min_side, p.side), max_side = std::max(max_side, p.side);
      ASSERT_TRUE(p.top >= 0 && p.left >= 0 && p.top + p.side <= 128 && p.left + p.side <= 128);
      EXPECT_EQ(p.label, test_items()->labels[static_cast<size_t>(p.item)] + 1);
      for (size_t k = 0; k < j; ++k) {
        const PlacedItem& q = scene->items[k];
        int64_t w = std::min(p.left + p.side, q.left + q.side) - std::max(p.left, q.left);
        int64_t h = std::min(p.top + p.side, q.top + q.side) - std::max(p.top, q.top);
        double overlap =
            w > 0 && h > 0 ? double(w * h) / double(std::min(p.side * p.side, q.side * q.side)) : 0;
        EXPECT_LE(overlap, 0.25) << "scene " << i;
      }
    }
  }
  EXPECT_EQ(item_counts.size(), 4u);  // 1, 2, 3 and 4 items all occur
  EXPECT_LE(min_side, 20);            // scales 0.6..1.6 of 28 px: sides 17..45
  EXPECT_GE(min_side, 17);
  EXPECT_GE(max_side, 40);
  EXPECT_LE(max_side, 45);
}

TEST(Composite, MaskFollowsIntensityAndBoxesAreTight) {
  auto set = make({.size = 40, .seed = 5});
  ASSERT_TRUE(set);
  for (int64_t i = 0; i < set->size(); ++i) {
    auto scene = set->scene(i);
    ASSERT_TRUE(scene.ok());
    for (int64_t y = 0; y < 96; ++y)
      for (int64_t x = 0; x < 96; ++x) {
        bool foreground = scene->image.at(0, y, x) > 0.1f;
        ASSERT_EQ(scene->mask.at(y, x) != 0, foreground) << "scene " << i << " at " << y << "," << x;
        ASSERT_TRUE(scene->mask.at(y, x) >= 0 && scene->mask.at(y, x) <= 10);
      }
    ASSERT_EQ(scene->boxes.size(), scene->item_of_box.size());
    for (size_t b = 0; b < scene->boxes.size(); ++b) {
      const Box& box = scene->boxes[b];
      const PlacedItem& item = scene->items[static_cast<size_t>(scene->item_of_box[b])];
      EXPECT_EQ(box.label, item.label);
      // Inside the item's square, and every border row and column holds a pixel of its class.
      EXPECT_TRUE(box.x0 >= item.left && box.y0 >= item.top && box.x1 <= item.left + item.side &&
                  box.y1 <= item.top + item.side);
      auto x0 = static_cast<int64_t>(box.x0), x1 = static_cast<int64_t>(box.x1);
      auto y0 = static_cast<int64_t>(box.y0), y1 = static_cast<int64_t>(box.y1);
      auto row_has = [&](int64_t y) {
        for (int64_t x = x0; x < x1; ++x)
          if (scene->mask.at(y, x) == box.label) return true;
        return false;
      };
      auto column_has = [&](int64_t x) {
        for (int64_t y = y0; y < y1; ++y)
          if (scene->mask.at(y, x) == box.label) return true;
        return false;
      };
      EXPECT_TRUE(row_has(y0) && row_has(y1 - 1) && column_has(x0) && column_has(x1 - 1)) << "scene " << i;
    }
    expect_boxes_tight_on_mask(scene->mask, scene->boxes, "scene " + std::to_string(i));
  }
}

TEST(Composite, TasksGiveTheirAnnotationAndClassNames) {
  auto segmentation = make({.task = Task::Segmentation, .size = 5, .channels = 3, .seed = 1});
  auto detection = make({.task = Task::Detection, .size = 5, .channels = 3, .seed = 1});
  ASSERT_TRUE(segmentation && detection);
  EXPECT_EQ(segmentation->num_classes(), 11);
  EXPECT_EQ(segmentation->class_names()[0], "background");
  EXPECT_EQ(detection->class_names()[10], "Ankle boot");
  auto s = segmentation->get(2), d = detection->get(2);
  ASSERT_TRUE(s.ok() && d.ok());
  EXPECT_EQ(s->image, d->image);
  EXPECT_EQ(s->image.channels, 3);
  EXPECT_EQ(s->mask.classes.size(), 96u * 96);
  EXPECT_TRUE(s->boxes.empty());
  EXPECT_TRUE(d->mask.classes.empty());
  EXPECT_FALSE(d->boxes.empty());
  EXPECT_EQ(d->boxes, segmentation->scene(2)->boxes);
}

TEST(Composite, RejectsBadOptions) {
  auto check = [](CompositeOptions options, const std::string& message) {
    auto set = CompositeDataset::from_items(test_items(), options);
    ASSERT_FALSE(set.ok()) << message;
    EXPECT_NE(set.error().message.find(message), std::string::npos) << set.error().message;
  };
  check({.canvas = 64}, "composite canvas: 64 is outside 96..4096");
  check({.min_items = 3, .max_items = 2}, "composite items");
  check({.max_scale = 4.0}, "do not fit on a canvas of 96");
  check({.max_overlap = 1.5}, "composite max_overlap");
  check({.task = Task::Classification}, "composite task");
  check({.channels = 2}, "composite channels");
  auto missing = CompositeDataset::open({.directory = "/nonexistent/fm"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("apt-get install dataset-fashion-mnist"), std::string::npos);
}

TEST(Composite, FlipAndCropKeepMaskAndBoxesConsistent) {
  auto set = make({.size = 30, .seed = 8});
  ASSERT_TRUE(set);
  for (int64_t i = 0; i < set->size(); ++i) {
    auto scene = set->scene(i);
    ASSERT_TRUE(scene.ok());
    Example both;
    both.image = scene->image;
    both.mask = scene->mask;
    both.boxes = scene->boxes;

    // A flipped mask equals the mask of the flipped scene, and the flipped boxes are exactly
    // tight on it, class by class.
    Example flipped = flip_horizontal(both);
    for (int64_t y = 0; y < 96; ++y)
      for (int64_t x = 0; x < 96; ++x) {
        ASSERT_EQ(flipped.mask.at(y, x), both.mask.at(y, 95 - x));
        ASSERT_EQ(flipped.image.at(0, y, x), both.image.at(0, y, 95 - x));
      }
    expect_boxes_tight_on_mask(flipped.mask, flipped.boxes, "flipped scene " + std::to_string(i));

    // A crop moves boxes with the pixels: every visible pixel of a class lies in a box of it.
    Example cropped = padded_crop(both, 8, 13, 2);  // shift by (+5, -6)
    for (int64_t y = 0; y < 96; ++y)
      for (int64_t x = 0; x < 96; ++x) {
        int64_t sy = y + 5, sx = x - 6;
        int64_t expected = sy >= 0 && sy < 96 && sx >= 0 && sx < 96 ? both.mask.at(sy, sx) : 0;
        ASSERT_EQ(cropped.mask.at(y, x), expected);
        if (expected == 0) continue;
        bool covered = std::any_of(cropped.boxes.begin(), cropped.boxes.end(), [&](const Box& b) {
          return b.label == expected && x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1;
        });
        ASSERT_TRUE(covered) << "cropped scene " << i << " at " << y << "," << x;
      }
  }
}

}  // namespace
}  // namespace hwnas::data
