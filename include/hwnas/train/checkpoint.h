// Training checkpoints: one torch archive file with the weights, optimizer state, position and the graph's YAML.
//
// Keys of the archive (torch::serialize::OutputArchive, read back with InputArchive):
//   format "hwnas-checkpoint-1"; graph_yaml (the graph's structure, docs/text-format.md);
//   task, num_classes; position: epoch, batch_in_epoch, step, epoch_loss_sum, epoch_steps;
//   the options that fix the data order: seed, batch_size, data_fraction, resolution, epochs;
//   mean and std (normalisation, float tensors); module (parameters and buffers by name);
//   optimizer (its param groups and state: momentum buffers, Adam moments and step counts).
// Nothing else is random during training (see trainer.h), so these make a run resumable exactly.
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/module.h"

namespace hwnas::train {

inline constexpr const char* kCheckpointFormat = "hwnas-checkpoint-1";

struct CheckpointInfo {
  std::string graph_yaml;  // the graph without weights
  std::string task;        // data::task_name
  int64_t num_classes = 0;
  // Where training goes on: batch `batch_in_epoch` of epoch `epoch` (both 0-based), after `step`
  // optimizer steps; the loss summed over the epoch's steps so far.
  int64_t epoch = 0, batch_in_epoch = 0, step = 0;
  double epoch_loss_sum = 0.0;
  int64_t epoch_steps = 0;
  // Options the data order and schedule depend on.
  uint64_t seed = 0;
  int64_t batch_size = 0, epochs = 0, resolution = 0;
  double data_fraction = 1.0;
  std::vector<float> mean, std;
  std::string optimizer;  // "sgd", "adamw"
};

// The graph without its weights, in the text format: what CheckpointInfo::graph_yaml records.
std::string structure_yaml(const ir::Graph& graph);

// Writes `path` (through a temporary file renamed into place, so a crash leaves the old one).
// `optimizer` may be null (weights only).
Status save_checkpoint(const std::string& path, const CheckpointInfo& info, const libtorch::GraphModule& module,
                       const torch::optim::Optimizer* optimizer);

// Reads the info of a checkpoint; Errors name the file and the missing or bad key.
Result<CheckpointInfo> read_checkpoint_info(const std::string& path);

// Loads the weights (and the optimizer state when `optimizer` is not null) of the checkpoint
// into `module`, which must be built from the same graph. Errors name the file.
Status load_checkpoint_state(const std::string& path, libtorch::GraphModule& module,
                             torch::optim::Optimizer* optimizer);

struct LoadedCheckpoint {
  CheckpointInfo info;
  ir::Graph graph;                        // with the checkpoint's weights
  libtorch::GraphModule module{nullptr};  // in eval mode
};
// The network of a checkpoint, ready to evaluate or export.
Result<LoadedCheckpoint> load_checkpoint(const std::string& path);

}  // namespace hwnas::train
