// Fine-tuning after expert rewrites: the original's weights and accuracy, weight transfer, training, the report.
#include "expert_fine_tune.h"

#include <algorithm>
#include <chrono>

#include "format.h"
#include "hwnas/expert/weight_transfer.h"
#include "torch_exec.h"

#ifdef HWNAS_WITH_TORCH
#include <torch/utils.h>

#include "hwnas/data/augment.h"
#include "hwnas/data/composite.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/trainer.h"
#include "train_data.h"
#endif

namespace hwnas::cli {

namespace {

// The flags that only mean something when fine-tuning.
const char* const kFineTuneOnlyFlags[] = {"--checkpoint",     "--weights",         "--task",
                                          "--data",           "--data-dir",        "--fine-tune-lr",
                                          "--fine-tune-batch", "--fine-tune-fraction", "--fine-tune-steps",
                                          "--threads"};

}  // namespace

void add_fine_tune_options(CLI::App& command, FineTuneArgs& args) {
  command.add_option("--checkpoint", args.checkpoint,
                     "fine-tune: the original's weights, a checkpoint of 'hwnas train' of MODEL");
  command.add_flag("--weights", args.weights, "fine-tune: MODEL (a .yaml or .onnx file) carries the trained weights");
  command.add_option("--task", args.task,
                     "fine-tune: classification, segmentation or detection (default: the checkpoint's, else classification)");
  command.add_option("--data", args.data, "fine-tune: fashion-mnist, composite, an image-folder DIR, csv:FILE, voc:ROOT or coco:JSON (default: by the task)");
  command.add_option("--data-dir", args.data_dir, "fine-tune: where Fashion-MNIST's files are");
  command.add_option("--fine-tune-epochs", args.epochs,
                     "fine-tune the rewritten network for N epochs and report the accuracy before and after")
      ->check(CLI::PositiveNumber);
  command.add_option("--fine-tune-lr", args.learning_rate, "fine-tune: peak learning rate (default 0.01, SGD)")
      ->check(CLI::PositiveNumber);
  command.add_option("--fine-tune-batch", args.batch_size, "fine-tune: batch size (default 64)")
      ->check(CLI::PositiveNumber);
  command.add_option("--fine-tune-fraction", args.data_fraction, "fine-tune: share of the training set (default 1)")
      ->check(CLI::Range(1e-6, 1.0));
  command.add_option("--fine-tune-steps", args.max_steps, "fine-tune: stop after this many steps (default: no limit)")
      ->check(CLI::PositiveNumber);
  command.add_option("--threads", args.threads, "fine-tune: torch threads (default: torch's)")->check(CLI::PositiveNumber);
}

std::vector<std::string> fine_tune_flags_given(const CLI::App& command) {
  std::vector<std::string> given;
  for (const char* flag : kFineTuneOnlyFlags)
    if (const CLI::Option* option = command.get_option_no_throw(flag); option && option->count() > 0)
      given.emplace_back(flag);
  return given;
}

Status check_fine_tune_flags(const FineTuneArgs& args, const std::vector<std::string>& given,
                             const std::string& model_argument) {
  if (args.epochs == 0) {
    if (given.empty()) return {};
    std::string flags;
    for (const std::string& flag : given) flags += (flags.empty() ? "" : ", ") + flag;
    return Error{flags + (given.size() == 1 ? " is" : " are") +
                 " for fine-tuning the rewritten network: give --fine-tune-epochs N as well"};
  }
  if (!args.checkpoint.empty() && args.weights)
    return Error{"give the original's weights once: --checkpoint CKPT or --weights, not both"};
  if (args.checkpoint.empty() && !args.weights)
    return Error{"fine-tuning starts from the original's trained weights: give --checkpoint CKPT (written by "
                 "'hwnas train') or --weights (MODEL is a .yaml or .onnx file with its weights)"};
  if (args.weights && !is_model_file(model_argument))
    return Error{"--weights: '" + model_argument + "' is a zoo name, and zoo models have no trained weights; give the "
                 "model file that 'hwnas train --output' wrote, or --checkpoint CKPT"};
  return {};
}

#ifdef HWNAS_WITH_TORCH

class FineTuner {
 public:
  FineTuneArgs args;
  uint64_t seed = 0;
  ir::Graph original;                  // with its trained weights
  std::unique_ptr<train::Task> task;
  TrainData data;
  std::vector<float> mean, std;
  int64_t resolution = 0;              // images resized to this for the network (0: opened at its size)
  double metric_before = 0;
};

void FineTunerDeleter::operator()(FineTuner* tuner) const { delete tuner; }

namespace {

std::string metric_text(double metric) { return fixed(100.0 * metric, 2) + "%"; }

Result<double> held_out_metric(const ir::Graph& graph, FineTuner& tuner) {
  auto module = libtorch::make_graph_module(graph);
  if (!module) return module.error();
  auto report = train::evaluate(*module, *tuner.task, *tuner.data.held_out,
                                {.batch_size = 256, .resolution = tuner.resolution, .mean = tuner.mean, .std = tuner.std});
  if (!report) return report.error();
  return report->metric;
}

// MODEL's structure with the checkpoint's weights; an Error when the checkpoint is of another network.
Result<ir::Graph> weights_from_checkpoint(const ir::Graph& model, const std::string& model_argument,
                                          const train::LoadedCheckpoint& checkpoint, const std::string& path) {
  ir::Graph original = expert::strip_weights(model);
  auto transfer = expert::transfer_weights(checkpoint.graph, original, 0);
  if (!transfer) return transfer.error().within("--checkpoint " + path);
  if (!transfer->fresh_nodes.empty() || checkpoint.graph.size() != model.size())
    return Error{"--checkpoint " + path + " holds the network '" + checkpoint.graph.name() + "' (" +
                 std::to_string(checkpoint.graph.size()) + " nodes), not MODEL '" + model_argument + "' (" +
                 std::to_string(model.size()) + " nodes)" +
                 (transfer->fresh_nodes.empty() ? std::string()
                                                : ": node '" + transfer->fresh_nodes.front() +
                                                      "' is missing from it or has other shapes") +
                 "; give the model file that 'hwnas train --output' wrote beside the checkpoint"};
  return original;
}

}  // namespace

Result<FineTunerPtr> prepare_fine_tune(const FineTuneArgs& args, const LoadedModel& model, uint64_t seed,
                                       std::ostream& out) {
  if (args.epochs <= 0) return FineTunerPtr();
  FineTunerPtr tuner(new FineTuner);
  tuner->args = args;
  tuner->seed = seed;
  const ir::Graph& graph = model.graph;
  if (graph.inputs().size() != 1 || graph.node(graph.inputs().front()).shape.rank() != 4)
    return Error{"fine-tuning: MODEL '" + model.source + "' does not take one image input [N, C, H, W]"};
  const ir::Shape& input = graph.node(graph.inputs().front()).shape;
  if (input[2] != input[3])
    return Error{"fine-tuning: MODEL's input " + input.to_string() + " is not square; training resizes to square images"};

  std::string task_name = args.task;
  if (!args.checkpoint.empty()) {
    auto checkpoint = train::load_checkpoint(args.checkpoint);
    if (!checkpoint) return checkpoint.error();
    if (!task_name.empty() && task_name != checkpoint->info.task)
      return Error{"--task " + task_name + ": the checkpoint " + args.checkpoint + " was trained for " +
                   checkpoint->info.task};
    task_name = checkpoint->info.task;
    auto original = weights_from_checkpoint(graph, model.source, *checkpoint, args.checkpoint);
    if (!original) return original.error();
    tuner->original = std::move(*original);
    tuner->mean = checkpoint->info.mean;
    tuner->std = checkpoint->info.std;
  } else {
    if (!graph.has_weights())
      return Error{"--weights: MODEL " + model.source + " carries no weights (or only some); give a model file "
                   "written with its weights ('hwnas train --output') or --checkpoint CKPT"};
    tuner->original = graph;
  }
  if (task_name.empty()) task_name = "classification";
  auto task_kind = task_from_name(task_name);
  if (!task_kind) return task_kind.error();

  InputDataRequest wanted = data_request_for_input(args.data, args.data_dir, *task_kind, input, seed);
  tuner->resolution = wanted.resize_to;
  auto data = open_train_data(wanted.request);
  if (!data) return data.error();
  tuner->data = std::move(*data);
  const int64_t classes = tuner->data.train->num_classes();
  auto task = train::make_task(*task_kind, {.num_classes = classes});
  if (!task) return task.error();
  tuner->task = std::move(*task);
  if (Status fits = tuner->task->check_graph(tuner->original); !fits)
    return Error{"fine-tuning: MODEL " + model.source + " does not fit --task " + task_name + " with " +
                 std::to_string(classes) + " classes: " + fits.error().message};
  if (tuner->mean.empty()) {
    // As `hwnas train` normalises: the statistics of (up to 10 000) training images.
    auto statistics = data::channel_statistics(*tuner->data.train, 10000);
    if (!statistics) return statistics.error();
    tuner->mean = statistics->mean;
    tuner->std = statistics->std;
  }
  if (args.threads > 0) torch::set_num_threads(args.threads);

  const auto start = std::chrono::steady_clock::now();
  auto before = held_out_metric(tuner->original, *tuner);
  if (!before) return before.error().within("evaluating the original");
  tuner->metric_before = *before;
  out << "fine-tuning data: " << tuner->data.train->describe() << "; held out: " << tuner->data.held_out->describe()
      << "\noriginal (" << (args.checkpoint.empty() ? "weights of MODEL" : "checkpoint " + args.checkpoint)
      << "): held-out " << tuner->task->metric_name() << " " << metric_text(*before) << " ("
      << fixed(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1) << " s)\n";
  return tuner;
}

Result<ir::Graph> fine_tune(FineTuner& tuner, const ir::Graph& rewritten, std::ostream& out) {
  ir::Graph graph = expert::strip_weights(rewritten);
  auto transfer = expert::transfer_weights(tuner.original, graph, tuner.seed);
  if (!transfer) return transfer.error();
  const int64_t values = transfer->kept_values + transfer->fresh_values;
  out << "weights: " << transfer->kept_params << " of " << transfer->kept_params + transfer->fresh_params
      << " tensors (" << percent(values ? static_cast<double>(transfer->kept_values) / static_cast<double>(values) : 0)
      << " of the values) kept from the original";
  if (!transfer->fresh_nodes.empty()) {
    out << "; fresh:";
    const size_t shown = std::min<size_t>(transfer->fresh_nodes.size(), 6);
    for (size_t i = 0; i < shown; ++i) out << (i ? ", " : " ") << transfer->fresh_nodes[i];
    if (transfer->fresh_nodes.size() > shown) out << " and " << transfer->fresh_nodes.size() - shown << " more";
  }
  out << "\n";

  auto rewritten_metric = held_out_metric(graph, tuner);
  if (!rewritten_metric) return rewritten_metric.error().within("evaluating the rewritten network");

  const FineTuneArgs& a = tuner.args;
  train::TrainOptions options;
  options.optimizer = train::OptimizerKind::Sgd;
  options.learning_rate = a.learning_rate;
  options.epochs = a.epochs;
  options.batch_size = a.batch_size;
  options.data_fraction = a.data_fraction;
  options.max_steps = a.max_steps;
  options.seed = tuner.seed;
  options.threads = a.threads;
  options.mean = tuner.mean;
  options.std = tuner.std;
  options.resolution = tuner.resolution;
  options.evaluate_every_epoch = false;
  // As `hwnas train` augments: a padded random crop and a horizontal flip.
  options.augment.crop_padding = std::max<int64_t>(1, graph.node(graph.inputs().front()).shape[2] / 8);
  options.augment.horizontal_flip = true;
  const auto start = std::chrono::steady_clock::now();
  auto trained = train::train_network(graph, *tuner.task, *tuner.data.train, tuner.data.held_out.get(), options);
  if (!trained) return trained.error().within("fine-tuning");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string metric = tuner.task->metric_name();
  out << "accuracy (held-out " << metric << "): original " << metric_text(tuner.metric_before) << ", rewritten "
      << metric_text(*rewritten_metric) << " before fine-tuning, " << metric_text(trained->eval_metric)
      << " after fine-tuning (" << a.epochs << (a.epochs == 1 ? " epoch, " : " epochs, ") << trained->steps
      << " steps, " << fixed(seconds, 1) << " s): " << (trained->eval_metric >= tuner.metric_before ? "+" : "")
      << fixed(100.0 * (trained->eval_metric - tuner.metric_before), 2) << " points\n";
  return std::move(trained->graph);
}

#else  // built without libtorch

class FineTuner {};

void FineTunerDeleter::operator()(FineTuner* tuner) const { delete tuner; }

Result<FineTunerPtr> prepare_fine_tune(const FineTuneArgs& args, const LoadedModel&, uint64_t, std::ostream&) {
  if (args.epochs <= 0) return FineTunerPtr();
  return exec_with_torch("--fine-tune-epochs");
}

Result<ir::Graph> fine_tune(FineTuner&, const ir::Graph&, std::ostream&) {
  return Error{"this hwnas was built without libtorch (HWNAS_WITH_TORCH); fine-tuning needs it"};
}

#endif

}  // namespace hwnas::cli
