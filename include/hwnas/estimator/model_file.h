// Estimator model files: versioned JSON holding XGBoost's own JSON per booster plus hwnas metadata.
//
//   estimator::save_estimator(estimator, "u55.estimator.json");
//   auto loaded = estimator::load_estimator("u55.estimator.json");
//   auto checked = estimator::load_estimator_for("u55.estimator.json", estimator::describe_target(npu));
//   // refused: "... was built for target 'htp-like', not 'ethos-u55-256'"
//
// The format (docs/estimator.md): {"format": "hwnas-estimator", "format_version": 1,
// "created_by", "target": {name, kind, spec_fingerprint, channel_multiple,
// activation_precision, fusion_rules, memory_plan}, "features": {version, names,
// label_features, prior_terms}, "training": {mode, rows, rows per type, options},
// "models": {"latency_us": {prior: {term: coefficient}, members: [{shared: <XGBoost JSON>, per_type: {label:
// <XGBoost JSON>}}]}, "energy_uj": ... or null}}.
// A reader loads every format version from 1 up to its own and feature versions it knows; a
// newer or unknown version, another format, or a file for another target is refused with a
// message that says which.
#pragma once

#include <string>

#include "hwnas/estimator/estimator.h"

namespace hwnas::estimator {

inline constexpr int kModelFormatVersion = 1;

std::string estimator_to_json(const Estimator& estimator);
Result<Estimator> estimator_from_json(const std::string& text, const std::string& source_name);

Status save_estimator(const Estimator& estimator, const std::string& path);
Result<Estimator> load_estimator(const std::string& path);

// Ok when `estimator` was built for `target`: same name, and same spec fingerprint when both
// have one. Otherwise an Error saying which differs.
Status check_estimator_target(const Estimator& estimator, const TargetInfo& target, const std::string& source_name);
Result<Estimator> load_estimator_for(const std::string& path, const TargetInfo& target);

}  // namespace hwnas::estimator
