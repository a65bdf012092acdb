// Batching: epoch orders are seeded permutations, batches cover the order, loaded batches stack every task.
#include "hwnas/data/batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "hwnas/data/composite.h"
#include "hwnas/data/fashion_mnist.h"

namespace hwnas::data {
namespace {

TEST(Batch, EpochOrderIsASeededPermutation) {
  auto order = epoch_order(1000, 7, 0);
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(order, identity);
  EXPECT_EQ(order, epoch_order(1000, 7, 0));
  EXPECT_NE(order, epoch_order(1000, 7, 1));
  EXPECT_NE(order, epoch_order(1000, 8, 0));
  EXPECT_TRUE(epoch_order(0, 1, 0).empty());
}

TEST(Batch, MakeBatches) {
  std::vector<int64_t> order = {4, 2, 0, 1, 3};
  auto kept = make_batches(order, 2, false);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[2], (std::vector<int64_t>{3}));
  auto dropped = make_batches(order, 2, true);
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[1], (std::vector<int64_t>{0, 1}));
}

TEST(Batch, LoadsEveryTask) {
  auto items = read_fashion_mnist("", Split::Test);
  ASSERT_TRUE(items.ok()) << items.error().message;
  auto shared = std::make_shared<const FashionMnistItems>(std::move(*items));
  std::vector<int64_t> indices = {5, 0, 9};

  auto classification = FashionMnist::from_items(shared, {.split = Split::Test});
  ASSERT_TRUE(classification.ok());
  auto batch = load_batch(**classification, indices, {.mean = {0.5f}, .std = {0.25f}});
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->size, 3);
  EXPECT_EQ(batch->images.size(), 3u * 28 * 28);
  EXPECT_EQ(batch->labels, (std::vector<int64_t>{shared->labels[5], shared->labels[0], shared->labels[9]}));
  EXPECT_FLOAT_EQ(batch->images[784 + 300], (shared->item(0)[300] / 255.0f - 0.5f) / 0.25f);

  auto segmentation = CompositeDataset::from_items(shared, {.task = Task::Segmentation, .size = 10});
  ASSERT_TRUE(segmentation.ok());
  auto masks = load_batch(**segmentation, indices,
                          {.augment = {.crop_padding = 4, .horizontal_flip = true}, .seed = 3});
  ASSERT_TRUE(masks.ok()) << masks.error().message;
  EXPECT_EQ(masks->masks.size(), 3u * 96 * 96);
  EXPECT_TRUE(masks->labels.empty());
  auto again = load_batch(**segmentation, indices,
                          {.augment = {.crop_padding = 4, .horizontal_flip = true}, .seed = 3});
  EXPECT_EQ(masks->masks, again->masks);
  EXPECT_EQ(masks->images, again->images);

  auto detection = CompositeDataset::from_items(shared, {.task = Task::Detection, .size = 10});
  ASSERT_TRUE(detection.ok());
  auto boxes = load_batch(**detection, indices);
  ASSERT_TRUE(boxes.ok()) << boxes.error().message;
  ASSERT_EQ(boxes->boxes.size(), 3u);
  EXPECT_EQ(boxes->boxes[1], (*detection)->scene(0)->boxes);

  auto bad = load_batch(**classification, std::vector<int64_t>{10000});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("index 10000"), std::string::npos) << bad.error().message;
  auto wrong_mean = load_batch(**classification, indices, {.mean = {0.5f, 0.5f}, .std = {1.0f, 1.0f}});
  EXPECT_FALSE(wrong_mean.ok());
}

}  // namespace
}  // namespace hwnas::data
