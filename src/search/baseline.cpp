// The baseline of a search: parsed from the config, evaluated once per store, compared to the best.
#include "hwnas/search/baseline.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hwnas/onnx/onnx_import.h"
#include "hwnas/search/store.h"
#include "hwnas/space/derive.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::search {
namespace {
constexpr const char* kBaselineMetaKey = "baseline_metrics";
}  // namespace

Status parse_baseline_config(const text::StrictYaml& r, const YAML::Node& node, const std::string& base_dir,
                             BaselineConfig& config) {
  if (Status s = r.check_fields(node, "baseline", {"space", "architecture", "model"}); !s) return s;
  if (node["model"]) {
    if (node["architecture"] || node["space"])
      return r.error_at(node, "baseline.model", "give either model or space + architecture, not both");
    auto model = r.text(node["model"], "baseline.model");
    if (!model) return model.error();
    config.model = *model;
    if (!base_dir.empty() && std::filesystem::path(config.model).is_relative())
      config.model = (std::filesystem::path(base_dir) / config.model).string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(config.model, ec))
      return r.error_at(node["model"], "baseline.model", "no such file: " + config.model);
    return {};
  }
  if (!node["architecture"]) return r.error_at(node, "baseline.architecture", "missing field (the architecture's key)");
  auto key = r.text(node["architecture"], "baseline.architecture");
  if (!key) return key.error();
  config.architecture = *key;
  if (node["space"]) {
    auto space = r.text(node["space"], "baseline.space");
    if (!space) return space.error();
    config.space = *space;
    if (!space::builtin_space_yaml(config.space) && !base_dir.empty() && std::filesystem::path(config.space).is_relative()) {
      std::error_code ec;
      const auto candidate = std::filesystem::path(base_dir) / config.space;
      if (std::filesystem::exists(candidate, ec)) config.space = candidate.string();
    }
  }
  return {};
}

Result<Baseline> prepare_baseline(const BaselineConfig& config, const space::SearchSpace& searched,
                                  const space::SpaceContext& context) {
  Baseline baseline;
  if (!config.model.empty()) {
    const std::string ext = std::filesystem::path(config.model).extension().string();
    auto graph = ext == ".onnx" ? onnx_io::import_onnx_file(config.model) : text::load_yaml(config.model);
    if (!graph) return Error{"baseline.model: " + graph.error().message};
    auto derived = space::derive_space(*graph, {.channel_multiple = context.channel_multiple,
                                                .name = std::filesystem::path(config.model).stem().string() + "_derived",
                                                .source = config.model});
    if (!derived) return Error{"baseline.model: " + config.model + ": " + derived.error().message};
    auto space = space::parse_space(derived->yaml, config.model + " (derived space)", context);
    if (!space) return Error{"baseline.model: " + space.error().message};
    baseline.space = std::make_unique<space::SearchSpace>(std::move(*space));
    auto arch = baseline.space->parse_key(derived->baseline_key);
    if (!arch) return Error{"baseline.model: " + arch.error().message};
    baseline.arch = *arch;
    baseline.key = derived->baseline_key;
    return baseline;
  }
  if (config.space.empty()) {
    baseline.space = std::make_unique<space::SearchSpace>(searched);
  } else {
    auto space = space::load_space_by_name(config.space, context);
    if (!space) return Error{"baseline: " + space.error().message};
    baseline.space = std::make_unique<space::SearchSpace>(std::move(*space));
  }
  auto arch = baseline.space->parse_key(config.architecture);
  if (!arch) return Error{"baseline.architecture: " + arch.error().message};
  baseline.arch = *arch;
  baseline.key = baseline.space->canonical_key(*arch);
  if (baseline.space->has_network())
    if (auto graph = baseline.space->decode(*arch); !graph) return Error{"baseline: " + graph.error().message};
  return baseline;
}

std::optional<Metrics> stored_baseline_metrics(const std::map<std::string, std::string>& meta) {
  auto it = meta.find(kBaselineMetaKey);
  if (it == meta.end()) return std::nullopt;
  auto json = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  Metrics metrics;
  for (const auto& [name, value] : json.items())
    if (value.is_number()) metrics[name] = value.get<double>();
  return metrics;
}

Result<Metrics> baseline_metrics(const Baseline& baseline, Evaluator& evaluator, ExperimentStore* store,
                                 double fidelity, uint64_t seed) {
  if (store)
    if (auto stored = stored_baseline_metrics(store->meta())) return *stored;
  // Ungated: the baseline is usually over the budgets the search sets, and it is trained anyway.
  auto metrics = evaluator.evaluate(
      {.space = *baseline.space, .arch = baseline.arch, .fidelity = fidelity, .seed = seed, .gate = false});
  if (!metrics) return Error{"baseline (" + baseline.key + "): " + metrics.error().message};
  if (store) {
    nlohmann::json json = nlohmann::json::object();
    for (const auto& [name, value] : *metrics) json[name] = value;
    if (Status s = store->set_meta(kBaselineMetaKey, json.dump()); !s) return s.error();
  }
  return metrics;
}

std::vector<MetricChange> compare_to_baseline(const Metrics& best, const Metrics& baseline,
                                              const std::vector<std::string>& metrics) {
  std::vector<MetricChange> changes;
  for (const std::string& name : metrics) {
    auto b = best.find(name);
    auto r = baseline.find(name);
    if (b == best.end() || r == baseline.end()) continue;
    MetricChange change{name, r->second, b->second, 0.0};
    if (r->second != 0) change.relative = (b->second - r->second) / std::fabs(r->second);
    changes.push_back(change);
  }
  return changes;
}

}  // namespace hwnas::search
