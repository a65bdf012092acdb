// Training throughput (images/s) of hwnas's libtorch trainer beside Python PyTorch on the same MobileNetV2, in one run.
//
//   bench_train_throughput [--width 0.5] [--resolution 32] [--batch 64] [--threads 2] [--steps 20] [--rounds 3]
//
// Both sides train torchvision's MobileNetV2 layout (hwnas: zoo mobilenet_v2, built from the IR
// by libtorch::make_graph_module; Python: torchvision.models.mobilenet_v2 with dropout off) on
// random images with the same batch, thread count, optimizer (SGD, Nesterov momentum, weight
// decay on conv / linear weights) and loss; hwnas runs train::train_step, the trainer's own step.
// Each side: warm-up steps, then the best of `rounds` timed rounds of `steps` steps. The Python
// side is bench/train_throughput_reference.py run with /usr/bin/python3 (Debian's python3-torch,
// the same libtorch version). Prints both rates, the ratio hwnas / PyTorch and the parameter
// counts (which must agree: the same network).
#include <CLI/CLI.hpp>

#include "bench_cli.h"
#include <torch/torch.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "hwnas/train/trainer.h"
#include "hwnas/zoo/zoo.h"

namespace {

struct Args {
  double width = 0.5;
  int64_t resolution = 32, batch = 64, classes = 10, steps = 20, rounds = 3, warmup = 3;
  int threads = 2;
};

// Runs the Python reference; returns its "params N images_per_second X" line parsed, or -1s.
std::pair<int64_t, double> python_reference(const Args& a) {
  std::string command = std::string("/usr/bin/python3 ") + HWNAS_BENCH_DIR + "/train_throughput_reference.py" +
                        " --width " + std::to_string(a.width) + " --resolution " + std::to_string(a.resolution) +
                        " --classes " + std::to_string(a.classes) + " --batch " + std::to_string(a.batch) +
                        " --threads " + std::to_string(a.threads) + " --steps " + std::to_string(a.steps) +
                        " --rounds " + std::to_string(a.rounds) + " --warmup " + std::to_string(a.warmup);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, -1.0};
  std::array<char, 512> line{};
  long long params = -1;
  double rate = -1.0;
  while (fgets(line.data(), line.size(), pipe))
    if (std::sscanf(line.data(), "params %lld images_per_second %lf", &params, &rate) == 2) break;
  pclose(pipe);
  return {params, rate};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hwnas;
  Args a;
  CLI::App app{
      "Training throughput (images/s) of hwnas's libtorch trainer beside Python PyTorch on the same "
      "MobileNetV2, in one run"};
  const CLI::Validator positive = hwnas::bench::positive_number();
  app.option_defaults()->always_capture_default();
  app.add_option("--width", a.width, "MobileNetV2 width multiplier")->check(positive);
  app.add_option("--resolution", a.resolution, "input height and width")->check(positive);
  app.add_option("--batch", a.batch, "images per training step")->check(positive);
  app.add_option("--threads", a.threads, "torch threads of both sides")->check(positive);
  app.add_option("--steps", a.steps, "training steps per timed round")->check(positive);
  app.add_option("--rounds", a.rounds, "timed rounds (the best one counts)")->check(positive);
  CLI11_PARSE(app, argc, argv);
  torch::set_num_threads(a.threads);
  auto graph = zoo::build_model("mobilenet_v2", {.width_multiplier = a.width, .resolution = a.resolution,
                                                 .num_classes = a.classes, .batch = a.batch, .in_channels = 3});
  if (!graph) {
    std::cerr << graph.error().message << '\n';
    return 1;
  }
  auto module = libtorch::make_graph_module(*graph, {.seed = 0});
  if (!module) {
    std::cerr << module.error().message << '\n';
    return 1;
  }
  train::TrainOptions options;
  options.learning_rate = 0.01;
  auto optimizer = train::make_optimizer(*module, options);
  auto task = train::make_task(data::Task::Classification, {.num_classes = a.classes});
  if (!optimizer || !task) {
    std::cerr << "cannot set up training\n";
    return 1;
  }
  (*module)->train();
  data::Batch batch;
  batch.size = a.batch;
  batch.channels = 3;
  batch.height = batch.width = a.resolution;
  torch::manual_seed(0);
  torch::Tensor images = torch::rand({a.batch, 3, a.resolution, a.resolution});
  for (int64_t i = 0; i < a.batch; ++i) batch.labels.push_back(i % a.classes);

  for (int64_t i = 0; i < a.warmup; ++i) train::train_step(*module, **optimizer, **task, images, batch);
  double best = 0.0;
  for (int64_t r = 0; r < a.rounds; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < a.steps; ++i) train::train_step(*module, **optimizer, **task, images, batch);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(a.steps * a.batch) / seconds);
  }
  int64_t params = 0;
  for (const auto& p : (*module)->parameters()) params += p.numel();

  auto [python_params, python_rate] = python_reference(a);
  std::printf("train throughput: mobilenet_v2 width %.2f, %lldx%lld, %lld classes, batch %lld, %d threads, "
              "SGD, best of %lld rounds of %lld steps\n",
              a.width, static_cast<long long>(a.resolution), static_cast<long long>(a.resolution),
              static_cast<long long>(a.classes), static_cast<long long>(a.batch), a.threads,
              static_cast<long long>(a.rounds), static_cast<long long>(a.steps));
  std::printf("  hwnas (libtorch %s):  %10.1f images/s  (%lld parameters)\n", TORCH_VERSION, best,
              static_cast<long long>(params));
  if (python_rate <= 0) {
    std::printf("  PyTorch reference: failed to run /usr/bin/python3 %s/train_throughput_reference.py\n",
                HWNAS_BENCH_DIR);
    return 1;
  }
  std::printf("  PyTorch (python):     %10.1f images/s  (%lld parameters)\n", python_rate,
              static_cast<long long>(python_params));
  std::printf("  ratio hwnas / PyTorch: %.3fx%s\n", best / python_rate,
              python_params == params ? "" : "  (WARNING: parameter counts differ: not the same network)");
  return 0;
}
