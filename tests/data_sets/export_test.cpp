// Composite scenes written as COCO and VOC files and read back through the loaders: same masks, boxes and
// pixels.
#include "hwnas/data/export.h"

#include <gtest/gtest.h>

#include "hwnas/data/coco.h"
#include "hwnas/data/composite.h"
#include "hwnas/data/voc.h"
#include "test_files.h"

namespace hwnas::data {
namespace {

using testing::mentions;
using testing::TempDir;

const std::string kFashionMnist = "/usr/share/datasets/fashion-mnist";

// The scenes export_composite writes for `split`, generated again.
std::unique_ptr<CompositeDataset> scenes(const CompositeExportOptions& options, Task task, Split split) {
  CompositeOptions o;
  o.task = task;
  o.directory = options.directory;
  o.split = split;
  o.size = options.count;
  o.canvas = options.size;
  o.channels = options.channels;
  o.seed = options.seed;
  auto set = open_composite(o);
  EXPECT_TRUE(set.ok()) << set.error().message;
  return set.ok() ? std::move(*set) : nullptr;
}

void expect_same_pixels(const Image& read, const Image& original, const std::string& what) {
  ASSERT_EQ(read.pixels.size(), original.pixels.size()) << what;
  for (size_t i = 0; i < read.pixels.size(); ++i)
    ASSERT_NEAR(read.pixels[i], original.pixels[i], 0.5f / 255.0f + 1e-6f) << what << " pixel " << i;
}

TEST(Export, CompositeCocoReadsBackTheSameBoxes) {
  TempDir dir;
  const CompositeExportOptions options{.format = ExportFormat::Coco,
                                       .out = dir.path().string(),
                                       .count = 4,
                                       .size = 100,
                                       .seed = 11,
                                       .directory = kFashionMnist};
  Status exported = export_composite(options);
  ASSERT_TRUE(exported.ok()) << exported.error().message;
  for (auto [split, name] : {std::pair{Split::Train, "train"}, std::pair{Split::Test, "val"}}) {
    auto read =
        CocoDetection::open({.annotations = dir / ("annotations/instances_" + std::string(name) + ".json"),
                             .height = 100,
                             .width = 100,
                             .channels = 1});
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ((*read)->image_directory(), dir / name);
    EXPECT_EQ((*read)->class_names(), composite_class_names());
    auto original = scenes(options, Task::Detection, split);
    ASSERT_NE(original, nullptr);
    ASSERT_EQ((*read)->size(), 4);
    int64_t boxes = 0;
    for (int64_t i = 0; i < 4; ++i) {
      auto a = (*read)->get(i);
      auto b = original->get(i);
      ASSERT_TRUE(a.ok()) << a.error().message;
      ASSERT_TRUE(b.ok()) << b.error().message;
      expect_same_pixels(a->image, b->image, name);
      ASSERT_EQ(a->boxes.size(), b->boxes.size()) << name << " scene " << i;
      for (size_t k = 0; k < a->boxes.size(); ++k) {
        EXPECT_NEAR(a->boxes[k].x0, b->boxes[k].x0, 1e-4) << name << " scene " << i;
        EXPECT_NEAR(a->boxes[k].y0, b->boxes[k].y0, 1e-4) << name << " scene " << i;
        EXPECT_NEAR(a->boxes[k].x1, b->boxes[k].x1, 1e-4) << name << " scene " << i;
        EXPECT_NEAR(a->boxes[k].y1, b->boxes[k].y1, 1e-4) << name << " scene " << i;
        EXPECT_EQ(a->boxes[k].label, b->boxes[k].label) << name << " scene " << i;
      }
      boxes += static_cast<int64_t>(a->boxes.size());
    }
    EXPECT_GT(boxes, 0);
  }
}

TEST(Export, CompositeVocReadsBackTheSameMasks) {
  TempDir dir;
  const CompositeExportOptions options{.format = ExportFormat::Voc,
                                       .out = dir.path().string(),
                                       .count = 3,
                                       .size = 96,
                                       .channels = 3,
                                       .seed = 4,
                                       .directory = kFashionMnist};
  Status exported = export_composite(options);
  ASSERT_TRUE(exported.ok()) << exported.error().message;
  for (auto [split, name] : {std::pair{Split::Train, "train"}, std::pair{Split::Test, "val"}}) {
    auto read =
        VocSegmentation::open({.root = dir.path().string(), .split = name, .height = 96, .width = 96});
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ((*read)->class_names(), composite_class_names());  // from the labels.txt written
    EXPECT_EQ((*read)->id(2), std::string(name) + "_000002");
    auto original = scenes(options, Task::Segmentation, split);
    ASSERT_NE(original, nullptr);
    ASSERT_EQ((*read)->size(), 3);
    for (int64_t i = 0; i < 3; ++i) {
      auto a = (*read)->get(i);
      auto b = original->get(i);
      ASSERT_TRUE(a.ok()) << a.error().message;
      ASSERT_TRUE(b.ok()) << b.error().message;
      EXPECT_EQ(a->mask, b->mask) << name << " scene " << i;
      expect_same_pixels(a->image, b->image, name);
    }
  }
}

TEST(Export, WritersCheckTheTaskAndTheOptions) {
  TempDir dir;
  auto set = scenes({.count = 1, .directory = kFashionMnist}, Task::Segmentation, Split::Test);
  ASSERT_NE(set, nullptr);
  Status coco = write_coco(*set, dir / "a.json", dir / "images");
  ASSERT_FALSE(coco.ok());
  EXPECT_TRUE(mentions(coco.error().message, "needs a detection set")) << coco.error().message;
  EXPECT_FALSE(export_composite({.out = dir.path().string(), .count = 0}).ok());
  Status small =
      export_composite({.out = dir.path().string(), .count = 1, .size = 50, .directory = kFashionMnist});
  ASSERT_FALSE(small.ok());
  EXPECT_TRUE(mentions(small.error().message, "canvas")) << small.error().message;
}

}  // namespace
}  // namespace hwnas::data
