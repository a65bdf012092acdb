// The `strategy:` of a search config and its sections `zero_shot:`, `supernet:` and `hybrid:` (docs/search.md).
//
//   strategy: hybrid                      # multishot (default) | zero-shot | supernet | hybrid
//   zero_shot: {proxy: synflow, batch_size: 64, top_k: 3}
//   supernet: {epochs: 4, sampling: sandwich, batch_size: 64, learning_rate: 0.05, train_examples: 6000,
//              calibration_examples: 500, validation_examples: 1000, fine_tune_epochs: 1,
//              fine_tune_learning_rate: 0.01, warm_start: 3, warm_start_trials: 40}
//   hybrid: {screen: zero-shot, pool: 4}
//
// The zero-shot proxies and the supernet need libtorch: the search library only reads these
// sections; the command line builds the evaluators (search_torch, supernet) and hands them to
// run_strategy (strategy.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/ir/result.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::search {

enum class Strategy {
  Multishot,  // every candidate evaluated by the configured evaluators (training); successive halving optional
  ZeroShot,   // the algorithm ranks by a zero-shot proxy under the budgets; the top_k are trained at the end
  Supernet,   // a weight-sharing supernet trained once ranks by inherited accuracy; the best subnet is fine-tuned
  Hybrid,     // multishot whose proposals (or first rung) are screened by a proxy; optional supernet warm start
};

std::string_view strategy_name(Strategy strategy);  // "multishot", "zero-shot", "supernet", "hybrid"
std::vector<std::string> strategy_names();

// The zero-shot proxies by name, as zeroshot::proxy_names() (a search_torch test checks they agree).
std::vector<std::string> zero_shot_proxy_names();

struct ZeroShotConfig {
  std::string proxy = "synflow";  // naswot | synflow | grad_norm | snip | zen (higher is better)
  int64_t batch_size = 64;        // the minibatch (Gaussian images and labels from the trial's seed)
  int top_k = 3;                  // the best by proxy trained at full fidelity at the end (with a training evaluator)
};

struct SupernetConfig {
  int64_t epochs = 4;
  std::string sampling = "sandwich";  // sandwich | uniform
  int64_t batch_size = 64;
  double learning_rate = 0.05;
  int64_t train_examples = 6000;        // of the training split (the first ones)
  int64_t calibration_examples = 500;   // of those, for batch-norm recalibration
  int64_t validation_examples = 1000;   // the last ones of the training split: the inherited accuracy the search ranks by
  int64_t fine_tune_epochs = 1;         // of the chosen subnet, on the train_examples (0: none)
  double fine_tune_learning_rate = 0.01;
  int warm_start = 0;                   // hybrid: start from the supernet's best N subnets (0: no warm start)
  int warm_start_trials = 40;           // hybrid: subnets the supernet search scores to find them
  std::string fingerprint() const;
};

struct HybridConfig {
  std::string screen = "zero-shot";  // zero-shot | supernet: the proxy that screens the proposals
  int pool = 4;                      // proposals that meet the budgets per candidate kept
};

// Reads `node` (a map of the fields above) into `config`; errors name the source, line and field.
Status parse_zero_shot_config(const text::StrictYaml& reader, const YAML::Node& node, ZeroShotConfig& config);
Status parse_supernet_config(const text::StrictYaml& reader, const YAML::Node& node, SupernetConfig& config);
Status parse_hybrid_config(const text::StrictYaml& reader, const YAML::Node& node, HybridConfig& config);

}  // namespace hwnas::search
