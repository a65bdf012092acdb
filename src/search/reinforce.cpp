// REINFORCE with a learned policy (Williams 1992; the controller of NASNet / MnasNet reduced to
// independent per-decision softmax logits) and a moving-average reward baseline.
#include <algorithm>
#include <cmath>

#include "algorithms_detail.h"

namespace hwnas::search::detail {
namespace {

class Reinforce : public SearchAlgorithm {
 public:
  Reinforce(const space::SearchSpace& space, const AlgorithmOptions& options) : space_(space), options_(options) {
    for (const space::Decision& d : space.decisions()) logits_.emplace_back(d.choices.size(), 0.0);
  }
  std::string name() const override { return "reinforce"; }

  space::Architecture ask(std::mt19937_64& rng) override {
    space::Architecture arch;
    for (const auto& logits : logits_) {
      const std::vector<double> p = softmax(logits);
      const double u = uniform_unit(rng);
      double cumulative = 0;
      int pick = static_cast<int>(p.size()) - 1;
      for (size_t c = 0; c < p.size(); ++c) {
        cumulative += p[c];
        if (u < cumulative) {
          pick = static_cast<int>(c);
          break;
        }
      }
      arch.push_back(pick);
    }
    return arch;
  }

  void tell(const Observation& observation) override {
    // Reward: -cost / scale for feasible candidates (scale: the first feasible |cost|), and below
    // the worst feasible reward seen for infeasible or failed ones, lower the further over budget.
    double reward;
    if (observation.score.feasible && !observation.failed) {
      if (scale_ == 0) scale_ = std::max(1e-12, std::fabs(observation.score.cost));
      reward = -observation.score.cost / scale_;
      worst_feasible_ = seen_feasible_ ? std::min(worst_feasible_, reward) : reward;
      seen_feasible_ = true;
    } else {
      const double floor = seen_feasible_ ? worst_feasible_ : -1.0;
      reward = floor - 0.5 - std::min(1.0, observation.failed ? 1.0 : observation.score.violation);
    }
    if (!has_baseline_) {
      baseline_ = reward;
      has_baseline_ = true;
      return;
    }
    double advantage = reward - baseline_;
    baseline_ = options_.baseline_decay * baseline_ + (1 - options_.baseline_decay) * reward;
    // normalise by a running RMS of the advantages so the learning rate is scale-free
    advantage_square_ = 0.9 * advantage_square_ + 0.1 * advantage * advantage;
    advantage = std::clamp(advantage / (std::sqrt(advantage_square_) + 1e-12), -3.0, 3.0);
    for (size_t d = 0; d < logits_.size() && d < observation.arch.size(); ++d) {
      const std::vector<double> p = softmax(logits_[d]);
      for (size_t c = 0; c < p.size(); ++c) {
        const double indicator = static_cast<int>(c) == observation.arch[d] ? 1.0 : 0.0;
        logits_[d][c] += options_.learning_rate * advantage * (indicator - p[c]);  // grad of log pi
      }
    }
  }

 private:
  static std::vector<double> softmax(const std::vector<double>& logits) {
    const double top = *std::max_element(logits.begin(), logits.end());
    std::vector<double> p(logits.size());
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) sum += p[i] = std::exp(logits[i] - top);
    for (double& v : p) v /= sum;
    return p;
  }

  const space::SearchSpace& space_;
  AlgorithmOptions options_;
  std::vector<std::vector<double>> logits_;
  double scale_ = 0;
  double baseline_ = 0;
  bool has_baseline_ = false;
  double advantage_square_ = 1.0;
  double worst_feasible_ = 0;
  bool seen_feasible_ = false;
};

}  // namespace

std::unique_ptr<SearchAlgorithm> make_reinforce(const space::SearchSpace& space, const AlgorithmOptions& options) {
  return std::make_unique<Reinforce>(space, options);
}

}  // namespace hwnas::search::detail
