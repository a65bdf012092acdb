// A synthetic search problem with a known optimum, for the algorithm and store tests (no hardware).
#pragma once

#include <string>

#include "hwnas/search/evaluator.h"
#include "hwnas/space/space.h"

namespace hwnas::search::testing {

// A custom space of `decisions` decisions with `choices` numeric choices 0..choices-1 each.
inline space::SearchSpace synthetic_space(int decisions, int choices) {
  std::string yaml = "name: synthetic\nkind: custom\ndecisions:\n";
  for (int d = 0; d < decisions; ++d) {
    yaml += "  - {name: x" + std::to_string(d) + ", choices: [";
    for (int c = 0; c < choices; ++c) yaml += (c ? ", " : "") + std::to_string(c);
    yaml += "]}\n";
  }
  auto space = space::parse_space(yaml, "synthetic", {});
  return space.ok() ? std::move(space.value()) : space::SearchSpace{};
}

// f = sum_d (x_d - a_d)^2 and g = sum_d (x_d - b_d)^2 for two fixed corners a and b: f has its
// optimum 0 at a; (f, g) have a Pareto front along the segment from a to b.
class SyntheticEvaluator : public Evaluator {
 public:
  explicit SyntheticEvaluator(int choices) : choices_(choices) {}
  std::string name() const override { return "synthetic"; }
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    ++calls;
    double f = 0, g = 0;
    for (size_t d = 0; d < request.arch.size(); ++d) {
      const double a = (d * 5 + 1) % choices_;  // the optimum of f
      const double b = (d * 3 + 4) % choices_;
      f += (request.arch[d] - a) * (request.arch[d] - a);
      g += (request.arch[d] - b) * (request.arch[d] - b);
    }
    return Metrics{{"f", f}, {"g", g}};
  }
  int calls = 0;

 private:
  int choices_;
};

}  // namespace hwnas::search::testing
