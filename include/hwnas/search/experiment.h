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
#include <optional>
#include <string>
#include <vector>

#include "hwnas/estimator/sampling.h"
#include "hwnas/search/config.h"
#include "hwnas/search/search.h"

namespace hwnas::search {

// The estimator version recorded in the stores of searches that use no estimator.
inline constexpr const char* kNoEstimator = "none";

struct Experiment {
  SearchConfig config;
  std::unique_ptr<space::SearchSpace> space;  // on the heap: the algorithm keeps a reference to it
  int64_t channel_multiple = 1;                 // the target's P the space was curated with
  std::unique_ptr<Evaluator> evaluator;         // hardware and/or commands, composed
  // The part of `evaluator` that measures latency and memory without training (hardware or
  // estimator; owned by it), for screening candidates against the budgets; null when there is none.
  Evaluator* cheap_evaluator = nullptr;
  std::unique_ptr<SearchAlgorithm> algorithm;
  // evaluators: [estimator]: the file it was loaded from (or built and saved to), and whether
  // it was built now and how long that took.
  std::string estimator_file;
  bool estimator_built = false;
  double estimator_build_seconds = 0;
  std::optional<Baseline> baseline;             // config.baseline, prepared (its space curated like the searched one)
  std::map<std::string, std::string> meta;      // what the store records and --resume checks

  SearchOptions search_options() const;
};

// Makes the target (hw::make_target), loads the space curated with its channel_multiple, builds
// the evaluators and the algorithm. `evaluator_override`, when given, replaces the evaluators
// (tests; a training evaluator). With evaluators: [estimator], loads config.estimator.file (by
// default "<target>.estimator.json") or, when it is missing and the target is a simulator,
// builds an estimator and saves it there, reporting to `estimator_progress` while it builds.
// `caller_evaluators` are the evaluators of config entries this library cannot build, in config
// order after the others: the training evaluator (evaluators: [training]) needs libtorch, so the
// command line builds it (search_torch/training_evaluator.h) and passes it here; with
// use_training and none given, an Error says training needs hwnas built with libtorch.
Result<Experiment> prepare_experiment(const SearchConfig& config, std::unique_ptr<Evaluator> evaluator_override = nullptr,
                                      const estimator::Progress& estimator_progress = {},
                                      std::vector<std::unique_ptr<Evaluator>> caller_evaluators = {});

// resume == false: creates config.store (an Error when it exists). resume == true: opens it
// (creating it when missing) and checks that its space version, config fingerprint, seed and
// evaluator versions match, naming the first that differs.
Result<ExperimentStore> open_store(const Experiment& experiment, bool resume);
// The same at `path` instead of config.store (the final evaluations of run_strategy).
Result<ExperimentStore> open_store(const Experiment& experiment, bool resume, const std::string& path);
// That `store` was made by this experiment (space, target, config, seed, evaluator and estimator
// versions), naming the first that differs; `what` is what the check is for ("resume", "work on it").
Status check_store_matches(const Experiment& experiment, const ExperimentStore& store, const std::string& what);

}  // namespace hwnas::search
