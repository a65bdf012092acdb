// The search baseline: parsed strictly, evaluated once per store, compared metric by metric.
#include "hwnas/search/baseline.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "hwnas/analysis/cost.h"
#include "hwnas/ir/builder.h"
#include "hwnas/search/store.h"
#include "hwnas/text/yaml_format.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

TEST(Baseline, ParsesAndRejectsUnknownFieldsWithTheLine) {
  text::StrictYaml r("search.yaml");
  BaselineConfig config;
  auto node = text::load_yaml_text("baseline:\n  architecture: \"x0=1;x1=2\"\n", "search.yaml");
  ASSERT_TRUE(node.ok());
  ASSERT_TRUE(parse_baseline_config(r, (*node)["baseline"], "", config).ok());
  EXPECT_EQ(config.architecture, "x0=1;x1=2");
  EXPECT_EQ(config.space, "");
  auto bad = text::load_yaml_text("baseline:\n  architecture: \"x0=1\"\n  spcae: foo\n", "search.yaml");
  Status s = parse_baseline_config(r, (*bad)["baseline"], "", config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("search.yaml:3: baseline.spcae: unknown field; did you mean 'space'?"), std::string::npos)
      << s.error().message;
}

TEST(Baseline, AnArchitectureOutsideTheSpaceIsAnError) {
  const space::SearchSpace space = testing::synthetic_space(2, 4);
  auto baseline = prepare_baseline({.architecture = "x0=1;x1=9"}, space, {});
  ASSERT_FALSE(baseline.ok());
  EXPECT_NE(baseline.error().message.find("baseline.architecture"), std::string::npos) << baseline.error().message;
}

TEST(Baseline, IsEvaluatedOncePerStoreAndCompared) {
  const space::SearchSpace space = testing::synthetic_space(2, 4);
  auto baseline = prepare_baseline({.architecture = "x0=3;x1=3"}, space, {});
  ASSERT_TRUE(baseline.ok()) << baseline.error().message;
  const std::string path = (std::filesystem::temp_directory_path() / "hwnas_baseline_test.db").string();
  std::filesystem::remove(path);
  testing::SyntheticEvaluator evaluator(4);
  Metrics first;
  {
    auto store = ExperimentStore::create(path, {{"seed", "0"}});
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto metrics = baseline_metrics(*baseline, evaluator, &*store, 1.0, 0);
    ASSERT_TRUE(metrics.ok()) << metrics.error().message;
    first = *metrics;
  }
  auto reopened = ExperimentStore::open(path);
  ASSERT_TRUE(reopened.ok());
  auto again = baseline_metrics(*baseline, evaluator, &*reopened, 1.0, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, first);
  EXPECT_EQ(evaluator.calls, 1);  // the second run read the store
  // x = (3, 3): f = (3-1)^2 + (3-2)^2 = 5 (optimum of f at a = (1, 2)).
  EXPECT_EQ(first.at("f"), 5);
  auto changes = compare_to_baseline({{"f", 1}, {"g", 2}}, first, {"f", "missing"});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].metric, "f");
  EXPECT_DOUBLE_EQ(changes[0].relative, (1.0 - 5.0) / 5.0);
  std::filesystem::remove(path);
}

// baseline: {model: FILE}: the network's derived space and its baseline point, which decodes to the network.
TEST(Baseline, AModelFileIsTheBaselinePointOfItsDerivedSpace) {
  ir::Graph net("small_mobilenet");
  ir::Builder b(net);
  auto x = b.input({1, 3, 32, 32});
  x = b.conv_bn_act(x, 16, 3, 2, ir::OpKind::Relu6, 1, "stem");
  auto e = b.conv_bn_act(x, 48, 1, 1, ir::OpKind::Relu6, 1, "expand");
  auto d = b.conv_bn_act(e, 48, 3, 2, ir::OpKind::Relu6, 48, "dw");
  auto p = b.conv_bn_act(d, 24, 1, 1, ir::OpKind::Input, 1, "project");
  x = b.linear(b.flatten(b.global_avg_pool(p)), 10, true, "fc");
  ASSERT_TRUE(b.ok()) << b.error().message;
  const std::string dir = std::filesystem::temp_directory_path().string();
  const std::string path = dir + "/hwnas_baseline_model.yaml";
  ASSERT_TRUE(text::save_yaml(net, path).ok());

  auto yaml = text::load_yaml_text("baseline: {model: hwnas_baseline_model.yaml}\n", "search.yaml");
  ASSERT_TRUE(yaml.ok());
  text::StrictYaml r("search.yaml");
  BaselineConfig config;
  ASSERT_TRUE(parse_baseline_config(r, (*yaml)["baseline"], dir, config).ok());
  EXPECT_EQ(config.model, path);
  auto baseline = prepare_baseline(config, testing::synthetic_space(2, 4), {.channel_multiple = 8});
  ASSERT_TRUE(baseline.ok()) << baseline.error().message;
  auto decoded = baseline->space->decode(baseline->arch);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(analysis::analyze_cost(*decoded).macs, analysis::analyze_cost(net).macs);
  EXPECT_NE(baseline->key.find("stage1.block=ibn"), std::string::npos) << baseline->key;

  auto missing = text::load_yaml_text("baseline: {model: no_such_model.onnx}\n", "search.yaml");
  Status s = parse_baseline_config(r, (*missing)["baseline"], dir, config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no such file"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace hwnas::search
