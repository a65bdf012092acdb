// `hwnas evaluate CHECKPOINT`: the held-out metric of a trained network, and its export.
#include <memory>
#include <sstream>

#include "commands.h"
#include "torch_exec.h"

#ifdef HWNAS_WITH_TORCH
#include <torch/utils.h>

#include "checkpoint_data.h"
#include "hwnas/train/export.h"
#include "hwnas/train/trainer.h"
#endif

namespace hwnas::cli {

#ifdef HWNAS_WITH_TORCH
namespace {

struct EvaluateArgs {
  std::string checkpoint;
  std::string data;  // empty: default_data_for(the checkpoint's task)
  std::string data_dir;
  int64_t batch_size = 256;
  int threads = 0;
  std::string output;
};

int run_evaluate(const EvaluateArgs& args, Streams streams) {
  auto run = open_checkpoint_run(args.checkpoint, args.data, args.data_dir);
  if (!run) return report_error(*streams.err, run.error().message);
  train::LoadedCheckpoint& loaded = run->loaded;
  const ir::Graph& graph = loaded.graph;
  if (args.threads > 0) torch::set_num_threads(args.threads);
  auto report = train::evaluate(run->loaded.module, *run->task, *run->data.held_out,
                                {.batch_size = args.batch_size, .resolution = loaded.info.resolution,
                                 .mean = loaded.info.mean, .std = loaded.info.std});
  if (!report) return report_error(*streams.err, report.error().message);
  std::ostringstream percent;
  percent.setf(std::ios::fixed);
  percent.precision(2);
  percent << 100.0 * report->metric;
  *streams.out << graph.name() << " (checkpoint '" << args.checkpoint << "', step " << loaded.info.step << ") on "
               << run->data.held_out->describe() << ": " << run->task->metric_name() << " " << percent.str()
               << "%, loss " << report->loss << " (" << report->examples << " examples, " << report->seconds
               << " s)\n";
  if (!args.output.empty()) {
    auto files = train::export_trained(loaded.graph, loaded.module, args.output);
    if (!files) return report_error(*streams.err, files.error().message);
    *streams.out << "exported: " << files->onnx << ", " << files->yaml << ", " << files->torchscript << '\n';
  }
  return kExitSuccess;
}

}  // namespace

void register_evaluate(CLI::App& app, Streams streams) {
  auto args = std::make_shared<EvaluateArgs>();
  CLI::App* command = app.add_subcommand("evaluate", "held-out metric of a training checkpoint; export it");
  command->add_option("checkpoint", args->checkpoint, "a checkpoint written by 'hwnas train'")
      ->type_name("CHECKPOINT")
      ->required();
  command->add_option("--data", args->data, "fashion-mnist, composite, an image-folder DIR, csv:FILE, voc:ROOT or coco:JSON (default: fashion-mnist for a classifier, composite for the other tasks)");
  command->add_option("--data-dir", args->data_dir, "where Fashion-MNIST's files are (default: the Debian package's)");
  command->add_option("--batch-size", args->batch_size, "evaluation batch size (default 256)")->check(CLI::PositiveNumber);
  command->add_option("--threads", args->threads, "torch threads (default: torch's)");
  command->add_option("--output,-o", args->output, "also export the network there: NAME.onnx, NAME.yaml, NAME.pt");
  command->callback([args, streams] { finish(run_evaluate(*args, streams)); });
}

#else  // built without libtorch

void register_evaluate(CLI::App& app, Streams streams) {
  CLI::App* command = app.add_subcommand("evaluate", "evaluate a training checkpoint (needs hwnas built with libtorch)");
  command->allow_extras();
  command->set_help_flag();  // --help as well is hwnas-torch's to answer
  command->callback([streams] { finish(report_error(*streams.err, exec_with_torch("'evaluate'").message)); });
}

#endif

}  // namespace hwnas::cli
