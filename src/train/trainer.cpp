// The training loop: seeded data order, schedule, optimizer steps, evaluation, checkpoints and resume.
#include "hwnas/train/trainer.h"

#include <ATen/ATen.h>
#include <torch/autograd.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <numeric>
#include <set>

#include "hwnas/data/subset.h"
#include "hwnas/train/checkpoint.h"

namespace hwnas::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Status check_options(const TrainOptions& o) {
  auto bad = [](const std::string& field, const std::string& rule) {
    return Error{"train option " + field + ": " + rule};
  };
  if (o.epochs < 1) return bad("epochs", "must be at least 1, got " + std::to_string(o.epochs));
  if (o.batch_size < 1) return bad("batch_size", "must be at least 1, got " + std::to_string(o.batch_size));
  if (o.eval_batch_size < 1) return bad("eval_batch_size", "must be at least 1");
  if (!(o.learning_rate > 0.0)) return bad("learning_rate", "must be positive, got " + std::to_string(o.learning_rate));
  if (o.momentum < 0.0 || o.momentum >= 1.0) return bad("momentum", "must be in [0, 1)");
  if (o.nesterov && o.optimizer == OptimizerKind::Sgd && o.momentum <= 0.0)
    return bad("nesterov", "needs a positive momentum");
  if (o.weight_decay < 0.0) return bad("weight_decay", "must not be negative");
  if (o.warmup_epochs < 0.0 || o.warmup_epochs > static_cast<double>(o.epochs))
    return bad("warmup_epochs", "must be in [0, epochs]");
  if (o.final_lr_ratio < 0.0 || o.final_lr_ratio > 1.0) return bad("final_lr_ratio", "must be in [0, 1]");
  if (!(o.data_fraction > 0.0 && o.data_fraction <= 1.0))
    return bad("data_fraction", "must be in (0, 1], got " + std::to_string(o.data_fraction));
  if (o.resolution < 0) return bad("resolution", "must not be negative");
  if (o.max_steps < 0) return bad("max_steps", "must not be negative");
  if (o.checkpoint_every_steps < 0) return bad("checkpoint_every_steps", "must not be negative");
  if (o.resume && o.checkpoint_path.empty()) return bad("resume", "needs a checkpoint path");
  if (o.mean.size() != o.std.size()) return bad("mean/std", "must have one value per channel each");
  for (float s : o.std)
    if (!(s > 0.0f)) return bad("std", "must be positive");
  return {};
}

// Checks that the graph takes one image input [batch, channels, side, side] matching the data.
Status check_input(const ir::Graph& graph, const data::Dataset& dataset, int64_t resolution) {
  const std::string where = "graph '" + graph.name() + "'";
  if (graph.inputs().size() != 1)
    return Error{where + ": takes " + std::to_string(graph.inputs().size()) + " inputs; training needs one image input"};
  const ir::Node& input = graph.node(graph.inputs().front());
  const int64_t height = resolution > 0 ? resolution : dataset.height();
  const int64_t width = resolution > 0 ? resolution : dataset.width();
  const ir::Shape& s = input.shape;
  if (s.rank() != 4 || s[1] != dataset.channels() || s[2] != height || s[3] != width)
    return Error{where + ": input " + input.describe() + " has shape [" + s.to_string() + "] but the data (" +
                 dataset.describe() + (resolution > 0 ? ", resized to " + std::to_string(resolution) : "") +
                 ") gives [batch, " + std::to_string(dataset.channels()) + ", " + std::to_string(height) + ", " +
                 std::to_string(width) + "]; build the model for that input"};
  return {};
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

// Checks that a checkpoint belongs to this graph and these options.
Status check_resumable(const CheckpointInfo& info, const ir::Graph& graph, const Task& task,
                       const TrainOptions& options, const std::string& path) {
  const std::string where = "checkpoint '" + path + "'";
  if (info.graph_yaml != structure_yaml(graph))
    return Error{where + ": was written for another network than graph '" + graph.name() + "'"};
  auto differs = [&](const std::string& field, const std::string& saved, const std::string& now) {
    return Error{where + ": was written with " + field + " " + saved + ", this run has " + now +
                 "; resume with the same options"};
  };
  if (info.task != data::task_name(task.kind())) return differs("task", info.task, data::task_name(task.kind()));
  if (info.seed != options.seed) return differs("seed", std::to_string(info.seed), std::to_string(options.seed));
  if (info.batch_size != options.batch_size)
    return differs("batch size", std::to_string(info.batch_size), std::to_string(options.batch_size));
  if (info.epochs != options.epochs) return differs("epochs", std::to_string(info.epochs), std::to_string(options.epochs));
  if (info.data_fraction != options.data_fraction)
    return differs("data fraction", std::to_string(info.data_fraction), std::to_string(options.data_fraction));
  if (info.resolution != options.resolution)
    return differs("resolution", std::to_string(info.resolution), std::to_string(options.resolution));
  if (info.optimizer != optimizer_name(options.optimizer))
    return differs("optimizer", info.optimizer, optimizer_name(options.optimizer));
  return {};
}

}  // namespace

const char* optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::Sgd ? "sgd" : "adamw"; }

Result<OptimizerKind> optimizer_from_name(const std::string& name) {
  if (name == "sgd") return OptimizerKind::Sgd;
  if (name == "adamw") return OptimizerKind::AdamW;
  return Error{"optimizer '" + name + "' is unknown (sgd, adamw)"};
}

double learning_rate_at(const TrainOptions& options, int64_t step, int64_t steps_per_epoch, int64_t total_steps) {
  const double warmup_steps = options.warmup_epochs * static_cast<double>(steps_per_epoch);
  const double position = static_cast<double>(step);
  if (warmup_steps > 0.0 && position < warmup_steps) return options.learning_rate * (position + 1.0) / warmup_steps;
  if (!options.cosine) return options.learning_rate;
  const double decay_steps = std::max(1.0, static_cast<double>(total_steps) - warmup_steps);
  const double progress = std::min(1.0, (position - warmup_steps) / decay_steps);
  const double floor = options.learning_rate * options.final_lr_ratio;
  return floor + (options.learning_rate - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

Result<std::unique_ptr<torch::optim::Optimizer>> make_optimizer(libtorch::GraphModule& module,
                                                                const TrainOptions& options) {
  // Conv and linear weights take weight decay; biases and batch-norm scale and shift do not.
  std::vector<torch::Tensor> decayed, not_decayed;
  std::set<const void*> decayed_impls;
  const ir::Graph& graph = module->graph();
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind != ir::OpKind::Conv2d && node.kind != ir::OpKind::Linear) continue;
    torch::Tensor weight = module->param(node.id, "weight");
    if (weight.defined() && weight.requires_grad()) {
      decayed.push_back(weight);
      decayed_impls.insert(weight.unsafeGetTensorImpl());
    }
  }
  for (const torch::Tensor& p : module->parameters())
    if (!decayed_impls.count(p.unsafeGetTensorImpl())) not_decayed.push_back(p);
  if (decayed.empty() && not_decayed.empty())
    return Error{"graph '" + graph.name() + "': has no trainable parameters"};

  std::vector<torch::optim::OptimizerParamGroup> groups;
  try {
    if (options.optimizer == OptimizerKind::Sgd) {
      auto sgd = [&](double decay) {
        return std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(options.learning_rate)
                                                              .momentum(options.momentum)
                                                              .nesterov(options.nesterov)
                                                              .weight_decay(decay));
      };
      if (!decayed.empty()) groups.emplace_back(decayed, sgd(options.weight_decay));
      if (!not_decayed.empty()) groups.emplace_back(not_decayed, sgd(0.0));
      return std::unique_ptr<torch::optim::Optimizer>(
          std::make_unique<torch::optim::SGD>(std::move(groups), *sgd(options.weight_decay)));
    }
    auto adamw = [&](double decay) {
      return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(options.learning_rate)
                                                              .betas({options.adam_beta1, options.adam_beta2})
                                                              .weight_decay(decay));
    };
    if (!decayed.empty()) groups.emplace_back(decayed, adamw(options.weight_decay));
    if (!not_decayed.empty()) groups.emplace_back(not_decayed, adamw(0.0));
    return std::unique_ptr<torch::optim::Optimizer>(
        std::make_unique<torch::optim::AdamW>(std::move(groups), *adamw(options.weight_decay)));
  } catch (const c10::Error& e) {
    return Error{std::string("optimizer ") + optimizer_name(options.optimizer) + ": " + e.what_without_backtrace()};
  }
}

torch::Tensor batch_images(const data::Batch& batch, int64_t resolution) {
  torch::Tensor images = torch::empty({batch.size, batch.channels, batch.height, batch.width}, torch::kFloat);
  std::copy(batch.images.begin(), batch.images.end(), images.data_ptr<float>());
  if (resolution > 0 && (resolution != batch.height || resolution != batch.width))
    images = at::upsample_bilinear2d(images, {resolution, resolution}, /*align_corners=*/false, c10::nullopt,
                                     c10::nullopt);
  return images;
}

double train_step(libtorch::GraphModule& module, torch::optim::Optimizer& optimizer, Task& task,
                  const torch::Tensor& images, const data::Batch& batch) {
  optimizer.zero_grad();
  std::vector<torch::Tensor> outputs = module->forward_all({images});
  torch::Tensor loss = task.loss(outputs, batch);
  loss.backward();
  optimizer.step();
  return loss.item<double>();
}

Result<EvalReport> evaluate(libtorch::GraphModule& module, Task& task, const data::Dataset& dataset,
                            const EvalOptions& options) {
  if (options.batch_size < 1) return Error{"evaluate: batch size must be at least 1"};
  if (dataset.task() != task.kind())
    return Error{"evaluate: the data (" + dataset.describe() + ") is for " + data::task_name(dataset.task()) +
                 ", the task is " + data::task_name(task.kind())};
  if (dataset.size() == 0) return Error{"evaluate: the data (" + dataset.describe() + ") is empty"};
  if (Status input = check_input(module->graph(), dataset, options.resolution); !input) return input.error();
  const Clock::time_point start = Clock::now();
  torch::NoGradGuard no_grad;
  module->eval();
  task.reset_metric();
  std::vector<int64_t> order(static_cast<size_t>(dataset.size()));
  std::iota(order.begin(), order.end(), 0);
  double loss_sum = 0.0;
  data::LoadOptions load{.mean = options.mean, .std = options.std};
  try {
    for (const auto& indices : data::make_batches(order, options.batch_size, /*drop_last=*/false)) {
      auto batch = data::load_batch(dataset, indices, load);
      if (!batch) return batch.error();
      std::vector<torch::Tensor> outputs = module->forward_all({batch_images(*batch, options.resolution)});
      loss_sum += task.loss(outputs, *batch).item<double>() * static_cast<double>(batch->size);
      task.update_metric(outputs, *batch);
    }
  } catch (const c10::Error& e) {
    return Error{"evaluate graph '" + module->graph().name() + "': libtorch: " + e.what_without_backtrace()};
  }
  EvalReport report;
  report.metric = task.metric();
  report.examples = dataset.size();
  report.loss = loss_sum / static_cast<double>(dataset.size());
  report.seconds = seconds_since(start);
  return report;
}

Result<TrainResult> train_network(const ir::Graph& graph, Task& task, const data::Dataset& train_set,
                                  const data::Dataset* eval_set, const TrainOptions& options) {
  if (Status valid = check_options(options); !valid) return valid.error();
  if (train_set.task() != task.kind())
    return Error{"train: the data (" + train_set.describe() + ") is for " + data::task_name(train_set.task()) +
                 ", the task is " + data::task_name(task.kind())};
  if (eval_set && eval_set->task() != task.kind())
    return Error{"train: the held-out data (" + eval_set->describe() + ") is for " +
                 data::task_name(eval_set->task()) + ", the task is " + data::task_name(task.kind())};
  if (Status fits = task.check_graph(graph); !fits) return fits.error();
  if (Status input = check_input(graph, train_set, options.resolution); !input) return input.error();
  if (eval_set)
    if (Status input = check_input(graph, *eval_set, options.resolution); !input) return input.error();
  if (!options.mean.empty() && static_cast<int64_t>(options.mean.size()) != train_set.channels())
    return Error{"train option mean/std: has " + std::to_string(options.mean.size()) + " values, the data " +
                 std::to_string(train_set.channels()) + " channels"};
  if (options.threads > 0) torch::set_num_threads(options.threads);

  // The training examples: a stratified fraction at reduced fidelity.
  std::vector<int64_t> examples(static_cast<size_t>(train_set.size()));
  std::iota(examples.begin(), examples.end(), 0);
  if (options.data_fraction < 1.0) {
    auto kept = data::fraction_indices(train_set.size(), train_set.labels(), options.data_fraction, options.seed);
    if (!kept) return Error{"train option data_fraction: " + kept.error().message};
    examples = std::move(*kept);
  }
  const auto example_count = static_cast<int64_t>(examples.size());
  if (example_count == 0) return Error{"train: the data (" + train_set.describe() + ") is empty"};
  const bool drop_last = example_count >= options.batch_size;
  const int64_t steps_per_epoch =
      drop_last ? example_count / options.batch_size : 1;  // a set smaller than a batch: one short batch
  const int64_t total_steps = steps_per_epoch * options.epochs;

  auto made = libtorch::make_graph_module(graph, {.seed = options.seed, .fake_quant = options.fake_quant});
  if (!made) return made.error();
  libtorch::GraphModule module = *made;
  auto optimizer = make_optimizer(module, options);
  if (!optimizer) return optimizer.error();

  CheckpointInfo position;
  position.graph_yaml = structure_yaml(graph);
  position.task = data::task_name(task.kind());
  position.seed = options.seed;
  position.batch_size = options.batch_size;
  position.epochs = options.epochs;
  position.resolution = options.resolution;
  position.data_fraction = options.data_fraction;
  position.mean = options.mean;
  position.std = options.std;
  position.optimizer = optimizer_name(options.optimizer);
  position.num_classes = train_set.num_classes();  // the background included for dense tasks

  TrainResult result;
  std::error_code ec;
  if (options.resume && std::filesystem::exists(options.checkpoint_path, ec)) {
    auto info = read_checkpoint_info(options.checkpoint_path);
    if (!info) return info.error();
    if (Status same = check_resumable(*info, graph, task, options, options.checkpoint_path); !same)
      return same.error();
    if (Status loaded = load_checkpoint_state(options.checkpoint_path, module, optimizer->get()); !loaded)
      return loaded.error();
    position.epoch = info->epoch;
    position.batch_in_epoch = info->batch_in_epoch;
    position.step = info->step;
    position.epoch_loss_sum = info->epoch_loss_sum;
    position.epoch_steps = info->epoch_steps;
    result.resumed_from_step = info->step;
  }
  auto save = [&]() -> Status {
    if (options.checkpoint_path.empty()) return {};
    return save_checkpoint(options.checkpoint_path, position, module, optimizer->get());
  };

  EvalOptions eval_options{.batch_size = options.eval_batch_size, .resolution = options.resolution,
                           .mean = options.mean, .std = options.std};
  const Clock::time_point session_start = Clock::now();
  int64_t session_steps = 0;
  bool stop = false;
  bool evaluation_current = false;  // the last evaluation saw the current weights
  try {
    for (int64_t epoch = position.epoch; epoch < options.epochs && !stop; ++epoch) {
      module->train();
      std::vector<int64_t> order = data::epoch_order(example_count, options.seed, epoch);
      for (int64_t& i : order) i = examples[static_cast<size_t>(i)];
      const auto batches = data::make_batches(order, options.batch_size, drop_last);
      data::LoadOptions load{.augment = options.augment, .mean = options.mean, .std = options.std,
                             .seed = options.seed, .epoch = epoch};
      auto load_at = [&](size_t b) { return data::load_batch(train_set, batches[b], load); };
      const Clock::time_point epoch_start = Clock::now();
      int64_t epoch_images = 0;
      double lr = 0.0;
      // The next batch loads on another thread while this one trains.
      size_t first = epoch == position.epoch ? static_cast<size_t>(position.batch_in_epoch) : 0;
      std::future<Result<data::Batch>> next;
      if (first < batches.size()) next = std::async(std::launch::async, load_at, first);
      for (size_t b = first; b < batches.size(); ++b) {
        Result<data::Batch> batch = next.get();
        if (b + 1 < batches.size()) next = std::async(std::launch::async, load_at, b + 1);
        if (!batch) {
          if (next.valid()) next.wait();
          return batch.error();
        }
        lr = learning_rate_at(options, position.step, steps_per_epoch, total_steps);
        set_learning_rate(**optimizer, lr);
        const double loss = train_step(module, **optimizer, task, batch_images(*batch, options.resolution), *batch);
        if (options.after_step) {
          torch::NoGradGuard no_grad;
          options.after_step(module);
        }
        if (!std::isfinite(loss)) {
          if (next.valid()) next.wait();
          return Error{"train graph '" + graph.name() + "': the loss became " + std::to_string(loss) + " at step " +
                       std::to_string(position.step) + " (learning rate " + std::to_string(lr) +
                       "); lower the learning rate"};
        }
        evaluation_current = false;
        ++position.step;
        ++session_steps;
        position.batch_in_epoch = static_cast<int64_t>(b) + 1;
        position.epoch_loss_sum += loss;
        ++position.epoch_steps;
        epoch_images += batch->size;
        if (options.progress) {
          Progress p;
          p.epoch = epoch;
          p.epochs = options.epochs;
          p.step_in_epoch = static_cast<int64_t>(b) + 1;
          p.steps_per_epoch = static_cast<int64_t>(batches.size());
          p.step = position.step;
          p.total_steps = total_steps;
          p.loss = position.epoch_loss_sum / static_cast<double>(position.epoch_steps);
          p.learning_rate = lr;
          const double elapsed = seconds_since(session_start);
          p.images_per_second = elapsed > 0 ? static_cast<double>(session_steps * options.batch_size) / elapsed : 0.0;
          p.eta_seconds = elapsed / static_cast<double>(session_steps) * static_cast<double>(total_steps - position.step);
          options.progress(p);
        }
        const bool at_limit = options.max_steps > 0 && position.step >= options.max_steps;
        if (at_limit || (options.checkpoint_every_steps > 0 && position.step % options.checkpoint_every_steps == 0 &&
                         b + 1 < batches.size())) {
          if (Status saved = save(); !saved) {
            if (next.valid()) next.wait();
            return saved.error();
          }
        }
        if (at_limit) {
          if (next.valid()) next.wait();
          stop = true;
          result.stopped_early = true;
          break;
        }
      }
      if (stop) break;
      EpochReport report;
      report.epoch = epoch;
      report.steps = position.step;
      report.train_loss = position.epoch_steps ? position.epoch_loss_sum / static_cast<double>(position.epoch_steps) : 0.0;
      report.learning_rate = lr;
      report.seconds = seconds_since(epoch_start);
      report.images_per_second = report.seconds > 0 ? static_cast<double>(epoch_images) / report.seconds : 0.0;
      const bool last = epoch + 1 == options.epochs;
      if (eval_set && (options.evaluate_every_epoch || last)) {
        auto evaluated = evaluate(module, task, *eval_set, eval_options);
        if (!evaluated) return evaluated.error();
        report.eval_metric = evaluated->metric;
        report.eval_loss = evaluated->loss;
        result.eval_metric = evaluated->metric;
        result.eval_loss = evaluated->loss;
        evaluation_current = true;
      }
      position.epoch = epoch + 1;
      position.batch_in_epoch = 0;
      position.epoch_loss_sum = 0.0;
      position.epoch_steps = 0;
      if (Status saved = save(); !saved) return saved.error();
      result.epochs.push_back(report);
      if (options.early_stop && !last && options.early_stop(report)) {
        stop = true;
        result.stopped_early = true;
      }
    }
  } catch (const c10::Error& e) {
    return Error{"train graph '" + graph.name() + "': libtorch: " + e.what_without_backtrace()};
  }

  module->eval();
  if (eval_set && !evaluation_current) {
    auto evaluated = evaluate(module, task, *eval_set, eval_options);
    if (!evaluated) return evaluated.error();
    result.eval_metric = evaluated->metric;
    result.eval_loss = evaluated->loss;
  }
  result.steps = position.step;
  result.graph = graph;
  if (Status exported = module->export_weights(result.graph); !exported) return exported.error();
  result.module = module;
  return result;
}

}  // namespace hwnas::train
