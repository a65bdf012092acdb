// The trial queue's proposals: the algorithm replayed over the finished trials, ASHA and synchronous rungs, bases.
#include "hwnas/search/trial_queue.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <type_traits>

namespace hwnas::search {
namespace {

bool finished(const TrialRecord& t) { return t.status == "done" || t.status == "failed"; }
bool same_fidelity(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

// SplitMix64, as trial_seed.
uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// "T|P": the finished trials told to the algorithm and the pending ones it avoided; "from N": a promotion.
std::string new_basis(const std::vector<int64_t>& told, const std::vector<int64_t>& pending) {
  return format_id_ranges(told) + "|" + format_id_ranges(pending);
}

// The algorithm's proposal for trial `id` at `fidelity`, after it was told `told` (finished, by
// id); keys of `pending` trials and of finished ones at this fidelity are not proposed again.
Result<Proposal> algorithm_proposal(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm, const CostModel& cost_model,
                                    const QueuePlan& plan, const std::vector<const TrialRecord*>& told,
                                    const std::vector<const TrialRecord*>& pending, int64_t id, double fidelity, Evaluator* cheap) {
  auto algorithm = make_algorithm();
  if (!algorithm) return algorithm.error();
  std::map<std::string, const TrialRecord*> known;
  std::vector<int64_t> told_ids, pending_ids;
  for (const TrialRecord* t : told) {
    (*algorithm)->tell(observation_of(*t, cost_model));
    told_ids.push_back(t->id);
    if (same_fidelity(t->fidelity, fidelity)) known.emplace(t->key, t);
  }
  std::set<std::string> pending_keys;
  for (const TrialRecord* t : pending) {
    pending_ids.push_back(t->id);
    if (same_fidelity(t->fidelity, fidelity)) pending_keys.insert(t->key);
  }
  std::mt19937_64 rng(proposal_seed(plan.seed, id));
  auto proposal = [&](space::Architecture arch) {
    Proposal p;
    p.kind = Proposal::Kind::New;
    p.arch = std::move(arch);
    p.fidelity = fidelity;
    p.basis = new_basis(told_ids, pending_ids);
    return p;
  };
  if (cheap) {  // the first budget-feasible proposal not known or pending (over-budget ones are told, as screen.h does)
    CandidateScreen screen{.cheap = cheap, .max_draws = 20 * plan.max_proposals_per_trial, .seed = plan.seed};
    ScreenReport report;
    auto chosen = screen_proposals(space, **algorithm, cost_model, screen, 1, rng,
                                   [&](const std::string& key) { return known.count(key) > 0 || pending_keys.count(key) > 0; }, report);
    if (!chosen) return chosen.error();
    if (!chosen->empty()) return proposal(std::move(chosen->front().arch));
    Proposal p;
    p.kind = Proposal::Kind::Exhausted;
    return p;
  }
  for (int i = 0; i < plan.max_proposals_per_trial; ++i) {
    space::Architecture arch = (*algorithm)->ask(rng);
    const std::string key = space.canonical_key(arch);
    if (auto it = known.find(key); it != known.end()) {  // evaluated before: told its result again
      Observation o = observation_of(*it->second, cost_model);
      o.arch = arch;
      (*algorithm)->tell(o);
      continue;
    }
    if (pending_keys.count(key)) continue;
    return proposal(std::move(arch));
  }
  Proposal p;
  p.kind = Proposal::Kind::Exhausted;
  return p;
}

}  // namespace

uint64_t proposal_seed(uint64_t search_seed, int64_t id) { return mix(mix(search_seed ^ 0x70726f706f73616cull) + static_cast<uint64_t>(id)); }

QueuePlan queue_plan(const SearchConfig& config) {
  QueuePlan plan;
  plan.trials = config.trials;
  plan.fidelity = config.fidelity;
  plan.seed = config.seed;
  plan.halving = config.halving;
  return plan;
}

std::map<std::string, std::string> queue_meta(const QueuePlan& plan) {
  auto number = [](double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
  };
  std::map<std::string, std::string> meta{
      {"queue_trials", std::to_string(plan.trials)},
      {"queue_fidelity", number(plan.fidelity)},
      {"queue_seed", std::to_string(plan.seed)},
      {"queue_max_attempts", std::to_string(plan.max_attempts)},
      {"queue_grace_s", number(plan.grace_s)},
      {"queue_max_proposals_per_trial", std::to_string(plan.max_proposals_per_trial)},
      {"queue_worker_time_s", number(plan.worker_time_s)},
      {"queue_schedule", !plan.halving ? "none" : plan.halving->asynchronous ? "asynchronous" : "synchronous"},
  };
  if (plan.halving) {
    meta["queue_candidates"] = std::to_string(plan.halving->candidates);
    meta["queue_eta"] = std::to_string(plan.halving->eta);
    meta["queue_min_fidelity"] = number(plan.halving->min_fidelity);
  }
  return meta;
}

Result<QueuePlan> queue_plan_from_meta(const std::map<std::string, std::string>& meta, const std::string& where) {
  auto get = [&](const std::string& key) -> Result<double> {
    auto it = meta.find(key);
    if (it == meta.end()) return Error{where + ": not a trial-queue study (no " + key + "; it was made by `hwnas search` without --workers)"};
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0' || !std::isfinite(v)) return Error{where + ": " + key + " '" + it->second + "' is not a number"};
    return v;
  };
  // `into` = the number under `key` (converted to its type).
  auto read = [&](const std::string& key, auto& into) -> Status {
    auto v = get(key);
    if (!v) return v.error();
    into = static_cast<std::remove_reference_t<decltype(into)>>(*v);
    return {};
  };
  QueuePlan plan;
  auto seed_text = meta.find("queue_seed");
  if (Status s = read("queue_trials", plan.trials); !s) return s.error();
  if (Status s = read("queue_fidelity", plan.fidelity); !s) return s.error();
  if (seed_text == meta.end()) return Error{where + ": not a trial-queue study (no queue_seed)"};
  plan.seed = std::strtoull(seed_text->second.c_str(), nullptr, 10);  // 64 bits: not through a double
  if (Status s = read("queue_max_attempts", plan.max_attempts); !s) return s.error();
  if (Status s = read("queue_grace_s", plan.grace_s); !s) return s.error();
  if (Status s = read("queue_max_proposals_per_trial", plan.max_proposals_per_trial); !s) return s.error();
  if (meta.count("queue_worker_time_s"))
    if (Status s = read("queue_worker_time_s", plan.worker_time_s); !s) return s.error();
  const std::string schedule = meta.count("queue_schedule") ? meta.at("queue_schedule") : "none";
  if (schedule != "none") {
    HalvingOptions h;
    if (Status s = read("queue_candidates", h.candidates); !s) return s.error();
    if (Status s = read("queue_eta", h.eta); !s) return s.error();
    if (Status s = read("queue_min_fidelity", h.min_fidelity); !s) return s.error();
    h.asynchronous = schedule == "asynchronous";
    h.seed = plan.seed;
    plan.halving = h;
  }
  return plan;
}

std::vector<size_t> promotion_order(const std::vector<TrialRecord>& rung, const CostModel& cost_model) {
  std::vector<Score> scores;
  for (const TrialRecord& t : rung) scores.push_back(observation_of(t, cost_model).score);
  std::vector<size_t> order;
  if (cost_model.objectives.size() > 1 && !cost_model.reward) {
    for (const std::vector<size_t>& front : non_dominated_sort(scores)) {
      const std::vector<double> crowding = crowding_distance(scores, front);
      std::vector<size_t> by_crowding(front.size());
      for (size_t i = 0; i < front.size(); ++i) by_crowding[i] = i;
      std::stable_sort(by_crowding.begin(), by_crowding.end(), [&](size_t a, size_t b) {
        if (crowding[a] != crowding[b]) return crowding[a] > crowding[b];
        return rung[front[a]].id < rung[front[b]].id;
      });
      for (size_t i : by_crowding) order.push_back(front[i]);
    }
    return order;
  }
  order.resize(rung.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (scores[a].cost != scores[b].cost) return scores[a].cost < scores[b].cost;
    return rung[a].id < rung[b].id;
  });
  return order;
}

Result<Proposal> next_proposal(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm, const CostModel& cost_model,
                               const QueuePlan& plan, const std::vector<TrialRecord>& trials, bool exhausted, Evaluator* cheap) {
  const int64_t id = static_cast<int64_t>(trials.size());
  std::vector<const TrialRecord*> told, pending;
  for (const TrialRecord& t : trials) (finished(t) ? told : pending).push_back(&t);
  auto idle = [&] {
    Proposal p;
    p.kind = pending.empty() ? Proposal::Kind::Complete : Proposal::Kind::Wait;
    return p;
  };
  if (plan.worker_time_s > 0) {
    double spent = 0;
    for (const TrialRecord* t : told) spent += t->duration_s;
    if (spent >= plan.worker_time_s) return idle();
  }
  if (!plan.halving) {
    if (exhausted || static_cast<int>(trials.size()) >= plan.trials) return idle();
    return algorithm_proposal(space, make_algorithm, cost_model, plan, told, pending, id, plan.fidelity, nullptr);
  }
  const HalvingOptions& h = *plan.halving;
  const std::vector<double> fidelities = halving_fidelities(h.min_fidelity, h.eta);
  std::vector<std::vector<const TrialRecord*>> rungs(fidelities.size());
  for (const TrialRecord& t : trials)
    for (size_t k = 0; k < fidelities.size(); ++k)
      if (same_fidelity(t.fidelity, fidelities[k])) rungs[k].push_back(&t);
  // Synchronous: the size each rung has once complete.
  std::vector<size_t> sizes(fidelities.size());
  sizes[0] = exhausted ? rungs[0].size() : static_cast<size_t>(h.candidates);
  for (size_t k = 1; k < sizes.size(); ++k) sizes[k] = std::max<size_t>(1, sizes[k - 1] / static_cast<size_t>(h.eta));
  // Promotions first, from the highest rung down (ASHA's order).
  for (size_t k = fidelities.size() - 1; k-- > 0;) {
    std::vector<TrialRecord> done;
    for (const TrialRecord* t : rungs[k])
      if (finished(*t)) done.push_back(*t);
    size_t promote = 0;
    if (h.asynchronous) {
      promote = done.size() / static_cast<size_t>(h.eta);
    } else {
      if (rungs[k].size() < sizes[k] || done.size() < rungs[k].size()) continue;  // the rung's barrier
      promote = sizes[k + 1];
    }
    std::set<std::string> above;
    for (const TrialRecord* t : rungs[k + 1]) above.insert(t->key);
    const std::vector<size_t> order = promotion_order(done, cost_model);
    for (size_t i = 0; i < promote && i < order.size(); ++i) {
      const TrialRecord& source = done[order[i]];
      if (source.status != "done" || above.count(source.key)) continue;  // a failed trial is never promoted
      auto arch = parse_arch(source.arch);
      if (!arch) return arch.error();
      Proposal p;
      p.kind = Proposal::Kind::Promotion;
      p.arch = std::move(*arch);
      p.fidelity = fidelities[k + 1];
      p.promoted_from = source.id;
      p.basis = "from " + std::to_string(source.id);
      return p;
    }
  }
  if (!exhausted && rungs[0].size() < static_cast<size_t>(h.candidates))
    return algorithm_proposal(space, make_algorithm, cost_model, plan, told, pending, id, fidelities[0], cheap);
  return idle();
}

Result<space::Architecture> reproduce_proposal(const space::SearchSpace& space, const AlgorithmFactory& make_algorithm,
                                               const CostModel& cost_model, const QueuePlan& plan, const std::vector<TrialRecord>& trials,
                                               int64_t id, Evaluator* cheap) {
  if (id < 0 || id >= static_cast<int64_t>(trials.size())) return Error{"trial " + std::to_string(id) + ": no such trial"};
  const TrialRecord& trial = trials[id];
  auto by_id = [&](int64_t i) -> const TrialRecord* { return i >= 0 && i < static_cast<int64_t>(trials.size()) ? &trials[i] : nullptr; };
  if (trial.basis.rfind("from ", 0) == 0) {
    const TrialRecord* source = by_id(std::strtoll(trial.basis.c_str() + 5, nullptr, 10));
    if (!source) return Error{"trial " + std::to_string(id) + ": basis '" + trial.basis + "' names no trial"};
    return parse_arch(source->arch);
  }
  const size_t bar = trial.basis.find('|');
  if (bar == std::string::npos) return Error{"trial " + std::to_string(id) + ": basis '" + trial.basis + "' is not 'told|pending'"};
  auto told_ids = parse_id_ranges(trial.basis.substr(0, bar));
  if (!told_ids) return told_ids.error();
  auto pending_ids = parse_id_ranges(trial.basis.substr(bar + 1));
  if (!pending_ids) return pending_ids.error();
  std::vector<const TrialRecord*> told, pending;
  for (int64_t i : *told_ids)
    if (const TrialRecord* t = by_id(i)) told.push_back(t);
  for (int64_t i : *pending_ids)
    if (const TrialRecord* t = by_id(i)) pending.push_back(t);
  auto p = algorithm_proposal(space, make_algorithm, cost_model, plan, told, pending, id, trial.fidelity, plan.halving ? cheap : nullptr);
  if (!p) return p.error();
  if (p->kind != Proposal::Kind::New) return Error{"trial " + std::to_string(id) + ": its basis gives no proposal"};
  return p->arch;
}

std::string format_id_ranges(const std::vector<int64_t>& ids) {
  std::string text;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    text += (text.empty() ? "" : ",") + std::to_string(ids[i]) + (j > i ? "-" + std::to_string(ids[j]) : "");
    i = j + 1;
  }
  return text;
}

Result<std::vector<int64_t>> parse_id_ranges(const std::string& text) {
  std::vector<int64_t> ids;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) continue;
    const size_t dash = item.find('-');
    char* end = nullptr;
    const long long first = std::strtoll(item.c_str(), &end, 10);
    const long long last = dash == std::string::npos ? first : std::strtoll(item.c_str() + dash + 1, nullptr, 10);
    if (end == item.c_str() || first < 0 || last < first) return Error{"trial ids '" + text + "': '" + item + "' is not an id or a range"};
    for (long long i = first; i <= last; ++i) ids.push_back(i);
  }
  return ids;
}

}  // namespace hwnas::search
