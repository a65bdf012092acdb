// The search evaluators the command line builds itself because they need libtorch (training).
#pragma once

#include <memory>
#include <vector>

#include "hwnas/search/config.h"
#include "hwnas/search/evaluator.h"

namespace hwnas::cli {

// For evaluators: [training], the TrainingEvaluator of config.training on its data (opened
// now: an Error names a missing data set); nothing otherwise. Without libtorch, an empty list
// (prepare_experiment then says training needs libtorch).
Result<std::vector<std::unique_ptr<search::Evaluator>>> make_libtorch_evaluators(const search::SearchConfig& config);

}  // namespace hwnas::cli
