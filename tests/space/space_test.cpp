// Search spaces: parsing, curation, validation errors, decoding, canonical keys, the built-in spaces.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "hwnas/analysis/cost.h"
#include "hwnas/space/space.h"

namespace hwnas::space {
namespace {

const std::string kData = std::string(HWNAS_TEST_DATA) + "/space/";

SearchSpace load(const std::string& file, int64_t p) {
  auto space = load_space(kData + file, {.channel_multiple = p});
  EXPECT_TRUE(space.ok()) << (space.ok() ? "" : space.error().message);
  return space.ok() ? std::move(space.value()) : SearchSpace{};
}

const Decision& decision(const SearchSpace& space, const std::string& name) {
  for (const Decision& d : space.decisions())
    if (d.name == name) return d;
  ADD_FAILURE() << "no decision " << name;
  static Decision none;
  return none;
}

std::vector<double> values(const Decision& d) {
  std::vector<double> v;
  for (const Choice& c : d.choices) v.push_back(c.value);
  return v;
}

std::string error_of(const std::string& file, int64_t p = 16) {
  auto space = load_space(kData + file, {.channel_multiple = p});
  EXPECT_FALSE(space.ok()) << file << " should be rejected";
  return space.ok() ? "" : space.error().message;
}

TEST(SearchSpace, CurationExpandsChannelsToMultiplesOfTheTargetParallelism) {
  const SearchSpace p16 = load("tiny_curated.yaml", 16);
  EXPECT_EQ(values(decision(p16, "stage1.channels")), (std::vector<double>{16, 32, 48}));
  EXPECT_EQ(values(decision(p16, "stage2.channels")), (std::vector<double>{16, 32, 48, 64}));
  EXPECT_EQ(values(decision(p16, "stem.channels")), (std::vector<double>{16}));
  const SearchSpace p8 = load("tiny_curated.yaml", 8);
  EXPECT_EQ(values(decision(p8, "stage1.channels")), (std::vector<double>{8, 16, 24, 32, 40, 48}));
  // the version records what the space decodes with, so it changes with P
  EXPECT_NE(p16.version(), p8.version());
  EXPECT_EQ(p16.version(), load("tiny_curated.yaml", 16).version());
}

TEST(SearchSpace, UncuratedRangeIsEveryChannelCount) {
  auto space = parse_space("name: u\ninput: {resolution: 32}\nstem: {channels: 8}\nstages:\n  - {channels: {min: 16, max: 64}}\n", "u.yaml", {32});
  ASSERT_TRUE(space.ok()) << space.error().message;
  const Decision& channels = decision(*space, "stage1.channels");
  ASSERT_EQ(channels.choices.size(), 49u);
  EXPECT_EQ(channels.choices.front().value, 16);
  EXPECT_EQ(channels.choices.back().value, 64);
  // few far-apart options
  auto thinned = parse_space("name: u\ninput: {resolution: 32}\nstem: {channels: 8}\nstages:\n  - {channels: {min: 16, max: 64, max_options: 4}}\n", "u.yaml", {32});
  ASSERT_TRUE(thinned.ok()) << thinned.error().message;
  EXPECT_EQ(values(decision(*thinned, "stage1.channels")), (std::vector<double>{16, 32, 48, 64}));
}

TEST(SearchSpace, BuiltinSpacesMatchTheFilesInSpacesFolder) {
  for (const std::string& name : builtin_space_names()) {
    std::ifstream in(std::string(HWNAS_TEST_DATA) + "/../../spaces/" + name + ".yaml");
    ASSERT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), std::string(*builtin_space_yaml(name))) << name;
    auto space = load_space_by_name(name, {.channel_multiple = 32});
    ASSERT_TRUE(space.ok()) << space.error().message;
    auto graph = space->decode(space->minimal_architecture());
    EXPECT_TRUE(graph.ok()) << (graph.ok() ? "" : graph.error().message);
  }
  auto curated = load_space_by_name("mobilenet_curated", {32});
  auto uncurated = load_space_by_name("mobilenet_uncurated", {32});
  ASSERT_TRUE(curated.ok() && uncurated.ok());
  EXPECT_EQ(curated->decisions().size(), uncurated->decisions().size());
  EXPECT_LT(curated->log10_size() + 5, uncurated->log10_size());  // curation shrinks the space by orders of magnitude
}

TEST(SearchSpace, EveryExampleSpaceLoadsAndDecodes) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(HWNAS_TEST_DATA) + "/../../spaces")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    auto space = load_space(entry.path().string(), {.channel_multiple = 32});
    ASSERT_TRUE(space.ok()) << space.error().message;
    if (!space->has_network()) continue;
    auto graph = space->decode(space->minimal_architecture());
    EXPECT_TRUE(graph.ok()) << entry.path() << ": " << (graph.ok() ? "" : graph.error().message);
  }
  EXPECT_GE(count, 4);
}

TEST(SearchSpace, ErrorsNameFileLineAndField) {
  std::string e = error_of("bad_unknown_field.yaml");
  EXPECT_NE(e.find("bad_unknown_field.yaml:5"), std::string::npos) << e;
  EXPECT_NE(e.find("stage1.kernal: unknown field; did you mean 'kernel'?"), std::string::npos) << e;

  e = error_of("bad_unknown_block.yaml");
  EXPECT_NE(e.find("bad_unknown_block.yaml:5"), std::string::npos) << e;
  EXPECT_NE(e.find("stage1.block: unknown block 'fused_ibm'; did you mean 'fused_ibn'?"), std::string::npos) << e;

  e = error_of("bad_empty_choices.yaml");
  EXPECT_NE(e.find("stage1.kernel: empty list of choices"), std::string::npos) << e;

  e = error_of("bad_alignment.yaml", 32);
  EXPECT_NE(e.find("bad_alignment.yaml:5"), std::string::npos) << e;
  EXPECT_NE(e.find("48 is not a multiple of the alignment 32"), std::string::npos) << e;
  // with P = 16 the same values are fine
  EXPECT_TRUE(load_space(kData + "bad_alignment.yaml", {.channel_multiple = 16}).ok());
}

TEST(SearchSpace, RejectsBadValuesWithReasons) {
  const std::string head = "name: s\ninput: {resolution: 32}\nstem: {channels: 8}\nstages:\n";
  struct Case {
    std::string stage, expected;
  };
  const std::vector<Case> cases = {
      {"  - {kernel: [3, 4], channels: 8}", "stage1.kernel: choice 4 must be odd"},
      {"  - {depth: [0, 1], channels: 8}", "stage1.depth: choice 0 must be at least 1"},
      {"  - {channels: {aligned: P, min: 33, max: 40}}", "no multiple of 32 in [33, 40]"},
      {"  - {channels: {min: 40, max: 33}}", "min 40 is above max 33"},
      {"  - {channels: [16, 16]}", "choice 16 appears twice"},
      {"  - {channels: [16.5]}", "'16.5' is not an integer"},
      {"  - {stride: 3, channels: 8}", "stage1.stride: must be 1 or 2"},
      {"  - {channels: {aligned: 0, min: 8, max: 16}}", "must be P (the target's parallelism factor) or a positive integer"},
  };
  for (const Case& c : cases) {
    auto space = parse_space(head + c.stage + "\n", "s.yaml", {.channel_multiple = 32});
    ASSERT_FALSE(space.ok()) << c.stage;
    EXPECT_NE(space.error().message.find(c.expected), std::string::npos) << space.error().message;
    EXPECT_EQ(space.error().message.rfind("s.yaml", 0), 0u) << space.error().message;
  }
  EXPECT_FALSE(parse_space("name: [unclosed", "x.yaml", {}).ok());
  EXPECT_FALSE(parse_space("- a list", "x.yaml", {}).ok());
  auto no_stages = parse_space("name: s\ninput: {resolution: 32}\nstem: {channels: 8}\n", "s.yaml", {});
  ASSERT_FALSE(no_stages.ok());
  EXPECT_NE(no_stages.error().message.find("stages: missing"), std::string::npos) << no_stages.error().message;
}

// Mixed precision: a stage's `precision` is a categorical decision; its layers carry the choice,
// the other stages none (they run at the target's precision).
TEST(SearchSpace, StagePrecisionIsADecisionTheStagesLayersCarry) {
  const std::string text =
      "name: m\ninput: {resolution: 32}\nstem: {channels: 8}\nstages:\n"
      "  - {channels: 8, precision: [int8, int16]}\n  - {channels: 16, stride: 2}\n";
  auto space = parse_space(text, "m.yaml", {.channel_multiple = 8});
  ASSERT_TRUE(space.ok()) << space.error().message;
  const Decision& precision = decision(*space, "stage1.precision");
  ASSERT_EQ(precision.choices.size(), 2u);
  EXPECT_FALSE(precision.numeric);
  EXPECT_EQ(precision.choices[1].label, "int16");
  const auto precision_index = static_cast<size_t>(&precision - space->decisions().data());
  Result<Architecture> arch = space->minimal_architecture();
  (*arch)[precision_index] = 1;
  ASSERT_TRUE(space->parse_key(space->canonical_key(*arch)).ok());
  EXPECT_NE(space->canonical_key(*arch).find("stage1.precision=int16"), std::string::npos) << space->canonical_key(*arch);
  auto graph = space->decode(*arch);
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  int int16_nodes = 0;
  for (const ir::Node& n : graph->nodes()) {
    const bool in_stage1 = n.name.rfind("stage1.", 0) == 0;
    EXPECT_EQ(n.precision, in_stage1 ? std::optional<ir::Precision>(ir::Precision::Int16) : std::nullopt) << n.name;
    int16_nodes += in_stage1;
  }
  EXPECT_GT(int16_nodes, 3);
  auto int8 = *arch;
  int8[precision_index] = 0;
  auto graph8 = space->decode(int8);
  ASSERT_TRUE(graph8.ok());
  EXPECT_EQ(graph8->node(*graph8->find("stage1.block0.expand")).precision, ir::Precision::Int8);
  EXPECT_NE(space->canonical_key(int8), space->canonical_key(*arch));

  auto bad = parse_space("name: m\ninput: {resolution: 32}\nstem: {channels: 8}\nstages:\n  - {channels: 8, precision: [int8, int15]}\n",
                         "m.yaml", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("m.yaml:5"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("stage1.precision: unknown precision 'int15'; did you mean 'int16'?"), std::string::npos)
      << bad.error().message;
}

TEST(SearchSpace, DecodesTheMinimalArchitecture) {
  const SearchSpace space = load("tiny_curated.yaml", 16);
  const Architecture minimal = space.minimal_architecture();
  auto graph = space.decode(minimal);
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  const ir::Node& out = graph->node(graph->outputs().front());
  EXPECT_EQ(out.shape, (ir::Shape{1, 10}));
  // input 1x32x32 (smallest resolution), stem 16 channels
  EXPECT_EQ(graph->node(graph->inputs().front()).shape, (ir::Shape{1, 1, 32, 32}));
  EXPECT_TRUE(graph->find("stage1.block0.expand").has_value());  // ibn with expansion 2
  EXPECT_FALSE(graph->find("stage1.block1.expand").has_value());  // depth 1
}

TEST(SearchSpace, DepthMultiplierScalesStageDepths) {
  const SearchSpace space = load("tiny_curated.yaml", 16);
  Architecture arch = space.minimal_architecture();
  auto index_of = [&](const std::string& name) {
    for (size_t i = 0; i < space.decisions().size(); ++i)
      if (space.decisions()[i].name == name) return static_cast<int>(i);
    return -1;
  };
  arch[index_of("stage2.depth")] = 2;       // depth 3
  arch[index_of("depth_multiplier")] = 0;   // 0.5 -> ceil(1.5) = 2 blocks
  auto half = space.decode(arch);
  ASSERT_TRUE(half.ok()) << half.error().message;
  EXPECT_TRUE(half->find("stage2.block1.dw").has_value());
  EXPECT_FALSE(half->find("stage2.block2.dw").has_value());
  arch[index_of("depth_multiplier")] = 1;   // 1.0 -> 3 blocks
  auto full = space.decode(arch);
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_TRUE(full->find("stage2.block2.dw").has_value());
  EXPECT_EQ(stage_depth(3, 0.5), 2);
  EXPECT_EQ(stage_depth(1, 0.5), 1);
  EXPECT_EQ(stage_depth(2, 0.5), 1);
}

TEST(SearchSpace, InvalidArchitecturesAreRejectedWithAReasonNeverACrash) {
  const SearchSpace space = load("tiny_curated.yaml", 16);
  Architecture arch = space.minimal_architecture();
  arch[0] = 99;
  auto out_of_range = space.decode(arch);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.error().message.find("resolution: choice index 99 out of range"), std::string::npos)
      << out_of_range.error().message;
  EXPECT_FALSE(space.decode({0, 1}).ok());

  // grouped_ibn with 2 groups needs even widths: every odd channel count of an uncurated space fails
  auto odd = parse_space(
      "name: odd\ninput: {resolution: 32}\nstem: {channels: {min: 7, max: 9}}\nstages:\n  - {block: grouped_ibn, channels: 8, groups: 2}\n", "odd.yaml", {});
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  auto bad = odd->decode({0, 0, 0, 0, 0, 0, 0});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid architecture: stage1.block0"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("groups"), std::string::npos) << bad.error().message;
  auto even = odd->decode({0, 1, 0, 0, 0, 0, 0});  // stem 8: even
  EXPECT_TRUE(even.ok()) << (even.ok() ? "" : even.error().message);

  // resolution below the total stride
  auto tiny = parse_space(
      "name: t\ninput: {resolution: 8}\nstem: {channels: 8}\nstages:\n  - {channels: 8, stride: 2}\n  - {channels: 8, stride: 2}\n"
      "  - {channels: 8, stride: 2}\n",
      "t.yaml", {});
  ASSERT_TRUE(tiny.ok()) << tiny.error().message;
  auto small = tiny->decode(tiny->minimal_architecture());
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("below the total stride 16"), std::string::npos) << small.error().message;
}

TEST(SearchSpace, RandomArchitecturesOfAnUncuratedSpaceDecodeOrFailCleanly) {
  auto space = load_space_by_name("mobilenet_uncurated", {.channel_multiple = 32});
  ASSERT_TRUE(space.ok()) << space.error().message;
  std::mt19937_64 rng(7);
  int valid = 0, invalid = 0;
  for (int i = 0; i < 40; ++i) {
    Architecture arch;
    for (const Decision& d : space->decisions()) arch.push_back(static_cast<int>(rng() % d.choices.size()));
    auto graph = space->decode(arch);
    if (graph.ok()) {
      ++valid;
      EXPECT_EQ(graph->node(graph->outputs().front()).shape, (ir::Shape{1, 10}));
    } else {
      ++invalid;
      EXPECT_NE(graph.error().message.find("invalid architecture"), std::string::npos) << graph.error().message;
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);  // odd widths under grouped_ibn
}

TEST(SearchSpace, CanonicalKeysIdentifyEqualNetworks) {
  const SearchSpace space = load("tiny_curated.yaml", 16);
  Architecture a = space.minimal_architecture();
  auto index_of = [&](const std::string& name) {
    for (size_t i = 0; i < space.decisions().size(); ++i)
      if (space.decisions()[i].name == name) return static_cast<int>(i);
    return -1;
  };
  // a standard conv stage ignores its expansion
  a[index_of("stage2.block")] = 1;  // conv
  Architecture b = a;
  b[index_of("stage2.expansion")] = 0;
  a[index_of("depth_multiplier")] = 0;
  b[index_of("depth_multiplier")] = 0;
  EXPECT_EQ(space.canonical_key(a), space.canonical_key(b));
  // depth 1 and 2 both give 1 block under multiplier 0.5
  Architecture c = a;
  c[index_of("stage1.depth")] = 1;
  EXPECT_EQ(space.canonical_key(a), space.canonical_key(c));
  auto ga = space.decode(a), gc = space.decode(c);
  ASSERT_TRUE(ga.ok() && gc.ok());
  EXPECT_EQ(ga->size(), gc->size());
  // a kernel change is a different network
  Architecture d = a;
  d[index_of("stage1.kernel")] = 1;
  EXPECT_NE(space.canonical_key(a), space.canonical_key(d));
  EXPECT_NE(space.canonical_hash(a), space.canonical_hash(d));
  EXPECT_EQ(space.canonical_hash(a).size(), 16u);
  // the key reads back
  auto parsed = space.parse_key(space.canonical_key(d));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(space.canonical_key(*parsed), space.canonical_key(d));
  EXPECT_FALSE(space.parse_key("resolution=33").ok());
  EXPECT_FALSE(space.parse_key("nonsense=1").ok());
  EXPECT_EQ(space.canonical_key(a).rfind("resolution=32;depth_multiplier=0.5;stem.channels=16;stage1.block=ibn", 0), 0u)
      << space.canonical_key(a);
}

TEST(SearchSpace, SegmentationAndDetectionHeads) {
  const std::string body =
      "input: {resolution: [64]}\nstem: {channels: 16}\nstages:\n"
      "  - {channels: 16, stride: 1}\n  - {channels: 24, stride: 2}\n  - {channels: 32, stride: 2}\n  - {channels: 48, stride: 2}\n";
  auto seg = parse_space("name: seg\n" + body + "head: {type: segmentation, classes: 5, channels: 32}\n", "seg.yaml", {});
  ASSERT_TRUE(seg.ok()) << seg.error().message;
  auto seg_graph = seg->decode(seg->minimal_architecture());
  ASSERT_TRUE(seg_graph.ok()) << seg_graph.error().message;
  EXPECT_EQ(seg_graph->node(seg_graph->outputs().front()).shape, (ir::Shape{1, 5, 64, 64}));

  auto det = parse_space("name: det\n" + body + "head: {type: detection, classes: 4, extra_channels: [64, 32]}\n", "det.yaml", {});
  ASSERT_TRUE(det.ok()) << det.error().message;
  auto det_graph = det->decode(det->minimal_architecture());
  ASSERT_TRUE(det_graph.ok()) << det_graph.error().message;
  EXPECT_EQ(det_graph->outputs().size(), 2u * 3u);  // box and class per map: the last (stride 16) and 2 extras

  auto unknown = parse_space("name: x\n" + body + "head: {type: segmentaton}\n", "x.yaml", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("did you mean 'segmentation'"), std::string::npos) << unknown.error().message;
}

TEST(SearchSpace, CustomSpacesHaveDecisionsButNoNetwork) {
  const SearchSpace space = load("custom.yaml", 16);
  EXPECT_FALSE(space.has_network());
  ASSERT_EQ(space.decisions().size(), 3u);
  EXPECT_FALSE(space.decisions()[1].numeric);
  EXPECT_EQ(space.decisions()[0].choices[1].value, 0.03);
  const Architecture arch{2, 1, 0};
  EXPECT_EQ(space.canonical_key(arch), "learning_rate=0.01;optimizer=adam;width=16");
  auto graph = space.decode(arch);
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.error().message.find("custom space"), std::string::npos);
  EXPECT_NE(space.architecture_yaml(arch).find("  optimizer: adam\n"), std::string::npos) << space.architecture_yaml(arch);
  EXPECT_EQ(space.minimal_architecture(), (Architecture{2, 0, 0}));
}


// The Fashion-MNIST spaces: the MobileNetV2-style baseline (the demo's reference) is a point of
// the uncurated space, and every channel choice of the curated one is a multiple of P.
TEST(SearchSpace, FashionMnistSpacesHoldTheBaselineAndAlignChannels) {
  auto uncurated = load_space_by_name("fashion_mnist_uncurated", {64});
  ASSERT_TRUE(uncurated.ok()) << uncurated.error().message;
  const std::string baseline_key =
      "resolution=32;depth_multiplier=1.0;stem.channels=32;"
      "stage1.block=ibn;stage1.kernel=3;stage1.expansion=1;stage1.depth=1;stage1.channels=16;"
      "stage2.block=ibn;stage2.kernel=3;stage2.expansion=6;stage2.depth=2;stage2.channels=24;"
      "stage3.block=ibn;stage3.kernel=3;stage3.expansion=6;stage3.depth=3;stage3.channels=32;"
      "stage4.block=ibn;stage4.kernel=3;stage4.expansion=6;stage4.depth=4;stage4.channels=64;"
      "stage5.block=ibn;stage5.kernel=3;stage5.expansion=6;stage5.depth=3;stage5.channels=96";
  auto baseline = uncurated->parse_key(baseline_key);
  ASSERT_TRUE(baseline.ok()) << baseline.error().message;
  auto graph = uncurated->decode(*baseline);
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  EXPECT_EQ(graph->node(graph->inputs()[0]).shape, (hwnas::ir::Shape{1, 1, 32, 32}));

  for (int64_t p : {8, 32, 64}) {
    auto curated = load_space_by_name("fashion_mnist_curated", {p});
    ASSERT_TRUE(curated.ok()) << curated.error().message;
    for (const Decision& d : curated->decisions())
      if (d.name.find("channels") != std::string::npos)
        for (const Choice& c : d.choices) EXPECT_EQ(static_cast<int64_t>(c.value) % p, 0) << d.name << " at P=" << p;
  }
}

}  // namespace
}  // namespace hwnas::space
