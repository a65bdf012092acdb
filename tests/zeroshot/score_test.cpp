// score(): proxy names, determinism under a seed, the data-set minibatch, and the inputs it rejects.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "hwnas/data/fashion_mnist.h"
#include "hwnas/ir/builder.h"
#include "hwnas/space/space.h"
#include "hwnas/zeroshot/zeroshot.h"

namespace hwnas::zeroshot {
namespace {

// The smallest network of the tests' tiny space: 1 x 32 x 32 input, relu6, a classification head.
ir::Graph tiny_space_network() {
  auto space = space::load_space(std::string(HWNAS_TEST_DATA) + "/space/tiny_curated.yaml", {.channel_multiple = 8});
  EXPECT_TRUE(space.ok()) << space.error().message;
  auto graph = space->decode(space->minimal_architecture());
  EXPECT_TRUE(graph.ok()) << graph.error().message;
  return *graph;
}

TEST(ProxyNamesTest, RoundTripAndSuggestTheNearestName) {
  for (Proxy p : all_proxies()) {
    auto back = proxy_from_name(proxy_name(p));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
  auto wrong = proxy_from_name("synflw");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("did you mean 'synflow'?"), std::string::npos) << wrong.error().message;
  EXPECT_NE(wrong.error().message.find("grad_norm"), std::string::npos);
}

TEST(ScoreTest, EveryProxyIsFiniteAndTheSameUnderTheSameSeed) {
  ir::Graph graph = tiny_space_network();
  for (Proxy p : all_proxies()) {
    ScoreOptions options{.seed = 3, .batch_size = 8};
    auto first = score(graph, p, options);
    auto again = score(graph, p, options);
    ASSERT_TRUE(first.ok()) << proxy_name(p) << ": " << first.error().message;
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(std::isfinite(*first)) << proxy_name(p) << " " << *first;
    EXPECT_EQ(*first, *again) << proxy_name(p);
    options.seed = 4;
    auto other = score(graph, p, options);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(*first, *other) << proxy_name(p) << ": another seed, other weights, another score";
  }
}

// input [1, 64] -> (linear 64 -> ACTIVATION) x 2 -> linear 2, seeded init (the same for both kinds).
ir::Graph wide_mlp(ir::OpKind activation) {
  ir::Graph graph("wide_mlp");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 64});
  for (int i = 0; i < 2; ++i) x = b.act(b.linear(x, 64, true, "fc" + std::to_string(i)), activation, "act" + std::to_string(i));
  b.linear(x, 2, true, "out");
  EXPECT_TRUE(b.ok());
  return graph;
}

TEST(ScoreTest, SynflowScoresRelu6AsRelu) {
  // With absolute weights and an all-ones input the second layer's pre-activations are about
  // 64 x 0.0625 x 4 = 16 > 6: a relu6 would saturate and zero the first layers' gradients.
  auto with_relu6 = score(wide_mlp(ir::OpKind::Relu6), Proxy::Synflow, {.seed = 1});
  auto with_relu = score(wide_mlp(ir::OpKind::Relu), Proxy::Synflow, {.seed = 1});
  ASSERT_TRUE(with_relu6.ok()) << with_relu6.error().message;
  ASSERT_TRUE(with_relu.ok()) << with_relu.error().message;
  EXPECT_GT(*with_relu, 0.0);
  EXPECT_EQ(*with_relu6, *with_relu);
}

std::unique_ptr<data::FashionMnist> synthetic_fashion_mnist(int64_t count, int64_t resolution) {
  auto items = std::make_shared<data::FashionMnistItems>();
  items->count = count;
  items->pixels.resize(static_cast<size_t>(count * 28 * 28));
  for (size_t i = 0; i < items->pixels.size(); ++i) items->pixels[i] = static_cast<uint8_t>((i * 37) % 251);
  for (int64_t i = 0; i < count; ++i) items->labels.push_back(static_cast<uint8_t>(i % 10));
  auto set = data::FashionMnist::from_items(items, {.resolution = resolution});
  EXPECT_TRUE(set.ok()) << set.error().message;
  return std::move(*set);
}

TEST(MinibatchTest, TakesTheImagesAndLabelsOfTheDataSet) {
  ir::Graph graph = tiny_space_network();
  auto set = synthetic_fashion_mnist(20, 32);
  ScoreOptions options{.seed = 2, .batch_size = 5, .data = set.get()};
  auto batch = make_minibatch(graph, options);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_EQ(batch->images.sizes().vec(), (std::vector<int64_t>{5, 1, 32, 32}));
  for (int64_t i = 0; i < 5; ++i) {
    int64_t label = batch->labels[i].item<int64_t>();
    // The example the label came from holds this image: find it among the 20.
    bool found = false;
    for (int64_t j = 0; j < set->size() && !found; ++j) {
      auto example = set->get(j);
      ASSERT_TRUE(example.ok());
      at::Tensor image = at::from_blob(example->image.pixels.data(), {1, 32, 32}, at::kFloat);
      found = example->label == label && at::equal(image, batch->images[i]);
    }
    EXPECT_TRUE(found) << "example " << i;
  }
  auto naswot_score = score(graph, Proxy::Naswot, options);
  ASSERT_TRUE(naswot_score.ok()) << naswot_score.error().message;
}

TEST(ScoreErrorsTest, NameWhatTheProxyNeeds) {
  ir::Graph linear("linear_only");
  ir::Builder b(linear);
  b.linear(b.input({1, 4}), 3, true, "fc");
  ASSERT_TRUE(b.ok());
  auto zen_score = score(linear, Proxy::Zen, {});
  ASSERT_FALSE(zen_score.ok());
  EXPECT_EQ(zen_score.error().message,
            "graph 'linear_only': zen: needs a global_avg_pool: Zen-score measures the features before it");
  auto naswot_score = score(linear, Proxy::Naswot, {});
  ASSERT_FALSE(naswot_score.ok());
  EXPECT_NE(naswot_score.error().message.find("has no relu"), std::string::npos) << naswot_score.error().message;

  ir::Graph graph = tiny_space_network();
  auto wrong_size = synthetic_fashion_mnist(20, 28);
  auto mismatched = score(graph, Proxy::GradNorm, {.batch_size = 4, .data = wrong_size.get()});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().message.find("do not fit the graph's input [1x1x32x32]"), std::string::npos)
      << mismatched.error().message;
  auto too_few = score(graph, Proxy::Snip, {.batch_size = 64, .data = synthetic_fashion_mnist(20, 32).get()});
  ASSERT_FALSE(too_few.ok());
  EXPECT_NE(too_few.error().message.find("fewer than batch_size 64"), std::string::npos) << too_few.error().message;
  auto no_batch = score(graph, Proxy::Naswot, {.batch_size = 0});
  ASSERT_FALSE(no_batch.ok());
  EXPECT_NE(no_batch.error().message.find("batch_size must be at least 1"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::zeroshot
