// The metrics hwnas's evaluators report: one table of their units and of the direction an
// objective on each takes when the config gives none.
//
//   const search::MetricInfo* m = search::find_metric("accuracy");  // maximize, "fraction in [0, 1]"
//   auto d = search::default_direction("my_score");                  // Error: give direction:
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/result.h"
#include "hwnas/search/cost_model.h"

namespace hwnas::search {

struct MetricInfo {
  std::string_view name;
  Direction direction;     // what an objective on it means by default
  std::string_view unit;   // what a command evaluator must print it in
  std::string_view meaning;
};

// Every metric a built-in evaluator reports (hardware, estimator, training, zero-shot, supernet),
// in the order the docs list them.
const std::vector<MetricInfo>& known_metrics();
// The entry of `name`; nullptr for a metric hwnas does not define (a command evaluator's own).
const MetricInfo* find_metric(std::string_view name);
// The default direction of an objective on `name`; an Error (naming it and saying how to give a
// direction) for a metric hwnas does not define: the search never guesses.
Result<Direction> default_direction(std::string_view name);

std::string_view direction_name(Direction direction);  // "minimize" | "maximize"

// A metric whose unit is a fraction in [0, 1] (accuracy, top1, miou, map50, ...).
bool is_fraction_metric(std::string_view name);

}  // namespace hwnas::search
