// The baseline of a search: a reference architecture (e.g. the MobileNetV2-style network of the
// task) evaluated once with the search's evaluators, so the summary can say how much latency,
// energy and memory the best architecture saves at what accuracy.
//
//   baseline:
//     space: fashion_mnist_uncurated        # optional: the searched space by default
//     architecture: "resolution=32;depth_multiplier=1.0;stem.channels=32;stage1.block=ibn;..."
//   or
//   baseline: {model: mobilenet_v2.onnx}    # a network (ONNX or YAML): its derived space's baseline point
//
//   auto baseline = search::prepare_baseline(config.baseline, context, base_dir);
//   auto metrics = search::baseline_metrics(*baseline, evaluator, &store, fidelity, seed);  // once per store
//   for (const auto& c : search::compare_to_baseline(best.metrics, *metrics, names)) ...
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/search/cost_model.h"
#include "hwnas/search/evaluator.h"
#include "hwnas/space/space.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::search {

class ExperimentStore;

struct BaselineConfig {
  std::string space{};       // a built-in space name or a path; "" = the searched space
  std::string architecture{};  // the space's canonical key ("name=label;..."), see SearchSpace::parse_key
  std::string model{};       // or: a network file (.onnx, .yaml); the baseline is the baseline point of
                             // the space derived from it (space::derive_space), which is that network
};

// Reads `node` ({space, architecture}) into `config`; errors name the source, line and field.
Status parse_baseline_config(const text::StrictYaml& reader, const YAML::Node& node, const std::string& base_dir,
                             BaselineConfig& config);

struct Baseline {
  std::unique_ptr<space::SearchSpace> space;  // its own space (a copy of the searched one when "")
  space::Architecture arch;
  std::string key;
};

// Loads the baseline's space (curated with `context`, as the searched one) and parses its
// architecture; an Error naming the decision or label that does not fit. With `model`, imports
// the network and derives its space instead (an Error naming the node the matcher stopped at).
Result<Baseline> prepare_baseline(const BaselineConfig& config, const space::SearchSpace& searched,
                                  const space::SpaceContext& context);

// The baseline's metrics: read from the store's meta ("baseline_metrics") when a previous run
// recorded them, else evaluated at `fidelity` with `seed`, ungated (every metric, even over the
// budgets), and recorded there (store may be null).
// The baseline metrics a store's meta records ("baseline_metrics"), if any.
std::optional<Metrics> stored_baseline_metrics(const std::map<std::string, std::string>& meta);

Result<Metrics> baseline_metrics(const Baseline& baseline, Evaluator& evaluator, ExperimentStore* store,
                                 double fidelity, uint64_t seed);

struct MetricChange {
  std::string metric;
  double baseline = 0;
  double best = 0;
  double relative = 0;  // (best - baseline) / |baseline|; 0 when the baseline is 0
};
// The change of each of `metrics` present in both.
std::vector<MetricChange> compare_to_baseline(const Metrics& best, const Metrics& baseline,
                                              const std::vector<std::string>& metrics);

}  // namespace hwnas::search
