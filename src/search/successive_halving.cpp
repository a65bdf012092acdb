// Successive halving: rungs of rising fidelity over the algorithm's first distinct proposals, resumable from the store.
#include "hwnas/search/successive_halving.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "clock.h"

namespace hwnas::search {

using detail::monotonic_s;
using detail::now_s;

std::vector<double> halving_fidelities(double min_fidelity, int eta) {
  std::vector<double> fidelities;
  // A rung within 1 % of full fidelity is the full rung: min_fidelity 0.111 with eta 3 gives
  // 0.111, 0.333 and 1, not a rung at 0.999 followed by one at 1.
  for (double f = min_fidelity; f < 0.99 && fidelities.size() < 64; f *= eta) fidelities.push_back(f);
  fidelities.push_back(1.0);
  return fidelities;
}

Result<HalvingResult> successive_halving(const space::SearchSpace& space, SearchAlgorithm& algorithm, Evaluator& evaluator,
                                         const CostModel& cost_model, ExperimentStore* store, const HalvingOptions& options) {
  if (Status s = cost_model.validate(); !s) return s.error();
  if (options.candidates < 1) return Error{"successive halving: candidates must be at least 1"};
  if (options.eta < 2) return Error{"successive halving: eta must be at least 2"};
  if (!(options.min_fidelity > 0 && options.min_fidelity <= 1)) return Error{"successive halving: min_fidelity must be in (0, 1]"};

  std::vector<TrialRecord> stored;
  if (store) {
    auto read = store->trials();
    if (!read) return read.error();
    stored = std::move(*read);
  }
  std::mt19937_64 rng(options.seed);
  HalvingResult result;
  result.fidelities = halving_fidelities(options.min_fidelity, options.eta);

  // The candidates: the initial architectures, then the algorithm's first distinct (screened) proposals.
  std::vector<space::Architecture> candidates;
  std::vector<std::string> keys;
  auto known = [&](const std::string& key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
  for (const space::Architecture& arch : options.initial) {
    if (static_cast<int>(candidates.size()) >= options.candidates) break;
    if (Status s = space.check(arch); !s) return Error{"successive halving: initial architecture: " + s.error().message};
    const std::string key = space.canonical_key(arch);
    if (known(key)) continue;
    candidates.push_back(arch);
    keys.push_back(key);
  }
  const int wanted = options.candidates - static_cast<int>(candidates.size());
  if (options.screen && wanted > 0) {
    CandidateScreen screen = *options.screen;
    if (screen.seed == 0) screen.seed = options.seed;
    auto screened = screen_proposals(space, algorithm, cost_model, screen, wanted, rng, known, result.screen);
    if (!screened) return screened.error().within("successive halving");
    if (screened->empty() && candidates.empty())
      return Error{"successive halving: no candidate meets the budgets: " + describe(result.screen, screen)};
    for (ScreenedCandidate& c : *screened) {
      candidates.push_back(std::move(c.arch));
      keys.push_back(std::move(c.key));
    }
  } else {
    for (long proposals = 0; static_cast<int>(candidates.size()) < options.candidates && proposals < 50L * options.candidates; ++proposals) {
      space::Architecture arch = algorithm.ask(rng);
      const std::string key = space.canonical_key(arch);
      if (known(key)) continue;
      candidates.push_back(std::move(arch));
      keys.push_back(key);
    }
  }

  std::vector<size_t> alive(candidates.size());
  std::iota(alive.begin(), alive.end(), 0);
  for (size_t rung = 0; rung < result.fidelities.size() && !alive.empty(); ++rung) {
    const double fidelity = result.fidelities[rung];
    std::vector<size_t> rung_trials;
    std::vector<Observation> observations;
    for (size_t c : alive) {
      const int64_t id = static_cast<int64_t>(result.trials.size());
      TrialRecord record;
      if (static_cast<size_t>(id) < stored.size() && stored[id].status != "running") {
        record = stored[id];
        if (record.key != keys[c] || std::fabs(record.fidelity - fidelity) > 1e-12)
          return Error{store->path() + ": trial " + std::to_string(id) + " does not replay: the store has '" + record.key +
                       "' at fidelity " + std::to_string(record.fidelity) + " where successive halving evaluates '" + keys[c] +
                       "' at " + std::to_string(fidelity)};
        ++result.replayed;
      } else {
        record.id = id;
        record.arch = format_arch(candidates[c]);
        record.key = keys[c];
        record.fidelity = fidelity;
        record.seed = trial_seed(options.seed, id);
        record.started_at = now_s();
        record.status = "running";
        if (store)
          if (Status s = store->begin_trial(record); !s) return s.error();
        const double start = monotonic_s();
        auto metrics = evaluator.evaluate({.space = space, .arch = candidates[c], .fidelity = fidelity, .seed = record.seed});
        record.duration_s = monotonic_s() - start;
        record.finished_at = now_s();
        record_outcome(record, metrics, cost_model);
        if (store)
          if (Status s = store->finish_trial(record); !s) return s.error();
      }
      Observation o = observation_of(record, cost_model);
      o.arch = candidates[c];  // the proposal (a replayed record may hold another architecture of the same key)
      observations.push_back(o);
      rung_trials.push_back(result.trials.size());
      result.trials.push_back(std::move(record));
    }
    for (const Observation& o : observations) algorithm.tell(o);
    result.rungs.push_back(rung_trials);
    // keep the best 1/eta (at least one) for the next rung, ties by candidate order
    std::vector<size_t> order(alive.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return result.trials[rung_trials[a]].cost < result.trials[rung_trials[b]].cost; });
    const size_t keep = std::max<size_t>(1, alive.size() / static_cast<size_t>(options.eta));
    std::vector<size_t> next;
    for (size_t k = 0; k < keep && k < order.size(); ++k) next.push_back(alive[order[k]]);
    alive = std::move(next);
  }
  result.best = best_full_fidelity_trial(result.trials);
  return result;
}

}  // namespace hwnas::search
