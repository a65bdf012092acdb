// The training section's int8 subsection: defaults, values, strict errors naming the field, the fingerprint.
#include <gtest/gtest.h>

#include "hwnas/search/config.h"

namespace hwnas::search {
namespace {

std::string config_with(const std::string& training) {
  return "evaluators: [estimator, training]\ntraining: " + training + "\nobjectives: [accuracy]\n";
}

TEST(TrainingConfigInt8, ReadsTheSectionAndChangesTheFingerprint) {
  auto plain = parse_search_config(config_with("{epochs: 1}"), "s.yaml");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_FALSE(plain->training.int8);
  auto defaults = parse_search_config(config_with("{epochs: 1, int8: {}}"), "s.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_TRUE(defaults->training.int8);
  EXPECT_EQ(defaults->training.int8_calibration_batches, 8);
  EXPECT_NE(defaults->training.fingerprint(), plain->training.fingerprint());
  auto set = parse_search_config(
      config_with("{epochs: 1, int8: {calibration_batches: 4, calibration: percentile, percentile: 99.9, weights: per_tensor}}"), "s.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->training.int8_calibration_batches, 4);
  EXPECT_EQ(set->training.int8_calibration, "percentile");
  EXPECT_DOUBLE_EQ(set->training.int8_percentile, 99.9);
  EXPECT_EQ(set->training.int8_weights, "per_tensor");
}

TEST(TrainingConfigInt8, MistakesNameTheField) {
  auto error_of = [](const std::string& training) {
    auto c = parse_search_config(config_with(training), "s.yaml");
    return c.ok() ? std::string("(parsed)") : c.error().message;
  };
  EXPECT_NE(error_of("{int8: {weights: per_chanel}}").find("training.int8.weights"), std::string::npos);
  EXPECT_NE(error_of("{int8: {calibration_batches: 0}}").find("training.int8.calibration_batches"), std::string::npos);
  EXPECT_NE(error_of("{int8: {percentile: 40}}").find("training.int8.percentile"), std::string::npos);
  EXPECT_NE(error_of("{int8: {batches: 3}}").find("batches"), std::string::npos);
  EXPECT_NE(error_of("{int8: yes}").find("training.int8"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::search
