// ZeroShotEvaluator: reports each proxy's score of the decoded network, the same as zeroshot::score.
#include "hwnas/search_torch/zeroshot_evaluator.h"

#include <gtest/gtest.h>

#include "hwnas/space/space.h"

namespace hwnas::search {
namespace {

TEST(ZeroShotEvaluator, ScoresTheDecodedNetworkUnderTheRequestSeed) {
  auto space = space::parse_space(
      "name: tiny\nkind: macro\ninput: {channels: 1, resolution: 8}\nstem: {channels: 8, stride: 1}\n"
      "stages:\n  - {block: [ibn, conv], kernel: 3, expansion: 2, depth: 1, channels: [8, 16], stride: 2}\n"
      "head: {type: classification, classes: 4}\n",
      "tiny.yaml", {});
  ASSERT_TRUE(space.ok()) << space.error().message;
  ZeroShotEvaluator evaluator({zeroshot::Proxy::Naswot, zeroshot::Proxy::Synflow}, {.batch_size = 8});
  EXPECT_EQ(evaluator.name(), "zero-shot:naswot+synflow");
  const space::Architecture arch = space->minimal_architecture();
  auto metrics = evaluator.evaluate({.space = *space, .arch = arch, .seed = 3});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  auto graph = space->decode(arch);
  ASSERT_TRUE(graph.ok());
  auto naswot = zeroshot::score(*graph, zeroshot::Proxy::Naswot, {.seed = 3, .batch_size = 8});
  auto synflow = zeroshot::score(*graph, zeroshot::Proxy::Synflow, {.seed = 3, .batch_size = 8});
  ASSERT_TRUE(naswot.ok() && synflow.ok());
  EXPECT_EQ(metrics->at("naswot"), *naswot);
  EXPECT_EQ(metrics->at("synflow"), *synflow);
  auto again = evaluator.evaluate({.space = *space, .arch = arch, .seed = 3});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *metrics);
}

}  // namespace
}  // namespace hwnas::search
