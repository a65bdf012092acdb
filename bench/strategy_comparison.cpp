// Multishot, zero-shot, supernet and hybrid search compared at an equal compute budget on the
// same task and hardware budget: the accuracy and latency of the architecture each returns.
//
//   bench_strategy_comparison [--candidates 27] [--threads 1] [--seed 0] [--retrain-epochs 3]
//       [--retrain-fraction 0.2] [--strategies multishot,zero-shot,supernet,hybrid] [--work DIR]
//
// Every strategy runs the real `hwnas search` (this build's binary) on the built-in default
// search (Fashion-MNIST, fashion_mnist_curated, Ethos-U55-256 latency <= 700 us by the
// estimator, memory <= 1 MB, objective held-out accuracy), changed only in `strategy:` and its
// section, each sized to the same budget in full trainings ("units": one unit trains one
// candidate at full fidelity, 2 epochs on a tenth of the training set):
// - multishot: successive halving of N candidates (eta 3, first rung at 1/9): N/3 units;
// - zero-shot: synflow ranks 10 N proposals under the budgets (each one forward and backward
//   pass at initialisation), then its top N/3 are trained: N/3 units plus the scoring;
// - supernet: a weight-sharing supernet trained with sandwich sampling (4 subnets per step, the
//   space's largest among them) for round(N / 27) epochs (at least 1) on 6,000 images, one epoch
//   costing about 9 units on this space; then 10 N subnets searched by inherited accuracy, the
//   best extracted and fine-tuned 1 epoch;
// - hybrid: multishot whose first rung is drawn, each, as the best by synflow of 4 proposals that
//   meet the budgets: N/3 units plus the scoring.
// Every search also trains the baseline once (part of each one's time) and loads one estimator,
// built before the first search and not counted. The budgets are equal by construction; the bench measures each search's wall-clock and CPU time
// and prints them with their ratio to multishot's, so the reader sees how equal they came out.
// The strategies' own accuracies come from different procedures (trained at full fidelity,
// inherited then fine-tuned), so every returned architecture is then retrained the same way
// (`hwnas train best.yaml`, --retrain-epochs on --retrain-fraction of the training set, seed 0)
// with the baseline beside them, and its top-1 on the Fashion-MNIST test split is the accuracy
// compared. Latency and memory are the search's estimator figures for the target.
#include <sys/resource.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>

#include "bench_cli.h"
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hwnas/search/config.h"

namespace fs = std::filesystem;

namespace {

struct Args {
  int candidates = 27;
  int threads = 1;
  uint64_t seed = 0;
  int64_t retrain_epochs = 3;
  double retrain_fraction = 0.2;
  std::vector<std::string> strategies{"multishot", "zero-shot", "supernet", "hybrid"};
  std::string work;
  std::string hwnas = HWNAS_BINARY;
};

// A command's output, exit status and the wall-clock and CPU seconds it took (children's user + system).
struct Run {
  std::string out;
  int status = -1;
  double wall_s = 0, cpu_s = 0;
};

double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Runs `command` through the shell; stdout is captured, stderr goes to `log`.
Run run_command(const std::string& command, const std::string& log) {
  Run run;
  const double cpu0 = children_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen((command + " 2>>'" + log + "'").c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.cpu_s = children_cpu_seconds() - cpu0;
  std::ofstream(log, std::ios::app) << "---- stdout of: " << command << "\n" << run.out;
  return run;
}

std::string shell_quoted(const std::string& text) { return "'" + text + "'"; }

// The default search's YAML with the strategy's changes, its store and output in `dir`.
std::string strategy_config(const std::string& strategy, const Args& a, const fs::path& dir) {
  YAML::Node config = YAML::Load(std::string(hwnas::search::default_search_config_yaml()));
  config["seed"] = a.seed;
  config["training"]["threads"] = a.threads;
  config["multi_fidelity"]["candidates"] = a.candidates;
  config["estimator"]["file"] = (fs::path(a.work) / "ethos-u55-256.estimator.json").string();
  config["store"] = (dir / "search.db").string();
  config["output"] = (dir / "out").string();
  const int units = std::max(1, a.candidates / 3);
  if (strategy == "zero-shot") {
    config.remove("multi_fidelity");
    config["strategy"] = "zero-shot";
    config["trials"] = 10 * a.candidates;
    config["zero_shot"]["proxy"] = "synflow";
    config["zero_shot"]["top_k"] = units;
  } else if (strategy == "supernet") {
    config.remove("multi_fidelity");
    config["strategy"] = "supernet";
    config["trials"] = 10 * a.candidates;
    config["supernet"]["epochs"] = std::max(1L, std::lround(a.candidates / 27.0));
    config["supernet"]["sampling"] = "sandwich";
    config["supernet"]["fine_tune_epochs"] = 1;
  } else if (strategy == "hybrid") {
    config["strategy"] = "hybrid";
    config["hybrid"]["screen"] = "zero-shot";
    config["hybrid"]["pool"] = 4;
    config["zero_shot"]["proxy"] = "synflow";
  }
  YAML::Emitter out;
  out << config;
  return out.c_str();
}

// "metrics:" of best_arch.yaml.
std::map<std::string, double> best_metrics(const fs::path& file) {
  std::map<std::string, double> metrics;
  YAML::Node node = YAML::LoadFile(file.string());
  for (const auto& item : node["metrics"]) metrics[item.first.as<std::string>()] = item.second.as<double>();
  return metrics;
}

// "held-out top1: 87.65% (...)" of `hwnas train`.
std::optional<double> held_out_top1(const std::string& out) {
  const std::string marker = "held-out top1: ";
  const size_t at = out.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(out.substr(at + marker.size())) / 100.0;
}

// "latency_us 1382.0" on the line after "  baseline:" of `hwnas search`.
std::optional<double> baseline_latency(const std::string& out) {
  const size_t at = out.find("  baseline: ");
  if (at == std::string::npos) return std::nullopt;
  const size_t line = out.find('\n', at);
  const size_t key = out.find("latency_us ", line);
  if (line == std::string::npos || key == std::string::npos || out.find('\n', line + 1) < key) return std::nullopt;
  return std::stod(out.substr(key + 11));
}

struct Row {
  std::string name;
  Run search;
  std::map<std::string, double> metrics;
  std::optional<double> retrained;
  std::string error;
};

std::string cell(const std::map<std::string, double>& m, const std::string& key, double scale, int precision) {
  auto it = m.find(key);
  if (it == m.end()) return "-";
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(precision);
  s << it->second * scale;
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"multishot, zero-shot, supernet and hybrid search at an equal budget: accuracy and latency of what each returns"};
  app.add_option("--candidates", a.candidates, "first-rung candidates of the halving; every budget is N/3 full trainings")
      ->check(CLI::Range(3, 1000));
  app.add_option("--threads", a.threads, "torch threads of every training")->check(CLI::Range(1, 64));
  app.add_option("--seed", a.seed, "the searches' seed");
  app.add_option("--retrain-epochs", a.retrain_epochs, "epochs of the common retraining")->check(hwnas::bench::positive_number());
  app.add_option("--retrain-fraction", a.retrain_fraction, "share of the training set of the common retraining")
      ->check(CLI::Range(0.001, 1.0));
  app.add_option("--strategies", a.strategies, "which, comma-separated")
      ->delimiter(',')
      ->check(CLI::IsMember({"multishot", "zero-shot", "supernet", "hybrid"}));
  app.add_option("--work", a.work, "folder of the configs, stores, outputs and log (default: a temporary one)");
  app.add_option("--hwnas", a.hwnas, "the hwnas binary");
  CLI11_PARSE(app, argc, argv);
  if (a.work.empty()) a.work = (fs::temp_directory_path() / ("hwnas-strategy-comparison-" + std::to_string(a.seed))).string();
  fs::remove_all(a.work);
  fs::create_directories(a.work);
  const std::string log = (fs::path(a.work) / "log.txt").string();

  auto defaults = hwnas::search::parse_search_config(hwnas::search::default_search_config_yaml(), "builtin:default");
  if (!defaults || !defaults->baseline) {
    std::fprintf(stderr, "bench_strategy_comparison: the default search config has no baseline\n");
    return 1;
  }
  std::printf("== search strategies at an equal budget: default Fashion-MNIST search, %d candidates (%d units), %d thread(s), seed %llu ==\n",
              a.candidates, std::max(1, a.candidates / 3), a.threads, static_cast<unsigned long long>(a.seed));
  std::printf("work: %s (log.txt: every command and its output)\n", a.work.c_str());
  std::fflush(stdout);

  // The estimator every search loads, built once before any search is timed.
  Run estimator = run_command(shell_quoted(a.hwnas) + " estimator build -t ethos-u55-256 --quiet -o " +
                                  shell_quoted((fs::path(a.work) / "ethos-u55-256.estimator.json").string()),
                              log);
  if (estimator.status != 0) {
    std::fprintf(stderr, "bench_strategy_comparison: building the estimator failed (see %s)\n", log.c_str());
    return 1;
  }
  std::printf("estimator for ethos-u55-256 built in %.0f s (not counted)\n", estimator.wall_s);

  const std::string retrain_flags = " --epochs " + std::to_string(a.retrain_epochs) + " --data-fraction " + std::to_string(a.retrain_fraction) +
                                    " --batch-size 32 --lr 0.05 --seed 0 --quiet --threads " + std::to_string(a.threads);
  std::vector<Row> rows;
  for (const std::string& strategy : a.strategies) {
    Row row;
    row.name = strategy;
    const fs::path dir = fs::path(a.work) / strategy;
    fs::create_directories(dir);
    std::ofstream(dir / "search.yaml") << strategy_config(strategy, a, dir) << "\n";
    row.search = run_command(shell_quoted(a.hwnas) + " search " + shell_quoted((dir / "search.yaml").string()) + " --quiet", log);
    if (row.search.status != 0) {
      row.error = "search exited " + std::to_string(row.search.status);
    } else if (!fs::exists(dir / "out" / "best.yaml")) {
      row.error = "no architecture met the budgets";
    } else {
      row.metrics = best_metrics(dir / "out" / "best_arch.yaml");
      Run retrain = run_command(shell_quoted(a.hwnas) + " train " + shell_quoted((dir / "out" / "best.yaml").string()) + retrain_flags, log);
      row.retrained = held_out_top1(retrain.out);
      if (!row.retrained) row.error = "retraining failed";
    }
    std::printf("%-10s search %7.1f s wall, %7.1f s CPU; accuracy in the search %s; retrained top-1 %s%s\n", strategy.c_str(),
                row.search.wall_s, row.search.cpu_s, cell(row.metrics, "accuracy", 100, 2).c_str(),
                row.retrained ? (std::to_string(100 * *row.retrained).substr(0, 5) + " %").c_str() : "-",
                row.error.empty() ? "" : ("  (" + row.error + ")").c_str());
    std::fflush(stdout);
    rows.push_back(std::move(row));
  }

  // The baseline: retrained the same way; its latency is the one every search printed (its
  // "baseline:" line, from the same estimator).
  Row baseline;
  baseline.name = "baseline";
  const fs::path base_yaml = fs::path(a.work) / "baseline.yaml";
  Run decode = run_command(shell_quoted(a.hwnas) + " space " + shell_quoted(defaults->baseline->space) + " --arch " +
                               shell_quoted(defaults->baseline->architecture) + " -o " + shell_quoted(base_yaml.string()),
                           log);
  if (decode.status == 0)
    baseline.retrained = held_out_top1(run_command(shell_quoted(a.hwnas) + " train " + shell_quoted(base_yaml.string()) + retrain_flags, log).out);
  for (const Row& r : rows)
    if (auto latency = baseline_latency(r.search.out)) {
      baseline.metrics["latency_us"] = *latency;
      break;
    }

  const double reference_wall = rows.empty() || rows.front().name != "multishot" ? 0 : rows.front().search.wall_s;
  std::printf("\n| strategy | search wall s | CPU s | wall vs multishot | trials' accuracy | retrained top-1 %% | latency us | memory KiB | params K |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (const Row& r : rows)
    std::printf("| %s | %.1f | %.1f | %s | %s | %s | %s | %s | %s |\n", r.name.c_str(), r.search.wall_s, r.search.cpu_s,
                reference_wall > 0 ? (std::to_string(r.search.wall_s / reference_wall).substr(0, 4) + "x").c_str() : "-",
                cell(r.metrics, "accuracy", 100, 2).c_str(), r.retrained ? std::to_string(100 * *r.retrained).substr(0, 5).c_str() : "-",
                cell(r.metrics, "latency_us", 1, 1).c_str(), cell(r.metrics, "memory_bytes", 1.0 / 1024, 0).c_str(),
                cell(r.metrics, "params", 1e-3, 0).c_str());
  std::printf("| baseline | - | - | - | - | %s | %s | - | - |\n",
              baseline.retrained ? std::to_string(100 * *baseline.retrained).substr(0, 5).c_str() : "-",
              cell(baseline.metrics, "latency_us", 1, 1).c_str());
  std::printf("retrained: %lld epochs on %.0f %% of the training set, batch 32, SGD lr 0.05, seed 0; top-1 on the test split\n",
              static_cast<long long>(a.retrain_epochs), 100 * a.retrain_fraction);
  bool failed = false;
  for (const Row& r : rows) failed |= !r.error.empty();
  return failed ? 1 : 0;
}
