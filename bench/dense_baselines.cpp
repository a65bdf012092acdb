// Dense-task baselines: an LR-ASPP segmenter (mIoU) or an SSDLite detector (mAP@0.5) trained on composite Fashion-MNIST scenes.
//
//   bench_dense_baselines --task segmentation --model mobilenet_v3_large_lraspp --canvas 96 --width 1
//       --train-scenes 4000 --test-scenes 500 --epochs 4 --batch 32 --lr 0.003 --threads 2 --seed 0
//   bench_dense_baselines --task detection --model mobilenet_v2_ssdlite ...
//
// Trains with train::train_network (AdamW, cosine schedule with a short warm-up, horizontal flips,
// per-channel normalisation measured on the first 512 training scenes) on `train-scenes` scenes
// of the Fashion-MNIST train items and evaluates the task's metric on `test-scenes` scenes of
// the test items (data::CompositeDataset, seeds 1 and 2). Prints one line per epoch and the
// final metric: the figures README.md shows. The network and its training are exactly what
// `hwnas train MODEL --task segmentation|detection --data composite` runs with the same options.
#include <CLI/CLI.hpp>

#include "bench_cli.h"
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "hwnas/analysis/cost.h"
#include "hwnas/data/augment.h"
#include "hwnas/data/composite.h"
#include "hwnas/train/trainer.h"
#include "hwnas/zoo/zoo.h"

namespace {

struct Args {
  std::string task = "segmentation";
  std::string model;  // default per task
  int64_t canvas = 96, train_scenes = 4000, test_scenes = 500, epochs = 4, batch = 32;
  double width = 1.0, lr = 3e-3, weight_decay = 1e-4, min_scale = 0.2, max_scale = 0.95;
  int threads = 2;
  uint64_t seed = 0;
  int eval_on_train = 0;  // 1: held-out = the first test-scenes training scenes (a memorisation check)
};

// Parses the command line into `a`; returns -1 to go on, else the exit code (0 after --help).
int parse(int argc, char** argv, Args& a) {
  CLI::App app{
      "Dense-task baselines: an LR-ASPP segmenter (mIoU) or an SSDLite detector (mAP@0.5) trained on "
      "composite Fashion-MNIST scenes"};
  const CLI::Validator positive = hwnas::bench::positive_number();
  const CLI::Validator non_negative = hwnas::bench::non_negative_number();
  app.option_defaults()->always_capture_default();
  app.add_option("--task", a.task, "segmentation or detection")
      ->check(CLI::IsMember({"segmentation", "detection"}));
  app.add_option(
      "--model", a.model,
      "zoo model (default: mobilenet_v3_large_lraspp for segmentation, mobilenet_v2_ssdlite for detection)");
  app.add_option("--canvas", a.canvas, "scene height and width (the network's input)")->check(positive);
  app.add_option("--train-scenes", a.train_scenes, "training scenes")->check(positive);
  app.add_option("--test-scenes", a.test_scenes, "held-out scenes")->check(positive);
  app.add_option("--epochs", a.epochs, "training epochs")->check(positive);
  app.add_option("--batch", a.batch, "training minibatch")->check(positive);
  app.add_option("--width", a.width, "width multiplier")->check(positive);
  app.add_option("--lr", a.lr, "AdamW peak learning rate")->check(positive);
  app.add_option("--weight-decay", a.weight_decay, "AdamW weight decay")->check(non_negative);
  app.add_option("--min-scale", a.min_scale, "detection: smallest default-box scale")->check(positive);
  app.add_option("--max-scale", a.max_scale, "detection: largest default-box scale")->check(positive);
  app.add_option("--threads", a.threads, "torch threads")->check(positive);
  app.add_option("--seed", a.seed, "of the training (scenes use seeds 1 and 2)");
  app.add_option("--eval-on-train", a.eval_on_train,
                 "1: held-out = the first test-scenes training scenes (a memorisation check)")
      ->check(CLI::IsMember({0, 1}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (a.model.empty()) a.model = a.task == "segmentation" ? "mobilenet_v3_large_lraspp" : "mobilenet_v2_ssdlite";
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hwnas;
  Args a;
  if (int exit_code = parse(argc, argv, a); exit_code >= 0) return exit_code;
  torch::set_num_threads(a.threads);
  const data::Task kind = a.task == "segmentation" ? data::Task::Segmentation : data::Task::Detection;

  data::CompositeOptions scenes{.task = kind, .size = a.train_scenes, .canvas = a.canvas, .seed = 1};
  auto train_set = data::open_composite(scenes);
  if (!train_set) {
    std::cerr << train_set.error().message << '\n';
    return 1;
  }
  scenes.size = a.test_scenes;
  if (!a.eval_on_train) {
    scenes.split = data::Split::Test;
    scenes.seed = 2;
  }
  auto test_set = data::open_composite(scenes);
  if (!test_set) {
    std::cerr << test_set.error().message << '\n';
    return 1;
  }
  auto statistics = data::channel_statistics(**train_set, 512);
  if (!statistics) {
    std::cerr << statistics.error().message << '\n';
    return 1;
  }

  const int64_t classes = (*train_set)->num_classes();  // background + 10
  auto graph = zoo::build_model(a.model, {.width_multiplier = a.width, .resolution = a.canvas,
                                          .num_classes = classes, .batch = 1, .in_channels = 1});
  if (!graph) {
    std::cerr << graph.error().message << '\n';
    return 1;
  }
  train::TaskOptions task_options{.num_classes = classes};
  task_options.detection.default_boxes.min_scale = a.min_scale;
  task_options.detection.default_boxes.max_scale = a.max_scale;
  auto task = train::make_task(kind, task_options);
  if (!task) {
    std::cerr << task.error().message << '\n';
    return 1;
  }
  if (auto fits = (*task)->check_graph(*graph); !fits) {
    std::cerr << fits.error().message << '\n';
    return 1;
  }
  auto cost = analysis::analyze_cost(*graph);
  std::printf("%s (width %.2f, %lldx%lld, %lld classes): %.1f M MACs, %.2f M params; %s on %s / %s\n",
              a.model.c_str(), a.width, static_cast<long long>(a.canvas), static_cast<long long>(a.canvas),
              static_cast<long long>(classes), static_cast<double>(cost.macs) / 1e6,
              static_cast<double>(cost.params) / 1e6, a.task.c_str(),
              (*train_set)->describe().c_str(), (*test_set)->describe().c_str());
  std::fflush(stdout);

  train::TrainOptions options;
  options.optimizer = train::OptimizerKind::AdamW;
  options.learning_rate = a.lr;
  options.weight_decay = a.weight_decay;
  options.epochs = a.epochs;
  options.warmup_epochs = std::min<double>(0.3, static_cast<double>(a.epochs) / 10.0);
  options.batch_size = a.batch;
  options.eval_batch_size = 64;
  options.augment = {.horizontal_flip = true};
  options.mean = statistics->mean;
  options.std = statistics->std;
  options.seed = a.seed;
  options.threads = a.threads;
  options.evaluate_every_epoch = true;
  auto start = std::chrono::steady_clock::now();
  int64_t last_printed = -1;
  options.progress = [&](const train::Progress& p) {
    if (p.step / 25 == last_printed) return;
    last_printed = p.step / 25;
    std::printf("  step %lld/%lld loss %.4f lr %.5f %.1f img/s\n", static_cast<long long>(p.step),
                static_cast<long long>(p.total_steps), p.loss, p.learning_rate, p.images_per_second);
    std::fflush(stdout);
  };
  options.early_stop = [&](const train::EpochReport& r) {
    std::printf("epoch %lld: train loss %.4f, test loss %.4f, test %s %.4f (%.0f s)\n",
                static_cast<long long>(r.epoch + 1), r.train_loss, r.eval_loss, (*task)->metric_name().c_str(),
                r.eval_metric, r.seconds);
    std::fflush(stdout);
    return false;
  };
  auto result = train::train_network(*graph, **task, **train_set, test_set->get(), options);
  if (!result) {
    std::cerr << result.error().message << '\n';
    return 1;
  }
  double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
  std::printf("final test %s %.4f after %lld steps (%.1f min)\n", (*task)->metric_name().c_str(),
              result->eval_metric, static_cast<long long>(result->steps), minutes);
  return 0;
}
