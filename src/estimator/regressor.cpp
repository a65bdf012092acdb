// Label features, the size prior, and parsing of a quantity model's boosters into flat forests.
#include "hwnas/estimator/regressor.h"

#include <algorithm>
#include <cmath>

#include "hwnas/ir/ops.h"

namespace hwnas::estimator {

LabelFeatures label_features(std::string_view label) {
  LabelFeatures f{};
  float ops = 0, first = 0, batch_norm = 0, add = 0, mul = 0, activation = 0;
  size_t start = 0;
  while (start <= label.size()) {
    size_t end = label.find('+', start);
    if (end == std::string_view::npos) end = label.size();
    std::string_view name = label.substr(start, end - start);
    float variant = 0;  // kernel_type's names of grouped convolutions
    for (const auto& [prefix, code] : {std::pair<std::string_view, float>{"depthwise_", 62}, {"grouped_", 63}})
      if (name.substr(0, prefix.size()) == prefix) {
        name.remove_prefix(prefix.size());
        variant = code;
      }
    const std::optional<ir::OpKind> kind = ir::op_from_name(name);
    ++ops;
    if (kind) {
      if (ops == 1) first = variant != 0 ? variant : static_cast<float>(static_cast<int>(*kind) + 1);
      if (*kind == ir::OpKind::BatchNorm) batch_norm = 1;
      if (*kind == ir::OpKind::Add) add = 1;
      if (*kind == ir::OpKind::Mul) mul = 1;
      if (*kind == ir::OpKind::Relu || *kind == ir::OpKind::Relu6 || *kind == ir::OpKind::Clip)
        activation = std::max(activation, 1.0f);
      else if (ir::is_activation(*kind))
        activation = 2;
    }
    start = end + 1;
  }
  f[0] = first;
  f[1] = ops;
  f[2] = batch_norm;
  f[3] = add;
  f[4] = mul;
  f[5] = activation;
  return f;
}

RegressorRow regressor_row(const FeatureVector& features, const LabelFeatures& label) {
  RegressorRow row{};
  std::copy(features.begin(), features.begin() + kVersion1FeatureCount, row.begin());
  std::copy(label.begin(), label.end(), row.begin() + kVersion1FeatureCount);
  std::copy(features.begin() + kVersion1FeatureCount, features.end(), row.begin() + kVersion1FeatureCount + kLabelFeatureCount);
  return row;
}

PriorTerms prior_terms(const FeatureVector& f) {
  const bool depthwise = f[kDepthwise] == 1;
  const double off_chip = std::isnan(f[kOffChipBytes]) ? 0.0 : static_cast<double>(f[kOffChipBytes]);
  return {1.0,
          depthwise ? 0.0 : static_cast<double>(f[kPaddedMacs]),
          depthwise ? static_cast<double>(f[kPaddedMacs]) : 0.0,
          static_cast<double>(f[kOutputElements]),
          static_cast<double>(f[kInputBytes]) + static_cast<double>(f[kOutputBytes]) + static_cast<double>(f[kOtherInputBytes]),
          off_chip,
          static_cast<double>(f[kParams])};
}

const std::vector<std::string>& prior_term_names() {
  static const std::vector<std::string> names = {"kernel",  "padded_macs", "depthwise_padded_macs", "output_elements",
                                                 "bytes",   "off_chip_bytes", "params"};
  return names;
}

double prior_value(const PriorTerms& coefficients, const FeatureVector& features) {
  const PriorTerms terms = prior_terms(features);
  double value = 0;
  for (int j = 0; j < kPriorTermCount; ++j) value += coefficients[static_cast<size_t>(j)] * terms[static_cast<size_t>(j)];
  return std::max(value, kPriorFloor);
}

Status compile_forests(QuantityModel& model) {
  for (size_t m = 0; m < model.members.size(); ++m) {
    MemberModel& member = model.members[m];
    const std::string where = model.quantity + " member " + std::to_string(m);
    auto shared = FlatForest::from_xgboost_json(member.shared_json);
    if (!shared) return shared.error().within(where + ", shared booster");
    member.shared = std::move(*shared);
    member.per_type.clear();
    for (const auto& [label, json] : member.per_type_json) {
      auto forest = FlatForest::from_xgboost_json(json);
      if (!forest) return forest.error().within(where + ", booster of '" + label + "'");
      member.per_type.emplace(label, std::move(*forest));
    }
  }
  return {};
}

}  // namespace hwnas::estimator
