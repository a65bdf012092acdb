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

// The segmentation head's decisions: the LR-ASPP width (head.channels as a list), the output
// stride (the stages that would stride past it keep stride 1) and the low-level stage.
TEST(SearchSpace, TheSegmentationHeadsWidthAndOutputStrideAreDecisions) {
  const std::string yaml =
      "name: seg\ninput: {channels: 3, resolution: 64}\nstem: {channels: 16}\nstages:\n"
      "  - {channels: 16, stride: 2}\n  - {channels: 24, stride: 2}\n  - {channels: 32, stride: 2}\n"
      "  - {channels: 48, stride: 2}\n"
      "head: {type: segmentation, classes: 5, channels: [32, 64], output_stride: [16, 32], low: stage2}\n";
  auto space = parse_space(yaml, "seg.yaml", {});
  ASSERT_TRUE(space.ok()) << space.error().message;
  auto choose = [&](Architecture arch, const std::string& name, int choice) {
    for (size_t d = 0; d < space->decisions().size(); ++d)
      if (space->decisions()[d].name == name) arch[d] = choice;
    return arch;
  };
  const Architecture base = space->minimal_architecture();  // head 32 wide, output stride 16
  auto at16 = space->decode(base);
  ASSERT_TRUE(at16.ok()) << at16.error().message;
  EXPECT_EQ(at16->node(at16->outputs()[0]).shape, (ir::Shape{1, 5, 64, 64}));
  EXPECT_EQ(at16->node(*at16->find("head.lraspp.cbr")).shape, (ir::Shape{1, 32, 4, 4}));  // stride 16: stage4 keeps stride 1
  EXPECT_EQ(at16->node(*at16->find("head.lraspp.low_classifier")).inputs.size(), 1u);
  auto at32 = space->decode(choose(choose(base, "head.output_stride", 1), "head.channels", 1));
  ASSERT_TRUE(at32.ok()) << at32.error().message;
  EXPECT_EQ(at32->node(*at32->find("head.lraspp.cbr")).shape, (ir::Shape{1, 64, 2, 2}));
  // the low-level map is stage2's (stride 8 here), whatever the output stride
  const ir::Node& low = at32->node(*at32->find("head.lraspp.low_classifier"));
  EXPECT_EQ(at32->node(low.inputs[0]).shape.h(), 8);
  auto bad = [&](const std::string& from, const std::string& to, const std::string& wanted) {
    std::string text = yaml;
    text.replace(text.find(from), from.size(), to);
    auto parsed = parse_space(text, "seg.yaml", {});
    ASSERT_FALSE(parsed.ok()) << to;
    EXPECT_NE(parsed.error().message.find(wanted), std::string::npos) << parsed.error().message;
  };
  bad("output_stride: [16, 32]", "output_stride: [16, 24]", "not a power of two");
  bad("output_stride: [16, 32]", "output_stride: [8, 32]", "at least 16");
  bad("low: stage2", "low: stage7", "'stage7' is not stageK");
  bad("type: segmentation", "type: classification", "head.channels");
}

}  // namespace
}  // namespace hwnas::space
