// Parsing XGBoost's JSON tree model into flat arrays, and evaluating it like XGBoost's CPU predictor.
#include "hwnas/estimator/flat_forest.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace hwnas::estimator {
namespace {

using Json = nlohmann::json;

// XGBoost writes numbers of its parameters as strings ("0E0", "3").
Result<double> number_of(const Json& value, const std::string& where) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    try {
      size_t used = 0;
      const std::string text = value.get<std::string>();
      double parsed = std::stod(text, &used);
      if (used == text.size()) return parsed;
    } catch (const std::exception&) {
    }
  }
  return Error{where + " is not a number"};
}

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

}  // namespace

Result<FlatForest> FlatForest::from_xgboost_json(const std::string& json_text) {
  Json root = Json::parse(json_text, nullptr, false);
  if (root.is_discarded()) return Error{"XGBoost model: not valid JSON"};
  const Json* learner = member(root, "learner");
  if (!learner) return Error{"XGBoost model: no 'learner' object"};
  FlatForest forest;
  const Json* params = member(*learner, "learner_model_param");
  if (!params) return Error{"XGBoost model: no 'learner.learner_model_param'"};
  if (const Json* base = member(*params, "base_score")) {
    auto value = number_of(*base, "XGBoost model: base_score");
    if (!value) return value.error();
    forest.base_score_ = static_cast<float>(*value);
  }
  if (const Json* features = member(*params, "num_feature")) {
    auto value = number_of(*features, "XGBoost model: num_feature");
    if (!value) return value.error();
    forest.feature_count_ = static_cast<int>(*value);
  }
  if (const Json* targets = member(*params, "num_target")) {
    auto value = number_of(*targets, "XGBoost model: num_target");
    if (value && *value > 1) return Error{"XGBoost model: multi-target models are not supported"};
  }
  if (const Json* classes = member(*params, "num_class")) {
    auto value = number_of(*classes, "XGBoost model: num_class");
    if (value && *value > 1) return Error{"XGBoost model: multi-class models are not supported"};
  }
  const Json* booster = member(*learner, "gradient_booster");
  if (!booster) return Error{"XGBoost model: no 'learner.gradient_booster'"};
  const Json* name = member(*booster, "name");
  if (!name || !name->is_string() || name->get<std::string>() != "gbtree")
    return Error{"XGBoost model: only the 'gbtree' booster is supported"};
  const Json* model = member(*booster, "model");
  const Json* trees = model ? member(*model, "trees") : nullptr;
  if (!trees || !trees->is_array()) return Error{"XGBoost model: no 'gradient_booster.model.trees' array"};

  for (size_t t = 0; t < trees->size(); ++t) {
    const Json& tree = (*trees)[t];
    const std::string where = "XGBoost model: tree " + std::to_string(t);
    const Json* left = member(tree, "left_children");
    const Json* right = member(tree, "right_children");
    const Json* index = member(tree, "split_indices");
    const Json* condition = member(tree, "split_conditions");
    const Json* default_left = member(tree, "default_left");
    for (const auto& [field, array] : {std::pair{"left_children", left}, {"right_children", right},
                                       {"split_indices", index}, {"split_conditions", condition},
                                       {"default_left", default_left}})
      if (!array || !array->is_array()) return Error{where + ": no '" + field + "' array"};
    const size_t n = left->size();
    if (n == 0 || right->size() != n || index->size() != n || condition->size() != n || default_left->size() != n)
      return Error{where + ": its node arrays differ in length or are empty"};
    if (const Json* split_type = member(tree, "split_type"))
      for (const Json& type : *split_type)
        if (!type.is_number() || type.get<int>() != 0) return Error{where + ": categorical splits are not supported"};
    // Renumber breadth-first so that the children of a split sit side by side (right = left + 1).
    const auto offset = static_cast<int32_t>(forest.split_feature_.size());
    std::vector<int32_t> position(n, -1);
    std::vector<size_t> order{0};
    position[0] = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t node = order[k];
      const auto l = (*left)[node].get<int64_t>(), r = (*right)[node].get<int64_t>();
      if (l == -1) continue;
      if (l < 0 || r < 0 || static_cast<size_t>(l) >= n || static_cast<size_t>(r) >= n || position[static_cast<size_t>(l)] >= 0 ||
          position[static_cast<size_t>(r)] >= 0)
        return Error{where + ": node " + std::to_string(node) + " has bad children"};
      position[static_cast<size_t>(l)] = static_cast<int32_t>(order.size());
      order.push_back(static_cast<size_t>(l));
      position[static_cast<size_t>(r)] = static_cast<int32_t>(order.size());
      order.push_back(static_cast<size_t>(r));
    }
    for (size_t node : order) {
      const auto l = (*left)[node].get<int64_t>();
      const Json& value = (*condition)[node];
      if (!value.is_number()) return Error{where + ": split_conditions[" + std::to_string(node) + "] is not a number"};
      forest.value_.push_back(value.get<float>());
      forest.default_left_.push_back((*default_left)[node].get<int>() != 0 ? 1 : 0);
      if (l == -1) {
        forest.split_feature_.push_back(-1);
        forest.left_.push_back(-1);
      } else {
        const auto feature = (*index)[node].get<int64_t>();
        if (feature < 0 || (forest.feature_count_ > 0 && feature >= forest.feature_count_))
          return Error{where + ": node " + std::to_string(node) + " splits on feature " + std::to_string(feature) +
                       " of " + std::to_string(forest.feature_count_)};
        forest.split_feature_.push_back(static_cast<int32_t>(feature));
        forest.left_.push_back(offset + position[static_cast<size_t>(l)]);
      }
    }
    forest.roots_.push_back(offset);
  }
  return forest;
}

float FlatForest::predict(const float* features) const {
  float sum = base_score_;
  const int32_t* split = split_feature_.data();
  const float* value = value_.data();
  const int32_t* left = left_.data();
  const uint8_t* default_left = default_left_.data();
  for (int32_t node : roots_) {
    while (split[node] >= 0) {
      const float x = features[split[node]];
      const bool go_left = std::isnan(x) ? default_left[node] != 0 : x < value[node];
      node = left[node] + (go_left ? 0 : 1);
    }
    sum += value[node];
  }
  return sum;
}

}  // namespace hwnas::estimator
