// Successive halving: rung sizes and fidelities, promotion of the best, resume from a store cut short.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "hwnas/search/successive_halving.h"
#include "synthetic.h"

namespace hwnas::search {
namespace {

// f plus noise that shrinks with fidelity (as a short training run ranks candidates roughly).
class NoisyEvaluator : public testing::SyntheticEvaluator {
 public:
  NoisyEvaluator() : SyntheticEvaluator(6) {}
  Result<Metrics> evaluate(const EvaluationRequest& request) override {
    auto m = SyntheticEvaluator::evaluate(request);
    uint64_t h = 1469598103934665603ull;
    for (int x : request.arch) h = (h ^ static_cast<uint64_t>(x + 1)) * 1099511628211ull;
    const double noise = static_cast<double>(h % 1000) / 1000.0 - 0.5;  // deterministic in [-0.5, 0.5)
    (*m)["f"] += 20.0 * noise * (1.0 - request.fidelity);
    fidelity_spent += request.fidelity;
    return m;
  }
  double fidelity_spent = 0;
};

CostModel minimise_f() {
  CostModel model;
  model.objectives = {{"f", Direction::Minimize}};
  return model;
}

HalvingResult halve(ExperimentStore* store, int* evaluations = nullptr) {
  static const space::SearchSpace space = testing::synthetic_space(8, 6);
  NoisyEvaluator evaluator;
  auto algorithm = make_algorithm({.name = "random"}, space);
  EXPECT_TRUE(algorithm.ok());
  auto result = successive_halving(space, **algorithm, evaluator, minimise_f(), store, {.candidates = 27, .eta = 3, .min_fidelity = 1.0 / 9, .seed = 5});
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  if (evaluations) *evaluations = evaluator.calls;
  return result.ok() ? std::move(*result) : HalvingResult{};
}

TEST(SuccessiveHalving, RungsShrinkByEtaAndPromoteTheBest) {
  EXPECT_EQ(halving_fidelities(1.0 / 9, 3).size(), 3u);
  EXPECT_EQ(halving_fidelities(1.0, 3), (std::vector<double>{1.0}));
  EXPECT_EQ(halving_fidelities(0.111, 3), (std::vector<double>{0.111, 0.111 * 3, 1.0}));  // not 0.999 then 1
  int evaluations = 0;
  const HalvingResult r = halve(nullptr, &evaluations);
  ASSERT_EQ(r.rungs.size(), 3u);
  EXPECT_EQ(r.rungs[0].size(), 27u);
  EXPECT_EQ(r.rungs[1].size(), 9u);
  EXPECT_EQ(r.rungs[2].size(), 3u);
  EXPECT_EQ(evaluations, 39);
  EXPECT_NEAR(r.fidelities[0], 1.0 / 9, 1e-12);
  EXPECT_NEAR(r.fidelities[1], 1.0 / 3, 1e-12);
  EXPECT_EQ(r.fidelities[2], 1.0);
  for (size_t i : r.rungs[1]) EXPECT_NEAR(r.trials[i].fidelity, 1.0 / 3, 1e-12);
  // rung 2's candidates are the 9 best of rung 1
  std::vector<double> first;
  for (size_t i : r.rungs[0]) first.push_back(r.trials[i].cost);
  std::sort(first.begin(), first.end());
  for (size_t i : r.rungs[1]) {
    const std::string& key = r.trials[i].key;
    for (size_t j : r.rungs[0]) {
      if (r.trials[j].key == key) {
        EXPECT_LE(r.trials[j].cost, first[8]);
      }
    }
  }
  ASSERT_GE(r.best, 0);
  EXPECT_EQ(r.trials[r.best].fidelity, 1.0);
  for (size_t i : r.rungs[2]) EXPECT_LE(r.trials[r.best].cost, r.trials[i].cost);
}

TEST(SuccessiveHalving, ResumesFromAStoreCutShort) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hwnas-halving-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "h.db").string();
  HalvingResult whole;
  {
    auto store = ExperimentStore::create(path, {});
    ASSERT_TRUE(store.ok());
    whole = halve(&*store);
  }
  // a crash during trial 30: trials 31.. never written, 30 left running
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM trials WHERE id > 30; UPDATE trials SET status = 'running' WHERE id = 30", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = ExperimentStore::open(path);
  ASSERT_TRUE(store.ok());
  int evaluations = 0;
  const HalvingResult resumed = halve(&*store, &evaluations);
  EXPECT_EQ(resumed.replayed, 30);
  EXPECT_EQ(evaluations, 39 - 30);
  ASSERT_EQ(resumed.trials.size(), whole.trials.size());
  for (size_t i = 0; i < whole.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].key, whole.trials[i].key);
    EXPECT_EQ(resumed.trials[i].metrics, whole.trials[i].metrics);
    EXPECT_EQ(resumed.trials[i].fidelity, whole.trials[i].fidelity);
  }
  EXPECT_EQ(resumed.best, whole.best);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hwnas::search
