// The composite-scene segmentation spaces: the MobileNetV2-style LR-ASPP baseline is a point of
// the uncurated space, decodes to a per-pixel 11-class output, and the curated space's channel
// choices are multiples of P.
#include <gtest/gtest.h>

#include "hwnas/space/space.h"

namespace hwnas::space {
namespace {

TEST(SearchSpace, CompositeSegmentationSpacesHoldTheBaselineAndAlignChannels) {
  auto uncurated = load_space_by_name("composite_segmentation_uncurated", {16});
  ASSERT_TRUE(uncurated.ok()) << uncurated.error().message;
  EXPECT_EQ(uncurated->macro()->head, HeadKind::Segmentation);
  const std::string baseline_key =
      "resolution=64;depth_multiplier=1.0;stem.channels=32;"
      "stage1.block=ibn;stage1.kernel=3;stage1.expansion=1;stage1.depth=1;stage1.channels=16;"
      "stage2.block=ibn;stage2.kernel=3;stage2.expansion=6;stage2.depth=2;stage2.channels=24;"
      "stage3.block=ibn;stage3.kernel=3;stage3.expansion=6;stage3.depth=3;stage3.channels=32;"
      "stage4.block=ibn;stage4.kernel=3;stage4.expansion=6;stage4.depth=4;stage4.channels=64;"
      "stage5.block=ibn;stage5.kernel=3;stage5.expansion=6;stage5.depth=3;stage5.channels=96";
  auto baseline = uncurated->parse_key(baseline_key);
  ASSERT_TRUE(baseline.ok()) << baseline.error().message;
  auto graph = uncurated->decode(*baseline);
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  EXPECT_EQ(graph->node(graph->inputs()[0]).shape, (ir::Shape{1, 1, 64, 64}));
  ASSERT_EQ(graph->outputs().size(), 1u);
  EXPECT_EQ(graph->node(graph->outputs()[0]).shape, (ir::Shape{1, 11, 64, 64}));

  for (int64_t p : {8, 16, 64}) {
    auto curated = load_space_by_name("composite_segmentation_curated", {p});
    ASSERT_TRUE(curated.ok()) << curated.error().message;
    for (const Decision& d : curated->decisions())
      if (d.name.find("channels") != std::string::npos)
        for (const Choice& c : d.choices) EXPECT_EQ(static_cast<int64_t>(c.value) % p, 0) << d.name << " at P=" << p;
    auto minimal = curated->decode(curated->minimal_architecture());
    ASSERT_TRUE(minimal.ok()) << minimal.error().message;
    EXPECT_EQ(minimal->node(minimal->outputs()[0]).shape, (ir::Shape{1, 11, 64, 64}));
  }
}

}  // namespace
}  // namespace hwnas::space
