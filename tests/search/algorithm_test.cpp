// Search algorithms: determinism under a seed, improvement over random search on a synthetic
// objective with a known optimum, and NSGA-II's non-dominated fronts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "hwnas/search/search.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

constexpr int kDecisions = 12;
constexpr int kChoices = 8;

CostModel minimise_f() {
  CostModel model;
  model.objectives = {{"f", Direction::Minimize}};
  return model;
}

CostModel f_and_g() {
  CostModel model;
  model.objectives = {{"f", Direction::Minimize}, {"g", Direction::Minimize}};
  return model;
}

AlgorithmOptions options_for(const std::string& name) {
  AlgorithmOptions options;
  options.name = name;
  return options;
}

// Runs `trials` trials of `name` on the synthetic problem (no store).
SearchResult run(const std::string& name, uint64_t seed, int trials, const CostModel& model) {
  static const space::SearchSpace space = testing::synthetic_space(kDecisions, kChoices);
  testing::SyntheticEvaluator evaluator(kChoices);
  auto algorithm = make_algorithm(options_for(name), space);
  EXPECT_TRUE(algorithm.ok());
  SearchOptions options;
  options.trials = trials;
  options.seed = seed;
  auto result = run_search(space, **algorithm, evaluator, model, nullptr, options);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  EXPECT_EQ(evaluator.calls, static_cast<int>(result->trials.size()));  // every trial evaluated once
  return std::move(*result);
}

double best_f(const SearchResult& r) { return r.trials[r.best].metrics.at("f"); }

TEST(Algorithms, DeterministicUnderASeed) {
  for (const std::string& name : algorithm_names()) {
    const CostModel model = name == "nsga2" ? f_and_g() : minimise_f();
    const SearchResult a = run(name, 42, 120, model);
    const SearchResult b = run(name, 42, 120, model);
    const SearchResult c = run(name, 43, 120, model);
    ASSERT_EQ(a.trials.size(), b.trials.size()) << name;
    bool same = true, differs = false;
    for (size_t i = 0; i < a.trials.size(); ++i) {
      same = same && a.trials[i].key == b.trials[i].key && a.trials[i].metrics == b.trials[i].metrics;
      differs = differs || i >= c.trials.size() || a.trials[i].key != c.trials[i].key;
    }
    EXPECT_TRUE(same) << name << ": the same seed gave different trials";
    EXPECT_TRUE(differs) << name << ": another seed gave the same trials";
    EXPECT_EQ(a.cache_hits, b.cache_hits) << name;
  }
}

TEST(Algorithms, UniformIndexIsPlatformIndependentAndInRange) {
  std::mt19937_64 rng(1);
  std::vector<int> counts(5, 0);
  for (int i = 0; i < 5000; ++i) ++counts[uniform_index(rng, 5)];
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);
  std::mt19937_64 a(9), b(9);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(uniform_index(a, 7), uniform_index(b, 7));
  for (int i = 0; i < 100; ++i) {
    const double u = uniform_unit(a);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(Algorithms, MutationChangesExactlyTheAskedNumberOfDecisions) {
  const space::SearchSpace space = testing::synthetic_space(kDecisions, kChoices);
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    const space::Architecture parent = random_architecture(space, rng);
    for (int count : {1, 3}) {
      const space::Architecture child = mutate(space, parent, count, rng);
      int changed = 0;
      for (size_t d = 0; d < parent.size(); ++d) changed += parent[d] != child[d];
      EXPECT_EQ(changed, count);
      EXPECT_TRUE(space.check(child).ok());
    }
  }
}

// Mean over 8 seeds of the best f after 300 trials; the optimum is 0 and a random
// architecture's f is about 12 x 21 = 250 on average. Each learning algorithm must beat random
// search's mean best by a wide margin (at most 60 % of it).
TEST(Algorithms, EachImprovesOverRandomSearchOnAKnownOptimum) {
  constexpr int kSeeds = 8, kTrials = 300;
  std::map<std::string, double> mean_best;
  for (const char* name : {"random", "evolution", "reinforce"}) {
    double sum = 0;
    for (int seed = 0; seed < kSeeds; ++seed) sum += best_f(run(name, 1000 + seed, kTrials, minimise_f()));
    mean_best[name] = sum / kSeeds;
  }
  std::printf("mean best f after %d trials (optimum 0): random %.1f, evolution %.1f, reinforce %.1f\n", kTrials,
              mean_best["random"], mean_best["evolution"], mean_best["reinforce"]);
  // measured: random 36.4, evolution 4.6, reinforce 12.2
  EXPECT_LT(mean_best["evolution"], 0.6 * mean_best["random"]);
  EXPECT_LT(mean_best["reinforce"], 0.6 * mean_best["random"]);
}

// The area dominated by a front of (f, g) points up to the reference point (2D hypervolume).
double hypervolume(std::vector<std::pair<double, double>> points, double ref_f, double ref_g) {
  std::sort(points.begin(), points.end());
  double area = 0, last_g = ref_g;
  for (const auto& [f, g] : points) {
    if (f >= ref_f || g >= last_g) continue;
    area += (ref_f - f) * (last_g - g);
    last_g = g;
  }
  return area;
}

TEST(Algorithms, Nsga2FrontIsNonDominatedAndBeatsRandomHypervolume) {
  constexpr int kSeeds = 5, kTrials = 300;
  double hv_nsga = 0, hv_random = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    for (const char* name : {"nsga2", "random"}) {
      const SearchResult r = run(name, 500 + seed, kTrials, f_and_g());
      std::vector<std::pair<double, double>> front;
      for (size_t i : r.pareto) front.push_back({r.trials[i].metrics.at("f"), r.trials[i].metrics.at("g")});
      // no point of the front is dominated by any trial
      for (size_t i : r.pareto)
        for (const TrialRecord& t : r.trials)
          EXPECT_FALSE(dominates({t.metrics.at("f"), t.metrics.at("g")}, {r.trials[i].metrics.at("f"), r.trials[i].metrics.at("g")}));
      (name == std::string("nsga2") ? hv_nsga : hv_random) += hypervolume(front, 200, 200) / kSeeds;
    }
  }
  std::printf("mean hypervolume of the (f, g) front after %d trials, reference (200, 200): nsga2 %.0f, random %.0f\n", kTrials,
              hv_nsga, hv_random);
  EXPECT_GT(hv_nsga, 1.15 * hv_random);  // measured: 33103 vs 25331 (x1.31)
}

TEST(Algorithms, UnknownNamesAndBadSizesAreErrors) {
  const space::SearchSpace space = testing::synthetic_space(3, 3);
  auto unknown = make_algorithm(options_for("evolutoin"), space);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown algorithm 'evolutoin'"), std::string::npos);
  AlgorithmOptions bad = options_for("evolution");
  bad.sample = 50;
  EXPECT_FALSE(make_algorithm(bad, space).ok());
  AlgorithmOptions bad_nsga = options_for("nsga2");
  bad_nsga.nsga_population = 2;
  EXPECT_FALSE(make_algorithm(bad_nsga, space).ok());
}

TEST(Algorithms, ExhaustedSpaceStopsInsteadOfLooping) {
  // 2 x 2 = 4 architectures; asking for 10 trials stops after the 4 with `exhausted`.
  const space::SearchSpace space = testing::synthetic_space(2, 2);
  testing::SyntheticEvaluator evaluator(2);
  auto algorithm = make_algorithm(options_for("random"), space);
  ASSERT_TRUE(algorithm.ok());
  SearchOptions options;
  options.trials = 10;
  auto result = run_search(space, **algorithm, evaluator, minimise_f(), nullptr, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->trials.size(), 4u);
  EXPECT_TRUE(result->exhausted);
  EXPECT_EQ(evaluator.calls, 4);
  EXPECT_GT(result->cache_hits, 0);
}

}  // namespace
}  // namespace hwnas::search
