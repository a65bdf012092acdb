// Per-kernel regressors: for each quantity (latency, energy), an additive cost prior and an ensemble of boosted trees.
//
// The model of one ensemble member for a kernel of type T with features x:
//
//   log(quantity) = log(prior(x)) + shared(x, label_features(T)) + per_type[T](x, ...)
//
// prior(x) = sum_j theta_j term_j(x) is a roofline-like additive model with non-negative
// coefficients (a cost per kernel, per MAC of the array, per depthwise MAC, per output element,
// per byte moved, per byte moved off chip, per weight), fitted to the data first; `shared` is one
// booster over every kernel type (it sees the type through label_features, and alone predicts
// types it has too few or no rows of); per_type[T] refines type T (one per kernel type with
// enough rows). Members differ in their row and column subsamples; their spread is the
// prediction's uncertainty.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/estimator/features.h"
#include "hwnas/estimator/flat_forest.h"

namespace hwnas::estimator {

// Features read from the kernel type: the op of its first node (62 / 63 for a depthwise /
// grouped conv2d), number of ops,
// batch norm, add, mul present, activation class (0 none, 1 relu-like, 2 table look-up).
inline constexpr int kLabelFeatureCount = 6;
using LabelFeatures = std::array<float, kLabelFeatureCount>;
LabelFeatures label_features(std::string_view label);

// A regressor's input row: the kernel features of version 1, the label features, then the features
// later versions added (so a model of version 1 reads the same columns as when it was fitted).
inline constexpr int kRowWidth = kFeatureCount + kLabelFeatureCount;
using RegressorRow = std::array<float, kRowWidth>;
RegressorRow regressor_row(const FeatureVector& features, const LabelFeatures& label);

// The terms of the cost prior, in order: 1, padded MACs (not depthwise), padded MACs of a
// depthwise kernel, output elements, bytes in and out, bytes moved off chip (0 when unknown),
// parameters.
inline constexpr int kPriorTermCount = 7;
using PriorTerms = std::array<double, kPriorTermCount>;
PriorTerms prior_terms(const FeatureVector& features);
const std::vector<std::string>& prior_term_names();
// sum_j coefficients_j term_j(features), at least kPriorFloor.
inline constexpr double kPriorFloor = 1e-4;
double prior_value(const PriorTerms& coefficients, const FeatureVector& features);

// One ensemble member of one quantity.
struct MemberModel {
  std::string shared_json;                     // XGBoost's JSON of the shared booster
  std::map<std::string, std::string> per_type_json;  // kernel type (kernel_type) -> XGBoost JSON
  FlatForest shared;                           // parsed from the JSON
  std::map<std::string, FlatForest> per_type;
};

struct QuantityModel {
  std::string quantity;  // "latency_us" or "energy_uj"
  PriorTerms prior{};    // coefficients of the cost prior
  std::vector<MemberModel> members;
  bool empty() const { return members.empty(); }
};

struct RegressorSet {
  QuantityModel latency;
  QuantityModel energy;  // empty when no energy was measured
};

// Parses every member's JSON into its flat forests (after loading a file).
Status compile_forests(QuantityModel& model);

}  // namespace hwnas::estimator
