// The search evaluators the command line builds itself because they need libtorch (training, zero-shot, supernet).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/search/config.h"
#include "hwnas/search/evaluator.h"
#include "hwnas/search/strategy.h"

namespace hwnas::cli {

// For evaluators: [training], the TrainingEvaluator of config.training on its data (opened
// now: an Error names a missing data set); nothing otherwise. Without libtorch, an empty list
// (prepare_experiment then says training needs libtorch).
Result<std::vector<std::unique_ptr<search::Evaluator>>> make_libtorch_evaluators(const search::SearchConfig& config);

// The parts of a strategy other than multishot (search/strategy.h), and the evaluators they point to.
struct StrategyEvaluators {
  std::vector<std::unique_ptr<search::Evaluator>> owned;
  search::StrategyParts parts;
  std::vector<std::string> notes;  // for the summary: "supernet: trained in ..., saved to ..."
  // supernet: the chosen subnet as fine-tuned in this run (nothing when its evaluation was resumed).
  std::function<std::optional<ir::Graph>()> fine_tuned_network;
};

// For strategy zero-shot: the zero-shot proxy evaluator; supernet: the supernet of the space,
// trained on the training section's data (or, with `resume`, loaded from
// search::supernet_file_path), its inherited-accuracy evaluator and the fine-tuning one; hybrid:
// the screen's proxy and the warm start. Nothing for multishot. Without libtorch, an Error for
// any other strategy. Errors name the config file and field.
Result<StrategyEvaluators> make_strategy_evaluators(const search::Experiment& experiment, bool resume);

}  // namespace hwnas::cli
