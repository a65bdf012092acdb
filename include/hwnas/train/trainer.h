// The trainer: trains an IR graph with libtorch on a data set at a chosen fidelity, with resumable checkpoints.
//
//   auto graph = zoo::build_model("mobilenet_v2", {.width_multiplier = 0.5, .resolution = 32,
//                                                  .num_classes = 10, .in_channels = 1});
//   auto task = train::make_task(data::Task::Classification, {.num_classes = 10});
//   train::TrainOptions options;                 // SGD + Nesterov, cosine with warm-up
//   options.epochs = 5;
//   options.data_fraction = 0.25;                // fidelity: a quarter of the training set
//   options.checkpoint_path = "run.ckpt";        // written every epoch (and every N steps)
//   auto result = train::train_network(*graph, **task, *train_set, test_set.get(), options);
//   if (!result) std::cerr << result.error().message;
//   result->graph;                               // the graph with its trained weights
//
// Determinism: the initial weights come from options.seed (libtorch::ModuleOptions::seed), the
// order of every epoch from data::epoch_order(size, seed, epoch), augmentation from (seed, epoch,
// index); nothing draws from torch's global generator. A checkpoint holds the weights, the
// batch-norm statistics, the optimizer state and the position (epoch, step), so a resumed run on
// the CPU with the same options and thread count reproduces an uninterrupted one bit for bit.
#pragma once

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/augment.h"
#include "hwnas/data/batch.h"
#include "hwnas/data/dataset.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/module.h"
#include "hwnas/train/task.h"

namespace hwnas::train {

enum class OptimizerKind { Sgd, AdamW };
const char* optimizer_name(OptimizerKind kind);                 // "sgd", "adamw"
Result<OptimizerKind> optimizer_from_name(const std::string& name);  // Error naming the accepted names

// What the end of an epoch reports (to the early-stopping hook and in TrainResult).
struct EpochReport {
  int64_t epoch = 0;           // 0-based
  int64_t steps = 0;           // optimizer steps done so far, all epochs
  double train_loss = 0.0;     // mean over the epoch's steps
  double eval_metric = -1.0;   // the task's metric on the held-out set; -1 without one
  double eval_loss = -1.0;     // mean loss on the held-out set; -1 without one
  double learning_rate = 0.0;  // at the epoch's last step
  double seconds = 0.0;        // wall time of the epoch's training steps (not the evaluation)
  double images_per_second = 0.0;
};

// What the progress callback sees after every step.
struct Progress {
  int64_t epoch = 0, epochs = 0;
  int64_t step_in_epoch = 0, steps_per_epoch = 0;  // step_in_epoch counts from 1
  int64_t step = 0, total_steps = 0;               // over all epochs
  double loss = 0.0;                               // running mean over the epoch so far
  double learning_rate = 0.0;
  double images_per_second = 0.0;                  // over this session's steps
  double eta_seconds = 0.0;                        // the remaining steps at that rate
};

struct TrainOptions {
  // Optimizer. Weight decay applies to conv and linear weights only, not to biases or batch norm.
  OptimizerKind optimizer = OptimizerKind::Sgd;
  double learning_rate = 0.1;  // peak, after warm-up
  double momentum = 0.9;       // SGD
  bool nesterov = true;        // SGD
  double weight_decay = 5e-5;  // SGD: L2 added to the gradient; AdamW: decoupled
  double adam_beta1 = 0.9, adam_beta2 = 0.999;
  // Schedule, per step: linear warm-up from 0 over warmup_epochs, then cosine decay to
  // learning_rate * final_lr_ratio at the last step (constant when cosine is false).
  int64_t epochs = 10;
  double warmup_epochs = 0.0;
  bool cosine = true;
  double final_lr_ratio = 0.0;
  // Batches.
  int64_t batch_size = 128;
  int64_t eval_batch_size = 256;
  double label_smoothing = 0.0;  // used by make_task when the caller builds the task from these options
  data::AugmentOptions augment{};
  std::vector<float> mean{}, std{};  // per-channel normalisation of train and eval images when set
  // Fidelity: a stratified share (0, 1] of the training set (data::fraction_indices with `seed`),
  // the input resolution (0: the data's own; else images are resized bilinearly to
  // resolution x resolution, and the graph's input must have that size), the epochs above.
  double data_fraction = 1.0;
  int64_t resolution = 0;
  // Stop after this many optimizer steps in all (0: no limit), e.g. to time a few steps or to
  // interrupt a run at a known point. The checkpoint, when set, is written there.
  int64_t max_steps = 0;
  uint64_t seed = 0;
  int threads = 0;  // torch::set_num_threads when > 0 (process-wide)
  // Checkpoints: written at the end of every epoch, every `checkpoint_every_steps` steps (0:
  // only per epoch) and when training stops; `resume` continues from checkpoint_path when it
  // exists (a missing file starts afresh; a checkpoint of another graph is an Error).
  std::string checkpoint_path{};
  int64_t checkpoint_every_steps = 0;
  bool resume = false;
  // Evaluate on the held-out set after every epoch (else only after the last).
  bool evaluate_every_epoch = true;
  // Called after every epoch (after its evaluation); true stops training.
  std::function<bool(const EpochReport&)> early_stop{};
  // Quantisation-aware training: the module fake-quantises under this plan (ModuleOptions::
  // fake_quant; the graph's batch norms folded, as the plan's). Gradients pass straight through.
  std::shared_ptr<const quant::QuantPlan> fake_quant{};
  std::function<void(const Progress&)> progress{};
  // Called after every optimizer step, with the module (under torch::NoGradGuard): a constraint
  // the weights must keep, e.g. sparsity::recenter for clustered weights.
  std::function<void(libtorch::GraphModule&)> after_step{};
};

struct TrainResult {
  libtorch::GraphModule module{nullptr};  // trained, in eval mode
  ir::Graph graph;                        // the input graph with the trained weights
  std::vector<EpochReport> epochs;        // of this session (resumed epochs are not repeated)
  int64_t steps = 0;                      // optimizer steps done, all sessions
  int64_t resumed_from_step = 0;          // 0 when not resumed
  double eval_metric = -1.0;              // the task's metric after training; -1 without an eval set
  double eval_loss = -1.0;
  bool stopped_early = false;             // the early_stop hook or max_steps ended training
};

// Trains `graph` (its weights when it has them all, else seeded init) for `task` on `train_set`,
// evaluating on `eval_set` when not null. Errors name the option, file, graph output or input.
Result<TrainResult> train_network(const ir::Graph& graph, Task& task, const data::Dataset& train_set,
                                  const data::Dataset* eval_set, const TrainOptions& options);

struct EvalOptions {
  int64_t batch_size = 256;
  int64_t resolution = 0;             // as TrainOptions::resolution
  std::vector<float> mean{}, std{};   // as TrainOptions
};
struct EvalReport {
  double metric = 0.0;  // the task's metric
  double loss = 0.0;    // mean over the examples
  int64_t examples = 0;
  double seconds = 0.0;
};

// The task's metric and loss of `module` (put in eval mode) on the whole of `dataset`, without
// gradients.
Result<EvalReport> evaluate(libtorch::GraphModule& module, Task& task, const data::Dataset& dataset,
                            const EvalOptions& options = {});

// ---- Pieces of the trainer, public for the benchmark and the tests. ----

// The learning rate of (0-based) `step` of `total_steps` under `options`' schedule.
double learning_rate_at(const TrainOptions& options, int64_t step, int64_t steps_per_epoch, int64_t total_steps);

// The optimizer over `module`'s parameters: group 0 conv / linear weights (with weight decay),
// group 1 every other parameter (none).
Result<std::unique_ptr<torch::optim::Optimizer>> make_optimizer(libtorch::GraphModule& module,
                                                                const TrainOptions& options);

// The images of `batch` as a float tensor [n, c, h, w] (a copy), resized to resolution x
// resolution when resolution > 0 and different.
torch::Tensor batch_images(const data::Batch& batch, int64_t resolution = 0);

// One training step: zero grads, forward, task loss, backward, optimizer step. Returns the loss.
double train_step(libtorch::GraphModule& module, torch::optim::Optimizer& optimizer, Task& task,
                  const torch::Tensor& images, const data::Batch& batch);

}  // namespace hwnas::train
