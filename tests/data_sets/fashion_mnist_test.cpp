// The Fashion-MNIST reader on Debian's real files, on broken copies, and when the data set is missing.
#include "hwnas/data/fashion_mnist.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "hwnas/data/idx.h"
#include "test_files.h"

namespace hwnas::data {
namespace {
using testing::TempDir;

// The tests read the real files of Debian's dataset-fashion-mnist (a build dependency of the
// tests, like GoogleTest). HWNAS_DATA_DIR must not redirect them.
class FashionMnistTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("HWNAS_DATA_DIR"); }
  void TearDown() override { unsetenv("HWNAS_DATA_DIR"); }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(FashionMnistTest, TestSplitCountsLabelsAndPixels) {
  auto items = read_fashion_mnist("", Split::Test);
  ASSERT_TRUE(items.ok()) << items.error().message;
  EXPECT_EQ(items->count, 10000);
  EXPECT_EQ(items->pixels.size(), 10000u * 28 * 28);
  std::vector<int64_t> per_class(10, 0);
  for (uint8_t label : items->labels) {
    ASSERT_LT(label, 10);
    ++per_class[label];
  }
  EXPECT_EQ(per_class, std::vector<int64_t>(10, 1000));  // the test split is balanced
  // First ten test labels, read with /usr/bin/python3 (gzip + struct on t10k-labels-idx1-ubyte.gz):
  // [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
  EXPECT_EQ(std::vector<int>(items->labels.begin(), items->labels.begin() + 10),
            (std::vector<int>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  // Sum of the bytes of the first test image, same python: 33456.
  int64_t sum = 0;
  for (int64_t p = 0; p < 784; ++p) sum += items->item(0)[p];
  EXPECT_EQ(sum, 33456);
}

TEST_F(FashionMnistTest, TrainSplitCountsAndFirstLabel) {
  auto train = open_fashion_mnist({.split = Split::Train});
  ASSERT_TRUE(train.ok()) << train.error().message;
  EXPECT_EQ((*train)->size(), 60000);
  std::vector<int64_t> labels = (*train)->labels();
  ASSERT_EQ(labels.size(), 60000u);
  for (int64_t label : labels) ASSERT_TRUE(label >= 0 && label < 10);
  // The first train label, read with /usr/bin/python3 from train-labels-idx1-ubyte.gz
  // (gzip.open(...).read()[8]): 9, an ankle boot. Its image's bytes sum to 76247.
  auto first = (*train)->get(0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->label, 9);
  EXPECT_EQ((*train)->class_names()[9], "Ankle boot");
  double sum = 0;
  for (float v : first->image.pixels) sum += v * 255.0;
  EXPECT_NEAR(sum, 76247.0, 0.05);
  EXPECT_EQ(first->image.channels, 1);
  EXPECT_EQ(first->image.height, 28);
}

TEST_F(FashionMnistTest, MissingDirectorySaysHowToInstall) {
  auto missing = open_fashion_mnist({.directory = "/nonexistent/hwnas-fmnist"});
  ASSERT_FALSE(missing.ok());
  const std::string& message = missing.error().message;
  EXPECT_TRUE(contains(message, "apt-get install dataset-fashion-mnist")) << message;
  EXPECT_TRUE(contains(message, "/nonexistent/hwnas-fmnist")) << message;
  EXPECT_TRUE(contains(message, "HWNAS_DATA_DIR")) << message;
}

TEST_F(FashionMnistTest, MissingFileIsNamed) {
  TempDir dir;
  auto missing = open_fashion_mnist({.directory = dir.path().string(), .split = Split::Test});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "no t10k-images-idx3-ubyte.gz or t10k-images-idx3-ubyte"))
      << missing.error().message;
  EXPECT_TRUE(contains(missing.error().message, "apt-get install dataset-fashion-mnist"))
      << missing.error().message;
}

TEST_F(FashionMnistTest, EnvironmentVariableMovesTheDefaultDirectory) {
  TempDir dir;
  setenv("HWNAS_DATA_DIR", dir.path().c_str(), 1);
  std::string expected = (dir.path() / "fashion-mnist").string();
  EXPECT_EQ(default_fashion_mnist_directory(), expected);
  auto missing = open_fashion_mnist({.split = Split::Test});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, expected)) << missing.error().message;
  EXPECT_TRUE(contains(missing.error().message, "$HWNAS_DATA_DIR/fashion-mnist")) << missing.error().message;

  // Unzipped copies of the real test files in $HWNAS_DATA_DIR/fashion-mnist are read the same.
  for (const char* name : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    auto bytes = read_maybe_gzipped_file(std::string("/usr/share/datasets/fashion-mnist/") + name + ".gz");
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    testing::write_bytes(expected + "/" + name, *bytes);
  }
  auto copied = read_fashion_mnist("", Split::Test);
  unsetenv("HWNAS_DATA_DIR");
  auto original = read_fashion_mnist("", Split::Test);
  ASSERT_TRUE(copied.ok()) << copied.error().message;
  ASSERT_TRUE(original.ok()) << original.error().message;
  EXPECT_EQ(copied->labels, original->labels);
  EXPECT_EQ(copied->pixels, original->pixels);
}

// Writes a test split whose images and labels files are given.
void write_split(const TempDir& dir, const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels) {
  testing::write_bytes(dir / "t10k-images-idx3-ubyte", images);
  testing::write_bytes(dir / "t10k-labels-idx1-ubyte.gz", testing::gzip_bytes(labels));
}

TEST_F(FashionMnistTest, RejectsBrokenFiles) {
  std::vector<uint8_t> ten_thousand_labels(10000, 3);
  std::vector<uint8_t> ten_thousand_images(10000 * 784, 0);
  struct Case {
    std::string what;
    std::vector<uint8_t> images, labels;
    std::string message;
  };
  std::vector<Case> cases = {
      {"truncated images", testing::idx_bytes({10000, 28, 28}, std::vector<uint8_t>(5000)),
       testing::idx_bytes({10000}, ten_thousand_labels), "t10k-images-idx3-ubyte: truncated"},
      {"labels as images", testing::idx_bytes({10000}, ten_thousand_labels),
       testing::idx_bytes({10000}, ten_thousand_labels), "expected 3 dimensions"},
      {"wrong image size", testing::idx_bytes({10000, 14, 56}, ten_thousand_images),
       testing::idx_bytes({10000}, ten_thousand_labels), "images are 14x56"},
      {"count mismatch", testing::idx_bytes({10000, 28, 28}, ten_thousand_images),
       testing::idx_bytes({9999}, std::vector<uint8_t>(9999, 1)), "9999 labels for 10000 images"},
      {"wrong count", testing::idx_bytes({2, 28, 28}, std::vector<uint8_t>(2 * 784)),
       testing::idx_bytes({2}, {1, 2}), "2 items, the test split of Fashion-MNIST has 10000"},
      {"label out of range", testing::idx_bytes({10000, 28, 28}, ten_thousand_images),
       [&] {
         auto labels = ten_thousand_labels;
         labels[17] = 10;
         return testing::idx_bytes({10000}, labels);
       }(),
       "label 10 of item 17 is outside 0..9"},
      {"bad magic",
       [] {
         auto b = testing::idx_bytes({1}, {0});
         b[0] = 8;
         return b;
       }(),
       testing::idx_bytes({10000}, ten_thousand_labels), "not an IDX file"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    write_split(dir, c.images, c.labels);
    auto read = read_fashion_mnist(dir.path().string(), Split::Test);
    ASSERT_FALSE(read.ok()) << c.what;
    EXPECT_TRUE(contains(read.error().message, c.message)) << c.what << ": " << read.error().message;
    EXPECT_TRUE(contains(read.error().message, dir.path().string()))
        << c.what << ": " << read.error().message;
  }
}

TEST_F(FashionMnistTest, FractionIsStratifiedSeededAndNested) {
  auto items = read_fashion_mnist("", Split::Test);
  ASSERT_TRUE(items.ok()) << items.error().message;
  auto shared = std::make_shared<const FashionMnistItems>(std::move(*items));
  auto tenth = FashionMnist::from_items(shared, {.split = Split::Test, .fraction = 0.1, .seed = 4});
  auto twentieth = FashionMnist::from_items(shared, {.split = Split::Test, .fraction = 0.05, .seed = 4});
  auto other_seed = FashionMnist::from_items(shared, {.split = Split::Test, .fraction = 0.1, .seed = 5});
  auto again = FashionMnist::from_items(shared, {.split = Split::Test, .fraction = 0.1, .seed = 4});
  ASSERT_TRUE(tenth.ok() && twentieth.ok() && other_seed.ok() && again.ok());
  EXPECT_EQ((*tenth)->size(), 1000);
  EXPECT_EQ((*twentieth)->size(), 500);
  std::vector<int64_t> per_class(10, 0);
  for (int64_t label : (*tenth)->labels()) ++per_class[static_cast<size_t>(label)];
  EXPECT_EQ(per_class, std::vector<int64_t>(10, 100));
  EXPECT_EQ((*tenth)->item_indices(), (*again)->item_indices());
  EXPECT_NE((*tenth)->item_indices(), (*other_seed)->item_indices());
  std::set<int64_t> larger((*tenth)->item_indices().begin(), (*tenth)->item_indices().end());
  for (int64_t item : (*twentieth)->item_indices()) EXPECT_TRUE(larger.count(item)) << item;
  // Examples are the items they say they are.
  auto example = (*tenth)->get(3);
  ASSERT_TRUE(example.ok());
  int64_t item = (*tenth)->item_indices()[3];
  EXPECT_EQ(example->label, shared->labels[static_cast<size_t>(item)]);
  EXPECT_FLOAT_EQ(example->image.pixels[400], shared->item(item)[400] / 255.0f);

  auto bad = FashionMnist::from_items(shared, {.fraction = 0.0});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.error().message, "fraction")) << bad.error().message;
  EXPECT_FALSE(FashionMnist::from_items(shared, {.fraction = 1.5}).ok());
}

TEST_F(FashionMnistTest, ResolutionAndChannels) {
  auto items = read_fashion_mnist("", Split::Test);
  ASSERT_TRUE(items.ok()) << items.error().message;
  auto shared = std::make_shared<const FashionMnistItems>(std::move(*items));
  auto big = FashionMnist::from_items(shared, {.split = Split::Test, .resolution = 56, .channels = 3});
  ASSERT_TRUE(big.ok()) << big.error().message;
  EXPECT_EQ((*big)->channels(), 3);
  EXPECT_EQ((*big)->height(), 56);
  auto example = (*big)->get(0);
  ASSERT_TRUE(example.ok());
  ASSERT_EQ(example->image.pixels.size(), 3u * 56 * 56);
  for (int64_t y = 0; y < 56; ++y)
    for (int64_t x = 0; x < 56; ++x) {
      ASSERT_EQ(example->image.at(0, y, x), example->image.at(1, y, x));
      ASSERT_EQ(example->image.at(0, y, x), example->image.at(2, y, x));
    }
  // Doubling with half-pixel centres: output (2y+1, 2x+1) = 0.75^2 of input (y, x) + 0.75*0.25 of
  // (y+1, x) and (y, x+1) + 0.25^2 of (y+1, x+1).
  const uint8_t* raw = shared->item(0);
  auto in = [&](int64_t y, int64_t x) { return raw[y * 28 + x] / 255.0f; };
  for (int64_t y : {3, 10, 20})
    for (int64_t x : {5, 14, 26}) {
      float expected =
          0.5625f * in(y, x) + 0.1875f * (in(y + 1, x) + in(y, x + 1)) + 0.0625f * in(y + 1, x + 1);
      EXPECT_NEAR(example->image.at(0, 2 * y + 1, 2 * x + 1), expected, 1e-6) << y << "," << x;
    }
  EXPECT_FALSE(FashionMnist::from_items(shared, {.channels = 2}).ok());
  EXPECT_FALSE(FashionMnist::from_items(shared, {.resolution = 0}).ok());
  auto out_of_range = (*big)->get(10000);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_TRUE(contains(out_of_range.error().message, "index 10000 is outside 0..9999"))
      << out_of_range.error().message;
}

}  // namespace
}  // namespace hwnas::data
