// Regularized (aging) evolution (Real et al. 2019): tournament selection, mutation, the oldest dies.
#include <deque>

#include "algorithms_detail.h"

namespace hwnas::search::detail {
namespace {

class RegularizedEvolution : public SearchAlgorithm {
 public:
  RegularizedEvolution(const space::SearchSpace& space, const AlgorithmOptions& options) : space_(space), options_(options) {}
  std::string name() const override { return "evolution"; }

  space::Architecture ask(std::mt19937_64& rng) override {
    // The first P architectures are random; then a tournament of S samples (with replacement)
    // picks the parent, whose child differs in `mutations` decisions.
    if (told_ < options_.population || population_.empty()) return random_architecture(space_, rng);
    size_t best = uniform_index(rng, population_.size());
    for (int s = 1; s < options_.sample; ++s) {
      const size_t candidate = uniform_index(rng, population_.size());
      if (population_[candidate].score.cost < population_[best].score.cost) best = candidate;
    }
    return mutate(space_, population_[best].arch, options_.mutations, rng);
  }

  void tell(const Observation& observation) override {
    ++told_;
    population_.push_back(observation);
    if (static_cast<int>(population_.size()) > options_.population) population_.pop_front();  // aging
  }

 private:
  const space::SearchSpace& space_;
  AlgorithmOptions options_;
  std::deque<Observation> population_;
  int told_ = 0;
};

}  // namespace

std::unique_ptr<SearchAlgorithm> make_regularized_evolution(const space::SearchSpace& space, const AlgorithmOptions& options) {
  return std::make_unique<RegularizedEvolution>(space, options);
}

}  // namespace hwnas::search::detail
