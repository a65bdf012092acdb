// The estimator evaluator: metrics from the estimator and the analyses, its version, the file
// cache (build once for a simulator, then load; refuse another target's file), and the config.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/peak_memory.h"
#include "hwnas/estimator/model_file.h"
#include "hwnas/hw/registry.h"
#include "hwnas/search/estimator_evaluator.h"
#include "hwnas/search/experiment.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;

const std::string kSpaces = std::string(HWNAS_TEST_DATA) + "/space/";
// An estimator for ethos-u55-256 kept as a format-version-1 fixture by the estimator's tests.
const std::string kU55Estimator = std::string(HWNAS_TEST_DATA) + "/estimator/format-v1.estimator.json";

space::SearchSpace tiny_space(int64_t p = 16) {
  auto space = space::load_space(kSpaces + "tiny_curated.yaml", {.channel_multiple = p});
  EXPECT_TRUE(space.ok()) << (space.ok() ? "" : space.error().message);
  return space.ok() ? std::move(space.value()) : space::SearchSpace{};
}

std::unique_ptr<hw::Target> target(const std::string& name) {
  auto t = hw::make_target(name);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return std::move(t.value());
}

estimator::Estimator u55_estimator() {
  auto loaded = estimator::load_estimator(kU55Estimator);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  return std::move(loaded.value());
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hwnas-estimator-eval-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// A small, fast build: a few sampled networks, no zoo, no adaptive round, small ensembles.
EstimatorSource small_build(const std::string& file) {
  EstimatorSource source;
  source.file = file;
  source.build.samples = 6;
  source.build.include_zoo = false;
  source.build.adaptive_rounds = 0;
  source.build.train.ensemble = 1;
  source.build.train.shared_rounds = 8;
  source.build.train.type_rounds = 8;
  source.build.train.fit_energy = false;
  return source;
}

TEST(EstimatorEvaluator, LatencyFromTheEstimatorMemoryFromTheAnalyses) {
  const space::SearchSpace space = tiny_space();
  const estimator::Estimator reference = u55_estimator();
  EstimatorEvaluator evaluator(u55_estimator());
  EXPECT_EQ(evaluator.name(), "estimator:ethos-u55-256");
  for (const space::Architecture& arch : space.minimal_architectures()) {
    auto metrics = evaluator.evaluate({.space = space, .arch = arch});
    ASSERT_TRUE(metrics.ok()) << metrics.error().message;
    auto graph = space.decode(arch);
    ASSERT_TRUE(graph.ok());
    const estimator::NetworkPrediction p = reference.predict(*graph);
    const Metrics& m = *metrics;
    EXPECT_GT(m.at("latency_us"), 0);
    EXPECT_EQ(m.at("latency_us"), p.latency_us);
    EXPECT_EQ(m.at("latency_std_us"), p.latency_std_us);
    EXPECT_EQ(m.count("energy_uj"), reference.has_energy() ? 1u : 0u);
    if (reference.has_energy()) {
      EXPECT_EQ(m.at("energy_uj"), p.energy_uj);
    }
    EXPECT_EQ(m.at("params"), analysis::analyze_cost(*graph).params);
    EXPECT_EQ(m.at("macs"), analysis::analyze_cost(*graph).macs);
    // the U55 keeps int8 weights and activations
    EXPECT_EQ(m.at("weight_bytes"), analysis::weight_bytes(*graph, ir::Precision::Int8));
    EXPECT_EQ(m.at("peak_memory_bytes"), analysis::peak_memory_in_graph_order(*graph, ir::Precision::Int8).peak_bytes);
    EXPECT_EQ(m.at("memory_bytes"), m.at("weight_bytes") + m.at("peak_memory_bytes"));
  }
  // an invalid architecture is an error with the reason, not a crash
  space::Architecture bad = space.minimal_architecture();
  bad[1] = 7;
  auto refused = evaluator.evaluate({.space = space, .arch = bad});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("out of range"), std::string::npos) << refused.error().message;
}

TEST(EstimatorEvaluator, RanksArchitecturesLikeTheSimulator) {
  // The fixture estimator was fitted on U55 measurements: across the tiny space's smallest and
  // largest networks it must order latencies as the simulator does.
  const space::SearchSpace space = tiny_space();
  EstimatorEvaluator estimated(u55_estimator());
  HardwareEvaluator measured(target("ethos-u55-256"));
  space::Architecture small = space.minimal_architecture();
  space::Architecture large = small;
  for (size_t d = 0; d < space.decisions().size(); ++d)
    if (space.decisions()[d].numeric) large[d] = static_cast<int>(space.decisions()[d].choices.size()) - 1;
  auto es = estimated.evaluate({.space = space, .arch = small}), el = estimated.evaluate({.space = space, .arch = large});
  auto ms = measured.evaluate({.space = space, .arch = small}), ml = measured.evaluate({.space = space, .arch = large});
  ASSERT_TRUE(es.ok() && el.ok() && ms.ok() && ml.ok());
  ASSERT_LT(ms->at("latency_us"), ml->at("latency_us"));
  EXPECT_LT(es->at("latency_us"), el->at("latency_us"));
}

TEST(EstimatorEvaluator, SearchesAreDeterministicWhateverTheMemoHolds) {
  // The estimator memoises kernels; a search on a warm evaluator must score exactly as on a fresh one.
  auto space = space::load_space_by_name("mobilenet_curated", {.channel_multiple = 32});
  ASSERT_TRUE(space.ok()) << space.error().message;
  CostModel model;
  model.objectives = {{"latency_us", Direction::Minimize}};
  model.budgets = {{"memory_bytes", 2e6}};
  auto search_with = [&](EstimatorEvaluator& evaluator, uint64_t seed) {
    auto algorithm = make_algorithm({.name = "evolution", .population = 6, .sample = 3}, *space);
    EXPECT_TRUE(algorithm.ok());
    SearchOptions options;
    options.trials = 15;
    options.seed = seed;
    auto result = run_search(*space, **algorithm, evaluator, model, nullptr, options);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? result->trials : std::vector<TrialRecord>{};
  };
  EstimatorEvaluator warm(u55_estimator());
  (void)search_with(warm, 99);  // fills the memo with other networks' kernels
  const auto on_warm = search_with(warm, 5);
  EstimatorEvaluator fresh(u55_estimator());
  const auto on_fresh = search_with(fresh, 5);
  ASSERT_EQ(on_warm.size(), 15u);
  ASSERT_EQ(on_fresh.size(), on_warm.size());
  for (size_t i = 0; i < on_warm.size(); ++i) {
    EXPECT_EQ(on_warm[i].key, on_fresh[i].key) << i;
    EXPECT_EQ(on_warm[i].metrics, on_fresh[i].metrics) << i;
  }
}

TEST(EstimatorEvaluator, VersionNamesTheModelAndSurvivesSaveAndLoad) {
  EstimatorEvaluator a(u55_estimator());
  EstimatorEvaluator b(u55_estimator());
  EXPECT_EQ(a.version(), b.version());
  EXPECT_NE(a.version().find("estimator:ethos-u55-256 spec="), std::string::npos) << a.version();
  EXPECT_NE(a.version().find(" model="), std::string::npos) << a.version();
  const std::string copy = (fs::temp_directory_path() / ("hwnas-estimator-version-" + std::to_string(getpid()) + ".json")).string();
  ASSERT_TRUE(estimator::save_estimator(a.estimator(), copy).ok());
  auto reloaded = estimator::load_estimator(copy);
  fs::remove(copy);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(EstimatorEvaluator(std::move(*reloaded)).version(), a.version());
}

TEST_F(TempDir, BuildsForASimulatorOnceThenLoadsTheCachedFile) {
  auto npu = target("edge-tpu-like");
  const EstimatorSource source = small_build(path("cache/tpu.estimator.json"));
  auto built = load_or_build_estimator(*npu, source);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_TRUE(built->built);
  EXPECT_TRUE(fs::exists(source.file));
  EXPECT_EQ(built->estimator.metadata().target.name, "edge-tpu-like");
  auto loaded = load_or_build_estimator(*npu, source);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(loaded->built);
  EXPECT_EQ(EstimatorEvaluator(std::move(built->estimator)).version(), EstimatorEvaluator(std::move(loaded->estimator)).version());
}

// Mixed precision: an estimator of feature version 1 cannot see a layer's precision, so it refuses
// a network that sets one; an estimator built now (version 2) prices it.
TEST_F(TempDir, MixedPrecisionNeedsAnEstimatorThatSeesPrecision) {
  auto space = space::parse_space(
      "name: m\ninput: {channels: 1, resolution: 32}\nstem: {channels: 32}\nstages:\n"
      "  - {block: [ibn, fused_ibn], channels: 32, precision: [int8, int16]}\n  - {channels: 64, stride: 2}\n",
      "m.yaml", {.channel_multiple = 32});
  ASSERT_TRUE(space.ok()) << space.error().message;
  space::Architecture arch = space->minimal_architecture();
  for (size_t d = 0; d < space->decisions().size(); ++d)
    if (space->decisions()[d].name == "stage1.precision") arch[d] = 1;
  EstimatorEvaluator old(u55_estimator());
  auto refused = old.evaluate({.space = *space, .arch = arch});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("do not see per-layer precision"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("rebuild the estimator"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(old.evaluate({.space = *space, .arch = space->minimal_architecture()}).ok()) << "int8 everywhere is the target's own";

  auto npu = target("ethos-u55-256");
  auto built = load_or_build_estimator(*npu, small_build(path("u55.estimator.json")));
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(built->estimator.metadata().feature_version, estimator::kFeatureVersion);
  EstimatorEvaluator now(std::move(built->estimator));
  auto priced = now.evaluate({.space = *space, .arch = arch});
  ASSERT_TRUE(priced.ok()) << priced.error().message;
  EXPECT_GT(priced->at("latency_us"), 0);
  // the memory analysis counts stage1's tensors at two bytes
  auto int8 = now.evaluate({.space = *space, .arch = space->minimal_architecture()});
  ASSERT_TRUE(int8.ok());
  EXPECT_GT(priced->at("peak_memory_bytes"), int8->at("peak_memory_bytes"));
}

TEST_F(TempDir, RefusesAnotherTargetsFileAndWillNotBuildForAMeasuredTarget) {
  auto tpu = target("edge-tpu-like");
  EstimatorSource source;
  source.file = kU55Estimator;
  auto refused = load_or_build_estimator(*tpu, source);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("built for target 'ethos-u55-256', not 'edge-tpu-like'"), std::string::npos)
      << refused.error().message;

  auto device = target("command:echo {onnx}");
  source.file = path("missing.json");
  auto missing = load_or_build_estimator(*device, source);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("hwnas estimator build --target"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(fs::exists(source.file));
}

TEST(EstimatorConfig, ParsesTheEvaluatorAndItsFile) {
  auto a = parse_search_config("evaluators: [estimator]\nestimator: u55.json\nobjectives: [latency_us]\n", "a.yaml");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->use_estimator);
  EXPECT_FALSE(a->hardware);
  EXPECT_EQ(a->estimator.file, "u55.json");
  // `estimator:` alone means the estimator evaluator; build options in a map
  auto b = parse_search_config("estimator: {file: x.json, samples: 200, rounds: 1, ensemble: 2, seed: 4}\nobjectives: [latency_us]\n", "b.yaml");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_TRUE(b->use_estimator);
  EXPECT_FALSE(b->hardware);
  EXPECT_EQ(b->estimator.samples, 200u);
  EXPECT_EQ(b->estimator.rounds, 1);
  EXPECT_EQ(b->estimator.ensemble, 2);
  EXPECT_EQ(b->estimator.seed, 4u);
  // no file: the default cache name is chosen when the experiment is prepared
  auto c = parse_search_config("evaluators: [estimator]\nobjectives: [latency_us]\n", "c.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->estimator.file, "");
  EXPECT_NE(c->fingerprint(), parse_search_config("evaluators: [hardware]\nobjectives: [latency_us]\n", "d.yaml")->fingerprint());

  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {"evaluators: [hardware, estimator]\n", "e.yaml:1: evaluators: hardware and estimator both give latency"},
      {"evaluators: [estimater]\n", "unknown evaluator 'estimater'; did you mean 'estimator'?"},
      {"evaluators: [hardware]\nestimator: x.json\n", "e.yaml:2: estimator: set, but 'estimator' is not in evaluators"},
      {"estimator: {file: x.json, sample: 3}\n", "e.yaml:1: estimator.sample: unknown field; did you mean 'samples'?"},
      {"estimator: {rounds: -1}\n", "estimator.rounds: must be in [0, 100]"},
      {"estimator: {file: ''}\n", "estimator.file: empty path"},
  };
  for (const Case& k : cases) {
    auto refused = parse_search_config(k.text, "e.yaml");
    ASSERT_FALSE(refused.ok()) << k.text;
    EXPECT_NE(refused.error().message.find(k.expected), std::string::npos) << refused.error().message;
  }
}

TEST_F(TempDir, ExperimentRecordsTheEstimatorAndResumeChecksIt) {
  auto config = parse_search_config("space: mobilenet_curated\ntarget: ethos-u55-256\nevaluators: [estimator]\n"
                                    "estimator: " + kU55Estimator + "\nbudgets: {memory_bytes: 2000000}\ntrials: 6\nobjectives: [latency_us]\n",
                                    "e.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  config->store = path("e.db");
  auto experiment = prepare_experiment(*config);
  ASSERT_TRUE(experiment.ok()) << experiment.error().message;
  EXPECT_EQ(experiment->evaluator->name(), "estimator:ethos-u55-256");
  EXPECT_EQ(experiment->estimator_file, kU55Estimator);
  EXPECT_FALSE(experiment->estimator_built);
  EXPECT_EQ(experiment->meta.at("estimator_version"), experiment->evaluator->version());
  {
    auto store = open_store(*experiment, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto result = run_search(*experiment->space, *experiment->algorithm, *experiment->evaluator, config->cost_model, &*store,
                             experiment->search_options());
    ASSERT_TRUE(result.ok()) << result.error().message;
    ASSERT_EQ(result->trials.size(), 6u);
    for (const TrialRecord& t : result->trials) EXPECT_EQ(t.status, "done") << t.error;
  }
  // the same config resumes; another estimator file (same target) does not
  EXPECT_TRUE(open_store(*experiment, true).ok());
  auto other_file = small_build(path("u55-other.json"));
  auto npu = target("ethos-u55-256");
  ASSERT_TRUE(load_or_build_estimator(*npu, other_file).ok());
  config->estimator.file = other_file.file;
  auto other = prepare_experiment(*config);
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto refused = open_store(*other, true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cannot resume"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("model=" + experiment->meta.at("estimator_version").substr(
                                             experiment->meta.at("estimator_version").find("model=") + 6)),
            std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace hwnas::search
