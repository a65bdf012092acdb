// A training checkpoint opened with its data and task, for the commands that evaluate one (evaluate, quantize).
#pragma once

#ifdef HWNAS_WITH_TORCH
#include <memory>
#include <string>

#include "hwnas/train/checkpoint.h"
#include "hwnas/train/task.h"
#include "train_data.h"

namespace hwnas::cli {

struct CheckpointRun {
  train::LoadedCheckpoint loaded;
  TrainData data;
  std::unique_ptr<train::Task> task;
};

// Loads `checkpoint`, opens `data` (empty: the default for the checkpoint's task) at its network's
// input size and checks that the network fits the task and the data's classes. Errors name the
// checkpoint or the data.
Result<CheckpointRun> open_checkpoint_run(const std::string& checkpoint, const std::string& data, const std::string& data_dir);

}  // namespace hwnas::cli
#endif
