// FlatForest: an XGBoost tree ensemble parsed from its JSON model into flat arrays and evaluated natively.
//
//   auto forest = estimator::FlatForest::from_xgboost_json(json_text);   // XGBoost's own JSON
//   float margin = forest->predict(features.data());                     // as XGBoosterPredict's margin
//
// Calling XGBoost per kernel costs microseconds of C API overhead; the estimator's inner loop
// needs nanoseconds. This reads the "gbtree" JSON of XGBoost 1.x (numerical splits: go left
// when x < split_condition, a missing value (NaN) goes to default_left) and sums the leaf
// values in float, tree after tree, starting from base_score, as XGBoost's CPU predictor does.
// Categorical splits, multi-target trees and the "dart" booster are refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::estimator {

class FlatForest {
 public:
  // Parses XGBoost's JSON model text; an unsupported or malformed model is an Error naming
  // the tree and field.
  static Result<FlatForest> from_xgboost_json(const std::string& json_text);

  // The margin of one row of `feature_count()` features (NaN = missing).
  float predict(const float* features) const;

  size_t tree_count() const { return roots_.size(); }
  size_t node_count() const { return split_feature_.size(); }
  int feature_count() const { return feature_count_; }
  float base_score() const { return base_score_; }

 private:
  float base_score_ = 0;
  int feature_count_ = 0;
  std::vector<int32_t> roots_;
  // Per node: the feature a split reads (-1 at a leaf), the threshold or the leaf value, the
  // left child (right = left + 1 after renumbering) and where a missing value goes.
  std::vector<int32_t> split_feature_;
  std::vector<float> value_;
  std::vector<int32_t> left_;
  std::vector<uint8_t> default_left_;
};

}  // namespace hwnas::estimator
