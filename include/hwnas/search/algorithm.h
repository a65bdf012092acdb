// Search algorithms behind one ask/tell interface: random search, regularized evolution, REINFORCE, NSGA-II.
//
//   std::mt19937_64 rng(seed);
//   auto algorithm = search::make_algorithm({.name = "evolution"}, space);
//   for (int t = 0; t < trials; ++t) {
//     space::Architecture arch = (*algorithm)->ask(rng);
//     search::Score score = ...;                     // evaluate arch, then CostModel::score
//     (*algorithm)->tell({arch, score});
//   }
//
// Determinism: an algorithm's only source of randomness is the generator passed to ask(), and
// its state depends only on the sequence of ask/tell calls. Replaying the same observations in
// the same order through a fresh algorithm and a generator with the same seed therefore
// reproduces its state exactly; the experiment store's --resume relies on that.
// Algorithms must accept tell() for an architecture they did not propose in the last ask()
// (a failed or cached evaluation is still told).
#pragma once

#include <memory>
#include <random>
#include <string>

#include "hwnas/search/cost_model.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

struct Observation {
  space::Architecture arch;
  Score score;          // failed evaluations: infeasible with a large violation
  bool failed = false;  // the evaluation failed (invalid architecture, evaluator error)
};

class SearchAlgorithm {
 public:
  virtual ~SearchAlgorithm() = default;
  virtual std::string name() const = 0;
  // The next architecture to evaluate (always in range for the space).
  virtual space::Architecture ask(std::mt19937_64& rng) = 0;
  virtual void tell(const Observation& observation) = 0;
};

struct AlgorithmOptions {
  std::string name = "evolution";  // random | evolution | reinforce | nsga2
  // evolution (Real et al. 2019): population size P, tournament sample size S, decisions mutated per child
  int population = 20;
  int sample = 5;
  int mutations = 1;
  // reinforce: learning rate of the per-decision logits, moving-average baseline decay,
  // and the cost transform (reward = -cost / reward_scale, scale from the first feasible cost)
  double learning_rate = 0.1;
  double baseline_decay = 0.9;
  // nsga2: population size, crossover and per-decision mutation probabilities (0: 1 / decisions)
  int nsga_population = 24;
  double crossover_probability = 0.9;
  double mutation_probability = 0;
};

// The algorithm named options.name for `space` (which must outlive it); an unknown name is an
// Error listing the names; bad sizes are Errors.
Result<std::unique_ptr<SearchAlgorithm>> make_algorithm(const AlgorithmOptions& options, const space::SearchSpace& space);

// The names make_algorithm knows.
std::vector<std::string> algorithm_names();

// A uniformly random architecture of `space`.
space::Architecture random_architecture(const space::SearchSpace& space, std::mt19937_64& rng);
// `arch` with `count` distinct decisions (of those with more than one choice) changed to a
// different choice, uniformly.
space::Architecture mutate(const space::SearchSpace& space, const space::Architecture& arch, int count, std::mt19937_64& rng);

// A uniform integer in [0, n) from `rng`, identical on every platform (std's distributions
// are implementation-defined; the store's resume and the tests need the same numbers everywhere).
uint64_t uniform_index(std::mt19937_64& rng, uint64_t n);
// A uniform double in [0, 1), platform-independent.
double uniform_unit(std::mt19937_64& rng);

}  // namespace hwnas::search
