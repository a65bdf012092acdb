// Every zoo model round-trips through the text format: load(save(g)) == g and save is stable,
// shape-only and with weights.
#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "hwnas/text/yaml_format.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::text {
namespace {

TEST(YamlZoo, EveryModelRoundTrips) {
  ASSERT_FALSE(zoo::model_names().empty());
  for (const std::string& name : zoo::model_names()) {
    SCOPED_TRACE(name);
    auto model = zoo::build_model(name);
    ASSERT_TRUE(model.ok()) << model.error().message;
    std::string text = to_yaml(*model);
    auto loaded = from_yaml(text, name + ".yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_TRUE(*loaded == *model);
    EXPECT_EQ(to_yaml(*loaded), text);
  }
}

// A zoo model with every param filled: all weights come back bit for bit.
TEST(YamlZoo, ModelWithWeightsRoundTripsBitExactly) {
  zoo::ZooOptions options;
  options.width_multiplier = 0.35;
  options.resolution = 96;
  options.num_classes = 10;
  auto model = zoo::build_model("mobilenet_v2", options);
  ASSERT_TRUE(model.ok()) << model.error().message;
  ir::Graph& g = *model;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  size_t values = 0;
  for (const ir::Node& n : g.nodes())
    for (size_t i = 0; i < n.params.size(); ++i) {
      auto& data = g.param(n.id, i).data;
      data.resize(static_cast<size_t>(n.params[i].shape.numel()));
      for (float& v : data) v = normal(rng);
      values += data.size();
    }
  ASSERT_TRUE(g.has_weights());
  ASSERT_GT(values, 100000u);
  std::string text = to_yaml(g);
  auto loaded = from_yaml(text, "mobilenet_v2.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(*loaded == g);
  EXPECT_EQ(to_yaml(*loaded), text);
}

}  // namespace
}  // namespace hwnas::text
