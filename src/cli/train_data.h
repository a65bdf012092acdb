// The --data argument of `hwnas train` and `hwnas evaluate`: Fashion-MNIST, composite scenes or an image folder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"
#include "hwnas/ir/shape.h"

namespace hwnas::cli {

// --data when it is not given: Fashion-MNIST for classification, the composite scenes for
// segmentation and detection.
std::string default_data_for(data::Task task);

struct DataRequest {
  std::string data = "fashion-mnist";  // "fashion-mnist", "composite" or a directory (image folder)
  std::string directory{};             // Fashion-MNIST's files; empty: the default
  data::Task task = data::Task::Classification;
  int64_t resolution = 28;             // images resized to resolution x resolution
  int64_t channels = 1;
  uint64_t seed = 0;
  double holdout = 0.1;                // image folders without train/ and val/ (or test/): share held out
};

struct TrainData {
  std::shared_ptr<const data::Dataset> train, held_out;
};

// Opens the training and held-out sets. Fashion-MNIST: the train and test splits; composite: scenes
// of the train and test items (segmentation or detection); a directory: DIR/train and DIR/val
// (or DIR/test) when present, else a stratified `holdout` share of DIR. Errors name the data.
Result<TrainData> open_train_data(const DataRequest& request);

// The data for a network whose input is `input` ([N, C, H, W]), `data_name` as --data gives it
// (empty: default_data_for(task)): C channels at H x H, except
// composite scenes, which are drawn on a canvas of at least data::kMinCompositeCanvas; the network
// then trains and evaluates at `resize_to` = H (the trainer resizes), else resize_to is 0.
struct InputDataRequest {
  DataRequest request;
  int64_t resize_to = 0;
};
InputDataRequest data_request_for_input(const std::string& data_name, const std::string& directory, data::Task task,
                                        const ir::Shape& input, uint64_t seed);

// Parses --task: "classification", "segmentation", "detection".
Result<data::Task> task_from_name(const std::string& name);

}  // namespace hwnas::cli
