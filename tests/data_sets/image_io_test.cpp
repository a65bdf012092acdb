// Image files: class-id masks from hand-made palette / grey PNGs (bit depths, filters, errors), PNG writing
// round trips.
#include "hwnas/data/image_io.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "test_files.h"

namespace hwnas::data {
namespace {

using testing::mentions;
using testing::png_bytes;
using testing::TempDir;
using testing::write_bytes;

Mask mask_of(int64_t height, int64_t width, std::vector<int64_t> classes) {
  return Mask{height, width, std::move(classes)};
}

// Scanlines with filter 0 of 8-bit samples.
std::vector<uint8_t> unfiltered_rows(const Mask& mask) {
  std::vector<uint8_t> rows;
  for (int64_t y = 0; y < mask.height; ++y) {
    rows.push_back(0);
    for (int64_t x = 0; x < mask.width; ++x) rows.push_back(static_cast<uint8_t>(mask.at(y, x)));
  }
  return rows;
}

// The PNG filter `type` applied to one row of 8-bit samples (one byte per pixel).
std::vector<uint8_t> filtered_row(int type, const std::vector<uint8_t>& raw,
                                  const std::vector<uint8_t>& above) {
  std::vector<uint8_t> out = {static_cast<uint8_t>(type)};
  for (size_t i = 0; i < raw.size(); ++i) {
    int left = i > 0 ? raw[i - 1] : 0, up = above[i], up_left = i > 0 ? above[i - 1] : 0, predicted = 0;
    if (type == 1) predicted = left;
    if (type == 2) predicted = up;
    if (type == 3) predicted = (left + up) / 2;
    if (type == 4) {
      int p = left + up - up_left, pa = std::abs(p - left), pb = std::abs(p - up), pc = std::abs(p - up_left);
      predicted = pa <= pb && pa <= pc ? left : (pb <= pc ? up : up_left);
    }
    out.push_back(static_cast<uint8_t>(raw[i] - predicted));
  }
  return out;
}

TEST(MaskPng, PaletteIndicesAreTheClassIdsNotTheColours) {
  TempDir dir;
  const Mask expected = mask_of(2, 3, {0, 1, 2, 255, 20, 3});
  write_bytes(dir / "m.png", png_bytes(3, 2, 3, 8, unfiltered_rows(expected)));
  auto mask = decode_mask_png(dir / "m.png");
  ASSERT_TRUE(mask.ok()) << mask.error().message;
  EXPECT_EQ(*mask, expected);
}

TEST(MaskPng, PackedBitDepthsAndSixteenBitGrey) {
  TempDir dir;
  // Width 5: the last byte of each row is partly padding.
  // Depth 1: row 10110 -> 1011 0000; depth 2: 3 0 1 2 3 -> 1100 0110 | 1100 0000; depth 4: 15 0 7 1 9.
  write_bytes(dir / "d1.png", png_bytes(5, 1, 3, 1, {0, 0b10110000}));
  write_bytes(dir / "d2.png", png_bytes(5, 1, 0, 2, {0, 0b11000110, 0b11000000}));
  write_bytes(dir / "d4.png", png_bytes(5, 1, 3, 4, {0, 0xF0, 0x71, 0x90}));
  write_bytes(dir / "d16.png", png_bytes(2, 1, 0, 16, {0, 0x01, 0x2C, 0x00, 0x07}));
  const std::pair<const char*, std::vector<int64_t>> cases[] = {{"d1.png", {1, 0, 1, 1, 0}},
                                                                {"d2.png", {3, 0, 1, 2, 3}},
                                                                {"d4.png", {15, 0, 7, 1, 9}},
                                                                {"d16.png", {300, 7}}};
  for (const auto& [file, values] : cases) {
    auto mask = decode_mask_png(dir / file);
    ASSERT_TRUE(mask.ok()) << mask.error().message;
    EXPECT_EQ(mask->classes, values) << file;
    EXPECT_EQ(mask->height, 1) << file;
  }
}

TEST(MaskPng, EveryScanlineFilter) {
  TempDir dir;
  const std::vector<std::vector<uint8_t>> raw = {
      {3, 9, 200, 4}, {7, 7, 1, 250}, {0, 255, 128, 64}, {10, 20, 30, 40}, {255, 0, 255, 0}};
  std::vector<uint8_t> rows, above(4, 0);
  std::vector<int64_t> expected;
  for (size_t y = 0; y < raw.size(); ++y) {
    std::vector<uint8_t> row = filtered_row(static_cast<int>(y), raw[y], above);  // filters 0, 1, 2, 3, 4
    rows.insert(rows.end(), row.begin(), row.end());
    expected.insert(expected.end(), raw[y].begin(), raw[y].end());
    above = raw[y];
  }
  write_bytes(dir / "f.png", png_bytes(4, 5, 3, 8, rows));
  auto mask = decode_mask_png(dir / "f.png");
  ASSERT_TRUE(mask.ok()) << mask.error().message;
  EXPECT_EQ(mask->classes, expected);
}

TEST(MaskPng, WrittenMasksReadBackExactly) {
  TempDir dir;
  Mask mask = mask_of(23, 37, std::vector<int64_t>(23 * 37));
  for (int64_t y = 0; y < mask.height; ++y)
    for (int64_t x = 0; x < mask.width; ++x)
      mask.at(y, x) = (x * 7 + y * y) % 22 == 21 ? 255 : (x / 5 + y) % 21;
  ASSERT_TRUE(write_mask_png_file(dir / "w.png", mask).ok());
  auto read = decode_mask_png(dir / "w.png");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, mask);
  // The same file is an ordinary grey PNG for stb_image.
  auto image = decode_image_file(dir / "w.png", 1);
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_FLOAT_EQ(image->at(0, 3, 10), static_cast<float>(mask.at(3, 10)) / 255.0f);
  Status too_large = write_mask_png_file(dir / "x.png", mask_of(1, 2, {0, 300}));
  ASSERT_FALSE(too_large.ok());
  EXPECT_TRUE(mentions(too_large.error().message, "x.png")) << too_large.error().message;
  EXPECT_TRUE(mentions(too_large.error().message, "300")) << too_large.error().message;
}

TEST(MaskPng, RejectsWhatIsNotAClassIdPng) {
  TempDir dir;
  std::vector<uint8_t> rgb_row = {0, 1, 2, 3};
  write_bytes(dir / "rgb.png", png_bytes(1, 1, 2, 8, rgb_row));
  write_bytes(dir / "adam7.png", png_bytes(1, 1, 3, 8, {0, 1}, /*interlace=*/1));
  write_bytes(dir / "text.png", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'});
  write_bytes(dir / "short.png", png_bytes(4, 4, 0, 8, {0, 1, 2, 3, 4, 0, 1}));
  write_bytes(dir / "filter9.png", png_bytes(1, 1, 0, 8, {9, 1}));
  std::vector<uint8_t> bad_crc = png_bytes(1, 1, 0, 8, {0, 1});
  bad_crc[20] ^= 0x01;  // inside IHDR's data
  write_bytes(dir / "crc.png", bad_crc);
  const std::pair<const char*, const char*> cases[] = {{"rgb.png", "RGB"},
                                                       {"adam7.png", "interlaced"},
                                                       {"text.png", "signature"},
                                                       {"short.png", "truncated"},
                                                       {"filter9.png", "filter"},
                                                       {"crc.png", "CRC"},
                                                       {"missing.png", "cannot open"}};
  for (const auto& [file, why] : cases) {
    auto mask = decode_mask_png(dir / file);
    ASSERT_FALSE(mask.ok()) << file;
    EXPECT_TRUE(mentions(mask.error().message, file)) << mask.error().message;
    EXPECT_TRUE(mentions(mask.error().message, why)) << mask.error().message;
  }
}

TEST(ImagePng, WrittenImagesReadBackWithinHalfAStep) {
  TempDir dir;
  Image image = filled_image(3, 5, 7);
  for (size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  image.pixels[4] = 1.7f;   // clamped
  image.pixels[5] = -0.2f;  // clamped
  ASSERT_TRUE(write_png_file(dir / "i.png", image).ok());
  auto read = decode_image_file(dir / "i.png", 3);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->pixels.size(), image.pixels.size());
  for (size_t i = 0; i < image.pixels.size(); ++i)
    EXPECT_NEAR(read->pixels[i], std::clamp(image.pixels[i], 0.0f, 1.0f), 0.5f / 255.0f + 1e-6f) << i;
  Status no_dir = write_png_file(dir / "missing/i.png", image);
  ASSERT_FALSE(no_dir.ok());
  EXPECT_TRUE(mentions(no_dir.error().message, "missing/i.png")) << no_dir.error().message;
}

}  // namespace
}  // namespace hwnas::data
