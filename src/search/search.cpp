// run_search: the ask / deduplicate / evaluate / record / tell loop, with replay of a store for resume.
#include "hwnas/search/search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "clock.h"

namespace hwnas::search {

using detail::monotonic_s;
using detail::now_s;

uint64_t trial_seed(uint64_t search_seed, int64_t trial_id) {
  auto splitmix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  return splitmix(splitmix(search_seed) ^ static_cast<uint64_t>(trial_id)) >> 32;
}

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

std::vector<Score> recorded_scores(const std::vector<TrialRecord>& trials, const std::vector<Objective>& objectives) {
  std::vector<Score> scores;
  for (const TrialRecord& t : trials) {
    Score s;
    s.feasible = t.status == "done" && t.feasible;
    for (const Objective& o : objectives) {
      auto it = t.metrics.find(o.metric);
      const double v = it == t.metrics.end() ? std::numeric_limits<double>::infinity() : it->second;
      s.objectives.push_back(o.direction == Direction::Minimize ? v : -v);
    }
    scores.push_back(s);
  }
  return scores;
}

void record_outcome(TrialRecord& record, const Result<Metrics>& metrics, const CostModel& cost_model) {
  record.error.clear();
  if (metrics) record.metrics = *metrics;
  auto score = metrics ? cost_model.score(*metrics) : Result<Score>(metrics.error());
  if (score) {
    record.status = "done";
    record.cost = score->cost;
    record.feasible = score->feasible;
    return;
  }
  record.status = "failed";
  record.error = score.error().message;
  record.cost = failed_score(cost_model).cost;
  record.feasible = false;
}

Observation observation_of(const TrialRecord& record, const CostModel& cost_model) {
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
  return o;
}

namespace {

int best_trial_where(const std::vector<TrialRecord>& trials, bool full_fidelity_only) {
  int best = -1;
  for (size_t i = 0; i < trials.size(); ++i) {
    const TrialRecord& t = trials[i];
    if (t.status == "done" && t.feasible && (!full_fidelity_only || t.fidelity == 1.0) && (best < 0 || t.cost < trials[best].cost))
      best = static_cast<int>(i);
  }
  return best;
}

}  // namespace

int best_trial(const std::vector<TrialRecord>& trials) { return best_trial_where(trials, false); }
int best_full_fidelity_trial(const std::vector<TrialRecord>& trials) { return best_trial_where(trials, true); }

std::vector<FailureGroup> failure_summary(const std::vector<TrialRecord>& trials) {
  std::vector<FailureGroup> groups;
  for (const TrialRecord& t : trials) {
    if (t.status != "failed") continue;
    const std::string first_line = t.error.substr(0, t.error.find('\n'));
    auto it = std::find_if(groups.begin(), groups.end(), [&](const FailureGroup& g) { return g.message == first_line; });
    if (it == groups.end()) groups.push_back({first_line, 1, t.id});
    else ++it->count;
  }
  std::stable_sort(groups.begin(), groups.end(), [](const FailureGroup& a, const FailureGroup& b) { return a.count > b.count; });
  return groups;
}

Status check_budgets_reachable(const space::SearchSpace& space, Evaluator& evaluator, const CostModel& cost_model) {
  // Only a macro space orders its size decisions so that the first value is the smallest; a
  // custom space's index 0 says nothing about cost, so nothing is refused there.
  if (!space.has_network()) return {};
  std::vector<const Budget*> capped;
  for (const Budget& b : cost_model.budgets)
    if (std::isfinite(b.max)) capped.push_back(&b);
  if (capped.empty()) return {};
  std::string last_error;
  int tried = 0;
  auto value_of = [&](const space::Architecture& arch, const std::string& metric) -> Result<std::optional<double>> {
    ++tried;
    auto m = evaluator.evaluate({.space = space, .arch = arch});
    if (!m) {
      last_error = m.error().message;
      return std::optional<double>{};
    }
    auto it = m->find(metric);
    if (it == m->end()) return Error{"search: budget on '" + metric + "': the evaluator " + evaluator.name() + " does not measure it"};
    return std::optional<double>{it->second};
  };
  const space::MacroSpec& macro = *space.macro();
  for (const Budget* b : capped) {
    // Every size decision at its smallest, each uniform block type; then each stage's block type
    // changed alone while it lowers the metric (a mix of types can be cheaper than any uniform one).
    double least = std::numeric_limits<double>::infinity();
    space::Architecture best;
    for (const space::Architecture& arch : space.minimal_architectures()) {
      auto v = value_of(arch, b->metric);
      if (!v) return v.error();
      if (*v && **v < least) {
        least = **v;
        best = arch;
      }
    }
    if (best.empty())
      return Error{"search: cannot check the budgets: no smallest architecture of space '" + space.name() + "' evaluates: " + last_error};
    for (const space::StageSpec& stage : macro.stages) {
      if (least <= b->max) break;
      if (stage.fixed >= 0) continue;
      const int decision = stage.block_type;
      for (int c = 0; c < static_cast<int>(space.decisions()[static_cast<size_t>(decision)].choices.size()); ++c) {
        if (c == best[static_cast<size_t>(decision)]) continue;
        space::Architecture arch = best;
        arch[static_cast<size_t>(decision)] = c;
        auto v = value_of(arch, b->metric);
        if (!v) return v.error();
        if (*v && **v < least) {
          least = **v;
          best = arch;
        }
      }
    }
    if (least > b->max) {
      std::ostringstream text;
      text << "search: budget " << b->metric << " <= " << b->max << " is out of reach in space '" << space.name()
           << "': with every size decision at its smallest value and each stage's cheapest block type (" << tried
           << " architectures tried) the least " << b->metric << " is " << least;
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

  auto tell_record = [&](const TrialRecord& record) { algorithm.tell(observation_of(record, cost_model)); };
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
    record.seed = trial_seed(options.seed, id);
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
    record_outcome(record, metrics, cost_model);
    if (store)
      if (Status s = store->finish_trial(record); !s) return s.error();
    Observation o = observation_of(record, cost_model);
    o.arch = arch;
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
