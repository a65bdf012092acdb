// make_algorithm, random search, and the sampling helpers every algorithm shares.
#include "hwnas/search/algorithm.h"

#include <algorithm>

#include "algorithms_detail.h"

namespace hwnas::search {

uint64_t uniform_index(std::mt19937_64& rng, uint64_t n) {
  if (n <= 1) return 0;
  const uint64_t limit = std::mt19937_64::max() - (std::mt19937_64::max() % n);  // rejection keeps it unbiased
  uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % n;
}

double uniform_unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

space::Architecture random_architecture(const space::SearchSpace& space, std::mt19937_64& rng) {
  space::Architecture arch;
  arch.reserve(space.decisions().size());
  for (const space::Decision& d : space.decisions()) arch.push_back(static_cast<int>(uniform_index(rng, d.choices.size())));
  return arch;
}

space::Architecture mutate(const space::SearchSpace& space, const space::Architecture& arch, int count, std::mt19937_64& rng) {
  std::vector<size_t> mutable_decisions;
  for (size_t i = 0; i < space.decisions().size(); ++i)
    if (space.decisions()[i].choices.size() > 1) mutable_decisions.push_back(i);
  space::Architecture child = arch;
  for (int k = 0; k < count && !mutable_decisions.empty(); ++k) {
    const size_t pick = uniform_index(rng, mutable_decisions.size());
    const size_t d = mutable_decisions[pick];
    mutable_decisions.erase(mutable_decisions.begin() + static_cast<std::ptrdiff_t>(pick));
    const size_t n = space.decisions()[d].choices.size();
    // a different choice, uniformly among the n - 1 others
    const int offset = 1 + static_cast<int>(uniform_index(rng, n - 1));
    child[d] = static_cast<int>((child[d] + offset) % static_cast<int>(n));
  }
  return child;
}

namespace detail {
namespace {

class RandomSearch : public SearchAlgorithm {
 public:
  explicit RandomSearch(const space::SearchSpace& space) : space_(space) {}
  std::string name() const override { return "random"; }
  space::Architecture ask(std::mt19937_64& rng) override { return random_architecture(space_, rng); }
  void tell(const Observation&) override {}

 private:
  const space::SearchSpace& space_;
};

}  // namespace

std::unique_ptr<SearchAlgorithm> make_random_search(const space::SearchSpace& space) {
  return std::make_unique<RandomSearch>(space);
}

}  // namespace detail

std::vector<std::string> algorithm_names() { return {"random", "evolution", "reinforce", "nsga2"}; }

Result<std::unique_ptr<SearchAlgorithm>> make_algorithm(const AlgorithmOptions& options, const space::SearchSpace& space) {
  if (space.decisions().empty()) return Error{"search: space '" + space.name() + "' has no decisions"};
  if (options.name == "random") return detail::make_random_search(space);
  if (options.name == "evolution" || options.name == "regularized_evolution") {
    if (options.population < 2) return Error{"algorithm.population must be at least 2"};
    if (options.sample < 1 || options.sample > options.population)
      return Error{"algorithm.sample must be in [1, population]"};
    if (options.mutations < 1) return Error{"algorithm.mutations must be at least 1"};
    return detail::make_regularized_evolution(space, options);
  }
  if (options.name == "reinforce") {
    if (!(options.learning_rate > 0)) return Error{"algorithm.learning_rate must be positive"};
    if (!(options.baseline_decay >= 0 && options.baseline_decay < 1)) return Error{"algorithm.baseline_decay must be in [0, 1)"};
    return detail::make_reinforce(space, options);
  }
  if (options.name == "nsga2") {
    if (options.nsga_population < 4) return Error{"algorithm.population must be at least 4 for nsga2"};
    if (!(options.crossover_probability >= 0 && options.crossover_probability <= 1))
      return Error{"algorithm.crossover_probability must be in [0, 1]"};
    if (!(options.mutation_probability >= 0 && options.mutation_probability <= 1))
      return Error{"algorithm.mutation_probability must be in [0, 1]"};
    return detail::make_nsga2(space, options);
  }
  return Error{"search: unknown algorithm '" + options.name + "' (algorithms: random, evolution, reinforce, nsga2)"};
}

}  // namespace hwnas::search
