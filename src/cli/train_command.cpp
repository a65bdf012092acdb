// `hwnas train MODEL`: trains a network on real data at a chosen fidelity, with checkpoints, and exports it.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.h"
#include "progress.h"
#include "torch_exec.h"
#include "format.h"

#ifdef HWNAS_WITH_TORCH
#include "hwnas/data/augment.h"
#include "hwnas/data/composite.h"
#include "hwnas/train/export.h"
#include "hwnas/train/trainer.h"
#include "hwnas/expert/weight_transfer.h"
#include "load_model.h"
#include "train_data.h"
#endif

namespace hwnas::cli {

#ifdef HWNAS_WITH_TORCH
namespace {

struct TrainArgs {
  std::string model;
  ModelOptions model_options;
  std::string task = "classification";
  std::string data;  // empty: default_data_for(--task)
  std::string data_dir;
  std::string optimizer = "sgd";
  train::TrainOptions options;
  bool no_augment = false;
  double random_erasing = 0.0;
  bool no_nesterov = false;
  int64_t channels = 0;
  std::string output;
  bool quiet = false;
  bool resolution_given = false;  // --resolution was on the command line
  std::string init_from;          // a model file with weights the network inherits where names and shapes match
};

int run_train(TrainArgs& args, Streams streams) {
  auto task_kind = task_from_name(args.task);
  if (!task_kind) return report_error(*streams.err, task_kind.error().message, kExitUsage);
  auto optimizer = train::optimizer_from_name(args.optimizer);
  if (!optimizer) return report_error(*streams.err, "--optimizer: " + optimizer.error().message, kExitUsage);
  if (args.random_erasing > 0.0 && *task_kind != data::Task::Classification)
    return report_error(*streams.err,
                        "--random-erasing is for classification: it would hide objects that --task " + args.task +
                            "'s masks and boxes still show",
                        kExitUsage);
  if (args.random_erasing > 0.0 && args.no_augment)
    return report_error(*streams.err, "--random-erasing and --no-augment contradict each other", kExitUsage);
  if (args.data.empty()) args.data = default_data_for(*task_kind);
  train::TrainOptions& options = args.options;
  options.optimizer = *optimizer;
  options.nesterov = !args.no_nesterov && *optimizer == train::OptimizerKind::Sgd;
  if (args.model_options.zoo_options_given && is_model_file(args.model))
    return report_error(*streams.err,
                        "--width, --resolution and --classes apply to zoo models, not to the file '" + args.model + "'",
                        kExitUsage);

  // The data at the model's input size: a zoo model at --resolution (default 32, the zoo's
  // smallest), a file at its own input size.
  DataRequest request;
  request.data = args.data;
  request.directory = args.data_dir;
  request.task = *task_kind;
  request.seed = options.seed;
  zoo::ZooOptions& zoo = args.model_options.zoo;
  const bool zoo_model = !is_model_file(args.model);
  if (zoo_model) {
    if (!args.resolution_given) zoo.resolution = 32;
    if (*task_kind != data::Task::Classification && zoo.resolution < data::kMinCompositeCanvas)
      zoo.resolution = data::kMinCompositeCanvas;
    request.resolution = zoo.resolution;
    request.channels = args.channels > 0 ? args.channels : (args.data == "fashion-mnist" || args.data == "composite" ? 1 : 3);
    zoo.in_channels = request.channels;
  }
  std::optional<LoadedModel> model;
  if (!zoo_model) {
    auto loaded = load_model(args.model, args.model_options);
    if (!loaded) return report_error(*streams.err, loaded.error().message);
    const ir::Graph& graph = loaded->graph;
    if (graph.inputs().size() != 1 || graph.node(graph.inputs().front()).shape.rank() != 4)
      return report_error(*streams.err, "model '" + args.model + "': training needs one image input [N, C, H, W]");
    const ir::Shape& input = graph.node(graph.inputs().front()).shape;
    if (input[2] != input[3])
      return report_error(*streams.err, "model '" + args.model + "': input " + input.to_string() +
                                            " is not square; training resizes to square images");
    InputDataRequest wanted = data_request_for_input(args.data, args.data_dir, *task_kind, input, options.seed);
    request = wanted.request;
    options.resolution = wanted.resize_to;
    model = std::move(*loaded);
  }
  auto data_sets = open_train_data(request);
  if (!data_sets) return report_error(*streams.err, data_sets.error().message);
  const int64_t classes = data_sets->train->num_classes();
  if (zoo_model) {
    if (!args.model_options.zoo_options_given || zoo.num_classes == 1000) zoo.num_classes = classes;
    auto loaded = load_model(args.model, args.model_options);
    if (!loaded) return report_error(*streams.err, loaded.error().message);
    model = std::move(*loaded);
  }
  auto task = train::make_task(*task_kind, {.num_classes = classes, .label_smoothing = options.label_smoothing});
  if (!task) return report_error(*streams.err, task.error().message);
  if (Status fits = (*task)->check_graph(model->graph); !fits)
    return report_error(*streams.err, "model '" + args.model + "' does not fit --task " + args.task + " with " +
                                          std::to_string(classes) + " classes: " + fits.error().message);

  std::string inherited;
  if (!args.init_from.empty()) {
    auto from = load_model(args.init_from, {});
    if (!from) return report_error(*streams.err, from.error().within("--init-from").message);
    auto transfer = expert::transfer_weights(from->graph, model->graph, options.seed);
    if (!transfer) return report_error(*streams.err, transfer.error().within("--init-from " + args.init_from).message);
    inherited = "weights: " + std::to_string(transfer->kept_params) + " of " +
                std::to_string(transfer->kept_params + transfer->fresh_params) + " param tensors (" +
                human_count(transfer->kept_values) + " of " + human_count(transfer->kept_values + transfer->fresh_values) +
                " values) inherited from " + args.init_from + ", the rest initialised afresh\n";
  }

  if (!args.no_augment) {
    options.augment.crop_padding = std::max<int64_t>(1, request.resolution / 8);
    options.augment.horizontal_flip = true;
  }
  auto statistics = data::channel_statistics(*data_sets->train, 10000);
  if (!statistics) return report_error(*streams.err, statistics.error().message);
  options.mean = statistics->mean;
  options.std = statistics->std;
  options.augment.erase_probability = args.random_erasing;
  options.augment.erase_fill = statistics->mean;  // normalises to 0
  if (!args.output.empty() && options.checkpoint_path.empty())
    options.checkpoint_path = (std::filesystem::path(args.output) / (model->graph.name() + ".ckpt")).string();
  if (options.resume && options.checkpoint_path.empty())
    return report_error(*streams.err, "--resume needs --checkpoint FILE or --output DIR", kExitUsage);
  // The folders the checkpoint and the exports go to exist before training starts, so a finished
  // run is never lost to a missing directory.
  for (const std::string& file : {options.checkpoint_path, args.output.empty() ? std::string() : args.output + "/x"}) {
    const std::filesystem::path parent = std::filesystem::path(file).parent_path();
    std::error_code ec;
    if (!file.empty() && !parent.empty() && !std::filesystem::create_directories(parent, ec) && ec)
      return report_error(*streams.err, parent.string() + ": cannot create the directory: " + ec.message());
  }

  std::ostream& out = *streams.out;
  std::ostream& err = *streams.err;
  out << "training " << model->graph.name() << " (" << model->source << ") for " << args.task << " on "
      << data_sets->train->describe() << "; held out: " << data_sets->held_out->describe() << '\n' << inherited;
  out << train::optimizer_name(options.optimizer) << " lr " << options.learning_rate << ", " << options.epochs
      << " epochs (warm-up " << options.warmup_epochs << "), batch " << options.batch_size << ", data fraction "
      << options.data_fraction << ", seed " << options.seed << '\n';
  // One bar per epoch: "[#####.....] 123/469 steps 9.8/s ETA 0:03:12 epoch 1/5 loss 0.4321 lr 0.0912 812 img/s".
  Progress progress(err, Progress::mode_for(streams, args.quiet), "steps");
  options.progress = [&](const train::Progress& p) {
    progress.update(p.step_in_epoch, p.steps_per_epoch,
                    "epoch " + std::to_string(p.epoch + 1) + "/" + std::to_string(p.epochs) + " loss " + fixed(p.loss, 4) + " lr " +
                        fixed(p.learning_rate, 4) + " " + fixed(p.images_per_second, 0) + " img/s",
                    p.eta_seconds);
  };
  const std::string metric = (*task)->metric_name();
  auto report_epoch = [&](const train::EpochReport& r) {
    progress.finish();
    out << "epoch " << r.epoch + 1 << "/" << options.epochs << "  loss " << fixed(r.train_loss, 4);
    if (r.eval_metric >= 0) out << "  held-out " << metric << " " << fixed(100.0 * r.eval_metric, 2) << "%";
    out << "  lr " << fixed(r.learning_rate, 5) << "  " << fixed(r.images_per_second, 0) << " img/s  "
        << fixed(r.seconds, 1) << " s" << std::endl;
  };
  options.early_stop = [&](const train::EpochReport& r) {
    report_epoch(r);
    return false;
  };
  auto result = train::train_network(model->graph, **task, *data_sets->train, data_sets->held_out.get(), options);
  if (!result) return report_error(err, result.error().message);
  if (!result->epochs.empty() && result->epochs.back().epoch + 1 == options.epochs) report_epoch(result->epochs.back());
  out << "held-out " << metric << ": " << fixed(100.0 * result->eval_metric, 2) << "% (" << result->steps
      << " steps" << (result->resumed_from_step ? ", resumed at step " + std::to_string(result->resumed_from_step) : "")
      << ")\n";
  if (!options.checkpoint_path.empty()) out << "checkpoint: " << options.checkpoint_path << '\n';
  if (!args.output.empty()) {
    auto files = train::export_trained(result->graph, result->module, args.output);
    if (!files) return report_error(err, files.error().message);
    out << "exported: " << files->onnx << ", " << files->yaml << ", " << files->torchscript << '\n';
  }
  return kExitSuccess;
}

}  // namespace

void register_train(CLI::App& app, Streams streams) {
  auto args = std::make_shared<TrainArgs>();
  train::TrainOptions& o = args->options;
  CLI::App* command = app.add_subcommand("train", "train a network on real data (libtorch), checkpoint and export it");
  command->add_option("model", args->model, "a zoo name (see 'hwnas zoo'), a .yaml/.yml file or a .onnx file")
      ->type_name("MODEL")
      ->required();
  add_model_options(*command, args->model_options);
  command->add_option("--task", args->task, "classification (default), segmentation or detection");
  command->add_option("--data", args->data,
                      "fashion-mnist, composite (segmentation/detection scenes), an image-folder DIR, csv:TRAIN.csv[,VAL.csv], voc:ROOT or coco:instances.json[:IMAGES] (default: fashion-mnist for classification, composite for the other tasks)");
  command->add_option("--data-dir", args->data_dir, "where Fashion-MNIST's files are (default: the Debian package's)");
  command->add_option("--channels", args->channels, "image channels for a zoo model (default: 1 for Fashion-MNIST, else 3)")
      ->check(CLI::Range(1, 3));
  command->add_option("--epochs", o.epochs, "epochs (default 10)")->check(CLI::PositiveNumber);
  command->add_option("--batch-size", o.batch_size, "batch size (default 128)")->check(CLI::PositiveNumber);
  command->add_option("--lr", o.learning_rate, "peak learning rate (default 0.1)")->check(CLI::PositiveNumber);
  command->add_option("--optimizer", args->optimizer, "sgd (default, Nesterov momentum) or adamw");
  command->add_option("--momentum", o.momentum, "SGD momentum (default 0.9)");
  command->add_flag("--no-nesterov", args->no_nesterov, "plain momentum SGD");
  command->add_option("--weight-decay", o.weight_decay, "on conv and linear weights (default 5e-5)");
  command->add_option("--warmup", o.warmup_epochs, "epochs of linear warm-up (default 0)");
  command->add_option("--label-smoothing", o.label_smoothing, "classification (default 0)");
  command->add_flag("--no-augment", args->no_augment, "no random crop and flip");
  command->add_option("--random-erasing", args->random_erasing,
                      "classification: erase a random rectangle of an image with this probability (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--data-fraction", o.data_fraction, "share of the training set, stratified (default 1)");
  command->add_option("--max-steps", o.max_steps, "stop after this many steps in all (default: no limit)");
  command->add_option("--checkpoint", o.checkpoint_path, "checkpoint file (default with --output: DIR/NAME.ckpt)");
  command->add_option("--checkpoint-every", o.checkpoint_every_steps, "also write it every N steps");
  command->add_flag("--resume", o.resume, "continue from the checkpoint when it exists");
  command->add_option("--output,-o", args->output, "write the trained network there: NAME.onnx, NAME.yaml, NAME.pt");
  command->add_option("--seed", o.seed, "seed of the weights, data order and augmentation (default 0)");
  command->add_option("--init-from", args->init_from,
                      "start from FILE's weights (.yaml or .onnx) wherever a layer has the same name and shape "
                      "(e.g. the baseline of `hwnas space derive --baseline-out`); the rest is initialised afresh")
      ->type_name("FILE");
  command->add_option("--threads", o.threads, "torch threads (default: torch's)");
  command->add_flag("--quiet,-q", args->quiet, "no progress bar");
  command->callback([args, streams, command] {
    args->resolution_given = command->get_option("--resolution")->count() > 0;
    finish(run_train(*args, streams));
  });
}

#else  // built without libtorch

void register_train(CLI::App& app, Streams streams) {
  CLI::App* command = app.add_subcommand("train", "train a network (needs hwnas built with libtorch)");
  command->allow_extras();
  command->set_help_flag();  // --help as well is hwnas-torch's to answer
  command->callback([streams] { finish(report_error(*streams.err, exec_with_torch("'train'").message)); });
}

#endif

}  // namespace hwnas::cli
