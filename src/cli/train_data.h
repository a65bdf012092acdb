// The --data argument of `hwnas train` and `hwnas evaluate`: Fashion-MNIST, composite scenes, an image folder, CSV, VOC or COCO files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"
#include "hwnas/ir/shape.h"

namespace hwnas::cli {

// --data when it is not given: Fashion-MNIST for classification, the composite scenes for
// segmentation and detection.
std::string default_data_for(data::Task task);

// The task the files of a --data in FORMAT:PATH form hold: csv: classification, voc:
// segmentation, coco: detection; nullopt for the other forms (fashion-mnist, composite, a folder).
std::optional<data::Task> task_of_data(const std::string& data);

struct DataRequest {
  // "fashion-mnist", "composite", a directory (image folder), "csv:TRAIN.csv[,VAL.csv]",
  // "voc:ROOT" or "coco:INSTANCES.json[:IMAGEDIR]"
  std::string data = "fashion-mnist";
  std::string directory{};             // Fashion-MNIST's files; empty: the default
  data::Task task = data::Task::Classification;
  int64_t resolution = 28;             // images resized to resolution x resolution
  int64_t channels = 1;
  uint64_t seed = 0;
  double holdout = 0.1;                // share held out when the data has no validation part
};

struct TrainData {
  std::shared_ptr<const data::Dataset> train, held_out;
};

// Opens the training and held-out sets. Fashion-MNIST: the train and test splits; composite: scenes
// of the train and test items (segmentation or detection); a directory: DIR/train and DIR/val
// (or DIR/test) when present, else a stratified `holdout` share of DIR; csv:TRAIN.csv,VAL.csv: the
// two lists (VAL with TRAIN's class ids), csv:FILE alone: a stratified holdout of it; voc:ROOT: the
// train and val lists (a holdout of train without val.txt); coco:DIR/instances_train.json: that
// file and, when it exists, DIR/instances_val.json (the last "train" of the name made "val"),
// else a holdout; images beside each file (data::default_coco_image_directory) or in IMAGEDIR
// given as coco:JSON:IMAGEDIR. csv, voc and coco need --task classification, segmentation and
// detection. Errors name the data.
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
