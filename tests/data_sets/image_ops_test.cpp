// Pixel operations against hand-computed values and PyTorch's bilinear interpolation.
#include "hwnas/data/image_ops.h"

#include <gtest/gtest.h>

namespace hwnas::data {
namespace {

Image ramp_3x4() {
  Image image = filled_image(1, 3, 4);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<float>(i);
  return image;
}

// Values from /usr/bin/python3 with torch 1.13:
//   F.interpolate(torch.arange(12.).reshape(1, 1, 3, 4), size=..., mode="bilinear", align_corners=False)
TEST(ImageOps, BilinearMatchesPyTorchUpAndDown) {
  Image up = resize_bilinear(ramp_3x4(), 5, 7);
  std::vector<std::vector<float>> expected_up = {
      {0.0f, 0.3571429f, 0.9285715f, 1.5000001f, 2.0714288f, 2.6428573f, 3.0f},
      {1.6000001f, 1.9571429f, 2.5285716f, 3.1000001f, 3.6714289f, 4.2428575f, 4.6000004f},
      {4.0f, 4.3571429f, 4.9285717f, 5.5f, 6.0714293f, 6.6428576f, 7.0000005f},
      {6.4000006f, 6.7571430f, 7.3285718f, 7.9000006f, 8.4714289f, 9.0428581f, 9.4000006f},
      {8.0f, 8.3571424f, 8.9285717f, 9.5f, 10.0714293f, 10.6428576f, 11.0f}};
  for (int64_t y = 0; y < 5; ++y)
    for (int64_t x = 0; x < 7; ++x) EXPECT_NEAR(up.at(0, y, x), expected_up[y][x], 2e-6) << y << "," << x;
  Image down = resize_bilinear(ramp_3x4(), 2, 3);
  std::vector<std::vector<float>> expected_down = {{1.1666667f, 2.5f, 3.8333335f},
                                                   {7.1666670f, 8.5f, 9.8333330f}};
  for (int64_t y = 0; y < 2; ++y)
    for (int64_t x = 0; x < 3; ++x) EXPECT_NEAR(down.at(0, y, x), expected_down[y][x], 2e-6) << y << "," << x;
  EXPECT_EQ(resize_bilinear(ramp_3x4(), 3, 4), ramp_3x4());
}

// Nearest neighbour: output (y, x) takes input (floor(y * in_h / out_h), floor(x * in_w / out_w)),
// PyTorch's interpolate(mode="nearest"); by hand for rows 0 0 1 1 2 and columns 0 0 1 1 2 2 3.
TEST(ImageOps, NearestResizeOfMasksKeepsClassIds) {
  Mask mask{3, 4, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}};
  Mask up = resize_nearest(mask, 5, 7);
  EXPECT_EQ(up.classes, (std::vector<int64_t>{0, 0, 1, 1, 2, 2, 3, 0, 0, 1, 1, 2, 2, 3, 4,  4,  5,  5,
                                              6, 6, 7, 4, 4, 5, 5, 6, 6, 7, 8, 8, 9, 9, 10, 10, 255}));
  Mask down = resize_nearest(mask, 2, 3);
  EXPECT_EQ(down.classes, (std::vector<int64_t>{0, 1, 2, 4, 5, 6}));
  EXPECT_EQ(resize_nearest(mask, 3, 4), mask);
}

TEST(ImageOps, FlipImageMaskAndBox) {
  Image flipped = flip_horizontal(ramp_3x4());
  EXPECT_EQ(flipped.pixels, (std::vector<float>{3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}));
  EXPECT_EQ(flip_horizontal(flipped), ramp_3x4());
  Mask mask{2, 3, {1, 0, 0, 2, 2, 0}};
  EXPECT_EQ(flip_horizontal(mask).classes, (std::vector<int64_t>{0, 0, 1, 0, 2, 2}));
  Box box{1, 0, 3, 2, 5};
  EXPECT_EQ(flip_horizontal(box, 10), (Box{7, 0, 9, 2, 5}));
}

TEST(ImageOps, CropWithOutsideFill) {
  Image window = crop(ramp_3x4(), -1, 2, 3, 3, -1.0f);
  EXPECT_EQ(window.pixels, (std::vector<float>{-1, -1, -1, 2, 3, -1, 6, 7, -1}));
  Mask mask{2, 2, {1, 2, 3, 4}};
  EXPECT_EQ(crop(mask, 1, 1, 2, 2).classes, (std::vector<int64_t>{4, 0, 0, 0}));
  Box box{1, 1, 4, 3, 2};
  ASSERT_TRUE(crop(box, 2, 2, 5, 5));
  EXPECT_EQ(box, (Box{0, 0, 2, 1, 2}));
  Box gone{0, 0, 2, 2, 1};
  EXPECT_FALSE(crop(gone, 2, 2, 5, 5));
}

TEST(ImageOps, ReplicateChannels) {
  Image three = replicate_channels(ramp_3x4(), 3);
  ASSERT_EQ(three.channels, 3);
  for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(three.at(c, 2, 1), 9.0f);
}

}  // namespace
}  // namespace hwnas::data
