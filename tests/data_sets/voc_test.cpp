// VOC segmentation on a layout written into a temporary directory: pairs, nearest-resized masks, 255 kept,
// every error.
#include "hwnas/data/voc.h"

#include <gtest/gtest.h>

#include "hwnas/data/image_io.h"
#include "hwnas/data/image_ops.h"
#include "test_files.h"

namespace hwnas::data {
namespace {

namespace fs = std::filesystem;
using testing::mentions;
using testing::png_bytes;
using testing::TempDir;
using testing::write_bytes;
using testing::write_text;

const std::string kJpeg = std::string(HWNAS_TEST_DATA) + "/images/folder/circle/d_solid.jpg";  // 8 x 8

Mask pattern_mask(int64_t height, int64_t width, int64_t classes) {
  Mask mask{height, width, std::vector<int64_t>(static_cast<size_t>(height * width))};
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) mask.at(y, x) = x == y ? kIgnoreLabel : (x + 2 * y) % classes;
  return mask;
}

// 8-bit palette PNG of `mask`, as VOC's SegmentationClass files are.
void write_palette_mask(const std::string& path, const Mask& mask) {
  std::vector<uint8_t> rows;
  for (int64_t y = 0; y < mask.height; ++y) {
    rows.push_back(0);
    for (int64_t x = 0; x < mask.width; ++x) rows.push_back(static_cast<uint8_t>(mask.at(y, x)));
  }
  write_bytes(path,
              png_bytes(static_cast<uint32_t>(mask.width), static_cast<uint32_t>(mask.height), 3, 8, rows));
}

// root with a JPEG pair (8 x 8, palette mask) and a PNG pair (4 x 6, grey mask) in train.txt.
struct VocRoot {
  TempDir dir;
  Mask jpeg_mask = pattern_mask(8, 8, 21);
  Mask png_mask = pattern_mask(4, 6, 21);
  VocRoot() {
    fs::create_directories(dir / "JPEGImages");
    fs::create_directories(dir / "SegmentationClass");
    fs::copy_file(kJpeg, dir / "JPEGImages/2007_000001.jpg");
    write_palette_mask(dir / "SegmentationClass/2007_000001.png", jpeg_mask);
    Image image = filled_image(3, 4, 6, 0.5f);
    EXPECT_TRUE(write_png_file(dir / "JPEGImages/b.png", image).ok());
    EXPECT_TRUE(write_mask_png_file(dir / "SegmentationClass/b.png", png_mask).ok());
    write_text(dir / "ImageSets/Segmentation/train.txt", "2007_000001\r\n\nb\n");
  }
  std::string root() const { return dir.path().string(); }
};

std::string open_error(const std::string& root, const std::string& split = "train") {
  auto set = VocSegmentation::open({.root = root, .split = split, .height = 4, .width = 4});
  EXPECT_FALSE(set.ok()) << root << " opened";
  return set.ok() ? "" : set.error().message;
}

std::string get_error(const std::string& root, int64_t index) {
  auto set = VocSegmentation::open({.root = root, .height = 4, .width = 4});
  EXPECT_TRUE(set.ok()) << set.error().message;
  if (!set.ok()) return "";
  auto example = (*set)->get(index);
  EXPECT_FALSE(example.ok()) << "example " << index << " read";
  return example.ok() ? "" : example.error().message;
}

TEST(Voc, PairsResizedMasksNearestIgnoreKept) {
  VocRoot voc;
  auto set = VocSegmentation::open({.root = voc.root(), .height = 4, .width = 4});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ((*set)->task(), Task::Segmentation);
  EXPECT_EQ((*set)->class_names(), voc_class_names());
  EXPECT_EQ((*set)->num_classes(), 21);
  EXPECT_EQ((*set)->class_names()[15], "person");
  ASSERT_EQ((*set)->size(), 2);
  EXPECT_EQ((*set)->id(1), "b");
  EXPECT_TRUE((*set)->image_file(1).ends_with("JPEGImages/b.png"));

  auto jpeg = (*set)->get(0);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  EXPECT_EQ(jpeg->mask, resize_nearest(voc.jpeg_mask, 4, 4));
  EXPECT_EQ(jpeg->mask.at(1, 1), kIgnoreLabel);  // the diagonal: 255 survives resizing as 255
  EXPECT_EQ(jpeg->image.channels, 3);
  EXPECT_NEAR(jpeg->image.at(0, 2, 2), 200 / 255.0f, 4 / 255.0f);  // JPEG of (200, 40, 90)
  EXPECT_EQ(jpeg->label, -1);

  auto png = (*set)->get(1);
  ASSERT_TRUE(png.ok()) << png.error().message;
  EXPECT_EQ(png->mask, resize_nearest(voc.png_mask, 4, 4));
  EXPECT_FLOAT_EQ(png->image.at(2, 3, 3), 128 / 255.0f);
  EXPECT_FALSE((*set)->get(2).ok());

  // At the images' own size the masks are the files' exactly.
  auto own = VocSegmentation::open({.root = voc.root(), .height = 8, .width = 8});
  ASSERT_TRUE(own.ok()) << own.error().message;
  EXPECT_EQ((*own)->get(0)->mask, voc.jpeg_mask);
}

TEST(Voc, LabelsFileNamesTheClasses) {
  VocRoot voc;
  std::string names;
  for (int i = 0; i < 21; ++i) names += "class " + std::to_string(i) + "\n";
  write_text(voc.dir / "labels.txt", names + "\n");
  auto set = VocSegmentation::open({.root = voc.root(), .height = 4, .width = 4});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ((*set)->num_classes(), 21);
  EXPECT_EQ((*set)->class_names()[20], "class 20");
  // With fewer classes than the masks use, get() names the value.
  write_text(voc.dir / "labels.txt", "background\nthing\n");
  const std::string message = get_error(voc.root(), 0);
  EXPECT_TRUE(mentions(message, voc.dir / "SegmentationClass/2007_000001.png")) << message;
  EXPECT_TRUE(mentions(message, "train.txt:1 (image id 2007_000001)")) << message;
  EXPECT_TRUE(mentions(message, "value 2 at (x 2, y 0)")) << message;
  EXPECT_TRUE(mentions(message, "0..1")) << message;
}

TEST(Voc, BadLayoutsNameTheFileAndTheRecord) {
  VocRoot voc;
  const std::string list = voc.dir / "ImageSets/Segmentation/train.txt";
  EXPECT_TRUE(mentions(open_error(voc.dir / "nowhere"), "not a directory"));
  const std::string no_list = open_error(voc.root(), "val");
  EXPECT_TRUE(mentions(no_list, voc.dir / "ImageSets/Segmentation/val.txt")) << no_list;
  EXPECT_TRUE(mentions(no_list, "missing")) << no_list;

  write_text(voc.dir / "ImageSets/Segmentation/empty.txt", "\n\n");
  const std::string empty = open_error(voc.root(), "empty");
  EXPECT_TRUE(mentions(empty, "empty.txt: empty list")) << empty;

  write_text(list, "2007_000001\nb 1\n");
  const std::string two = open_error(voc.root());
  EXPECT_TRUE(mentions(two, list + ":2")) << two;
  EXPECT_TRUE(mentions(two, "one image id")) << two;

  write_text(list, "2007_000001\n\nc\n");
  const std::string no_image = open_error(voc.root());
  EXPECT_TRUE(mentions(no_image, list + ":3")) << no_image;
  EXPECT_TRUE(mentions(no_image, voc.dir / "JPEGImages/c.jpg")) << no_image;
  EXPECT_TRUE(mentions(no_image, "does not exist")) << no_image;

  fs::copy_file(kJpeg, voc.dir / "JPEGImages/c.jpg");
  const std::string no_mask = open_error(voc.root());
  EXPECT_TRUE(mentions(no_mask, list + ":3")) << no_mask;
  EXPECT_TRUE(mentions(no_mask, voc.dir / "SegmentationClass/c.png")) << no_mask;

  // A mask of another size than its image: 4 x 6 for an 8 x 8 JPEG.
  fs::copy_file(voc.dir / "SegmentationClass/b.png", voc.dir / "SegmentationClass/c.png");
  const std::string wrong_size = get_error(voc.root(), 1);
  EXPECT_TRUE(mentions(wrong_size, list + ":3 (image id c)")) << wrong_size;
  EXPECT_TRUE(mentions(wrong_size, voc.dir / "SegmentationClass/c.png")) << wrong_size;
  EXPECT_TRUE(mentions(wrong_size, "mask is 6x4 but its image")) << wrong_size;
  EXPECT_TRUE(mentions(wrong_size, voc.dir / "JPEGImages/c.jpg")) << wrong_size;

  // An RGB mask (a colour-coded PNG saved without its palette) is refused by name.
  EXPECT_TRUE(write_png_file(voc.dir / "SegmentationClass/c.png", filled_image(3, 8, 8)).ok());
  const std::string rgb = get_error(voc.root(), 1);
  EXPECT_TRUE(mentions(rgb, "image id c")) << rgb;
  EXPECT_TRUE(mentions(rgb, "palette or grey PNG")) << rgb;

  write_text(voc.dir / "labels.txt", "background\ncat\ncat\n");
  const std::string twice = open_error(voc.root());
  EXPECT_TRUE(mentions(twice, voc.dir / "labels.txt:3")) << twice;
  EXPECT_TRUE(mentions(twice, "listed twice")) << twice;
  write_text(voc.dir / "labels.txt", "background\n\ncat\n");
  const std::string gap = open_error(voc.root());
  EXPECT_TRUE(mentions(gap, voc.dir / "labels.txt:2")) << gap;
  write_text(voc.dir / "labels.txt", "\n");
  EXPECT_TRUE(mentions(open_error(voc.root()), "labels.txt: empty"));
}

}  // namespace
}  // namespace hwnas::data
