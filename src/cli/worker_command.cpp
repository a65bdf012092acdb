// `hwnas worker --store URL --study NAME`: evaluates a trial-queue study's trials until it is complete.
#include "worker_command.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "commands.h"
#include "format.h"
#include "search_evaluators.h"
#include "torch_exec.h"
#include "hwnas/search/experiment.h"
#include "hwnas/search/worker.h"

extern char** environ;

namespace hwnas::cli {
namespace {

struct WorkerArgs {
  std::string store, study, name;
  double heartbeat_s = -1;  // -1: min(2 s, a third of the study's grace period)
  int max_trials = -1;
  bool quiet = false;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

int run_worker_command(const WorkerArgs& args, Streams streams) {
  if (args.store.empty())
    return report_error(*streams.err, "worker: no store: pass --store URL or set HWNAS_STORE (postgresql://user@host/db, or a SQLite path)",
                        kExitUsage);
  auto store = search::ExperimentStore::open(args.store, search::ExperimentStore::Access::ReadWrite, args.study);
  if (!store) return report_error(*streams.err, store.error().message);
  const auto& meta = store->meta();
  auto plan = search::queue_plan_from_meta(meta, store->path());
  if (!plan) return report_error(*streams.err, plan.error().message);
  auto text = meta.find("config");
  if (text == meta.end() || text->second.empty()) return report_error(*streams.err, store->path() + ": the study records no search config");
  const std::string source = meta.count("config_source") ? meta.at("config_source") : "store";
  const std::string base_dir = meta.count("config_dir") ? meta.at("config_dir") : "";
  auto config = search::parse_search_config(text->second, source, base_dir);
  if (!config) return report_error(*streams.err, config.error().message);
  config->seed = plan->seed;
  config->store = args.store;
  config->study = store->location().study;
  if (hands_torch_to_exec() && config->needs_libtorch())
    return report_error(*streams.err, exec_with_torch("this study's evaluation (training)").message);
  auto libtorch_evaluators = make_libtorch_evaluators(*config);
  if (!libtorch_evaluators) return report_error(*streams.err, libtorch_evaluators.error().message);
  auto experiment = search::prepare_experiment(*config, nullptr, {}, std::move(*libtorch_evaluators));
  if (!experiment) return report_error(*streams.err, experiment.error().message);
  search::Experiment& e = *experiment;
  if (Status s = search::check_store_matches(e, *store, "work on it"); !s) return report_error(*streams.err, s.error().message);
  search::AlgorithmFactory make_algorithm = [&e] { return search::make_algorithm(e.config.algorithm, *e.space); };
  search::WorkerOptions options;
  options.name = args.name;
  options.heartbeat_s = args.heartbeat_s > 0 ? args.heartbeat_s : std::min(2.0, plan->grace_s / 3);
  options.max_trials = args.max_trials;
  options.screen = e.cheap_evaluator;  // a halving study's first rung: budget-feasible candidates only
  std::ostream& err = *streams.err;
  auto on_trial = [&](const search::TrialRecord& t, const search::WorkerReport& r) {
    if (args.quiet) return;
    err << "worker " << r.name << ": trial " << t.id << " " << t.status << " at fidelity " << fixed(t.fidelity, 3) << " in "
        << fixed(t.duration_s, 2) << " s" << (t.status == "done" ? "" : ": " + t.error.substr(0, t.error.find('\n'))) << "\n";
  };
  auto report = search::run_worker(*e.space, make_algorithm, *e.evaluator, e.config.cost_model, *store, *plan, options, on_trial);
  if (!report) return report_error(*streams.err, report.error().message);
  const int claims = report->evaluated + report->discarded;
  // On the error stream, with the per-trial lines: a log, never mixed into `hwnas search --json`.
  err << "worker " << report->name << ": " << report->evaluated << " trials evaluated (" << report->failed << " failed, "
                 << report->discarded << " results discarded, " << report->requeued << " lost trials re-queued, " << report->proposed
                 << " proposed), busy " << fixed(report->busy_s, 1) << " s, waiting " << fixed(report->idle_s, 1) << " s, store "
                 << fixed(claims ? 1000 * report->store_s / claims : 0.0, 2) << " ms per trial\n";
  return kExitSuccess;
}

}  // namespace

Result<std::vector<pid_t>> start_local_workers(int count, const std::string& location, const std::string& study) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Error{"cannot start workers: the path of this hwnas is unknown: " + ec.message()};
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> words{self, "worker", "--store", location, "--study", study.empty() ? "default" : study, "--quiet"};
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (int rc = posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0)
      return Error{"cannot start worker " + std::to_string(i + 1) + " (" + self + "): " + std::strerror(rc)};
    pids.push_back(pid);
  }
  return pids;
}

int wait_local_workers(const std::vector<pid_t>& pids, const std::function<void()>& on_wait) {
  std::vector<bool> running(pids.size(), true);
  int failed = 0;
  for (size_t left = pids.size(); left > 0;) {
    for (size_t i = 0; i < pids.size(); ++i) {
      if (!running[i]) continue;
      int status = 0;
      if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
        running[i] = false;
        --left;
        failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      }
    }
    if (on_wait) on_wait();
    if (left) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return failed;
}

void register_worker(CLI::App& app, Streams streams) {
  auto args = std::make_shared<WorkerArgs>();
  CLI::App* command = app.add_subcommand(
      "worker", "evaluate the trials of a study made by `hwnas search --workers` until it is complete (any number of them, on any host)");
  args->store = env_or("HWNAS_STORE", "");
  args->study = env_or("HWNAS_STUDY", "");
  args->name = env_or("HWNAS_WORKER_NAME", "");
  command->add_option("--store", args->store, "the study's store: postgresql://user@host/db, sqlite:///path or a path (default: $HWNAS_STORE)");
  command->add_option("--study", args->study, "the study's name (default: $HWNAS_STUDY, else 'default')");
  command->add_option("--name", args->name, "this worker's name in the store (default: $HWNAS_WORKER_NAME, else host:pid)");
  command->add_option("--heartbeat", args->heartbeat_s,
                      "seconds between heartbeats (default: 2, or a third of the study's grace period when that is shorter)")
      ->check(CLI::PositiveNumber);
  command->add_option("--max-trials", args->max_trials, "stop after this many evaluations")->check(CLI::PositiveNumber);
  command->add_flag("--quiet", args->quiet, "no line per trial");
  command->callback([args, streams] { finish(run_worker_command(*args, streams)); });
}

}  // namespace hwnas::cli
