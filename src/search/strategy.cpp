// run_strategy: multishot, zero-shot, supernet and hybrid searches over one experiment's space, budgets and stores.
#include "hwnas/search/strategy.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace hwnas::search {
namespace {

// An evaluator owned elsewhere, so that a CompositeEvaluator can gate it behind the cheap one;
// with `fixed_seed`, every request gets that seed (a proxy then scores every candidate with the
// same initialisation and minibatch, not with the trial's seed).
class BorrowedEvaluator : public Evaluator {
 public:
  explicit BorrowedEvaluator(Evaluator& inner, std::optional<uint64_t> fixed_seed = std::nullopt)
      : inner_(inner), fixed_seed_(fixed_seed) {}
  std::string name() const override { return inner_.name(); }
  std::string version() const override { return inner_.version(); }
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    if (!fixed_seed_) return inner_.evaluate(request);
    EvaluationRequest fixed = request;
    fixed.seed = *fixed_seed_;
    return inner_.evaluate(fixed);
  }

 private:
  Evaluator& inner_;
  std::optional<uint64_t> fixed_seed_;
};

// `main` gated behind the experiment's cheap evaluator (an architecture over a budget is not
// scored by `main`), or `main` alone without one.
std::unique_ptr<Evaluator> gated_behind_cheap(const Experiment& e, Evaluator& main, std::optional<uint64_t> fixed_seed = std::nullopt) {
  std::vector<std::unique_ptr<Evaluator>> parts;
  if (e.cheap_evaluator) parts.push_back(std::make_unique<BorrowedEvaluator>(*e.cheap_evaluator));
  parts.push_back(std::make_unique<BorrowedEvaluator>(main, fixed_seed));
  if (parts.size() == 1) return std::move(parts.front());
  return std::make_unique<CompositeEvaluator>(std::move(parts), e.config.cost_model.budgets);
}

// The search phase of zero-shot and supernet: the algorithm maximises parts.proxy_metric.
Status rank_by_proxy(Experiment& e, const StrategyParts& parts, ExperimentStore* store,
                     const std::function<void(const SearchProgress&)>& on_progress, StrategyResult& result) {
  if (!parts.proxy || parts.proxy_metric.empty())
    return Error{e.config.source + ": strategy " + std::string(strategy_name(e.config.strategy)) +
                 ": no proxy evaluator was given (it needs hwnas built with libtorch)"};
  std::unique_ptr<Evaluator> evaluator = gated_behind_cheap(e, *parts.proxy, e.config.seed);
  const CostModel model = proxy_cost_model(e.config.cost_model, parts.proxy_metric);
  SearchOptions options = e.search_options();
  options.fidelity = 1.0;  // a proxy has no fidelity
  auto searched = run_search(*e.space, *e.algorithm, *evaluator, model, store, options, on_progress);
  if (!searched) return searched.error();
  result.ranked_by = parts.proxy_metric;
  result.trials = std::move(searched->trials);
  result.search_best = searched->best;
  result.replayed = searched->replayed;
  result.cache_hits = searched->cache_hits;
  result.exhausted = searched->exhausted;
  return {};
}

// The final phase: the `count` best trials by the search's cost, evaluated at full fidelity by
// `evaluator` under the config's cost model into `final_store`.
Status evaluate_finalists(Experiment& e, Evaluator& evaluator, size_t count, ExperimentStore* final_store,
                          const std::function<void(const SearchProgress&)>& on_progress, StrategyResult& result) {
  std::vector<size_t> order;
  for (size_t i = 0; i < result.trials.size(); ++i)
    if (result.trials[i].status == "done" && result.trials[i].feasible) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return result.trials[a].cost < result.trials[b].cost; });
  if (order.size() > count) order.resize(count);
  if (order.empty()) return {};  // nothing met the budgets: no result
  SearchOptions options;
  options.trials = static_cast<int>(order.size());
  options.seed = e.config.seed;
  options.fidelity = 1.0;
  for (size_t i : order) {
    auto arch = parse_arch(result.trials[i].arch);
    if (!arch) return arch.error();
    options.initial.push_back(std::move(*arch));
  }
  auto told = make_algorithm({.name = "random"}, *e.space);  // told the finalists, never asked
  if (!told) return told.error();
  auto evaluated = run_search(*e.space, **told, evaluator, e.config.cost_model, final_store, options, on_progress);
  if (!evaluated) return evaluated.error();
  result.final_trials = std::move(evaluated->trials);
  result.final_best = evaluated->best;
  result.replayed += evaluated->replayed;
  return {};
}

}  // namespace

const TrialRecord* StrategyResult::best() const {
  if (has_final()) return final_best >= 0 ? &final_trials[static_cast<size_t>(final_best)] : nullptr;
  return search_best >= 0 ? &trials[static_cast<size_t>(search_best)] : nullptr;
}

std::string final_store_path(const SearchConfig& config) { return config.store + ".final.db"; }

std::string supernet_file_path(const SearchConfig& config) { return config.store + ".supernet.pt"; }

CostModel proxy_cost_model(const CostModel& model, const std::string& metric) {
  CostModel ranked;
  ranked.objectives = {{metric, Direction::Maximize}};
  ranked.budgets = model.budgets;
  return ranked;
}

Result<std::vector<space::Architecture>> best_by_proxy(const Experiment& e, Evaluator& proxy, const std::string& metric, int count,
                                                       int trials) {
  if (count < 1 || trials < 1) return Error{"best_by_proxy: count and trials must be positive"};
  auto algorithm = make_algorithm(e.config.algorithm, *e.space);
  if (!algorithm) return algorithm.error();
  std::unique_ptr<Evaluator> evaluator = gated_behind_cheap(e, proxy, e.config.seed);
  const CostModel model = proxy_cost_model(e.config.cost_model, metric);
  SearchOptions options;
  options.trials = trials;
  options.seed = e.config.seed;
  auto searched = run_search(*e.space, **algorithm, *evaluator, model, nullptr, options);
  if (!searched) return searched.error();
  std::vector<size_t> order;
  for (size_t i = 0; i < searched->trials.size(); ++i)
    if (searched->trials[i].status == "done" && searched->trials[i].feasible) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return searched->trials[a].cost < searched->trials[b].cost; });
  std::vector<space::Architecture> best;
  for (size_t i = 0; i < order.size() && static_cast<int>(best.size()) < count; ++i) {
    auto arch = parse_arch(searched->trials[order[i]].arch);
    if (!arch) return arch.error();
    best.push_back(std::move(*arch));
  }
  return best;
}

Result<StrategyResult> run_strategy(Experiment& e, const StrategyParts& parts, ExperimentStore* store, ExperimentStore* final_store,
                                    const std::function<void(const SearchProgress&)>& on_progress) {
  const SearchConfig& config = e.config;
  if (config.halving && config.halving->asynchronous)
    return Error{config.source + ": multi_fidelity: schedule: asynchronous (ASHA) runs on the trial queue (trial_queue.h, hwnas search --workers)"};
  StrategyResult result;
  result.strategy = config.strategy;
  const bool screened_by_proxy = config.strategy == Strategy::Hybrid;
  if (screened_by_proxy && (!parts.proxy || parts.proxy_metric.empty()))
    return Error{config.source + ": strategy hybrid: no " + config.hybrid.screen + " evaluator was given to screen the proposals"};

  if (config.strategy == Strategy::Multishot || config.strategy == Strategy::Hybrid) {
    std::optional<CandidateScreen> screen;
    if (e.cheap_evaluator || screened_by_proxy) {
      screen.emplace();
      screen->cheap = e.cheap_evaluator;
      screen->seed = config.seed;
      if (screened_by_proxy) {
        screen->proxy = parts.proxy;
        screen->proxy_metric = parts.proxy_metric;
        screen->pool = config.hybrid.pool;
      }
    }
    if (config.halving) {
      HalvingOptions halving = *config.halving;
      halving.seed = config.seed;
      halving.screen = screen;
      halving.initial = parts.warm_start;
      auto halved = successive_halving(*e.space, *e.algorithm, *e.evaluator, config.cost_model, store, halving);
      if (!halved) return halved.error();
      result.trials = std::move(halved->trials);
      result.rungs = std::move(halved->rungs);
      result.fidelities = std::move(halved->fidelities);
      result.search_best = halved->best;
      result.replayed = halved->replayed;
      result.screen = halved->screen;
      if (screen) result.screen_text = describe(result.screen, *screen);
      return result;
    }
    SearchOptions options = e.search_options();
    options.initial = parts.warm_start;
    if (screened_by_proxy) options.prefilter = screen;  // multishot without halving: unscreened, its evaluator gates
    auto searched = run_search(*e.space, *e.algorithm, *e.evaluator, config.cost_model, store, options, on_progress);
    if (!searched) return searched.error();
    result.trials = std::move(searched->trials);
    result.search_best = searched->best;
    result.replayed = searched->replayed;
    result.cache_hits = searched->cache_hits;
    result.exhausted = searched->exhausted;
    result.screen = searched->screen;
    if (options.prefilter) result.screen_text = describe(result.screen, *options.prefilter);
    return result;
  }

  if (Status s = rank_by_proxy(e, parts, store, on_progress, result); !s) return s.error();
  if (config.strategy == Strategy::ZeroShot) {
    if (!config.use_training) return result;  // no training: the best by proxy is the result
    if (Status s = evaluate_finalists(e, *e.evaluator, static_cast<size_t>(config.zero_shot.top_k), final_store, on_progress, result); !s)
      return s.error();
    return result;
  }
  // supernet
  if (!parts.final_evaluator)
    return Error{config.source + ": strategy supernet: no evaluator of the chosen subnet was given (it needs hwnas built with libtorch)"};
  std::unique_ptr<Evaluator> final_evaluator = gated_behind_cheap(e, *parts.final_evaluator);
  if (Status s = evaluate_finalists(e, *final_evaluator, 1, final_store, on_progress, result); !s) return s.error();
  return result;
}

}  // namespace hwnas::search
