// `hwnas quantize CHECKPOINT`: int8 post-training quantisation of a trained network, optional quantisation-aware fine-tuning, QDQ ONNX export.
#include <memory>
#include <sstream>

#include "commands.h"
#include "torch_exec.h"

#ifdef HWNAS_WITH_TORCH
#include <torch/utils.h>

#include "checkpoint_data.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/train/quantize.h"
#include "hwnas/train/trainer.h"
#endif

namespace hwnas::cli {

#ifdef HWNAS_WITH_TORCH
namespace {

struct QuantizeArgs {
  std::string checkpoint;
  std::string data;
  std::string data_dir;
  int64_t calibration_batches = 8;
  std::string calibration = "minmax";
  double percentile = 99.99;
  std::string weights = "per_channel";
  int64_t qat_epochs = 0;
  double qat_lr = 0.01;
  double qat_threshold = 0.5;  // points of the metric
  int64_t batch_size = 256;
  uint64_t seed = 0;
  int threads = 0;
  std::string output;
};

std::string percent(double fraction) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << 100.0 * fraction;
  return out.str();
}

int run_quantize(const QuantizeArgs& args, Streams streams) {
  auto run = open_checkpoint_run(args.checkpoint, args.data, args.data_dir);
  if (!run) return report_error(*streams.err, run.error().message);
  const train::CheckpointInfo& info = run->loaded.info;
  auto calibration = quant::calibration_from_name(args.calibration);
  if (!calibration) return report_error(*streams.err, "--calibration: " + calibration.error().message);
  auto weights = quant::granularity_from_name(args.weights);
  if (!weights) return report_error(*streams.err, "--weights: " + weights.error().message);
  if (args.threads > 0) torch::set_num_threads(args.threads);

  auto fp32 = train::evaluate(run->loaded.module, *run->task, *run->data.held_out,
                              {.batch_size = args.batch_size, .resolution = info.resolution, .mean = info.mean, .std = info.std});
  if (!fp32) return report_error(*streams.err, fp32.error().message);
  train::QuantizeOptions options;
  options.calibration_batches = args.calibration_batches;
  options.calibration = *calibration;
  options.percentile = args.percentile;
  options.weights = *weights;
  options.calibration_seed = args.seed;
  options.resolution = info.resolution;
  options.mean = info.mean;
  options.std = info.std;
  auto network = train::calibrate(run->loaded.graph, *run->data.train, options);
  if (!network) return report_error(*streams.err, network.error().message);
  auto int8 = train::evaluate_quantized(*network, *run->task, *run->data.held_out, args.batch_size);
  if (!int8) return report_error(*streams.err, int8.error().message);

  const std::string metric = run->task->metric_name();
  int64_t weight_elements = 0, bias_elements = 0;
  for (const ir::Node& n : network->graph.nodes())
    if (n.kind == ir::OpKind::Conv2d || n.kind == ir::OpKind::Linear) {
      weight_elements += n.params[0].shape.numel();
      if (n.params.size() > 1) bias_elements += n.params[1].shape.numel();
    }
  *streams.out << run->loaded.graph.name() << " on " << run->data.held_out->describe() << '\n'
               << "  fp32: " << metric << " " << percent(fp32->metric) << " %\n"
               << "  int8 (" << quant::granularity_name(options.weights) << " weights, " << quant::calibration_name(options.calibration)
               << " over " << options.calibration_batches << " x " << options.calibration_batch_size << " training images): " << metric
               << " " << percent(int8->metric) << " %, drop " << percent(fp32->metric - int8->metric) << " points; "
               << network->plan.quantised_tensors() << " tensors quantised; conv/linear weights " << 4 * weight_elements + 4 * bias_elements
               << " bytes -> " << weight_elements + 4 * bias_elements << "\n";

  const double drop_points = 100.0 * (fp32->metric - int8->metric);
  if (args.qat_epochs > 0 && drop_points > args.qat_threshold) {
    train::TrainOptions qat;
    qat.epochs = args.qat_epochs;
    qat.learning_rate = args.qat_lr;
    qat.seed = args.seed;
    qat.batch_size = info.batch_size > 0 ? info.batch_size : 128;
    qat.threads = args.threads;
    auto tuned = train::fine_tune_quantized(*network, *run->task, *run->data.train, run->data.held_out.get(), qat);
    if (!tuned) return report_error(*streams.err, tuned.error().message);
    *streams.out << "  int8 after " << args.qat_epochs << " epoch(s) of quantisation-aware fine-tuning (lr " << args.qat_lr << "): " << metric
                 << " " << percent(tuned->training.eval_metric) << " %, drop " << percent(fp32->metric - tuned->training.eval_metric)
                 << " points\n";
    *network = std::move(tuned->network);
  } else if (args.qat_epochs > 0) {
    *streams.out << "  no fine-tuning: the drop is within --qat-threshold " << args.qat_threshold << " points\n";
  }
  if (!args.output.empty()) {
    if (Status written = onnx_io::export_onnx_file(network->graph, args.output, {.quantization = &network->plan}); !written)
      return report_error(*streams.err, written.error().message);
    *streams.out << "exported (QDQ ONNX): " << args.output << '\n';
  }
  return kExitSuccess;
}

}  // namespace

void register_quantize(CLI::App& app, Streams streams) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* command = app.add_subcommand("quantize", "int8 accuracy of a training checkpoint (post-training quantisation, optional QAT); QDQ ONNX export");
  command->add_option("checkpoint", args->checkpoint, "a checkpoint written by 'hwnas train'")->type_name("CHECKPOINT")->required();
  command->add_option("--data", args->data, "as for 'hwnas evaluate' (default: fashion-mnist for a classifier, composite for the other tasks)");
  command->add_option("--data-dir", args->data_dir, "where Fashion-MNIST's files are (default: the Debian package's)");
  command->add_option("--calibration-batches", args->calibration_batches, "training batches of 64 images to calibrate on (default 8)")
      ->check(CLI::PositiveNumber);
  command->add_option("--calibration", args->calibration, "minmax (default) or percentile");
  command->add_option("--percentile", args->percentile, "with --calibration percentile (default 99.99)");
  command->add_option("--weights", args->weights, "per_channel (default) or per_tensor");
  command->add_option("--qat-epochs", args->qat_epochs, "epochs of quantisation-aware fine-tuning when the drop exceeds --qat-threshold (default 0: none)");
  command->add_option("--qat-lr", args->qat_lr, "peak learning rate of the fine-tuning (default 0.01)")->check(CLI::PositiveNumber);
  command->add_option("--qat-threshold", args->qat_threshold, "fine-tune only above this drop, in points (default 0.5)");
  command->add_option("--batch-size", args->batch_size, "evaluation batch size (default 256)")->check(CLI::PositiveNumber);
  command->add_option("--seed", args->seed, "seed of the calibration images and the fine-tuning (default 0)");
  command->add_option("--threads", args->threads, "torch threads (default: torch's)");
  command->add_option("--output,-o", args->output, "write the quantised network as a QDQ ONNX file");
  command->callback([args, streams] { finish(run_quantize(*args, streams)); });
}

#else  // built without libtorch

void register_quantize(CLI::App& app, Streams streams) {
  CLI::App* command = app.add_subcommand("quantize", "int8 accuracy of a training checkpoint; QDQ export (needs hwnas built with libtorch)");
  command->allow_extras();
  command->set_help_flag();
  command->callback([streams] { finish(report_error(*streams.err, exec_with_torch("'quantize'").message)); });
}

#endif

}  // namespace hwnas::cli
