// Seeded fractions (stratified or not, nested across fractions) and the subset view.
#include "hwnas/data/subset.h"

#include <gtest/gtest.h>

#include <set>

#include "hwnas/data/fashion_mnist.h"

namespace hwnas::data {
namespace {

TEST(Subset, UnlabelledFractionIsSeededAndNested) {
  auto half = fraction_indices(100, {}, 0.5, 1);
  auto quarter = fraction_indices(100, {}, 0.25, 1);
  ASSERT_TRUE(half.ok() && quarter.ok());
  EXPECT_EQ(half->size(), 50u);
  EXPECT_EQ(quarter->size(), 25u);
  EXPECT_TRUE(std::is_sorted(half->begin(), half->end()));
  std::set<int64_t> larger(half->begin(), half->end());
  for (int64_t i : *quarter) EXPECT_TRUE(larger.count(i));
  EXPECT_EQ(*half, *fraction_indices(100, {}, 0.5, 1));
  EXPECT_NE(*half, *fraction_indices(100, {}, 0.5, 2));
  EXPECT_EQ(fraction_indices(100, {}, 1.0, 1)->size(), 100u);
  EXPECT_EQ(fraction_indices(100, {}, 0.001, 1)->size(), 1u);  // at least one
}

TEST(Subset, StratifiedKeepsClassShares) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 90; ++i) labels.push_back(i < 60 ? 0 : (i < 80 ? 1 : 2));  // 60 / 20 / 10
  auto kept = fraction_indices(90, labels, 0.1, 3);
  ASSERT_TRUE(kept.ok());
  std::vector<int> per_class(3, 0);
  for (int64_t i : *kept) ++per_class[static_cast<size_t>(labels[static_cast<size_t>(i)])];
  EXPECT_EQ(per_class, (std::vector<int>{6, 2, 1}));
}

TEST(Subset, RejectsBadArguments) {
  EXPECT_FALSE(fraction_indices(10, {}, 0.0, 0).ok());
  EXPECT_FALSE(fraction_indices(10, {}, -0.5, 0).ok());
  EXPECT_FALSE(fraction_indices(10, {}, 1.01, 0).ok());
  EXPECT_FALSE(fraction_indices(3, {0, 1}, 0.5, 0).ok());
  EXPECT_FALSE(fraction_indices(2, {0, -1}, 0.5, 0).ok());
}

TEST(Subset, ViewOfChosenExamples) {
  auto test = open_fashion_mnist({.split = Split::Test});
  ASSERT_TRUE(test.ok()) << test.error().message;
  std::shared_ptr<const Dataset> base = std::move(*test);
  auto subset = SubsetDataset::make(base, {9, 3, 3});
  ASSERT_TRUE(subset.ok()) << subset.error().message;
  EXPECT_EQ((*subset)->size(), 3);
  EXPECT_EQ((*subset)->get(0)->image, base->get(9)->image);
  EXPECT_EQ((*subset)->labels(),
            (std::vector<int64_t>{base->get(9)->label, base->get(3)->label, base->get(3)->label}));
  EXPECT_FALSE((*subset)->get(3).ok());
  EXPECT_FALSE(SubsetDataset::make(base, {10000}).ok());
}

}  // namespace
}  // namespace hwnas::data
