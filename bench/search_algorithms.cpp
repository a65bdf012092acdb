// Random search, regularized evolution, REINFORCE and NSGA-II at equal trial budgets on the estimator-only objective.
//
// Every algorithm searches the same space (mobilenet_curated for the target's P by default)
// for the least predicted latency with weights + peak activations <= 2 MB and at least 100 M
// MACs (a capacity proxy; nothing is trained), 10 seeds each. The algorithms do not know their
// budget, so the best after N trials of one run of the largest budget is what a run of budget
// N finds; the table gives its mean and spread over seeds at each budget, and how many seeds
// had found a feasible network by then. NSGA-II runs on the same single objective (its fronts
// are then a ranking by constrained dominance: a genetic algorithm with crossover).
//
//   bench_search_algorithms                                   # ethos-u55-256, 10 seeds, budgets 50/100/200/400
//   bench_search_algorithms --target edge-tpu-like --space mobilenet_uncurated --budgets 50,100,200,400,800
//
// The estimator is read from --estimator FILE (default TARGET.estimator.json in the working
// directory), or built for the simulated target (--samples, --rounds) and saved there first.
#include <cstdlib>

#include "search_common.h"

using namespace hwnas;

namespace {

int usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s [--target PRESET] [--space NAME|FILE] [--seeds N] [--first-seed S] [--budgets a,b,c]\n"
               "          [--algorithms random,evolution,reinforce,nsga2] [--estimator FILE] [--samples N] [--rounds R]\n",
               program);
  return 2;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  for (size_t start = 0; start <= list.size();) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) items.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target_name = "ethos-u55-256", space_name = "mobilenet_curated", estimator_file;
  std::vector<std::string> algorithms{"random", "evolution", "reinforce", "nsga2"};
  std::vector<int> budgets{50, 100, 200, 400};
  int seeds = 10, rounds = 3;
  uint64_t first_seed = 1;
  size_t samples = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    const std::string v = argv[++i];
    if (a == "--target") target_name = v;
    else if (a == "--space") space_name = v;
    else if (a == "--seeds") seeds = std::atoi(v.c_str());
    else if (a == "--first-seed") first_seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--algorithms") algorithms = split(v);
    else if (a == "--budgets") {
      budgets.clear();
      for (const std::string& b : split(v)) budgets.push_back(std::atoi(b.c_str()));
    } else if (a == "--estimator") estimator_file = v;
    else if (a == "--samples") samples = std::strtoul(v.c_str(), nullptr, 10);
    else if (a == "--rounds") rounds = std::atoi(v.c_str());
    else return usage(argv[0]);
  }
  std::sort(budgets.begin(), budgets.end());
  if (seeds < 1 || budgets.empty() || budgets.front() < 1 || algorithms.empty()) return usage(argv[0]);
  if (estimator_file.empty()) estimator_file = target_name + ".estimator.json";
  const int trials = budgets.back();

  auto target = hw::make_target(target_name);
  if (!target) {
    std::fprintf(stderr, "%s\n", target.error().message.c_str());
    return 1;
  }
  auto space = space::load_space_by_name(space_name, {.channel_multiple = (*target)->channel_multiple()});
  if (!space) {
    std::fprintf(stderr, "%s\n", space.error().message.c_str());
    return 1;
  }
  auto evaluator = bench::estimator_evaluator(**target, estimator_file, samples, rounds);
  if (!evaluator) return 1;
  const search::CostModel cost_model = bench::latency_under_budgets();

  std::printf("search algorithms on %s, space %s (10^%.1f architectures, P = %lld), %d seeds (%llu..%llu), scored by the %s\n",
              target_name.c_str(), space->name().c_str(), space->log10_size(), static_cast<long long>((*target)->channel_multiple()),
              seeds, static_cast<unsigned long long>(first_seed), static_cast<unsigned long long>(first_seed + seeds - 1),
              evaluator->name().c_str());
  std::printf("objective: %s\n", bench::kObjectiveText);
  std::printf("settings: evolution population 20 sample 5, reinforce learning rate 0.1 baseline decay 0.9, nsga2 population 24\n");

  const auto start = bench::Clock::now();
  struct Row {
    std::string algorithm;
    std::vector<bench::RunCurve> runs;
  };
  std::vector<Row> rows;
  double overall_best = std::numeric_limits<double>::infinity();
  for (const std::string& name : algorithms) {
    search::AlgorithmOptions options;
    options.name = name;
    Row row{name, {}};
    for (int s = 0; s < seeds; ++s) {
      auto curve = bench::run_curve(*space, options, *evaluator, cost_model, trials, first_seed + s);
      if (!curve) {
        std::fprintf(stderr, "%s seed %llu: %s\n", name.c_str(), static_cast<unsigned long long>(first_seed + s),
                     curve.error().message.c_str());
        return 1;
      }
      overall_best = std::min(overall_best, curve->best_so_far.back());
      std::fprintf(stderr, "  %s seed %llu: best %.1f us after %d trials (%.1f s)\n", name.c_str(),
                   static_cast<unsigned long long>(first_seed + s), curve->best_so_far.back(), trials, curve->seconds);
      row.runs.push_back(std::move(*curve));
    }
    rows.push_back(std::move(row));
  }

  std::printf("\nbest predicted latency (us) after N trials: mean +- standard deviation over the seeds that had found a\n"
              "feasible network by then [how many of %d], and the median over all seeds (one without a feasible network counts as worst)\n",
              seeds);
  std::printf("  %-10s", "algorithm");
  for (int b : budgets) {
    char head[32];
    std::snprintf(head, sizeof head, "N=%d", b);
    std::printf(" %31s", head);
  }
  std::printf("\n");
  for (const Row& row : rows) {
    std::printf("  %-10s", row.algorithm.c_str());
    for (int b : budgets) {
      std::vector<double> at;
      for (const auto& run : row.runs) at.push_back(run.best_so_far[b - 1]);
      const bench::Spread s = bench::spread_of(at);
      const double median = bench::median_of(at);
      char cell[80];
      if (std::isfinite(median)) std::snprintf(cell, sizeof cell, "%s [%d] med %.0f", bench::spread_text(s).c_str(), s.n, median);
      else std::snprintf(cell, sizeof cell, "%s [%d] med -", bench::spread_text(s).c_str(), s.n);
      std::printf(" %31s", cell);
    }
    std::printf("\n");
  }
  std::printf("  best latency of any run: %.1f us (predicted)\n", overall_best);
  std::printf("took %.1f s\n", bench::seconds_since(start));
  return 0;
}
