// Tests of the weight-sharing supernet: extraction equals the supernet path, seeded determinism, recalibration, search.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <random>

#include "hwnas/hw/registry.h"
#include "hwnas/supernet/supernet.h"
#include "hwnas/torch/module.h"

namespace hwnas::supernet {
namespace {

// Every kind of choice the supernet shares: three block types, kernels 3 / 5 (centre crop),
// expansion 1 (no expand conv; fused IBN without projection) and 3, depths under a multiplier,
// two widths per stage, two resolutions.
constexpr const char* kTinySpace = R"yaml(
name: tiny_supernet
kind: macro
input: {channels: 1, resolution: [12, 16]}
depth_multiplier: [0.5, 1.0]
activation: relu6
stem: {channels: [4, 8], stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1, 2], channels: [4, 8], stride: 1}
  - {block: [ibn, fused_ibn], kernel: [3, 5], expansion: [1, 3], depth: [1, 2], channels: [8, 12], stride: 2}
head: {type: classification, classes: 10, conv_channels: 16}
)yaml";

space::SearchSpace tiny_space(const char* yaml = kTinySpace) {
  auto space = space::parse_space(yaml, "tiny", {});
  EXPECT_TRUE(space.ok()) << (space ? "" : space.error().message);
  return *space;
}

// Random images and labels, from a seed.
TensorSet random_set(int64_t n, int64_t resolution, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  TensorSet set;
  set.images = at::rand({n, 1, resolution, resolution}, generator);
  set.labels = at::randint(0, 10, {n}, generator);
  return set;
}

Supernet trained_supernet(const space::SearchSpace& space, uint64_t seed) {
  auto net = make_supernet(space, {.seed = seed});
  EXPECT_TRUE(net.ok()) << (net ? "" : net.error().message);
  auto report = train(*net, random_set(32, 16, 5), {.epochs = 1, .max_steps = 2, .batch_size = 16, .seed = seed});
  EXPECT_TRUE(report.ok()) << (report ? "" : report.error().message);
  return *net;
}

TEST(Supernet, ExtractedNetworkComputesTheSupernetPath) {
  const space::SearchSpace space = tiny_space();
  Supernet net = trained_supernet(space, 1);
  std::mt19937_64 rng(3);
  std::vector<space::Architecture> archs{net->largest_architecture(rng), net->smallest_architecture(rng)};
  for (int i = 0; i < 8; ++i) archs.push_back(net->random_architecture(rng));
  for (const space::Architecture& arch : archs) {
    SCOPED_TRACE(space.canonical_key(arch));
    const int64_t resolution = net->plan(arch)->resolution;
    TensorSet calibration = random_set(16, resolution, 7);
    ASSERT_TRUE(net->recalibrate(arch, calibration.image_batches(8)).ok());
    auto graph = net->extract(arch);
    ASSERT_TRUE(graph.ok()) << graph.error().message;
    ASSERT_TRUE(graph->has_weights());
    auto module = libtorch::make_graph_module(*graph);
    ASSERT_TRUE(module.ok()) << module.error().message;
    (*module)->eval();
    ::torch::NoGradGuard no_grad;
    at::Tensor images = random_set(4, resolution, 9).images;
    at::Tensor from_supernet = net->forward(arch, images);
    at::Tensor from_graph = (*module)->forward(images);
    ASSERT_EQ(from_supernet.sizes(), from_graph.sizes());
    const double scale = from_supernet.abs().max().item<double>();
    EXPECT_GT(scale, 0);
    EXPECT_LE((from_supernet - from_graph).abs().max().item<double>(), 1e-5 * std::max(1.0, scale));
  }
}

TEST(Supernet, SubnetsShareTheLargestWeights) {
  // Two subnets that differ in one stage's width compute different outputs from the same weights,
  // and the smaller one's extracted conv weights are the first channels of the larger one's.
  const space::SearchSpace space = tiny_space();
  Supernet net = trained_supernet(space, 2);
  std::mt19937_64 rng(4);
  space::Architecture large = net->largest_architecture(rng);
  auto big = net->extract(large);
  space::Architecture small = large;
  for (size_t d = 0; d < space.decisions().size(); ++d)
    if (space.decisions()[d].name == "stem.channels") small[d] = 0;
  auto little = net->extract(small);
  ASSERT_TRUE(big.ok() && little.ok());
  const ir::Node& big_stem = big->node(*big->find("stem.conv"));
  const ir::Node& little_stem = little->node(*little->find("stem.conv"));
  ASSERT_EQ(little_stem.params[0].shape.dims[0], 4);
  ASSERT_EQ(big_stem.params[0].shape.dims[0], 8);
  const auto& a = little_stem.params[0].data;
  const auto& b = big_stem.params[0].data;
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));  // output channels 0..3 come first
}

TEST(Supernet, SameSeedSameWeightsDifferentSeedDifferent) {
  const space::SearchSpace space = tiny_space();
  Supernet a = trained_supernet(space, 11), b = trained_supernet(space, 11), c = trained_supernet(space, 12);
  auto pa = a->named_parameters(), pb = b->named_parameters(), pc = c->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (const auto& item : pa) {
    EXPECT_TRUE(at::equal(item.value(), pb[item.key()])) << item.key();
    any_differs = any_differs || !at::equal(item.value(), pc[item.key()]);
  }
  EXPECT_TRUE(any_differs);
}

TEST(Supernet, RecalibratedStatisticsMatchTheBatch) {
  // After recalibrating on one batch, eval mode (running statistics) computes what train mode
  // (that batch's statistics) computes, up to the unbiased variance's n / (n - 1).
  const space::SearchSpace space = tiny_space();
  Supernet net = trained_supernet(space, 3);
  std::mt19937_64 rng(5);
  space::Architecture arch = net->largest_architecture(rng);
  at::Tensor images = random_set(64, net->plan(arch)->resolution, 13).images;
  ::torch::NoGradGuard no_grad;
  net->train();
  at::Tensor batch_stats = net->forward(arch, images);
  ASSERT_TRUE(net->recalibrate(arch, {images}).ok());
  EXPECT_EQ(net->calibrated_for(), arch);
  EXPECT_FALSE(net->is_training());
  at::Tensor running_stats = net->forward(arch, images);
  const double scale = batch_stats.abs().max().item<double>();
  EXPECT_LE((batch_stats - running_stats).abs().max().item<double>(), 2e-2 * std::max(1.0, scale));
}

TEST(Supernet, RejectsWhatItCannotShare) {
  const std::string grouped_only = R"yaml(
name: grouped
kind: macro
input: {channels: 1, resolution: [16]}
stem: {channels: [8], stride: 2}
stages:
  - {block: [grouped_ibn], kernel: [3], expansion: [2], depth: [1], channels: [8], stride: 1}
head: {type: classification, classes: 10}
)yaml";
  auto net = make_supernet(tiny_space(grouped_only.c_str()));
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.error().message.find("stage1: no block type"), std::string::npos) << net.error().message;

  const std::string mixed = R"yaml(
name: mixed
kind: macro
input: {channels: 1, resolution: [16]}
stem: {channels: [8], stride: 2}
stages:
  - {block: [ibn, grouped_ibn], kernel: [3], expansion: [2], depth: [1], channels: [8], stride: 1}
head: {type: classification, classes: 10}
)yaml";
  const space::SearchSpace space = tiny_space(mixed.c_str());
  auto held = make_supernet(space);
  ASSERT_TRUE(held.ok()) << held.error().message;
  space::Architecture arch = space.minimal_architecture();
  for (size_t d = 0; d < space.decisions().size(); ++d)
    if (space.decisions()[d].name == "stage1.block") arch[d] = 1;
  Status s = (*held)->check(arch);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("'stage1.block' choice 'grouped_ibn'"), std::string::npos) << s.error().message;
  EXPECT_FALSE((*held)->extract(arch).ok());
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE((*held)->check((*held)->random_architecture(rng)).ok());
}

TEST(Supernet, SearchFindsAFeasibleSubnetDeterministically) {
  const space::SearchSpace space = tiny_space();
  TensorSet calibration = random_set(16, 16, 21), validation = random_set(16, 16, 22);
  auto run = [&] {
    Supernet net = trained_supernet(space, 6);
    auto target = hw::make_target("ethos-u55-256");
    EXPECT_TRUE(target.ok());
    search::HardwareEvaluator hardware(std::move(*target));
    return search(net, hardware, calibration, validation,
                  {.algorithm = {.name = "evolution", .population = 4, .sample = 2}, .trials = 6, .seed = 8});
  };
  auto first = run(), second = run();
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->history.size(), 6u);
  EXPECT_EQ(first->best, second->best);
  EXPECT_EQ(first->best_accuracy, second->best_accuracy);
  EXPECT_GT(first->best_metrics.count("latency_us"), 0u);
  // A budget below every subnet's latency leaves nothing feasible: an Error, not a pick.
  Supernet net = trained_supernet(space, 6);
  auto target = hw::make_target("ethos-u55-256");
  ASSERT_TRUE(target.ok());
  search::HardwareEvaluator hardware(std::move(*target));
  auto none = search(net, hardware, calibration, validation, {.trials = 3, .latency_budget = 1e-6, .seed = 8});
  EXPECT_FALSE(none.ok());
}

TEST(Supernet, ExtractedSubnetFineTunesStandalone) {
  const space::SearchSpace space = tiny_space();
  Supernet net = trained_supernet(space, 4);
  std::mt19937_64 rng(6);
  space::Architecture arch = net->smallest_architecture(rng);
  TensorSet set = random_set(32, net->plan(arch)->resolution, 31);
  ASSERT_TRUE(net->recalibrate(arch, set.image_batches(16)).ok());
  auto graph = net->extract(arch);
  ASSERT_TRUE(graph.ok());
  const std::vector<float> before = graph->node(*graph->find("stem.conv")).params[0].data;
  auto report = train_graph(*graph, set, {.epochs = 1, .batch_size = 16, .learning_rate = 0.05, .seed = 1});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->steps, 2);
  EXPECT_NE(graph->node(*graph->find("stem.conv")).params[0].data, before);
  auto acc = graph_accuracy(*graph, set);
  ASSERT_TRUE(acc.ok());
  EXPECT_GE(*acc, 0.0);
  EXPECT_LE(*acc, 1.0);
  // From scratch: the decoded graph without weights, initialised from the seed.
  auto scratch = space.decode(arch);
  ASSERT_TRUE(scratch.ok());
  ASSERT_TRUE(train_graph(*scratch, set, {.epochs = 1, .batch_size = 16, .seed = 2}).ok());
  EXPECT_TRUE(scratch->has_weights());
}

TEST(Supernet, BadOptionsAreErrors) {
  const space::SearchSpace space = tiny_space();
  auto net = make_supernet(space);
  ASSERT_TRUE(net.ok());
  EXPECT_FALSE(train(*net, TensorSet{}, {}).ok());
  EXPECT_FALSE(train(*net, random_set(8, 16, 1), {.epochs = 0}).ok());
  EXPECT_FALSE((*net)->plan({0}).ok());
  EXPECT_FALSE((*net)->recalibrate(space.minimal_architecture(), {}).ok());
  EXPECT_FALSE((*net)->run(space.minimal_architecture(), at::zeros({1, 3, 16, 16})).ok());
}

}  // namespace
}  // namespace hwnas::supernet
