// Image folders on tiny PNG / JPEG fixtures (tests/data/images/make_fixtures.py): classes, pixels, errors.
#include "hwnas/data/image_folder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_files.h"

namespace hwnas::data {
namespace {

const std::string kImages = std::string(HWNAS_TEST_DATA) + "/images";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ImageFolder, ClassesSortedFilesSortedOthersSkipped) {
  auto folder = ImageFolder::open({.root = kImages + "/folder", .height = 2, .width = 4});
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  EXPECT_EQ((*folder)->class_names(), (std::vector<std::string>{"circle", "square"}));
  ASSERT_EQ((*folder)->size(), 5);  // notes.txt is skipped
  EXPECT_EQ((*folder)->labels(), (std::vector<int64_t>{0, 0, 0, 1, 1}));
  EXPECT_TRUE((*folder)->file(0).ends_with("circle/c_rgba.PNG"));
  EXPECT_TRUE((*folder)->file(1).ends_with("circle/d_solid.jpg"));
  EXPECT_TRUE((*folder)->file(2).ends_with("circle/e_solid.jpeg"));
  EXPECT_TRUE((*folder)->file(3).ends_with("square/a_grey.png"));
  EXPECT_TRUE((*folder)->file(4).ends_with("square/b_rgb.png"));
}

TEST(ImageFolder, PngPixelsExact) {
  auto folder = ImageFolder::open({.root = kImages + "/folder", .height = 2, .width = 4, .channels = 3});
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  auto rgb = (*folder)->get(4);  // b_rgb.png at its own size
  ASSERT_TRUE(rgb.ok()) << rgb.error().message;
  EXPECT_EQ(rgb->label, 1);
  ASSERT_EQ(rgb->image.channels, 3);
  // Pixel (1, 3) is (200, 100, 50); pixel (0, 2) is (0, 0, 255).
  EXPECT_FLOAT_EQ(rgb->image.at(0, 1, 3), 200 / 255.0f);
  EXPECT_FLOAT_EQ(rgb->image.at(1, 1, 3), 100 / 255.0f);
  EXPECT_FLOAT_EQ(rgb->image.at(2, 1, 3), 50 / 255.0f);
  EXPECT_FLOAT_EQ(rgb->image.at(2, 0, 2), 1.0f);
  EXPECT_FLOAT_EQ(rgb->image.at(0, 0, 2), 0.0f);
  // A grey PNG read as RGB: its value in all three channels.
  auto grey = (*folder)->get(3);
  ASSERT_TRUE(grey.ok()) << grey.error().message;
  for (int64_t c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(grey->image.at(c, 0, 1), 51 / 255.0f);
  // RGBA: alpha dropped, colour kept even where fully transparent.
  auto rgba = (*folder)->get(0);
  ASSERT_TRUE(rgba.ok()) << rgba.error().message;
  EXPECT_FLOAT_EQ(rgba->image.at(0, 1, 1), 30 / 255.0f);
  EXPECT_FLOAT_EQ(rgba->image.at(2, 1, 1), 90 / 255.0f);
}

TEST(ImageFolder, GreyFromRgbUsesStbLuma) {
  auto folder = ImageFolder::open({.root = kImages + "/folder", .height = 2, .width = 4, .channels = 1});
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  auto rgb = (*folder)->get(4);
  ASSERT_TRUE(rgb.ok()) << rgb.error().message;
  ASSERT_EQ(rgb->image.channels, 1);
  // stb_image's luma: (77 r + 150 g + 29 b) >> 8. (255, 0, 0) -> 76; (200, 100, 50) -> 124.
  EXPECT_FLOAT_EQ(rgb->image.at(0, 0, 0), 76 / 255.0f);
  EXPECT_FLOAT_EQ(rgb->image.at(0, 1, 3), 124 / 255.0f);
}

TEST(ImageFolder, JpegSolidColoursAndResize) {
  auto folder = ImageFolder::open({.root = kImages + "/folder", .height = 5, .width = 6});
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  auto solid = (*folder)->get(1);  // d_solid.jpg: 8x8 of (200, 40, 90), quality 95
  ASSERT_TRUE(solid.ok()) << solid.error().message;
  EXPECT_EQ(solid->image.height, 5);
  EXPECT_EQ(solid->image.width, 6);
  const float tolerance = 4 / 255.0f;  // JPEG's chroma rounding
  for (int64_t y = 0; y < 5; ++y)
    for (int64_t x = 0; x < 6; ++x) {
      EXPECT_NEAR(solid->image.at(0, y, x), 200 / 255.0f, tolerance);
      EXPECT_NEAR(solid->image.at(1, y, x), 40 / 255.0f, tolerance);
      EXPECT_NEAR(solid->image.at(2, y, x), 90 / 255.0f, tolerance);
    }
  auto grey = (*folder)->get(2);  // e_solid.jpeg: 16x8 grey 77
  ASSERT_TRUE(grey.ok()) << grey.error().message;
  for (float v : grey->image.pixels) EXPECT_NEAR(v, 77 / 255.0f, 2 / 255.0f);
}

TEST(ImageFolder, UndecodableFileIsNamed) {
  auto folder = ImageFolder::open({.root = kImages + "/corrupt", .height = 2, .width = 4});
  ASSERT_TRUE(folder.ok()) << folder.error().message;  // found at open, decoded at get
  ASSERT_EQ((*folder)->size(), 2);
  auto broken = (*folder)->get(0);
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(contains(broken.error().message, "corrupt/things/broken.png: cannot decode image"))
      << broken.error().message;
  EXPECT_TRUE((*folder)->get(1).ok());
}

TEST(ImageFolder, EmptyAndMissingFoldersAreErrors) {
  testing::TempDir dir;
  auto empty = ImageFolder::open({.root = dir.path().string()});
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(contains(empty.error().message, dir.path().string() + ": empty")) << empty.error().message;

  auto hollow = ImageFolder::open({.root = kImages + "/empty_class"});
  ASSERT_FALSE(hollow.ok());
  EXPECT_TRUE(contains(hollow.error().message, "empty_class/hollow has no .png, .jpg or .jpeg file"))
      << hollow.error().message;

  auto missing = ImageFolder::open({.root = dir / "nothing"});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "nothing: does not exist")) << missing.error().message;

  EXPECT_FALSE(ImageFolder::open({.root = kImages + "/folder", .channels = 4}).ok());
  EXPECT_FALSE(ImageFolder::open({.root = kImages + "/folder", .height = 0}).ok());
}

TEST(ImageFolder, EmptyFileAndWrongFormatNamed) {
  testing::TempDir dir;
  testing::write_bytes(dir / "only/empty.png", {});
  testing::write_bytes(dir / "only/text.jpg", {'h', 'e', 'l', 'l', 'o'});
  auto folder = ImageFolder::open({.root = dir.path().string(), .height = 4, .width = 4});
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  for (int64_t i = 0; i < 2; ++i) {
    auto example = (*folder)->get(i);
    ASSERT_FALSE(example.ok());
    EXPECT_TRUE(contains(example.error().message, (*folder)->file(i) + ": cannot decode image"))
        << example.error().message;
  }
}

}  // namespace
}  // namespace hwnas::data
