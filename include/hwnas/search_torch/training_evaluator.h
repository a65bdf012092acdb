// TrainingEvaluator: the accuracy of an architecture, trained with libtorch at a fidelity.
//
//   auto data = data::open_fashion_mnist(...);                    // train and held-out sets
//   search::TrainingEvaluator::Options options;
//   options.train.epochs = 4;                                      // the full-fidelity budget
//   options.train.data_fraction = 0.5;
//   search::TrainingEvaluator training(train_set, held_out, options);
//   auto metrics = training.evaluate({.space = space, .arch = arch, .fidelity = 0.25, .seed = 1});
//   // accuracy (the task's metric: top-1, mIoU or mAP@0.5), train_loss, train_seconds, epochs;
//   // with options.int8 also accuracy_int8 and int8_drop
//
// Fidelity f scales the number of training images seen: f x epochs x data_fraction of the
// training set; epochs = max(1, round(f x epochs)) and the data fraction makes up the rest, so
// the low rungs of successive halving are cheap and the full rung is the configured training.
// Held-out evaluation uses `held_out_examples` of the held-out set (all when 0), the same
// examples for every architecture, so accuracies compare.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hwnas/data/dataset.h"
#include "hwnas/search/evaluator.h"
#include "hwnas/train/quantize.h"
#include "hwnas/train/trainer.h"

namespace hwnas::search {

class TrainingEvaluator : public Evaluator {
 public:
  struct Options {
    train::TrainOptions train{};        // the full-fidelity training (seed is the request's)
    double label_smoothing = 0.0;
    int64_t held_out_examples = 0;      // evaluate on the first N (stratified) held-out examples; 0: all
    std::string data_name = "data";     // names the data in name() and version()
    // Also quantise each trained network (post-training; calibrated on the training set) and
    // report accuracy_int8 and int8_drop (accuracy - accuracy_int8). Resolution and
    // normalisation follow the training's.
    std::optional<train::QuantizeOptions> int8{};
  };
  TrainingEvaluator(std::shared_ptr<const data::Dataset> train_set, std::shared_ptr<const data::Dataset> held_out,
                    Options options);

  std::string name() const override { return "training:" + options_.data_name; }
  // The training options and the data that the accuracy depends on.
  std::string version() const override;
  Result<Metrics> evaluate(const EvaluationRequest& request) override;

  // The training options of a request at `fidelity` (exposed for tests and reports).
  train::TrainOptions options_at(double fidelity, uint64_t seed) const;

 private:
  std::shared_ptr<const data::Dataset> train_set_, held_out_;
  Options options_;
};

}  // namespace hwnas::search
