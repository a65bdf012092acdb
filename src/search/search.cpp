// run_search: the ask / deduplicate / evaluate / record / tell loop, with replay of a store for resume.
#include "hwnas/search/search.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

namespace hwnas::search {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double monotonic_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Score failed_score(const CostModel& cost_model) {
  Score s;
  s.feasible = false;
  s.violation = 1e6;
  s.cost = CostModel::kInfeasibleCost * (1 + s.violation);
  s.objectives.assign(std::max<size_t>(1, cost_model.objectives.size()), std::numeric_limits<double>::max());
  return s;
}

std::vector<Score> trial_scores(const std::vector<TrialRecord>& trials, const CostModel& cost_model) {
  std::vector<Score> scores;
  for (const TrialRecord& t : trials) {
    if (t.status != "done") {
      scores.push_back(failed_score(cost_model));
      continue;
    }
    auto s = cost_model.score(t.metrics);
    scores.push_back(s ? *s : failed_score(cost_model));
  }
  return scores;
}

int best_trial(const std::vector<TrialRecord>& trials) {
  int best = -1;
  for (size_t i = 0; i < trials.size(); ++i)
    if (trials[i].status == "done" && trials[i].feasible && (best < 0 || trials[i].cost < trials[best].cost)) best = static_cast<int>(i);
  return best;
}

Status check_budgets_reachable(const space::SearchSpace& space, Evaluator& evaluator, const CostModel& cost_model) {
  bool has_max = false;
  for (const Budget& b : cost_model.budgets) has_max = has_max || std::isfinite(b.max);
  if (!has_max) return {};
  std::vector<Metrics> measured;
  std::string last_error;
  for (const space::Architecture& arch : space.minimal_architectures()) {
    auto m = evaluator.evaluate({.space = space, .arch = arch});
    if (m) measured.push_back(*m);
    else last_error = m.error().message;
  }
  if (measured.empty())
    return Error{"search: cannot check the budgets: the smallest architecture of space '" + space.name() +
                 "' does not evaluate: " + last_error};
  for (const Budget& b : cost_model.budgets) {
    if (!std::isfinite(b.max)) continue;  // lower bounds are not checked here
    double smallest = std::numeric_limits<double>::infinity();
    for (const Metrics& m : measured) {
      auto it = m.find(b.metric);
      if (it == m.end()) return Error{"search: budget on '" + b.metric + "': the evaluator does not measure it"};
      smallest = std::min(smallest, it->second);
    }
    if (smallest > b.max) {
      std::ostringstream text;
      text << "search: budget " << b.metric << " <= " << b.max << " is impossible: the smallest architecture of space '"
           << space.name() << "' needs " << smallest;
      return Error{text.str()};
    }
  }
  return {};
}

Result<SearchResult> run_search(const space::SearchSpace& space, SearchAlgorithm& algorithm, Evaluator& evaluator,
                                const CostModel& cost_model, ExperimentStore* store, const SearchOptions& options,
                                const std::function<void(const SearchProgress&)>& on_progress) {
  if (Status s = cost_model.validate(); !s) return s.error();
  if (options.trials < 0) return Error{"search: trials must be at least 0"};
  if (!(options.fidelity > 0 && options.fidelity <= 1)) return Error{"search: fidelity must be in (0, 1]"};

  std::vector<TrialRecord> stored;
  if (store) {
    auto read = store->trials();
    if (!read) return read.error();
    stored = std::move(*read);
    for (size_t i = 0; i < stored.size(); ++i)
      if (stored[i].id != static_cast<int64_t>(i))
        return Error{store->path() + ": trial ids are not 0, 1, 2, ...: trial " + std::to_string(stored[i].id) + " at position " + std::to_string(i)};
  }

  std::mt19937_64 rng(options.seed);
  EvaluationCache cache;
  SearchResult result;
  SearchProgress progress;
  progress.trials_total = options.trials;
  double evaluation_time = 0;
  int evaluated = 0;
  const long max_proposals = static_cast<long>(options.max_proposals_per_trial) * std::max(1, options.trials);
  size_t next_initial = 0;

  auto tell_record = [&](const TrialRecord& record) {
    Observation o;
    auto arch = parse_arch(record.arch);
    o.arch = arch ? *arch : space::Architecture{};
    o.failed = record.status != "done";
    if (!o.failed) {
      auto s = cost_model.score(record.metrics);
      o.failed = !s;
      o.score = s ? *s : failed_score(cost_model);
    } else {
      o.score = failed_score(cost_model);
    }
    algorithm.tell(o);
  };
  auto note_progress = [&](const TrialRecord& record) {
    progress.trials_done = static_cast<int>(result.trials.size());
    progress.replayed = result.replayed;
    progress.cache_hits = result.cache_hits;
    if (record.status == "done" && record.feasible && (!progress.has_best || record.cost < progress.best_cost)) {
      progress.has_best = true;
      progress.best_cost = record.cost;
      progress.best_metrics = record.metrics;
    }
    progress.elapsed_s = evaluation_time;
    progress.eta_s = evaluated > 0 ? evaluation_time / evaluated * (options.trials - progress.trials_done) : 0;
    progress.last = &result.trials.back();
    if (on_progress) on_progress(progress);
    progress.last = nullptr;
  };

  while (static_cast<int>(result.trials.size()) < options.trials) {
    if (result.proposals >= max_proposals) {
      result.exhausted = true;
      break;
    }
    space::Architecture arch;
    if (next_initial < options.initial.size()) {
      arch = options.initial[next_initial++];
      if (Status s = space.check(arch); !s) return Error{"search: initial architecture " + std::to_string(next_initial) + ": " + s.error().message};
    } else if (options.prefilter) {
      auto chosen = screen_proposals(space, algorithm, cost_model, *options.prefilter, 1, rng,
                                     [&](const std::string& k) { return cache.find(k, options.fidelity) != nullptr; }, result.screen);
      if (!chosen) return chosen.error();
      if (chosen->empty()) {
        result.exhausted = true;
        break;
      }
      arch = std::move(chosen->front().arch);
    } else {
      arch = algorithm.ask(rng);
    }
    ++result.proposals;
    const std::string key = space.canonical_key(arch);
    if (const EvaluationCache::Entry* hit = cache.find(key, options.fidelity)) {
      Observation o;
      o.arch = arch;
      o.failed = !hit->ok;
      auto s = hit->ok ? cost_model.score(hit->metrics) : Result<Score>(failed_score(cost_model));
      o.score = s ? *s : failed_score(cost_model);
      algorithm.tell(o);
      ++result.cache_hits;
      continue;
    }
    const int64_t id = static_cast<int64_t>(result.trials.size());
    // Replay a finished trial of the store.
    if (static_cast<size_t>(id) < stored.size() && stored[id].status != "running") {
      const TrialRecord& record = stored[id];
      if (record.key != key)
        return Error{(store ? store->path() : std::string("store")) + ": trial " + std::to_string(id) +
                     " does not replay: the store has '" + record.key + "' where this search proposes '" + key +
                     "' (was the space, seed, algorithm or cost model changed?)"};
      TrialRecord replayed = record;
      replayed.arch = format_arch(arch);
      tell_record(replayed);
      cache.insert(key, options.fidelity, {record.status == "done", record.metrics, record.error});
      result.trials.push_back(record);
      ++result.replayed;
      note_progress(result.trials.back());
      continue;
    }
    // A new trial (or one a crash left running).
    TrialRecord record;
    record.id = id;
    record.arch = format_arch(arch);
    record.key = key;
    record.fidelity = options.fidelity;
    record.seed = options.seed + static_cast<uint64_t>(id);
    record.started_at = now_s();
    record.status = "running";
    if (store)
      if (Status s = store->begin_trial(record); !s) return s.error();
    const double start = monotonic_s();
    auto metrics = evaluator.evaluate({.space = space, .arch = arch, .fidelity = options.fidelity, .seed = record.seed});
    const double duration = monotonic_s() - start;
    evaluation_time += duration;
    ++evaluated;
    record.finished_at = now_s();
    record.duration_s = duration;
    Observation o;
    o.arch = arch;
    if (metrics) {
      record.metrics = *metrics;
      auto score = cost_model.score(*metrics);
      if (score) {
        record.status = "done";
        record.cost = score->cost;
        record.feasible = score->feasible;
        o.score = *score;
      } else {
        record.status = "failed";
        record.error = score.error().message;
      }
    } else {
      record.status = "failed";
      record.error = metrics.error().message;
    }
    if (record.status == "failed") {
      o.failed = true;
      o.score = failed_score(cost_model);
      record.cost = o.score.cost;
      record.feasible = false;
    }
    if (store)
      if (Status s = store->finish_trial(record); !s) return s.error();
    algorithm.tell(o);
    cache.insert(key, options.fidelity, {record.status == "done", record.metrics, record.error});
    result.trials.push_back(record);
    note_progress(result.trials.back());
  }
  result.best = best_trial(result.trials);
  result.pareto = pareto_front(trial_scores(result.trials, cost_model));
  return result;
}

}  // namespace hwnas::search
