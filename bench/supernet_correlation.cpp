// Supernet rank correlation: inherited-weight accuracy vs stand-alone training on Fashion-MNIST, and the search cost.
//
// Trains the weight-sharing supernet of a small MobileNet-family space (kSpace below) once with
// sandwich sampling on a fraction of Fashion-MNIST's training split; samples distinct subnets;
// for each, measures the accuracy with inherited weights after batch-norm recalibration, and the
// accuracy of the same network trained from scratch at a small fixed fidelity; prints both, their
// Spearman and Kendall rank correlations, then runs the evolution search under a simulator latency
// budget (the median latency of the sampled subnets) and reports its cost in CPU hours (supernet
// training + search), beside the CPU hours the stand-alone trainings took.
//
//   bench_supernet_correlation                         # the defaults below, one thread
//   bench_supernet_correlation --quick                 # a smoke run (minutes)
//   bench_supernet_correlation --resolution 28 --fraction 0.2 --epochs 8 --subnets 30 --standalone-epochs 2
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>

#include "bench_cli.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "hwnas/data/fashion_mnist.h"
#include "hwnas/estimator/evaluation.h"
#include "hwnas/hw/registry.h"
#include "hwnas/supernet/supernet.h"

using namespace hwnas;

namespace {

// The supernet's space: two block types, kernels 3 / 5, expansions, depths and widths per stage.
constexpr const char* kSpace = R"yaml(
name: supernet_fmnist
kind: macro
input: {channels: 1, resolution: [RESOLUTION]}
activation: relu6
stem: {channels: [8, 16], stride: 2}
stages:
  - {block: [ibn, fused_ibn], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: [8, 16], stride: 1}
  - {block: [ibn, fused_ibn], kernel: [3, 5], expansion: [3, 6], depth: [1, 2], channels: [16, 24], stride: 2}
  - {block: [ibn, fused_ibn], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: [24, 32], stride: 2}
  - {block: [ibn, fused_ibn], kernel: [3, 5], expansion: [3, 6], depth: [1, 2], channels: [32, 48], stride: 2}
head: {type: classification, classes: 10, conv_channels: 96}
)yaml";

struct Options {
  int64_t resolution = 16;      // Fashion-MNIST resized from 28 x 28
  double fraction = 0.1;        // of the 60,000 training images, for the supernet and every stand-alone run
  int64_t holdout = 1000;       // of those, held out for the search's scoring
  int64_t test = 2000;          // test-split images the correlation is measured on
  int64_t calibration = 500;    // training images for batch-norm recalibration
  int64_t epochs = 8;           // supernet epochs (sandwich: 4 subnets per step)
  int64_t standalone_epochs = 2;  // each sampled subnet trained from scratch on the same images
  int subnets = 30;
  int trials = 40;              // search trials
  std::string target = "ethos-u55-256";
  uint64_t seed = 1;
  int threads = 1;
};

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double kendall(const std::vector<double>& a, const std::vector<double>& b) {
  double concordant = 0, discordant = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = i + 1; j < a.size(); ++j) {
      const double s = (a[i] - a[j]) * (b[i] - b[j]);
      if (s > 0) ++concordant;
      if (s < 0) ++discordant;
    }
  const double pairs = concordant + discordant;
  return pairs > 0 ? (concordant - discordant) / pairs : 0;
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}

void must(Status s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().message.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines reach a log file as they come
  Options o;
  CLI::App app{"supernet: inherited-weight vs stand-alone accuracy rank correlation over subnets, and the search cost"};
  bool quick = false;
  app.add_flag("--quick", quick, "a smoke run (minutes)");
  app.add_option("--resolution", o.resolution, "Fashion-MNIST resized to this")->check(CLI::Range(8, 224));
  app.add_option("--fraction", o.fraction, "of the training split, for the supernet and every stand-alone run")->check(CLI::Range(0.001, 1.0));
  app.add_option("--holdout", o.holdout, "of those, held out for the search's scoring")->check(hwnas::bench::positive_number());
  app.add_option("--test", o.test, "test-split images the correlation is measured on")->check(CLI::Range(10, 10000));
  app.add_option("--calibration", o.calibration, "images for batch-norm recalibration")->check(hwnas::bench::positive_number());
  app.add_option("--epochs", o.epochs, "supernet epochs")->check(hwnas::bench::positive_number());
  app.add_option("--standalone-epochs", o.standalone_epochs, "epochs of each subnet trained from scratch")->check(hwnas::bench::positive_number());
  app.add_option("--subnets", o.subnets, "distinct subnets sampled")->check(CLI::Range(3, 10000));
  app.add_option("--trials", o.trials, "search trials")->check(hwnas::bench::positive_number());
  app.add_option("--target", o.target, "the latency target of the search");
  app.add_option("--seed", o.seed, "seed");
  app.add_option("--threads", o.threads, "torch threads")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  if (quick) o.fraction = 0.02, o.holdout = 200, o.test = 500, o.calibration = 200, o.epochs = 1, o.subnets = 6, o.trials = 8;
  at::set_num_threads(o.threads);
  std::string yaml = kSpace;
  yaml.replace(yaml.find("RESOLUTION"), 10, std::to_string(o.resolution));
  const space::SearchSpace space = must(space::parse_space(yaml, "supernet_fmnist", {}), "space");
  auto train_data = must(data::open_fashion_mnist({.split = data::Split::Train, .fraction = o.fraction, .seed = o.seed,
                                                   .resolution = o.resolution}),
                         "Fashion-MNIST train");
  auto test_data = must(data::open_fashion_mnist({.split = data::Split::Test, .fraction = 1.0, .seed = o.seed,
                                                  .resolution = o.resolution}),
                        "Fashion-MNIST test");
  supernet::TensorSet all = must(supernet::load_tensors(*train_data), "load train");
  const int64_t holdout = std::min<int64_t>(o.holdout, all.size() / 2);
  supernet::TensorSet train_set = all.slice(0, all.size() - holdout);
  supernet::TensorSet held_out = all.slice(all.size() - holdout, holdout);
  supernet::TensorSet calibration = train_set.slice(0, o.calibration);
  // The test split's first images in file order are not class-sorted; take a stratified-enough prefix.
  supernet::TensorSet test_set = must(supernet::load_tensors(*test_data, o.test), "load test");
  std::printf("space %s: %zu decisions, 10^%.2f architectures\n", space.name().c_str(), space.decisions().size(),
              space.log10_size());
  std::printf("data: %lld training, %lld held-out (search), %lld test, %lld calibration images; %d thread(s)\n",
              static_cast<long long>(train_set.size()), static_cast<long long>(held_out.size()),
              static_cast<long long>(test_set.size()), static_cast<long long>(calibration.size()), o.threads);

  // 1. The supernet, trained once.
  supernet::Supernet net = must(supernet::make_supernet(space, {.seed = o.seed}), "supernet");
  auto trained = must(supernet::train(net, train_set,
                                      {.sampling = supernet::Sampling::Sandwich, .epochs = o.epochs,
                                       .batch_size = 64, .learning_rate = 0.05, .seed = o.seed}),
                      "supernet training");
  std::printf("supernet: %lld steps, %lld subnet passes, last loss %.3f, %.1f CPU s\n",
              static_cast<long long>(trained.steps), static_cast<long long>(trained.subnets), trained.last_loss,
              trained.cpu_seconds);

  // 2. Distinct random subnets: inherited accuracy vs stand-alone trained accuracy.
  auto target = must(hw::make_target(o.target), "target");
  search::HardwareEvaluator hardware(std::move(target));
  std::mt19937_64 rng(o.seed ^ 0xbe7c4ull);
  std::set<std::string> keys;
  std::vector<double> inherited, standalone, latencies;
  double inherited_seconds = 0, standalone_seconds = 0;
  std::printf("\n  %-3s %10s %10s %11s %9s  %s\n", "#", "inherited", "scratch", "latency_us", "params", "architecture");
  while (static_cast<int>(inherited.size()) < o.subnets) {
    space::Architecture arch = net->random_architecture(rng);
    if (!keys.insert(space.canonical_key(arch)).second) continue;
    double t0 = cpu_seconds();
    const double acc = must(supernet::inherited_accuracy(net, arch, calibration, test_set), "inherited accuracy");
    inherited_seconds += cpu_seconds() - t0;
    t0 = cpu_seconds();
    ir::Graph graph = must(space.decode(arch), "decode");
    must(supernet::train_graph(graph, train_set,
                               {.epochs = o.standalone_epochs, .batch_size = 64, .learning_rate = 0.05,
                                .seed = o.seed + inherited.size()}),
         "stand-alone training");
    const double scratch = must(supernet::graph_accuracy(graph, test_set), "stand-alone accuracy");
    standalone_seconds += cpu_seconds() - t0;
    auto metrics = must(hardware.evaluate({.space = space, .arch = arch}), "hardware");
    inherited.push_back(acc);
    standalone.push_back(scratch);
    latencies.push_back(metrics["latency_us"]);
    std::printf("  %-3zu %9.2f%% %9.2f%% %11.1f %9.0f  %s\n", inherited.size(), 100 * acc, 100 * scratch,
                metrics["latency_us"], metrics["params"], space.canonical_key(arch).c_str());
    std::fflush(stdout);
  }
  std::printf("\nrank correlation over %zu subnets: Spearman %.3f, Kendall %.3f\n", inherited.size(),
              estimator::spearman(inherited, standalone), kendall(inherited, standalone));
  std::printf("CPU time: inherited evaluation %.1f s (%.2f s per subnet), stand-alone training %.1f s (%.1f s per subnet)\n",
              inherited_seconds, inherited_seconds / inherited.size(), standalone_seconds,
              standalone_seconds / standalone.size());

  // 3. The search: evolution under a latency budget, scored on the held-out images.
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  const double budget = sorted[sorted.size() / 2];
  auto found = must(supernet::search(net, hardware, calibration, held_out,
                                     {.trials = o.trials, .latency_budget = budget, .seed = o.seed}),
                    "search");
  std::printf("\nsearch (%s, budget %.1f us = median of the sampled subnets, %d trials): best held-out %.2f%%, "
              "latency %.1f us\n  %s\n",
              o.target.c_str(), budget, o.trials, 100 * found.best_accuracy, found.best_metrics["latency_us"],
              space.canonical_key(found.best).c_str());
  double t0 = cpu_seconds();
  must(net->recalibrate(found.best, calibration.image_batches(100)), "recalibrate");
  ir::Graph chosen = must(net->extract(found.best), "extract");
  const double before = must(supernet::graph_accuracy(chosen, test_set), "accuracy");
  must(supernet::train_graph(chosen, train_set, {.epochs = 1, .batch_size = 64, .learning_rate = 0.01, .seed = o.seed}),
       "fine-tune");
  const double after = must(supernet::graph_accuracy(chosen, test_set), "accuracy");
  const double finetune_seconds = cpu_seconds() - t0;
  std::printf("chosen subnet, extracted: test %.2f%% inherited, %.2f%% after 1 fine-tuning epoch (%.1f CPU s)\n",
              100 * before, 100 * after, finetune_seconds);
  const double search_cost = (trained.cpu_seconds + found.cpu_seconds) / 3600;
  std::printf("\nsearch cost: %.4f CPU hours (supernet training %.1f s + search %.1f s over %d trials)\n", search_cost,
              trained.cpu_seconds, found.cpu_seconds, o.trials);
  std::printf("for comparison: stand-alone training of the %zu sampled subnets took %.4f CPU hours "
              "(%.4f per subnet at %lld epoch(s))\n",
              standalone.size(), standalone_seconds / 3600, standalone_seconds / 3600 / standalone.size(),
              static_cast<long long>(o.standalone_epochs));
  return 0;
}
