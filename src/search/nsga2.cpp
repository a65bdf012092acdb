// NSGA-II (Deb et al. 2002): constrained non-dominated sorting, crowding distance, binary
// tournaments, uniform crossover and per-decision mutation, generation by generation.
#include <algorithm>
#include <numeric>

#include "algorithms_detail.h"

namespace hwnas::search::detail {
namespace {

class Nsga2 : public SearchAlgorithm {
 public:
  Nsga2(const space::SearchSpace& space, const AlgorithmOptions& options) : space_(space), options_(options) {
    mutation_probability_ = options.mutation_probability > 0
                                ? options.mutation_probability
                                : 1.0 / static_cast<double>(std::max<size_t>(1, space.decisions().size()));
  }
  std::string name() const override { return "nsga2"; }

  space::Architecture ask(std::mt19937_64& rng) override {
    if (!initialised_) return random_architecture(space_, rng);  // the first population
    if (next_ >= pending_.size()) make_offspring(rng);
    return pending_[next_++];
  }

  void tell(const Observation& observation) override {
    const size_t n = static_cast<size_t>(options_.nsga_population);
    if (!initialised_) {
      parents_.push_back(observation);
      if (parents_.size() == n) {
        initialised_ = true;
        rank_parents();
      }
      return;
    }
    offspring_.push_back(observation);
    if (offspring_.size() == n) {
      // (mu + lambda) survival: the best n of parents and offspring by front, then crowding.
      std::vector<Observation> merged = parents_;
      merged.insert(merged.end(), offspring_.begin(), offspring_.end());
      offspring_.clear();
      std::vector<Score> scores;
      for (const Observation& o : merged) scores.push_back(o.score);
      std::vector<Observation> survivors;
      for (const std::vector<size_t>& front : non_dominated_sort(scores)) {
        if (survivors.size() + front.size() <= n) {
          for (size_t i : front) survivors.push_back(merged[i]);
          continue;
        }
        const std::vector<double> crowding = crowding_distance(scores, front);
        std::vector<size_t> order(front.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return crowding[a] > crowding[b]; });
        for (size_t k = 0; survivors.size() < n; ++k) survivors.push_back(merged[front[order[k]]]);
        break;
      }
      parents_ = std::move(survivors);
      rank_parents();
    }
  }

 private:
  void rank_parents() {
    std::vector<Score> scores;
    for (const Observation& o : parents_) scores.push_back(o.score);
    rank_.assign(parents_.size(), 0);
    crowding_.assign(parents_.size(), 0.0);
    const auto fronts = non_dominated_sort(scores);
    for (size_t f = 0; f < fronts.size(); ++f) {
      const std::vector<double> crowding = crowding_distance(scores, fronts[f]);
      for (size_t k = 0; k < fronts[f].size(); ++k) {
        rank_[fronts[f][k]] = f;
        crowding_[fronts[f][k]] = crowding[k];
      }
    }
  }

  size_t tournament(std::mt19937_64& rng) const {
    const size_t a = uniform_index(rng, parents_.size());
    const size_t b = uniform_index(rng, parents_.size());
    if (rank_[a] != rank_[b]) return rank_[a] < rank_[b] ? a : b;
    return crowding_[a] >= crowding_[b] ? a : b;
  }

  void make_offspring(std::mt19937_64& rng) {
    pending_.clear();
    next_ = 0;
    const size_t n = static_cast<size_t>(options_.nsga_population);
    while (pending_.size() < n) {
      space::Architecture child = parents_[tournament(rng)].arch;
      const space::Architecture& other = parents_[tournament(rng)].arch;
      if (uniform_unit(rng) < options_.crossover_probability)
        for (size_t d = 0; d < child.size(); ++d)
          if (uniform_unit(rng) < 0.5) child[d] = other[d];
      for (size_t d = 0; d < child.size(); ++d) {
        const size_t choices = space_.decisions()[d].choices.size();
        if (choices > 1 && uniform_unit(rng) < mutation_probability_)
          child[d] = static_cast<int>((child[d] + 1 + uniform_index(rng, choices - 1)) % choices);
      }
      pending_.push_back(child);
    }
  }

  const space::SearchSpace& space_;
  AlgorithmOptions options_;
  double mutation_probability_ = 0;
  bool initialised_ = false;
  std::vector<Observation> parents_, offspring_;
  std::vector<size_t> rank_;
  std::vector<double> crowding_;
  std::vector<space::Architecture> pending_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<SearchAlgorithm> make_nsga2(const space::SearchSpace& space, const AlgorithmOptions& options) {
  return std::make_unique<Nsga2>(space, options);
}

}  // namespace hwnas::search::detail
