// Fine-tuning after `hwnas expert optimize` and `hwnas expert apply`: the original's trained
// weights (a training checkpoint, or a model file that carries them), the task's data, the
// accuracy before the rewrites and after fine-tuning the rewritten network.
//
// The expert library knows nothing of training (it must build without libtorch), so this glue
// lives in the command line, which links the train part when it is built: the rewrites run on the
// structure, expert::transfer_weights gives the rewritten network the original's weights where
// layers survived, and train::train_network fine-tunes it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "load_model.h"

namespace hwnas::cli {

struct FineTuneArgs {
  std::string checkpoint;          // --checkpoint: a checkpoint of `hwnas train` of MODEL
  bool weights = false;            // --weights: MODEL (a .yaml or .onnx file) carries trained weights
  std::string task;                // --task (default: the checkpoint's, else classification)
  std::string data;  // empty: default_data_for(the task)
  std::string data_dir;
  int64_t epochs = 0;              // --fine-tune-epochs; 0: no fine-tuning
  int64_t batch_size = 64;
  double learning_rate = 0.01;     // SGD with Nesterov momentum, cosine decay, no warm-up
  double data_fraction = 1.0;
  int64_t max_steps = 0;
  int threads = 0;
};

// Adds --checkpoint, --weights, --task, --data, --data-dir, --fine-tune-epochs, --fine-tune-lr,
// --fine-tune-batch, --fine-tune-fraction, --fine-tune-steps and --threads to `command`.
void add_fine_tune_options(CLI::App& command, FineTuneArgs& args);

// The fine-tuning flags given on `command`'s line (for the check below).
std::vector<std::string> fine_tune_flags_given(const CLI::App& command);

// Usage errors of the flags alone: fine-tuning flags without --fine-tune-epochs, --checkpoint
// with --weights, --weights for a zoo model, fine-tuning without the original's weights.
Status check_fine_tune_flags(const FineTuneArgs& args, const std::vector<std::string>& given,
                             const std::string& model_argument);

// The state between the original's evaluation and the rewritten network's fine-tuning (holds
// the data, the task and the original's weights; defined where libtorch is).
class FineTuner;
struct FineTunerDeleter {
  void operator()(FineTuner* tuner) const;
};
using FineTunerPtr = std::unique_ptr<FineTuner, FineTunerDeleter>;

// For args.epochs > 0: loads the original's weights (checkpoint or MODEL), opens the data,
// checks the network fits the task and measures the original's held-out metric, reporting on
// `out`. Errors name the file, flag or data; without libtorch an Error says so.
Result<FineTunerPtr> prepare_fine_tune(const FineTuneArgs& args, const LoadedModel& model, uint64_t seed,
                                       std::ostream& out);

// Gives `rewritten` (a structure) the original's weights where its layers survived
// (expert::transfer_weights), fine-tunes it for args.epochs and reports the metric before the
// rewrites, after them and after fine-tuning. Returns the fine-tuned network with its weights.
Result<ir::Graph> fine_tune(FineTuner& tuner, const ir::Graph& rewritten, std::ostream& out);

}  // namespace hwnas::cli
