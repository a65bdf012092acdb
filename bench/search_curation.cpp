// The curation experiment: regularized evolution on the curated and the uncurated twin of one space, with the estimator.
//
// The seed's claim: curating the space (channel choices at multiples of the accelerator's
// parallelism factor P, plus a depth multiplier) makes the latency landscape smoother, so the
// same search converges in fewer trials and varies less from seed to seed. Here the same
// algorithm (regularized evolution, population 20, tournament 5, one mutation) and the same
// trial budget run on mobilenet_curated (channels at multiples of P) and mobilenet_uncurated
// (every channel count in the same ranges), 10 seeds each, scored by the estimator alone (no
// hardware run during the search): least predicted latency with weights + peak activations
// <= 2 MB and at least 100 M MACs (a capacity proxy standing in for accuracy, which is not
// trained here). Printed side by side: mean best-so-far at trial checkpoints, the final best's
// mean and spread (as predicted, and measured again on the simulator), and the trials each
// seed needed to come within 10 % and 25 % of the best latency any run found.
//
//   bench_search_curation                                   # ethos-u55-256, 10 seeds x 300 trials
//   bench_search_curation --target edge-tpu-like --seeds 10 --trials 300 --estimator tpu.estimator.json
//   bench_search_curation --evaluator simulator             # search on the simulator itself instead
//
// The estimator is read from --estimator FILE (default TARGET.estimator.json in the working
// directory), or built for the simulated target (--samples, --rounds) and saved there first.
#include <algorithm>
#include <cstdlib>
#include <map>

#include "search_common.h"

using namespace hwnas;

namespace {

// Targets for "trials to reach": within these factors of the best latency any run found.
constexpr double kTargetFactors[] = {1.10, 1.25, 1.50};

struct SpaceRuns {
  std::string name;
  double log10_size = 0;
  std::vector<bench::RunCurve> runs;
  std::vector<double> simulated;  // each run's best, measured on the simulator
};

// The first trial (1-based) whose best-so-far is within `target`; trials + 1 when none.
int trials_to_reach(const std::vector<double>& curve, double target) {
  for (size_t t = 0; t < curve.size(); ++t)
    if (curve[t] <= target) return static_cast<int>(t) + 1;
  return static_cast<int>(curve.size()) + 1;
}

int usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s [--target PRESET] [--seeds N] [--trials N] [--first-seed S] [--evaluator estimator|simulator]\n"
               "          [--estimator FILE] [--samples N] [--rounds R]\n",
               program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target_name = "ethos-u55-256", estimator_file, evaluator_kind = "estimator";
  int seeds = 10, trials = 300, rounds = 3;
  uint64_t first_seed = 1;
  size_t samples = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    const std::string v = argv[++i];
    if (a == "--target") target_name = v;
    else if (a == "--seeds") seeds = std::atoi(v.c_str());
    else if (a == "--trials") trials = std::atoi(v.c_str());
    else if (a == "--first-seed") first_seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--evaluator") evaluator_kind = v;
    else if (a == "--estimator") estimator_file = v;
    else if (a == "--samples") samples = std::strtoul(v.c_str(), nullptr, 10);
    else if (a == "--rounds") rounds = std::atoi(v.c_str());
    else return usage(argv[0]);
  }
  if (seeds < 1 || trials < 4 || (evaluator_kind != "estimator" && evaluator_kind != "simulator")) return usage(argv[0]);
  if (estimator_file.empty()) estimator_file = target_name + ".estimator.json";

  auto target = hw::make_target(target_name);
  if (!target) {
    std::fprintf(stderr, "%s\n", target.error().message.c_str());
    return 1;
  }
  const int64_t P = (*target)->channel_multiple();
  // The simulator scores the search (--evaluator simulator) or re-measures each run's best.
  auto simulator_target = hw::make_target(target_name);
  search::HardwareEvaluator simulator(std::move(*simulator_target));
  std::unique_ptr<search::EstimatorEvaluator> estimator;
  if (evaluator_kind == "estimator") {
    estimator = bench::estimator_evaluator(**target, estimator_file, samples, rounds);
    if (!estimator) return 1;
  }
  search::Evaluator& evaluator = estimator ? static_cast<search::Evaluator&>(*estimator) : simulator;
  const search::CostModel cost_model = bench::latency_under_budgets();
  const search::AlgorithmOptions evolution{.name = "evolution", .population = 20, .sample = 5, .mutations = 1};

  std::printf("curation experiment on %s (P = %lld): regularized evolution (population 20, sample 5, 1 mutation), "
              "%d seeds (%llu..%llu) x %d trials per space, scored by the %s\n",
              target_name.c_str(), static_cast<long long>(P), seeds, static_cast<unsigned long long>(first_seed),
              static_cast<unsigned long long>(first_seed + seeds - 1), trials, evaluator.name().c_str());
  std::printf("objective: %s\n", bench::kObjectiveText);

  const auto start = bench::Clock::now();
  std::vector<SpaceRuns> spaces;
  double overall_best = std::numeric_limits<double>::infinity();
  for (const char* name : {"mobilenet_curated", "mobilenet_uncurated"}) {
    auto space = space::load_space_by_name(name, {.channel_multiple = P});
    if (!space) {
      std::fprintf(stderr, "%s\n", space.error().message.c_str());
      return 1;
    }
    SpaceRuns runs{name, space->log10_size(), {}, {}};
    for (int s = 0; s < seeds; ++s) {
      auto curve = bench::run_curve(*space, evolution, evaluator, cost_model, trials, first_seed + s);
      if (!curve) {
        std::fprintf(stderr, "%s seed %llu: %s\n", name, static_cast<unsigned long long>(first_seed + s), curve.error().message.c_str());
        return 1;
      }
      overall_best = std::min(overall_best, curve->best_so_far.back());
      double measured = std::numeric_limits<double>::infinity();
      if (!curve->best.status.empty()) {
        auto arch = search::parse_arch(curve->best.arch);
        auto m = arch ? simulator.evaluate({.space = *space, .arch = *arch}) : Result<search::Metrics>(arch.error());
        if (m) measured = m->at("latency_us");
      }
      runs.simulated.push_back(measured);
      std::fprintf(stderr, "  %s seed %llu: best %.1f us after %d trials (%.1f s)\n", name,
                   static_cast<unsigned long long>(first_seed + s), curve->best_so_far.back(), trials, curve->seconds);
      runs.runs.push_back(std::move(*curve));
    }
    spaces.push_back(std::move(runs));
  }
  if (!std::isfinite(overall_best)) {
    std::printf("no run found a network within the budgets\n");
    return 1;
  }

  std::vector<int> checkpoints;
  for (int c : {25, 50, 100, 200, 300, 400, 800})
    if (c < trials) checkpoints.push_back(c);
  checkpoints.push_back(trials);

  const std::string predicted = estimator ? "predicted" : "simulated";
  std::printf("\nbest %s latency (us) after N trials: mean over the seeds that had found a feasible network by then\n"
              "[how many of %d], and the median over all seeds (one without a feasible network counts as worst)\n",
              predicted.c_str(), seeds);
  std::printf("  %-20s %8s", "space", "size");
  for (int c : checkpoints) {
    char head[32];
    std::snprintf(head, sizeof head, "N=%d", c);
    std::printf(" %21s", head);
  }
  std::printf("\n");
  for (const SpaceRuns& r : spaces) {
    char size[32];
    std::snprintf(size, sizeof size, "10^%.1f", r.log10_size);
    std::printf("  %-20s %8s", r.name.c_str(), size);
    for (int c : checkpoints) {
      std::vector<double> at;
      for (const auto& run : r.runs) at.push_back(run.best_so_far[c - 1]);
      const bench::Spread s = bench::spread_of(at);
      const double median = bench::median_of(at);
      char cell[64];
      if (std::isfinite(median)) std::snprintf(cell, sizeof cell, "%.0f [%d] med %.0f", s.mean, s.n, median);
      else std::snprintf(cell, sizeof cell, "%.0f [%d] med -", s.mean, s.n);
      std::printf(" %21s", s.n ? cell : "- [0] med -");
    }
    std::printf("\n");
  }

  std::printf("\nafter %d trials, mean +- standard deviation over seeds (us)\n", trials);
  std::printf("  %-20s %16s %16s %14s %9s", "space", ("best, " + predicted).c_str(), "best, simulator", "estimate err", "feasible");
  for (double factor : kTargetFactors) {
    char head[48];
    std::snprintf(head, sizeof head, "trials to %.2f x best", factor);
    std::printf(" %24s", head);
  }
  std::printf("\n");
  for (const SpaceRuns& r : spaces) {
    std::vector<double> finals, errors;
    for (size_t i = 0; i < r.runs.size(); ++i) {
      finals.push_back(r.runs[i].best_so_far.back());
      if (std::isfinite(r.simulated[i]) && std::isfinite(finals.back())) errors.push_back(100.0 * (finals.back() / r.simulated[i] - 1));
    }
    const bench::Spread error = bench::spread_of(errors);
    char error_text[48] = "-";
    if (estimator && error.n) std::snprintf(error_text, sizeof error_text, "%+.1f%% +- %.1f", error.mean, error.sd);
    std::vector<std::string> reach;
    for (double factor : kTargetFactors) {
      std::vector<double> needed;
      int reached = 0, worst = 0;
      for (const auto& run : r.runs) {
        const int t = trials_to_reach(run.best_so_far, factor * overall_best);
        needed.push_back(t);
        reached += t <= trials;
        worst = std::max(worst, t);
      }
      std::sort(needed.begin(), needed.end());
      const bench::Spread s = bench::spread_of(needed);
      char text[64];
      std::snprintf(text, sizeof text, "%.0f (med %.0f) %d/%d", s.mean, bench::median_of(needed), reached, seeds);
      reach.push_back(text);
    }
    char feasible[16];
    std::snprintf(feasible, sizeof feasible, "%d/%d", bench::spread_of(finals).n, seeds);
    std::printf("  %-20s %16s %16s %14s %9s", r.name.c_str(), bench::spread_text(bench::spread_of(finals)).c_str(),
                bench::spread_text(bench::spread_of(r.simulated)).c_str(), error_text, feasible);
    for (const std::string& text : reach) std::printf(" %24s", text.c_str());
    std::printf("\n");
  }
  std::printf("  best latency of any run: %.1f us (%s); 'trials to F x best': trials until the best-so-far was within F times\n"
              "  it, mean (median) over seeds, a seed that never got there counting as %d, and how many got there\n",
              overall_best, predicted.c_str(), trials + 1);
  std::printf("  'best, simulator': each run's best architecture measured on the simulator; 'estimate err': predicted / simulated - 1\n");
  std::printf("took %.1f s\n", bench::seconds_since(start));
  return 0;
}
