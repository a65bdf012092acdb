// The search configuration file (`hwnas search CONFIG`, docs/search.md): space, target,
// evaluators, objectives and budgets, algorithm, trials, seed, store and output paths.
//
//   auto config = search::load_search_config("search.yaml");
//   auto config = search::parse_search_config(search::default_search_config_yaml(), "builtin:default");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/search/algorithm.h"
#include "hwnas/search/baseline.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/strategy_config.h"
#include "hwnas/search/successive_halving.h"
#include "hwnas/search/training_config.h"

namespace hwnas::search {

struct CommandEvaluatorConfig {
  std::string command;  // template with {yaml} {onnx} {arch} {fidelity} {seed} {dir}
  std::vector<std::string> required{"accuracy"};
  double timeout_s = 3600;
};

// evaluators: [estimator]: latency and energy predicted by an estimator (estimator_evaluator.h).
struct EstimatorConfig {
  std::string file;      // "": "<target name>.estimator.json" in the working directory
  // Building one when the file does not exist (simulator targets): estimator::BuildOptions.
  size_t samples = 1000;
  int rounds = 3;
  int ensemble = 3;
  uint64_t seed = 1;
};

struct SearchConfig {
  std::string source;                       // where it was read from
  std::string text;                         // the YAML it was parsed from (recorded in the store)
  std::string base_dir;                     // the folder relative paths in it are resolved against
  std::string space = "mobilenet_curated";  // a built-in space name, or a path (relative to the config's folder)
  std::string target = "ethos-u55-256";     // anything hw::make_target accepts
  bool target_given = false;                // `target:` was in the file (a custom space must not set it)
  bool hardware = true;                     // the hardware evaluator (latency, energy, memory)
  bool use_estimator = false;               // the estimator evaluator instead (no hardware run)
  EstimatorConfig estimator;
  bool use_training = false;                // the libtorch training evaluator (accuracy)
  TrainingConfig training;
  // The reference the summary compares the best architecture with (evaluated once per store).
  std::optional<BaselineConfig> baseline;
  std::vector<CommandEvaluatorConfig> commands;
  CostModel cost_model;
  AlgorithmOptions algorithm;
  int trials = 200;
  uint64_t seed = 0;
  double fidelity = 1.0;
  std::string store = "hwnas-search.db";    // a path, sqlite:///path or postgresql://user@host/db (store.h)
  std::string study;                        // the study in the store ("" : "default"); one per SQLite file
  std::string output = "hwnas-search-out";  // best.yaml, best.onnx, best_arch.yaml
  // multi_fidelity: {candidates, eta, min_fidelity}: successive halving instead of `trials`
  // evaluations at `fidelity` (see successive_halving.h).
  std::optional<HalvingOptions> halving;
  // strategy: multishot (default) | zero-shot | supernet | hybrid, and the sections they read
  // (strategy_config.h; run by run_strategy in strategy.h).
  Strategy strategy = Strategy::Multishot;
  ZeroShotConfig zero_shot;
  SupernetConfig supernet;
  HybridConfig hybrid;
  // Whether the strategy trains a supernet: supernet, or hybrid screened by it or warm-started from it.
  bool uses_supernet() const;
  // Whether it scores zero-shot proxies: zero-shot, or hybrid screened by one.
  bool uses_zero_shot() const;
  // Whether running it needs libtorch: the training evaluator or a strategy other than multishot.
  bool needs_libtorch() const { return use_training || strategy != Strategy::Multishot; }

  // A hash of what the trials' results depend on (space, target, evaluators, cost model,
  // algorithm, seed, fidelity) but not of trials, store or output: a resumed run must match it.
  std::string fingerprint() const;
};

// The YAML of the built-in default search, "fashion-mnist": Fashion-MNIST classifiers trained
// with libtorch, latency on the ethos-u55-256 simulator from the estimator, successive halving,
// compared with the MobileNetV2-style baseline.
std::string_view default_search_config_yaml();
// The built-in configs by name: "fashion-mnist" (the default) and "u55-latency" (a curated
// MobileNet-family space on the ethos-u55-256 simulator, least latency under a memory budget and
// a capacity floor, evolution, 200 trials; no training, about a second).
std::vector<std::string> builtin_search_config_names();
std::optional<std::string_view> builtin_search_config_yaml(std::string_view name);

// Parses a config; errors name `source_name`, the line and the field (unknown fields with a
// did-you-mean). A relative space path is resolved against `base_dir` when it names a file.
Result<SearchConfig> parse_search_config(std::string_view text, std::string_view source_name, const std::string& base_dir = "");
Result<SearchConfig> load_search_config(const std::string& path);

}  // namespace hwnas::search
