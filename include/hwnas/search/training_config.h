// The `training:` section of a search config: how the training evaluator trains each candidate
// (built by the command line, which links libtorch: search_torch/training_evaluator.h).
//
//   evaluators: [estimator, training]
//   training: {data: fashion-mnist, epochs: 2, data_fraction: 0.1, batch_size: 128, learning_rate: 0.1}
#pragma once

#include <cstdint>
#include <string>

#include <yaml-cpp/yaml.h>

#include "hwnas/ir/result.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::search {

struct TrainingConfig {
  std::string data = "fashion-mnist";  // "fashion-mnist", "composite" or an image-folder directory
  std::string task = "classification"; // classification | segmentation | detection
  int64_t epochs = 2;                  // the full-fidelity training; lower fidelities train less
  double data_fraction = 0.2;          // share of the training set at full fidelity
  int64_t batch_size = 128;
  std::string optimizer = "sgd";       // sgd | adamw
  double learning_rate = 0.1;
  double weight_decay = 5e-5;
  double warmup_epochs = 0.0;
  double label_smoothing = 0.0;
  int64_t held_out_examples = 2000;    // evaluate on this many held-out examples (0: all)
  int threads = 0;                     // torch threads (0: libtorch's default)
  // `int8: {calibration_batches, calibration, percentile, weights}`: after training, the network
  // is quantised (post-training, train/quantize.h) and evaluated again: metrics accuracy_int8
  // and int8_drop (accuracy - accuracy_int8), usable as objectives and constraints.
  bool int8 = false;
  int64_t int8_calibration_batches = 8;      // of 64 training images
  std::string int8_calibration = "minmax";   // minmax | percentile
  double int8_percentile = 99.99;
  std::string int8_weights = "per_channel";  // per_channel | per_tensor

  // One line of every field, for the config fingerprint.
  std::string fingerprint() const;
};

// Reads `node` (a map of the fields above) into `config`; errors name the source, line and field.
Status parse_training_config(const text::StrictYaml& reader, const YAML::Node& node, TrainingConfig& config);

}  // namespace hwnas::search
