// Tests of estimator model files: identical predictions after a round trip, and refusal of mismatched or newer files.
#include "hwnas/estimator/model_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hwnas/zoo/zoo.h"
#include "small_estimator.h"

namespace hwnas::estimator {
namespace {

using testing::small_estimator;
using testing::u55;

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(ModelFile, RoundTripGivesIdenticalPredictions) {
  const Estimator& original = small_estimator();
  const std::string path = temp_path("u55.estimator.json");
  ASSERT_TRUE(save_estimator(original, path));
  Result<Estimator> loaded = load_estimator(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  for (const std::string& model : zoo::model_names()) {
    Result<ir::Graph> graph = zoo::build_model(model);
    ASSERT_TRUE(graph);
    const NetworkPrediction a = original.predict(*graph, {.breakdown = true});
    const NetworkPrediction b = loaded->predict(*graph, {.breakdown = true});
    EXPECT_EQ(a.latency_us, b.latency_us) << model;
    EXPECT_EQ(a.latency_std_us, b.latency_std_us) << model;
    EXPECT_EQ(a.energy_uj, b.energy_uj) << model;
    ASSERT_EQ(a.kernels.size(), b.kernels.size());
    for (size_t k = 0; k < a.kernels.size(); ++k) EXPECT_EQ(a.kernels[k].latency_us, b.kernels[k].latency_us);
  }
  // The metadata survives too.
  const EstimatorMetadata& m = loaded->metadata();
  EXPECT_EQ(m.target.name, "ethos-u55-256");
  EXPECT_EQ(m.target.spec_fingerprint, original.metadata().target.spec_fingerprint);
  EXPECT_EQ(m.target.channel_multiple, 32);
  EXPECT_EQ(m.target.memory, original.metadata().target.memory);
  EXPECT_EQ(fusion_rules_text(m.target.fusion), fusion_rules_text(original.metadata().target.fusion));
  EXPECT_EQ(m.training.mode, "kernels");
  EXPECT_EQ(m.training.kernel_rows, original.metadata().training.kernel_rows);
  EXPECT_EQ(m.training.rows_per_type, original.metadata().training.rows_per_type);
  EXPECT_EQ(m.training.options.type_rounds, original.metadata().training.options.type_rounds);
  // A second round trip changes nothing (the first one rewrites XGBoost's numbers in JSON's form).
  const std::string once = estimator_to_json(*loaded);
  Result<Estimator> twice = estimator_from_json(once, "again.json");
  ASSERT_TRUE(twice) << twice.error().message;
  EXPECT_EQ(estimator_to_json(*twice), once);
}

TEST(ModelFile, HoldsXGBoostsOwnJsonPerBooster) {
  const nlohmann::json file = nlohmann::json::parse(estimator_to_json(small_estimator()));
  EXPECT_EQ(file["format"], "hwnas-estimator");
  EXPECT_EQ(file["format_version"], kModelFormatVersion);
  EXPECT_EQ(file["features"]["names"].size(), static_cast<size_t>(kFeatureCount));
  const nlohmann::json& member = file["models"]["latency_us"]["members"][0];
  EXPECT_EQ(member["shared"]["learner"]["gradient_booster"]["name"], "gbtree");
  EXPECT_TRUE(member["per_type"].contains("conv2d+batch_norm+relu6"));
  EXPECT_EQ(file["models"]["latency_us"]["members"].size(), 2u);
  EXPECT_TRUE(file["models"]["energy_uj"].is_object());
}

// The saved text of the small estimator with `edit` applied to its JSON.
std::string edited(const std::function<void(nlohmann::ordered_json&)>& edit) {
  static const nlohmann::ordered_json saved = nlohmann::ordered_json::parse(estimator_to_json(small_estimator()));
  nlohmann::ordered_json file = saved;
  edit(file);
  return file.dump();
}

std::string error_of(const std::string& text) {
  Result<Estimator> loaded = estimator_from_json(text, "model.json");
  return loaded ? "(loaded)" : loaded.error().message;
}

TEST(ModelFile, RefusesANewerFormatVersion) {
  const std::string message = error_of(edited([](auto& j) { j["format_version"] = kModelFormatVersion + 1; }));
  EXPECT_NE(message.find("format version " + std::to_string(kModelFormatVersion + 1) + " by a newer hwnas"),
            std::string::npos) << message;
  EXPECT_NE(message.find("reads versions 1 to " + std::to_string(kModelFormatVersion)), std::string::npos) << message;
}

TEST(ModelFile, RefusesUnknownFeatureVersionsAndOtherFormats) {
  std::string message = error_of(edited([](auto& j) { j["features"]["version"] = kFeatureVersion + 1; }));
  EXPECT_NE(message.find("features version " + std::to_string(kFeatureVersion + 1) + " is unknown"), std::string::npos)
      << message;
  message = error_of(edited([](auto& j) { j["format"] = "nn-meter-pickle"; }));
  EXPECT_NE(message.find("not an hwnas estimator file"), std::string::npos) << message;
  message = error_of("[1, 2]");
  EXPECT_NE(message.find("not a JSON object"), std::string::npos) << message;
  message = error_of(edited([](auto& j) { j["features"]["names"][3] = "in_channels"; }));
  EXPECT_NE(message.find("features.names"), std::string::npos) << message;
}

TEST(ModelFile, NamesTheMissingOrBadField) {
  std::string message = error_of(edited([](auto& j) { j["target"].erase("fusion_rules"); }));
  EXPECT_NE(message.find("model.json: target.fusion_rules: is missing"), std::string::npos) << message;
  message = error_of(edited([](auto& j) { j["target"]["fusion_rules"] = "batch_norm,relu_fusion"; }));
  EXPECT_NE(message.find("unknown rule 'relu_fusion'"), std::string::npos) << message;
  message = error_of(edited([](auto& j) { j["models"]["latency_us"]["prior"]["bytes"] = -1; }));
  EXPECT_NE(message.find("models.latency_us.prior"), std::string::npos) << message;
  message = error_of(edited([](auto& j) { j["models"]["latency_us"]["members"][1]["shared"] = 3; }));
  EXPECT_NE(message.find("models.latency_us.members[1].shared: is not an XGBoost model object"), std::string::npos)
      << message;
  message = error_of(edited([](auto& j) { j["models"]["latency_us"]["members"][0]["per_type"]["add"]["learner"] = 1; }));
  EXPECT_NE(message.find("booster of 'add'"), std::string::npos) << message;
}

TEST(ModelFile, RefusesAFileBuiltForAnotherTarget) {
  const std::string path = temp_path("u55-for-check.estimator.json");
  ASSERT_TRUE(save_estimator(small_estimator(), path));
  EXPECT_TRUE(load_estimator_for(path, describe_target(u55())));

  hw::SimulatorTarget htp(*hw::load_preset("htp-like"));
  Result<Estimator> other = load_estimator_for(path, describe_target(htp));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("built for target 'ethos-u55-256', not 'htp-like'"), std::string::npos)
      << other.error().message;

  // Same name, changed spec: the fingerprint catches it.
  hw::AcceleratorSpec changed = u55().spec();
  changed.sram.size_bytes /= 2;
  hw::SimulatorTarget smaller(changed);
  other = load_estimator_for(path, describe_target(smaller));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("another spec of target 'ethos-u55-256'"), std::string::npos)
      << other.error().message;
  EXPECT_NE(spec_fingerprint(changed), spec_fingerprint(u55().spec()));
}

// A file written by format version 1 (tests/data/estimator/format-v1.estimator.json, made by
// this build when version 1 was current) must load in every later version and predict what it
// predicted then (format-v1.expected.json).
TEST(ModelFile, LoadsTheVersion1Fixture) {
  const std::string dir = std::string(HWNAS_TEST_DATA) + "/estimator/";
  Result<Estimator> loaded = load_estimator(dir + "format-v1.estimator.json");
  ASSERT_TRUE(loaded) << loaded.error().message;
  std::ifstream in(dir + "format-v1.expected.json");
  ASSERT_TRUE(in);
  const nlohmann::json expected = nlohmann::json::parse(in);
  ASSERT_FALSE(expected.empty());
  for (const auto& [model, latency] : expected.items()) {
    zoo::ZooOptions options;
    options.resolution = 160;
    Result<ir::Graph> graph = zoo::build_model(model, options);
    ASSERT_TRUE(graph) << model;
    EXPECT_NEAR(loaded->predict(*graph).latency_us, latency.get<double>(), 1e-6 * latency.get<double>()) << model;
  }
}

}  // namespace
}  // namespace hwnas::estimator
