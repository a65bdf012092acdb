// `hwnas compress CHECKPOINT`: structured channel pruning and weight clustering of a trained network, fine-tuned, with the bytes and accuracy each step costs.
#include <memory>

#include "commands.h"
#include "torch_exec.h"

#ifdef HWNAS_WITH_TORCH
#include <torch/utils.h>

#include "checkpoint_data.h"
#include "format.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/weight_palette.h"
#include "hwnas/sparsity/channel_pruning.h"
#include "hwnas/sparsity/weight_clustering.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/keep_clusters.h"
#include "hwnas/train/trainer.h"
#endif

namespace hwnas::cli {

#ifdef HWNAS_WITH_TORCH
namespace {

struct CompressArgs {
  std::string checkpoint;
  std::string data;
  std::string data_dir;
  double prune = 0;  // share of each prunable width
  std::string criterion = "l1";
  int64_t channel_multiple = 1;
  int cluster = 0;  // centroids per layer; 0: no clustering
  int64_t fine_tune_epochs = 0;
  double lr = 0.01;
  double data_fraction = 1.0;
  int64_t batch_size = 256;
  uint64_t seed = 0;
  int threads = 0;
  std::string output;
};

std::string change(int64_t before, int64_t after) {
  return std::to_string(before) + " -> " + std::to_string(after) + " (" +
         fixed(before > 0 ? 100.0 * static_cast<double>(after - before) / static_cast<double>(before) : 0.0, 1) + " %)";
}

// The task's metric of `module` on the held-out set.
Result<double> held_out_metric(libtorch::GraphModule& module, CheckpointRun& run, int64_t batch_size) {
  const train::CheckpointInfo& info = run.loaded.info;
  auto report = train::evaluate(module, *run.task, *run.data.held_out,
                                {.batch_size = batch_size, .resolution = info.resolution, .mean = info.mean, .std = info.std});
  if (!report) return report.error();
  return report->metric;
}

// The same of a graph with weights, its weights as they are.
Result<double> held_out_metric(const ir::Graph& graph, CheckpointRun& run, int64_t batch_size) {
  auto module = libtorch::make_graph_module(graph);
  if (!module) return module.error();
  return held_out_metric(*module, run, batch_size);
}

int run_compress(const CompressArgs& args, Streams streams) {
  if (args.prune <= 0 && args.cluster <= 0 && args.fine_tune_epochs <= 0)
    return report_error(*streams.err,
                        "nothing to do: give --prune RATIO, --cluster K or both (or --fine-tune-epochs alone: the control, "
                        "the same fine-tuning without compression)",
                        kExitUsage);
  auto criterion = sparsity::criterion_from_name(args.criterion);
  if (!criterion) return report_error(*streams.err, "--criterion: " + criterion.error().message, kExitUsage);
  auto run = open_checkpoint_run(args.checkpoint, args.data, args.data_dir);
  if (!run) return report_error(*streams.err, run.error().message);
  if (args.threads > 0) torch::set_num_threads(args.threads);
  const train::CheckpointInfo& info = run->loaded.info;
  const std::string metric = run->task->metric_name();
  std::ostream& out = *streams.out;

  ir::Graph graph = run->loaded.graph;
  auto fp32 = held_out_metric(run->loaded.module, *run, args.batch_size);
  if (!fp32) return report_error(*streams.err, fp32.error().message);
  double current_metric = *fp32;  // of `graph` as it stands after each step
  const analysis::CostSummary before = analysis::analyze_cost(graph);
  const analysis::PaletteBytes bytes_before = analysis::palettized_weight_bytes(graph);
  out << graph.name() << " on " << run->data.held_out->describe() << '\n'
      << "  as trained: " << metric << " " << fixed(100.0 * *fp32, 2) << " %; params " << before.params << ", MACs " << before.macs
      << ", conv/linear weights " << bytes_before.plain << " bytes at int8\n";

  if (args.prune > 0) {
    auto pruned = sparsity::prune_channels(graph, {.ratio = args.prune, .criterion = *criterion, .channel_multiple = args.channel_multiple});
    if (!pruned) return report_error(*streams.err, pruned.error().message);
    graph = std::move(pruned->graph);
    int64_t cut = 0;
    for (const sparsity::PrunedWidth& w : pruned->widths) cut += w.after < w.before;
    const analysis::CostSummary after = analysis::analyze_cost(graph);
    auto metric_now = held_out_metric(graph, *run, args.batch_size);
    if (!metric_now) return report_error(*streams.err, metric_now.error().message);
    out << "  pruned " << fixed(100.0 * args.prune, 0) << " % of " << cut << " of " << pruned->widths.size() << " prunable widths ("
        << sparsity::criterion_name(*criterion) << ", kept widths multiples of " << args.channel_multiple << "): params "
        << change(before.params, after.params) << ", MACs " << change(before.macs, after.macs) << "; " << metric << " "
        << fixed(100.0 * *metric_now, 2) << " % before fine-tuning\n";
    current_metric = *metric_now;
  }
  std::shared_ptr<sparsity::ClusteredNetwork> clusters;
  if (args.cluster > 0) {
    auto clustered = sparsity::cluster_weights(graph, {.centroids = args.cluster});
    if (!clustered) return report_error(*streams.err, clustered.error().message);
    clusters = std::make_shared<sparsity::ClusteredNetwork>(std::move(*clustered));
    auto metric_now = held_out_metric(graph, *run, args.batch_size);
    if (!metric_now) return report_error(*streams.err, metric_now.error().message);
    out << "  clustered to " << args.cluster << " values per layer (" << clusters->layers.size() << " layers, " << clusters->weights
        << " weights): " << metric << " " << fixed(100.0 * *metric_now, 2) << " % before fine-tuning\n";
    current_metric = *metric_now;
  }

  double final_metric = current_metric;
  if (args.fine_tune_epochs > 0) {
    train::TrainOptions options;
    options.epochs = args.fine_tune_epochs;
    options.learning_rate = args.lr;
    options.seed = args.seed;
    options.batch_size = info.batch_size > 0 ? info.batch_size : 128;
    options.resolution = info.resolution;
    options.mean = info.mean;
    options.std = info.std;
    options.data_fraction = args.data_fraction;
    options.threads = args.threads;
    options.checkpoint_path = args.output;
    if (clusters) options.after_step = train::keep_clusters(clusters);
    auto tuned = train::train_network(graph, *run->task, *run->data.train, run->data.held_out.get(), options);
    if (!tuned) return report_error(*streams.err, tuned.error().message);
    graph = std::move(tuned->graph);
    final_metric = tuned->eval_metric;
    out << "  after " << args.fine_tune_epochs << " epoch(s) of fine-tuning (lr " << args.lr << (clusters ? ", clusters kept" : "") << "): "
        << metric << " " << fixed(100.0 * final_metric, 2) << " %\n";
  } else if (!args.output.empty()) {  // the trainer writes the fine-tuned checkpoint; here the compressed weights as they are
    train::CheckpointInfo saved = info;
    saved.graph_yaml = train::structure_yaml(graph);
    saved.epoch = saved.batch_in_epoch = saved.step = saved.epoch_steps = 0;
    saved.epoch_loss_sum = 0;
    auto module = libtorch::make_graph_module(graph);
    if (!module) return report_error(*streams.err, module.error().message);
    if (Status s = train::save_checkpoint(args.output, saved, *module, nullptr); !s) return report_error(*streams.err, s.error().message);
  }
  const analysis::CostSummary after = analysis::analyze_cost(graph);
  const analysis::PaletteBytes bytes_after = analysis::palettized_weight_bytes(graph);
  out << "  result: " << metric << " " << fixed(100.0 * final_metric, 2) << " %, drop " << fixed(100.0 * (*fp32 - final_metric), 2)
      << " points; params " << change(before.params, after.params) << "; conv/linear weight bytes (int8, palettised where a layer has at most 256 values) "
      << change(bytes_before.palettized, bytes_after.palettized) << "\n";
  if (!args.output.empty()) out << "written: " << args.output << '\n';
  return kExitSuccess;
}

}  // namespace

void register_compress(CLI::App& app, Streams streams) {
  auto args = std::make_shared<CompressArgs>();
  CLI::App* command = app.add_subcommand("compress", "structured channel pruning and weight clustering of a training checkpoint, fine-tuned");
  command->add_option("checkpoint", args->checkpoint, "a checkpoint written by 'hwnas train'")->type_name("CHECKPOINT")->required();
  command->add_option("--data", args->data, "as for 'hwnas evaluate' (default: fashion-mnist for a classifier, composite for the other tasks)");
  command->add_option("--data-dir", args->data_dir, "where Fashion-MNIST's files are (default: the Debian package's)");
  command->add_option("--prune", args->prune, "share of each prunable width to remove, in [0, 1) (default 0: none)");
  command->add_option("--criterion", args->criterion, "channel importance: l1 (default, the filter's L1 norm) or bn_scale");
  command->add_option("--channel-multiple", args->channel_multiple, "kept widths are multiples of this (the target's P; default 1)")
      ->check(CLI::PositiveNumber);
  command->add_option("--cluster", args->cluster, "cluster each layer's weights to this many values, 2 to 256 (default 0: none)");
  command->add_option("--fine-tune-epochs", args->fine_tune_epochs, "epochs of fine-tuning after compressing (default 0: none)");
  command->add_option("--lr", args->lr, "peak learning rate of the fine-tuning (default 0.01)")->check(CLI::PositiveNumber);
  command->add_option("--data-fraction", args->data_fraction, "share of the training set the fine-tuning uses (default 1)");
  command->add_option("--batch-size", args->batch_size, "evaluation batch size (default 256)")->check(CLI::PositiveNumber);
  command->add_option("--seed", args->seed, "seed of the fine-tuning (default 0)");
  command->add_option("--threads", args->threads, "torch threads (default: torch's)");
  command->add_option("--output,-o", args->output, "write the compressed network as a checkpoint");
  command->callback([args, streams] { finish(run_compress(*args, streams)); });
}

#else  // built without libtorch

void register_compress(CLI::App& app, Streams streams) {
  CLI::App* command = app.add_subcommand("compress", "channel pruning and weight clustering of a checkpoint (needs hwnas built with libtorch)");
  command->allow_extras();
  command->set_help_flag();
  command->callback([streams] { finish(report_error(*streams.err, exec_with_torch("'compress'").message)); });
}

#endif

}  // namespace hwnas::cli
