// `hwnas search [CONFIG]` (run or resume a search, in one process or on the trial queue) and `hwnas trials list|best|pareto|export|workers STORE`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "progress.h"
#include "search_evaluators.h"
#include "torch_exec.h"
#include "worker_command.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/search/experiment.h"
#include "hwnas/search/metrics.h"
#include "hwnas/search/strategy.h"
#include "hwnas/search/trial_queue.h"
#include "hwnas/search/worker.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::cli {
namespace {

struct SearchArgs {
  std::string config;
  bool resume = false;
  int trials = 0;
  int64_t seed = -1;
  std::string store, study, output;
  int workers = -1;  // >= 0: the trial queue with this many local workers
  double grace_s = 30;
  int max_attempts = 3;
  double worker_time_s = 0;
  bool quiet = false;
  bool json = false;
};

std::string duration_text(double seconds) { return Progress::duration_text(seconds); }

// A metric as the tables show it.
std::string metric_text(const std::string& name, double v) {
  if (name.find("bytes") != std::string::npos) return human_bytes(static_cast<int64_t>(v));
  if (name == "macs" || name == "params") return human_count(static_cast<int64_t>(v));
  if (search::is_fraction_metric(name)) return percent(v, 2);  // two decimals: near-ties stay apart
  if (search::find_metric(name)) return fixed(v, 1);
  char text[32];  // a command's own metric, unit unknown: six significant digits
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

// The metrics tables and baselines show: `first` (the objectives and budgets), then the trained
// accuracy and the hardware metrics (a table keeps only those some row has).
std::vector<std::string> shown_metrics(const std::vector<std::string>& first) {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (const std::string& n : first) add(n);
  for (const char* n : {"accuracy", "latency_us", "memory_bytes", "macs", "params"}) add(n);
  return names;
}
std::vector<std::string> shown_metrics(const search::CostModel& model) { return shown_metrics(model.required_metrics()); }

// With `errors`, a last column with each failed trial's error (its first line, cut to 100 characters).
void print_trials_table(std::ostream& out, const std::vector<search::TrialRecord>& trials, const std::vector<size_t>& rows,
                        const std::vector<std::string>& all_metrics, bool errors = false) {
  // Columns only for metrics some row has (a custom space's trials have no latency or memory).
  std::vector<std::string> metrics;
  for (const std::string& m : all_metrics)
    if (std::any_of(rows.begin(), rows.end(), [&](size_t i) { return trials[i].metrics.count(m) > 0; })) metrics.push_back(m);
  TextTable table;
  table.add_column("trial", TextTable::Align::Right);
  table.add_column("status", TextTable::Align::Left);
  for (const std::string& m : metrics) table.add_column(m, TextTable::Align::Right);
  table.add_column("cost", TextTable::Align::Right);
  if (errors) table.add_column("error", TextTable::Align::Left);
  for (size_t i : rows) {
    const search::TrialRecord& t = trials[i];
    std::vector<std::string> cells{std::to_string(t.id), t.status == "done" ? (t.feasible ? "ok" : "over budget") : t.status};
    for (const std::string& m : metrics) {
      auto it = t.metrics.find(m);
      cells.push_back(it == t.metrics.end() ? "-" : metric_text(m, it->second));
    }
    cells.push_back(t.status == "done" && t.feasible ? fixed(t.cost, 2) : "-");
    if (errors) {
      std::string e = t.error.substr(0, t.error.find('\n'));
      if (e.size() > 100) e = e.substr(0, 97) + "...";
      cells.push_back(e.empty() ? "-" : e);
    }
    table.add_row(cells);
  }
  table.print(out, "  ");
}

Status save_best(const search::Experiment& e, const search::TrialRecord& best, const std::string& dir, std::ostream& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{dir + ": cannot create the output folder: " + ec.message()};
  auto arch = search::parse_arch(best.arch);
  if (!arch) return arch.error();
  {
    std::ofstream f(fs::path(dir) / "best_arch.yaml");
    f << e.space->architecture_yaml(*arch);
    for (const auto& [k, v] : best.metrics) f << (k == best.metrics.begin()->first ? "metrics:\n" : "") << "  " << k << ": " << v << "\n";
    if (!f) return Error{dir + "/best_arch.yaml: cannot write"};
  }
  out << "  best architecture: " << (fs::path(dir) / "best_arch.yaml").string() << "\n";
  if (!e.space->has_network()) return {};
  auto graph = e.space->decode(*arch);
  if (!graph) return graph.error();
  if (Status s = text::save_yaml(*graph, (fs::path(dir) / "best.yaml").string()); !s) return s;
  if (Status s = onnx_io::export_onnx_file(*graph, (fs::path(dir) / "best.onnx").string()); !s) return s;
  out << "  best network: " << (fs::path(dir) / "best.yaml").string() << ", " << (fs::path(dir) / "best.onnx").string() << "\n";
  return {};
}

// `hwnas search --json`: what a script needs of the finished search.
nlohmann::ordered_json search_summary_json(const search::Experiment& e, const search::ExperimentStore& store,
                                           const search::StrategyResult& result, const search::TrialRecord* best,
                                           const std::optional<search::Metrics>& baseline, const std::vector<search::FailureGroup>& failures) {
  using Json = nlohmann::ordered_json;
  const std::vector<search::TrialRecord>& trials = result.has_final() ? result.final_trials : result.trials;
  Json j;
  j["store"] = result.has_final() ? search::final_store_path(e.config) : store.path();
  j["space"] = e.space->name();
  j["seed"] = e.config.seed;
  Json objectives = Json::array();
  for (const auto& o : e.config.cost_model.objectives)
    objectives.push_back({{"metric", o.metric}, {"direction", std::string(search::direction_name(o.direction))}});
  j["objectives"] = objectives;
  int done = 0, failed = 0, over = 0;
  for (const auto& t : trials) {
    done += t.status == "done";
    failed += t.status == "failed";
    over += t.status == "done" && !t.feasible;
  }
  j["counts"] = {{"trials", trials.size()}, {"done", done}, {"failed", failed}, {"over_budget", over},
                 {"resumed", result.replayed}, {"cache_hits", result.cache_hits}};
  auto trial_json = [](const search::TrialRecord& t) {
    return Json{{"id", t.id}, {"key", t.key}, {"metrics", t.metrics}, {"cost", t.cost}, {"fidelity", t.fidelity}, {"seed", t.seed}};
  };
  j["best"] = best ? trial_json(*best) : Json(nullptr);
  const std::vector<search::Score> scores = search::trial_scores(trials, e.config.cost_model);
  const std::vector<size_t> front = search::pareto_front(scores);
  Json front_json = Json::array();
  for (size_t i : front) front_json.push_back(trial_json(trials[i]));
  j["front"] = front_json;
  if (e.config.cost_model.objectives.size() > 1) {
    // Up to the nadir of the feasible trials (each objective's worst value among them).
    std::vector<double> reference(e.config.cost_model.objectives.size(), -std::numeric_limits<double>::infinity());
    std::vector<std::vector<double>> points;
    for (size_t i = 0; i < scores.size(); ++i) {
      if (!scores[i].feasible || trials[i].status != "done") continue;
      for (size_t k = 0; k < reference.size(); ++k) reference[k] = std::max(reference[k], scores[i].objectives[k]);
    }
    for (size_t i : front) points.push_back(scores[i].objectives);
    const bool any = !points.empty();
    j["hypervolume"] = any ? search::hypervolume(points, reference) : 0.0;
    Json ref = Json::array();
    for (size_t k = 0; k < reference.size(); ++k) {
      const bool maximised = e.config.cost_model.objectives[k].direction == search::Direction::Maximize;
      ref.push_back(any ? (maximised ? -reference[k] : reference[k]) : 0.0);
    }
    j["hypervolume_reference"] = ref;
  }
  j["baseline"] = baseline ? Json(*baseline) : Json(nullptr);
  Json errors = Json::array();
  for (const auto& f : failures) errors.push_back({{"message", f.message}, {"count", f.count}, {"first_trial", f.first_trial}});
  j["errors"] = errors;
  return j;
}

// The trial queue: `workers` local worker processes until the study is complete, then its trials
// as the result (the best of a halving study among its full-fidelity trials).
Result<search::StrategyResult> run_queue(const search::Experiment& e, search::ExperimentStore& store, int workers, Progress& progress) {
  auto pids = start_local_workers(workers, e.config.store, store.location().study);
  if (!pids) return pids.error();
  const int planned = e.config.halving ? e.config.halving->candidates : e.config.trials;
  const int failed = wait_local_workers(*pids, [&] {
    auto trials = store.trials();
    if (!trials) return;
    int finished = 0;
    for (const auto& t : *trials) finished += t.status == "done" || t.status == "failed";
    progress.update(finished, std::max<int64_t>(planned, static_cast<int64_t>(trials->size())), std::to_string(trials->size()) + " trials");
  });
  if (failed) return Error{std::to_string(failed) + " of the " + std::to_string(workers) + " local workers failed (their errors are above)"};
  auto trials = store.trials();
  if (!trials) return trials.error();
  search::StrategyResult result;
  result.trials = std::move(*trials);
  // As run_strategy: successive halving's best is at full fidelity, a plain search's at its fidelity.
  result.search_best = e.config.halving ? search::best_full_fidelity_trial(result.trials) : search::best_trial(result.trials);
  return result;
}

int run_search_command(const SearchArgs& args, Streams streams) {
  // No CONFIG: the default; a built-in name ("u55-latency"); else a file.
  auto builtin = search::builtin_search_config_yaml(args.config);
  auto config = args.config.empty() ? search::parse_search_config(search::default_search_config_yaml(), "builtin:default")
                : builtin           ? search::parse_search_config(*builtin, "builtin:" + args.config)
                                    : search::load_search_config(args.config);
  if (!config) return report_error(*streams.err, config.error().message);
  if (args.trials > 0) config->trials = args.trials;
  if (args.seed >= 0) config->seed = static_cast<uint64_t>(args.seed);
  if (!args.store.empty()) config->store = args.store;
  if (!args.study.empty()) config->study = args.study;
  if (!args.output.empty()) config->output = args.output;
  if (hands_torch_to_exec() && config->needs_libtorch())
    return report_error(*streams.err, exec_with_torch("this search (training, zero-shot or supernet)").message);

  // An estimator missing from its file is built first (a simulator target): show its progress.
  Progress building(*streams.err, Progress::mode_for(streams, args.quiet), "steps");
  auto estimator_progress = [&](const std::string& what, size_t done, size_t total) {
    building.update(static_cast<int64_t>(done), static_cast<int64_t>(total), "building the estimator: " + what);
  };
  auto libtorch_evaluators = make_libtorch_evaluators(*config);
  if (!libtorch_evaluators) return report_error(*streams.err, libtorch_evaluators.error().message);
  auto experiment = search::prepare_experiment(*config, nullptr, estimator_progress, std::move(*libtorch_evaluators));
  building.finish();
  if (!experiment) return report_error(*streams.err, experiment.error().message);
  search::Experiment& e = *experiment;
  // A macro space's smallest architectures are checked against the budgets by the cheap
  // evaluator (hardware or estimator) when it measures every capped metric: no training for a
  // check of latency and memory, and no check at all when only training or a command would tell.
  if (e.cheap_evaluator) {
    auto probe = e.cheap_evaluator->evaluate({.space = *e.space, .arch = e.space->minimal_architecture()});
    bool covers = probe.ok();
    for (const search::Budget& b : e.config.cost_model.budgets)
      covers = covers && (!std::isfinite(b.max) || probe->count(b.metric) > 0);
    if (covers)
      if (Status s = search::check_budgets_reachable(*e.space, *e.cheap_evaluator, e.config.cost_model); !s)
        return report_error(*streams.err, s.error().message);
  }
  // The trial queue (workers pull the trials from the store): --workers, or a PostgreSQL store.
  auto location = search::parse_store_location(e.config.store, e.config.study);
  if (!location) return report_error(*streams.err, location.error().message);
  const bool queued = args.workers >= 0 || location->kind == search::StoreLocation::Kind::Postgresql;
  const int local_workers = args.workers >= 0 ? args.workers : 1;
  if (queued) {
    if (e.config.strategy != search::Strategy::Multishot)
      return report_error(*streams.err, e.config.source + ": strategy " + std::string(search::strategy_name(e.config.strategy)) +
                                            " runs in one process; the trial queue (--workers, a PostgreSQL store) runs multishot searches");
    search::QueuePlan plan = search::queue_plan(e.config);
    plan.grace_s = args.grace_s;
    plan.max_attempts = args.max_attempts;
    plan.worker_time_s = args.worker_time_s;
    for (const auto& [k, v] : search::queue_meta(plan)) e.meta[k] = v;
  } else if (e.config.halving && e.config.halving->asynchronous) {
    return report_error(*streams.err, e.config.source + ": multi_fidelity: schedule: asynchronous (ASHA) runs on the trial queue: add --workers N");
  }
  auto store = search::open_store(e, args.resume);
  if (!store) return report_error(*streams.err, store.error().message);
  // Resumed on the queue: the plan may have grown (--trials, candidates, --grace).
  if (queued && args.resume)
    for (const auto& [k, v] : e.meta)
      if (k.rfind("queue_", 0) == 0)
        if (Status s = store->set_meta(k, v); !s) return report_error(*streams.err, s.error().message);
  // zero-shot (with training) and supernet evaluate their finalists into a second store.
  const bool has_final_phase = (e.config.strategy == search::Strategy::ZeroShot && e.config.use_training) ||
                               e.config.strategy == search::Strategy::Supernet;
  std::optional<search::ExperimentStore> final_store;
  if (has_final_phase) {
    auto opened = search::open_store(e, args.resume, search::final_store_path(e.config));
    if (!opened) return report_error(*streams.err, opened.error().message);
    final_store = std::move(*opened);
  }

  // --json: the report below is for people; scripts get one JSON object at the end.
  std::ostream null_stream(nullptr);
  std::ostream& out = args.json ? null_stream : *streams.out;
  std::ostream& err = *streams.err;
  out << "hwnas search: space '" << e.space->name() << "' (" << e.space->decisions().size() << " decisions, 10^"
      << fixed(e.space->log10_size(), 1) << " architectures"
      << (e.space->has_network() ? ", channels curated to P=" + std::to_string(e.channel_multiple) : std::string(", custom")) << "), "
      << e.evaluator->name() << ", " << e.config.algorithm.name << ", "
      << (e.config.halving ? "successive halving of " + std::to_string(e.config.halving->candidates) + " candidates"
                           : std::to_string(e.config.trials) + " trials")
      << ", seed " << e.config.seed << ", strategy " << search::strategy_name(e.config.strategy) << "\n";
  out << "  objectives:";
  for (const search::Objective& o : e.config.cost_model.objectives) out << " " << o.metric << " (" << search::direction_name(o.direction) << ")";
  if (!e.config.cost_model.budgets.empty()) {
    out << "; budgets:";
    for (const search::Budget& b : e.config.cost_model.budgets) {
      if (std::isfinite(b.min)) out << " " << b.metric << " >= " << metric_text(b.metric, b.min);
      if (std::isfinite(b.max)) out << " " << b.metric << " <= " << metric_text(b.metric, b.max);
    }
  }
  out << "\n";
  if (!e.estimator_file.empty())
    out << "  estimator: " << e.estimator_file
        << (e.estimator_built ? " (built now for " + e.config.target + " in " + duration_text(e.estimator_build_seconds) + " and saved)" : " (loaded)")
        << "\n";
  out << "  store: " << store->path() << (args.resume ? " (resuming)" : "")
      << (queued ? ", trial queue with " + std::to_string(local_workers) + " local worker" + (local_workers == 1 ? "" : "s") : std::string())
      << "\n";
  // The strategy's libtorch parts: the zero-shot proxy, the supernet (trained now or loaded).
  auto strategy = make_strategy_evaluators(e, args.resume);
  if (!strategy) return report_error(*streams.err, strategy.error().message);
  for (const std::string& note : strategy->notes) out << "  " << note << "\n";
  // The baseline, evaluated once per store at the fidelity of the final trials, with the same seed.
  std::optional<search::Metrics> baseline_metrics;
  if (e.baseline) {
    const double fidelity = e.config.halving ? 1.0 : e.config.fidelity;
    auto metrics = search::baseline_metrics(*e.baseline, *e.evaluator, &*store, fidelity, e.config.seed);
    if (!metrics) return report_error(*streams.err, metrics.error().message);
    baseline_metrics = *metrics;
    out << "  baseline: " << e.baseline->space->name() << " [" << e.baseline->key << "]\n   ";
    for (const std::string& m : shown_metrics(e.config.cost_model))
      if (auto it = metrics->find(m); it != metrics->end()) out << " " << m << " " << metric_text(m, it->second);
    out << "\n";
  }

  const std::string first_metric = e.config.cost_model.objectives.front().metric;
  Progress progress(*streams.err, Progress::mode_for(streams, args.quiet), "trials");
  auto on_progress = [&](const search::SearchProgress& p) {
    std::string text = "best ";
    if (p.has_best) {
      auto it = p.best_metrics.find(first_metric);
      text += it != p.best_metrics.end() ? first_metric + " " + metric_text(first_metric, it->second) : "cost " + fixed(p.best_cost, 2);
    } else {
      text += "none within budget yet";
    }
    if (p.replayed) text += " | " + std::to_string(p.replayed) + " resumed";
    progress.update(p.trials_done, p.trials_total, text, p.eta_s);
  };
  const auto search_start = std::chrono::steady_clock::now();
  Result<search::StrategyResult> result = search::StrategyResult{};
  if (queued) {
    if (local_workers == 0) {
      progress.finish();
      out << "  no local workers: start them with `hwnas worker --store URL --study " << store->location().study
          << "` (docs/workers.md: SLURM, mpirun, Kubernetes)\n";
      return kExitSuccess;
    }
    result = run_queue(e, *store, local_workers, progress);
  } else {
    result = search::run_strategy(e, strategy->parts, &*store, final_store ? &*final_store : nullptr, on_progress);
  }
  progress.finish();
  if (!result) return report_error(*streams.err, result.error().message);
  for (size_t rung = 0; rung < result->rungs.size(); ++rung)
    out << "  rung " << rung + 1 << ": " << result->rungs[rung].size() << " candidates at fidelity " << fixed(result->fidelities[rung], 3) << "\n";
  if (!result->screen_text.empty()) out << "  screen: " << result->screen_text << "\n";
  if (!strategy->parts.warm_start.empty())
    out << "  warm start: " << strategy->parts.warm_start.size() << " architectures evaluated first\n";

  int failed = 0, over = 0;
  for (const auto& t : result->trials) {
    failed += t.status == "failed";
    over += t.status == "done" && !t.feasible;
  }
  out << "\n" << result->trials.size() << " trials (" << result->replayed << " resumed, " << failed << " invalid or failed, " << over
      << " over budget), " << result->cache_hits << " duplicate proposals answered from the cache"
      << (result->exhausted ? "; stopped early: the algorithm kept proposing architectures it had seen" : "") << ", in "
      << duration_text(std::chrono::duration<double>(std::chrono::steady_clock::now() - search_start).count()) << "\n";
  std::vector<std::string> metrics = shown_metrics(e.config.cost_model);
  if (!result->ranked_by.empty()) {
    out << "  ranked by " << result->ranked_by << " under the budgets";
    if (result->has_final())
      out << "; the best " << result->final_trials.size() << " evaluated at full fidelity ("
          << (e.config.strategy == search::Strategy::Supernet ? "extracted, fine-tuned " + std::to_string(e.config.supernet.fine_tune_epochs) + " epochs"
                                                                  : "trained")
          << ") into " << search::final_store_path(e.config);
    out << "\n";
    // The search's trials carry the proxy; the final evaluations do not.
    if (!result->has_final() && std::find(metrics.begin(), metrics.end(), result->ranked_by) == metrics.end())
      metrics.insert(metrics.begin(), result->ranked_by);
  }
  const std::vector<search::TrialRecord>& all = result->has_final() ? result->final_trials : result->trials;
  const std::vector<search::FailureGroup> failures = search::failure_summary(all);
  int done = 0;
  for (const auto& t : all) done += t.status == "done";
  auto print_failures = [&](std::ostream& to, size_t groups) {
    for (size_t g = 0; g < failures.size() && g < groups; ++g)
      to << "  " << failures[g].count << " x (first: trial " << failures[g].first_trial << "): " << failures[g].message << "\n";
  };
  const search::TrialRecord* best = result->best();
  if (args.json) *streams.out << search_summary_json(e, *store, *result, best, baseline_metrics, failures).dump(2) << "\n";
  if (done == 0 && !all.empty()) {
    err << "hwnas: error: every one of the " << all.size() << " trials failed; the errors, most frequent first:\n";
    print_failures(err, 5);
    return kExitFailure;
  }
  if (!failures.empty() && !args.json) {
    out << "  " << (all.size() - static_cast<size_t>(done)) << " trials failed; the most frequent errors:\n";
    print_failures(out, 3);
  }
  if (!best) {
    err << "hwnas: error: no architecture met the budgets (" << done << " trials evaluated; `hwnas trials list "
        << store->path() << "` shows each one's metrics)\n";
    return kExitFailure;
  }
  const std::vector<search::TrialRecord>& shown = result->has_final() ? result->final_trials : result->trials;
  std::vector<size_t> order;
  for (size_t i = 0; i < shown.size(); ++i)
    if (shown[i].status == "done" && shown[i].feasible && shown[i].fidelity == best->fidelity) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return shown[a].cost < shown[b].cost; });
  if (order.size() > 10) order.resize(10);
  out << "\nbest trials" << (result->has_final() ? " (final evaluations)" : "") << ":\n";
  print_trials_table(out, shown, order, metrics);
  out << "\n";
  if (baseline_metrics) {
    out << "best vs baseline:\n";
    for (const auto& change : search::compare_to_baseline(best->metrics, *baseline_metrics, shown_metrics(e.config.cost_model))) {
      out << "  " << change.metric << ": " << metric_text(change.metric, change.baseline) << " -> "
          << metric_text(change.metric, change.best) << " (";
      if (change.metric == "accuracy") out << (change.best >= change.baseline ? "+" : "") << fixed(100 * (change.best - change.baseline), 2) << " points)\n";
      else out << (change.relative >= 0 ? "+" : "") << fixed(100 * change.relative, 1) << " %)\n";
    }
    out << "\n";
  }
  if (Status s = save_best(e, *best, e.config.output, out); !s) return report_error(*streams.err, s.error().message);
  if (strategy->fine_tuned_network)
    if (auto network = strategy->fine_tuned_network()) {
      namespace fs = std::filesystem;
      const std::string yaml = (fs::path(e.config.output) / "best_fine_tuned.yaml").string();
      const std::string onnx = (fs::path(e.config.output) / "best_fine_tuned.onnx").string();
      if (Status s = text::save_yaml(*network, yaml); !s) return report_error(*streams.err, s.error().message);
      if (Status s = onnx_io::export_onnx_file(*network, onnx); !s) return report_error(*streams.err, s.error().message);
      out << "  fine-tuned network (weights): " << yaml << ", " << onnx << "\n";
    }
  return kExitSuccess;
}

// ---- hwnas trials -----------------------------------------------------------------------

struct TrialsArgs {
  std::string action, store, study, format = "csv";
};

// `hwnas trials workers`: the queue's counts and each worker's progress.
int print_workers(const search::ExperimentStore& store, const std::vector<search::TrialRecord>& trials, std::ostream& out, std::ostream& err) {
  auto workers = search::read_workers(store);
  if (!workers) return report_error(err, workers.error().message);
  auto now = search::store_now(store);
  if (!now) return report_error(err, now.error().message);
  std::map<std::string, int> count;
  int lost = 0;
  std::map<std::string, std::string> running;
  for (const auto& t : trials) {
    ++count[t.status];
    lost += t.lost;
    if (t.status == "running") running[t.worker] += (running[t.worker].empty() ? "" : ",") + std::to_string(t.id);
  }
  out << trials.size() << " trials: " << count["done"] << " done, " << count["failed"] << " failed, " << count["running"] << " running, "
      << count["queued"] << " queued; " << lost << " re-queued after their worker was lost\n";
  if (workers->empty()) {
    out << "  no workers have joined (a store of `hwnas search` without --workers)\n";
    return kExitSuccess;
  }
  const double grace = store.meta().count("queue_grace_s") ? std::strtod(store.meta().at("queue_grace_s").c_str(), nullptr) : 30;
  TextTable table;
  table.add_column("worker", TextTable::Align::Left);
  table.add_column("host", TextTable::Align::Left);
  table.add_column("pid", TextTable::Align::Right);
  table.add_column("state", TextTable::Align::Left);
  table.add_column("done", TextTable::Align::Right);
  table.add_column("failed", TextTable::Align::Right);
  table.add_column("running", TextTable::Align::Left);
  table.add_column("last heartbeat", TextTable::Align::Right);
  for (const auto& w : *workers) {
    const double age = *now - w.heartbeat_at;
    const std::string state = w.state == "running" && age > grace ? "lost" : w.state;
    table.add_row({w.name, w.host, std::to_string(w.pid), state, std::to_string(w.done), std::to_string(w.failed),
                   running.count(w.name) ? running[w.name] : "-", Progress::duration_text(std::max(0.0, age)) + " ago"});
  }
  table.print(out, "  ");
  return kExitSuccess;
}

int run_trials_command(const TrialsArgs& args, Streams streams) {
  auto store = search::ExperimentStore::open(args.store, search::ExperimentStore::Access::ReadOnly, args.study);
  if (!store) return report_error(*streams.err, store.error().message);
  auto trials = store->trials();
  if (!trials) return report_error(*streams.err, trials.error().message);
  search::CostModel model;
  model.objectives = search::stored_objectives(store->meta());
  std::vector<std::string> objectives;
  for (const auto& o : model.objectives) objectives.push_back(o.metric);
  const std::vector<std::string> metrics = shown_metrics(objectives);
  std::ostream& out = *streams.out;

  if (args.action == "list") {
    std::vector<size_t> rows(trials->size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    print_trials_table(out, *trials, rows, metrics, /*errors=*/true);
    return kExitSuccess;
  }
  if (args.action == "workers") return print_workers(*store, *trials, out, *streams.err);
  if (args.action == "best") {
    const int best = search::best_trial(*trials);
    if (best < 0) return report_error(*streams.err, args.store + ": no finished trial met the budgets");
    print_trials_table(out, *trials, {static_cast<size_t>(best)}, metrics);
    out << "  key: " << (*trials)[best].key << "\n";
    return kExitSuccess;
  }
  if (args.action == "pareto") {
    if (model.objectives.empty()) return report_error(*streams.err, args.store + ": the store records no objectives");
    print_trials_table(out, *trials, search::pareto_front(search::recorded_scores(*trials, model.objectives)), metrics);
    return kExitSuccess;
  }
  if (args.action == "export") {
    if (args.format == "json") {
      nlohmann::json j;
      j["meta"] = store->meta();
      j["trials"] = nlohmann::json::array();
      for (const auto& t : *trials)
        j["trials"].push_back({{"id", t.id}, {"arch", t.arch}, {"key", t.key}, {"status", t.status}, {"error", t.error},
                               {"metrics", t.metrics}, {"cost", t.cost}, {"feasible", t.feasible}, {"fidelity", t.fidelity},
                               {"seed", t.seed}, {"started_at", t.started_at}, {"duration_s", t.duration_s}, {"worker", t.worker},
                               {"attempts", t.attempts}, {"lost", t.lost}, {"basis", t.basis}});
      out << j.dump(2) << "\n";
      return kExitSuccess;
    }
    std::vector<std::string> all;
    for (const auto& t : *trials)
      for (const auto& [k, v] : t.metrics)
        if (std::find(all.begin(), all.end(), k) == all.end()) all.push_back(k);
    std::sort(all.begin(), all.end());
    out << "id,status,feasible,cost,fidelity,seed,duration_s";
    for (const auto& k : all) out << "," << k;
    out << ",key,error\n";
    auto quoted = [](const std::string& s) {
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    };
    out << std::setprecision(17);
    for (const auto& t : *trials) {
      out << t.id << "," << t.status << "," << (t.feasible ? 1 : 0) << "," << t.cost << "," << t.fidelity << "," << t.seed << ","
          << t.duration_s;
      for (const auto& k : all) {
        auto it = t.metrics.find(k);
        out << ",";
        if (it != t.metrics.end()) out << it->second;
      }
      out << "," << quoted(t.key) << "," << quoted(t.error) << "\n";
    }
    return kExitSuccess;
  }
  return report_error(*streams.err, "unknown action '" + args.action + "' (list, best, pareto, export, workers)", kExitUsage);
}

}  // namespace

void register_search(CLI::App& app, Streams streams) {
  auto args = std::make_shared<SearchArgs>();
  CLI::App* command = app.add_subcommand(
      "search", "search a space for the best architectures under budgets (no CONFIG: the built-in Fashion-MNIST search)");
  command->add_option("config", args->config, "search configuration YAML (docs/search.md), or a built-in one: fashion-mnist (the default), u55-latency");
  command->add_flag("--resume", args->resume, "continue the search recorded in the store (after a crash or kill)");
  command->add_option("--trials", args->trials, "number of trials (overrides the config)")->check(CLI::PositiveNumber);
  command->add_option("--seed", args->seed, "seed (overrides the config)")->check(CLI::NonNegativeNumber);
  command->add_option("--store", args->store,
                      "experiment store: a path, sqlite:///path or postgresql://user@host/db (overrides the config; PostgreSQL runs the trial queue)");
  command->add_option("--study", args->study, "the study's name in the store (default 'default')");
  command->add_option("--workers", args->workers,
                      "run on the trial queue with N local worker processes (0: only create the study; start `hwnas worker`s elsewhere)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--grace", args->grace_s,
                      "trial queue: seconds without a heartbeat after which a running trial goes back to the queue (default 30)")
      ->check(CLI::Range(0.5, 86400.0));
  command->add_option("--max-attempts", args->max_attempts,
                      "trial queue: claims of a trial (evaluation errors, lost workers) before it is failed (default 3)")
      ->check(CLI::Range(1, 100));
  command->add_option("--worker-time", args->worker_time_s,
                      "trial queue: propose nothing more once the finished trials' evaluation times sum to this many seconds")
      ->check(CLI::PositiveNumber);
  command->add_option("--output", args->output, "folder for the best architecture (overrides the config)");
  command->add_flag("--quiet", args->quiet, "no progress line");
  command->add_flag("--json", args->json,
                    "print the summary as one JSON object (counts, objectives, best, Pareto front, hypervolume, errors) instead of the report");
  command->callback([args, streams] { finish(run_search_command(*args, streams)); });

  auto targs = std::make_shared<TrialsArgs>();
  CLI::App* trials = app.add_subcommand("trials", "show or export the trials of an experiment store");
  trials->add_option("action", targs->action, "list | best | pareto | export | workers")
      ->required()
      ->check(CLI::IsMember({"list", "best", "pareto", "export", "workers"}));
  trials->add_option("store", targs->store, "experiment store: a SQLite path, sqlite:///path or postgresql://user@host/db")->required();
  trials->add_option("--study", targs->study, "the study in the store (default 'default')");
  trials->add_option("--format", targs->format, "export format: csv or json")->check(CLI::IsMember({"csv", "json"}));
  trials->callback([targs, streams] { finish(run_trials_command(*targs, streams)); });
}

}  // namespace hwnas::cli
