// Spearman rank correlation between each zero-shot proxy (and parameters, MACs) and the accuracy
// of networks sampled from a small Fashion-MNIST macro space and trained at one fixed low fidelity.
//
//   bench_zeroshot_correlation [--networks 100] [--train-images 2000] [--epochs 1]
//                              [--test-images 1000] [--batch-size 64] [--seed 1] [--csv FILE]
//                              [--retrain 0|1]
//
// Fidelity (the defaults): 2,000 stratified training images at 28x28, 1 epoch of SGD (batch 32,
// lr 0.05 decayed to 0 on a cosine over the run, momentum 0.9, weight decay 4e-5; the decay keeps
// the last steps from deciding the accuracy), accuracy on 1,000 stratified test
// images; one libtorch thread. The training loop is the bench's own, a fixed-fidelity SGD loop
// over libtorch::make_graph_module. Every proxy scores the untrained network at seed = the
// network's index (the training starts from other weights, seeded the same way);
// NASWOT, grad-norm and SNIP take a minibatch of Fashion-MNIST training images,
// SynFlow an all-ones input, Zen Gaussian inputs. Published on NAS-Bench-201 CIFAR-10 (Abdelfattah
// et al. 2021; Mellor et al. 2021): SynFlow 0.74, NASWOT 0.73-0.79, grad-norm 0.59.
// --retrain 1 trains every network a second time from other initial weights and prints the
// Spearman correlation of the two accuracies: the ceiling any score can reach at this fidelity.
#include <ATen/ATen.h>
#include <CLI/CLI.hpp>

#include "bench_cli.h"
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hwnas/analysis/cost.h"
#include "hwnas/data/batch.h"
#include "hwnas/data/fashion_mnist.h"
#include "hwnas/space/space.h"
#include "hwnas/torch/module.h"
#include "hwnas/zeroshot/zeroshot.h"

using namespace hwnas;

namespace {

// A small Fashion-MNIST macro space: 1 x 28 x 28 input, relu, three stages, widths aligned to 8.
constexpr const char* kSpaceYaml = R"yaml(name: fashion_mnist_small
kind: macro
input: {channels: 1, resolution: [28]}
depth_multiplier: [0.5, 1.0]
activation: relu
stem: {channels: {aligned: P, min: 8, max: 24}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3, 6], depth: [1, 2], channels: {aligned: P, min: 8, max: 32}, stride: 1}
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 16, max: 48}, stride: 2}
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 24, max: 64}, stride: 2}
head: {type: classification, classes: 10}
)yaml";

struct Options {
  int networks = 100;
  int64_t train_images = 2000, test_images = 1000, epochs = 1, batch_size = 64;
  uint64_t seed = 1;
  std::string csv;
  bool retrain = false;
};

// Images [n, 1, 28, 28] and labels [n] of a whole (small) data set.
struct Tensors {
  at::Tensor images, labels;
};

Result<Tensors> load_all(const data::Dataset& set) {
  std::vector<int64_t> all(static_cast<size_t>(set.size()));
  std::iota(all.begin(), all.end(), 0);
  auto batch = data::load_batch(set, all);
  if (!batch) return batch.error();
  return Tensors{at::from_blob(batch->images.data(), {batch->size, batch->channels, batch->height, batch->width},
                               at::kFloat)
                     .clone(),
                 at::from_blob(batch->labels.data(), {batch->size}, at::kLong).clone()};
}

// Trains `graph` from seeded weights with the bench's fixed fidelity; returns the test accuracy.
Result<double> train_and_test(const ir::Graph& graph, const Tensors& train, const Tensors& test,
                              const Options& options, uint64_t seed) {
  auto module = libtorch::make_graph_module(graph, {.seed = seed, .use_graph_weights = false});
  if (!module) return module.error();
  torch::optim::SGD sgd((*module)->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(4e-5));
  const int64_t n = train.images.size(0);
  const int64_t total_steps = std::max<int64_t>(1, options.epochs * (n / 32));
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    (*module)->train();
    std::vector<int64_t> order = data::epoch_order(n, seed, epoch);
    for (const auto& indices : data::make_batches(order, 32, /*drop_last=*/true)) {
      const double progress = static_cast<double>(step++) / static_cast<double>(total_steps);
      for (auto& group : sgd.param_groups())
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(0.05 * 0.5 * (1.0 + std::cos(M_PI * progress)));
      at::Tensor index = at::tensor(indices, at::kLong);
      at::Tensor logits = (*module)->forward(train.images.index_select(0, index));
      at::Tensor loss = at::cross_entropy_loss(logits, train.labels.index_select(0, index));
      sgd.zero_grad();
      loss.backward();
      sgd.step();
    }
  }
  at::NoGradGuard no_grad;
  (*module)->eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < test.images.size(0); start += 250) {
    int64_t count = std::min<int64_t>(250, test.images.size(0) - start);
    at::Tensor logits = (*module)->forward(test.images.narrow(0, start, count));
    correct += logits.argmax(1).eq(test.labels.narrow(0, start, count)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(test.images.size(0));
}

// Ranks 1..n with ties at their average rank (-inf lowest).
std::vector<double> ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> rank(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    double average = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = average;
    i = j + 1;
  }
  return rank;
}

// Spearman's rho: the Pearson correlation of the ranks.
double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> rx = ranks(x), ry = ranks(y);
  const double n = static_cast<double>(rx.size());
  double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n, my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "bench_zeroshot_correlation: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Spearman of each zero-shot proxy, params and MACs against trained accuracy on a small Fashion-MNIST space"};
  app.add_option("--networks", options.networks, "networks sampled")->check(CLI::Range(3, 100000));
  app.add_option("--train-images", options.train_images, "stratified training images")->check(CLI::Range(10, 60000));
  app.add_option("--test-images", options.test_images, "stratified test images")->check(CLI::Range(10, 10000));
  app.add_option("--epochs", options.epochs, "epochs of every training")->check(hwnas::bench::positive_number());
  app.add_option("--batch-size", options.batch_size, "the proxies' minibatch")->check(hwnas::bench::positive_number());
  app.add_option("--seed", options.seed, "of the sampling and the data");
  app.add_option("--csv", options.csv, "also write every network's scores and accuracies there");
  app.add_option("--retrain", options.retrain, "1: train every network twice (the noise ceiling)");
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(1);
  auto space = space::parse_space(kSpaceYaml, "bench:fashion_mnist_small", {.channel_multiple = 8});
  if (!space) return fail(space.error().message);
  auto train_set = data::open_fashion_mnist(
      {.split = data::Split::Train, .fraction = static_cast<double>(options.train_images) / 60000.0, .seed = options.seed});
  if (!train_set) return fail(train_set.error().message);
  auto test_set = data::open_fashion_mnist(
      {.split = data::Split::Test, .fraction = static_cast<double>(options.test_images) / 10000.0, .seed = options.seed});
  if (!test_set) return fail(test_set.error().message);
  auto train = load_all(**train_set);
  auto test = load_all(**test_set);
  if (!train || !test) return fail(!train ? train.error().message : test.error().message);
  std::printf("== zero-shot proxies vs accuracy: %d networks of %s (10^%.1f architectures) ==\n", options.networks,
              space->name().c_str(), space->log10_size());
  std::printf("fidelity: %lld train images, %lld epoch(s), SGD batch 32 lr 0.05 cosine; test on %lld images; 28x28; 1 thread\n",
              static_cast<long long>(train->images.size(0)), static_cast<long long>(options.epochs),
              static_cast<long long>(test->images.size(0)));

  const std::vector<zeroshot::Proxy> proxies = zeroshot::all_proxies();
  std::vector<std::string> names{"params", "macs"};
  for (zeroshot::Proxy p : proxies) names.emplace_back(zeroshot::proxy_name(p));
  std::vector<std::vector<double>> scores(names.size());
  std::vector<double> accuracy, retrained;
  std::ofstream csv;
  if (!options.csv.empty()) {
    csv.open(options.csv);
    csv << "index,key,accuracy";
    for (const auto& name : names) csv << ',' << name;
    csv << '\n';
  }

  std::mt19937_64 sampler(options.seed);
  std::set<std::string> seen;
  auto started = std::chrono::steady_clock::now();
  double train_seconds = 0, score_seconds = 0;
  for (int index = 0; static_cast<int>(accuracy.size()) < options.networks && index < 50 * options.networks; ++index) {
    space::Architecture arch;
    for (const space::Decision& d : space->decisions())
      arch.push_back(static_cast<int>(sampler() % d.choices.size()));
    std::string key = space->canonical_key(arch);
    if (!seen.insert(key).second) continue;
    auto graph = space->decode(arch);
    if (!graph) continue;  // an invalid architecture: sample another
    const uint64_t seed = options.seed * 1000003 + static_cast<uint64_t>(accuracy.size());
    std::vector<double> row;
    analysis::CostSummary cost = analysis::analyze_cost(*graph);
    row.push_back(static_cast<double>(cost.params));
    row.push_back(static_cast<double>(cost.macs));
    auto t0 = std::chrono::steady_clock::now();
    for (zeroshot::Proxy p : proxies) {
      zeroshot::ScoreOptions score_options{.seed = seed, .batch_size = options.batch_size, .data = train_set->get()};
      auto s = zeroshot::score(*graph, p, score_options);
      if (!s) return fail(s.error().message);
      row.push_back(*s);
    }
    auto t1 = std::chrono::steady_clock::now();
    auto acc = train_and_test(*graph, *train, *test, options, seed);
    if (!acc) return fail(acc.error().message);
    auto t2 = std::chrono::steady_clock::now();
    score_seconds += std::chrono::duration<double>(t1 - t0).count();
    train_seconds += std::chrono::duration<double>(t2 - t1).count();
    accuracy.push_back(*acc);
    if (options.retrain) {
      auto again = train_and_test(*graph, *train, *test, options, seed + 0x9e3779b97f4a7c15ULL);
      if (!again) return fail(again.error().message);
      retrained.push_back(*again);
    }
    for (size_t k = 0; k < row.size(); ++k) scores[k].push_back(row[k]);
    std::printf("%3zu acc %.4f  params %7.0f  MMACs %6.2f  synflow %10.4g  naswot %8.2f  zen %7.2f  (%.1fs)\n",
                accuracy.size(), *acc, row[0], row[1] / 1e6, row[3], row[2], row[6],
                std::chrono::duration<double>(t2 - t0).count());
    std::fflush(stdout);
    if (csv) {
      csv << accuracy.size() - 1 << ",\"" << key << "\"," << *acc;
      for (double v : row) csv << ',' << v;
      csv << '\n';
    }
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto [low, high] = std::minmax_element(accuracy.begin(), accuracy.end());
  std::printf("\n%zu networks in %.0f s (training %.0f s, scoring %.0f s); accuracy %.4f .. %.4f\n", accuracy.size(),
              total, train_seconds, score_seconds, accuracy.empty() ? 0.0 : *low, accuracy.empty() ? 0.0 : *high);
  std::printf("%-10s %9s   %s\n", "score", "spearman", "published NAS-Bench-201 CIFAR-10");
  const char* published[] = {"-", "-", "0.73-0.79", "0.74", "0.59", "-", "-"};
  for (size_t k = 0; k < names.size(); ++k)
    std::printf("%-10s %9.3f   %s\n", names[k].c_str(), spearman(scores[k], accuracy), published[k]);
  if (options.retrain)
    std::printf("%-10s %9.3f   accuracy of a second training from other weights (the noise ceiling)\n", "retrained",
                spearman(retrained, accuracy));
  return 0;
}
