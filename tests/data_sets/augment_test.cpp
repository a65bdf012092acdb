// Augmentation: hand-checked crop, flip and erasing of examples, seeded streams, normalisation, channel statistics.
#include "hwnas/data/augment.h"

#include <gtest/gtest.h>

#include "hwnas/data/fashion_mnist.h"

namespace hwnas::data {
namespace {

Example small_example() {
  Example e;
  e.image = filled_image(1, 3, 4);
  for (size_t i = 0; i < e.image.pixels.size(); ++i) e.image.pixels[i] = static_cast<float>(i + 1);
  e.mask = Mask{3, 4, {0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 2}};
  e.boxes = {Box{1, 0, 3, 2, 1}, Box{3, 2, 4, 3, 2}};
  e.label = 7;
  return e;
}

TEST(Augment, PaddedCropShiftsEverything) {
  // padding 1, window at (0, 2): out(y, x) = in(y - 1, x + 1).
  Example out = padded_crop(small_example(), 1, 0, 2);
  EXPECT_EQ(out.image.pixels, (std::vector<float>{0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0}));
  EXPECT_EQ(out.mask.classes, (std::vector<int64_t>{0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0}));
  // Box 1 [1,3)x[0,2) -> [0,2)x[1,3); box 2 [3,4)x[2,3) -> [2,3)x[3,4), clipped to nothing: dropped.
  ASSERT_EQ(out.boxes.size(), 1u);
  EXPECT_EQ(out.boxes[0], (Box{0, 1, 2, 3, 1}));
  EXPECT_EQ(out.label, 7);
  // The centre window of the padding is the identity.
  Example same = padded_crop(small_example(), 2, 2, 2);
  EXPECT_EQ(same.image, small_example().image);
  EXPECT_EQ(same.boxes, small_example().boxes);
}

TEST(Augment, FlipExample) {
  Example out = flip_horizontal(small_example());
  EXPECT_EQ(out.image.pixels, (std::vector<float>{4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}));
  EXPECT_EQ(out.mask.classes, (std::vector<int64_t>{0, 1, 1, 0, 0, 1, 1, 0, 2, 0, 0, 0}));
  EXPECT_EQ(out.boxes, (std::vector<Box>{Box{1, 0, 3, 2, 1}, Box{0, 2, 1, 3, 2}}));
}

TEST(Augment, SeededPerEpochAndIndex) {
  AugmentOptions options{.crop_padding = 1, .horizontal_flip = true};
  Example e = small_example();
  EXPECT_EQ(augment(e, options, 9, 2, 5).image, augment(e, options, 9, 2, 5).image);
  // Over many (epoch, index) streams every one of the 9 shifts x 2 flips occurs.
  std::vector<std::vector<float>> seen;
  for (int64_t epoch = 0; epoch < 20; ++epoch)
    for (int64_t index = 0; index < 20; ++index) {
      auto pixels = augment(e, options, 9, epoch, index).image.pixels;
      if (std::find(seen.begin(), seen.end(), pixels) == seen.end()) seen.push_back(pixels);
    }
  EXPECT_EQ(seen.size(), 18u);
  // No options: unchanged.
  EXPECT_EQ(augment(e, AugmentOptions{}, 9, 0, 0).image, e.image);
}

TEST(Augment, EraseRectangleClipsToTheImage) {
  Image image = small_example().image;  // 1 x 3 x 4, pixels 1..12
  std::vector<float> fill{-1.0f};
  erase_rectangle(image, 1, 2, 5, 5, fill);  // rows 1-2, columns 2-3 after clipping
  EXPECT_EQ(image.pixels, (std::vector<float>{1, 2, 3, 4, 5, 6, -1, -1, 9, 10, -1, -1}));
  erase_rectangle(image, -1, -1, 2, 2, {});  // only (0, 0) is inside; no fill given: 0
  EXPECT_EQ(image.pixels[0], 0.0f);
  EXPECT_EQ(image.pixels[1], 2.0f);
}

TEST(Augment, RandomErasingRateSizeAndFill) {
  Example e;
  e.image = filled_image(2, 32, 32, 1.0f);
  e.label = 3;
  AugmentOptions options{.erase_probability = 0.5, .erase_fill = {0.25f, 0.75f}};
  int erased = 0;
  const int trials = 2000;
  for (int index = 0; index < trials; ++index) {
    Example out = augment(e, options, 4, 0, index);
    EXPECT_EQ(out.label, 3);
    int64_t first = 0, second = 0;
    for (int64_t p = 0; p < 32 * 32; ++p) {
      first += out.image.pixels[static_cast<size_t>(p)] == 0.25f;
      second += out.image.pixels[static_cast<size_t>(32 * 32 + p)] == 0.75f;
    }
    EXPECT_EQ(first, second);  // the same rectangle in every channel, each with its fill
    if (first == 0) continue;
    ++erased;
    // 2-33 % of the area, up to rounding of the sides.
    EXPECT_GE(first, 8);
    EXPECT_LE(first, 32 * 32 * 40 / 100);
  }
  EXPECT_NEAR(static_cast<double>(erased) / trials, 0.5, 0.05);
  EXPECT_EQ(augment(e, options, 4, 0, 17).image, augment(e, options, 4, 0, 17).image);
}

TEST(Augment, Normalize) {
  Image image = filled_image(2, 1, 2);
  image.pixels = {1, 3, 5, 9};
  std::vector<float> mean = {1, 5}, std = {2, 4};
  ASSERT_TRUE(normalize(image, mean, std).ok());
  EXPECT_EQ(image.pixels, (std::vector<float>{0, 1, 0, 1}));
  std::vector<float> one = {1};
  EXPECT_FALSE(normalize(image, one, one).ok());
  std::vector<float> zero = {1, 0};
  auto bad = normalize(image, mean, zero);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not positive"), std::string::npos);
}

TEST(Augment, ChannelStatisticsOfFashionMnistTest) {
  auto test = open_fashion_mnist({.split = Split::Test});
  ASSERT_TRUE(test.ok()) << test.error().message;
  auto stats = channel_statistics(**test);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  // numpy over t10k-images (bytes / 255), /usr/bin/python3: mean 0.2868493, std 0.3524442.
  EXPECT_NEAR(stats->mean[0], 0.2868493, 1e-6);
  EXPECT_NEAR(stats->std[0], 0.3524442, 1e-6);
}

}  // namespace
}  // namespace hwnas::data
