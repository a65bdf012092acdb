// An experiment assembled from a SearchConfig: the space curated for the target, the evaluators,
// the algorithm, and the store (created, or reopened and checked for --resume).
//
//   auto experiment = search::prepare_experiment(*config);
//   auto store = search::open_store(*experiment, /*resume=*/true);
//   auto result = search::run_search(*experiment->space, *experiment->algorithm, *experiment->evaluator,
//                                    experiment->config.cost_model, &*store, experiment->search_options());
#pragma once

#include <map>
#include <memory>
#include <string>

#include "hwnas/search/config.h"
#include "hwnas/search/search.h"

namespace hwnas::search {

// The estimator version recorded in stores until the estimator evaluator lands.
inline constexpr const char* kNoEstimator = "none";

struct Experiment {
  SearchConfig config;
  std::unique_ptr<space::SearchSpace> space;  // on the heap: the algorithm keeps a reference to it
  int64_t channel_multiple = 1;                 // the target's P the space was curated with
  std::unique_ptr<Evaluator> evaluator;         // hardware and/or commands, composed
  std::unique_ptr<SearchAlgorithm> algorithm;
  std::map<std::string, std::string> meta;      // what the store records and --resume checks

  SearchOptions search_options() const;
};

// Makes the target (hw::make_target), loads the space curated with its channel_multiple, builds
// the evaluators and the algorithm. `evaluator_override`, when given, replaces the evaluators
// (tests; a training evaluator).
Result<Experiment> prepare_experiment(const SearchConfig& config, std::unique_ptr<Evaluator> evaluator_override = nullptr);

// resume == false: creates config.store (an Error when it exists). resume == true: opens it
// (creating it when missing) and checks that its space version, config fingerprint, seed and
// evaluator versions match, naming the first that differs.
Result<ExperimentStore> open_store(const Experiment& experiment, bool resume);

}  // namespace hwnas::search
