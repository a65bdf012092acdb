// The supernet as search evaluators (strategy supernet and hybrid, search/strategy.h): inherited accuracy, and the chosen subnet fine-tuned.
//
//   auto loaded = supernet::load_or_train_supernet(space, train_set, {.path = "run.db.supernet.pt", .reuse = resume});
//   supernet::InheritedAccuracyEvaluator inherited(loaded->net, calibration, validation, "sandwich 4 epochs");
//   auto m = inherited.evaluate({.space = space, .arch = arch});      // {"inherited_accuracy": 0.78}
//   supernet::FineTunedSubnetEvaluator fine_tuned(loaded->net, calibration, train_set, held_out, {.epochs = 1});
//   auto f = fine_tuned.evaluate({.space = space, .arch = arch, .seed = 1});   // {"accuracy": 0.80, ...}
//
// Both hold the same Supernet (a shared module handle) and must be used from one thread.
#pragma once

#include <optional>
#include <string>

#include "hwnas/search/evaluator.h"
#include "hwnas/supernet/supernet.h"

namespace hwnas::supernet {

// The metric InheritedAccuracyEvaluator reports.
inline constexpr const char* kInheritedAccuracy = "inherited_accuracy";

// The top-1 accuracy of a subnet with the supernet's weights, batch norm recalibrated on
// `calibration`, on `validation`: "inherited_accuracy". An architecture the supernet does not
// hold (a grouped_ibn choice) is an Error (a failed trial). No training, fidelity ignored.
class InheritedAccuracyEvaluator : public search::Evaluator {
 public:
  // `version` says what the weights depend on (the supernet's training), for the store.
  InheritedAccuracyEvaluator(Supernet net, TensorSet calibration, TensorSet validation, std::string version);
  std::string name() const override { return "supernet:inherited_accuracy"; }
  std::string version() const override { return version_; }
  Result<search::Metrics> evaluate(const search::EvaluationRequest& request) override;

 private:
  Supernet net_;
  TensorSet calibration_, validation_;
  std::string version_;
};

// The chosen subnet as a standalone network: recalibrated, extracted with its inherited weights,
// fine-tuned for `epochs` on `train_set` (train_graph, seeded by the request's seed; 0 epochs: not
// fine-tuned) and evaluated on `held_out`: "accuracy" (after fine-tuning), "inherited_accuracy"
// (the extracted network before it, on held_out), "fine_tune_seconds", "fine_tune_epochs".
class FineTunedSubnetEvaluator : public search::Evaluator {
 public:
  struct Options {
    int64_t epochs = 1;
    int64_t batch_size = 64;
    double learning_rate = 0.01;
  };
  FineTunedSubnetEvaluator(Supernet net, TensorSet calibration, TensorSet train_set, TensorSet held_out, Options options);
  std::string name() const override { return "supernet:fine-tuned"; }
  std::string version() const override;
  Result<search::Metrics> evaluate(const search::EvaluationRequest& request) override;
  // The network of the last successful evaluation, with its fine-tuned weights.
  const std::optional<ir::Graph>& last_network() const { return last_; }

 private:
  Supernet net_;
  TensorSet calibration_, train_set_, held_out_;
  Options options_;
  std::optional<ir::Graph> last_;
};

struct SupernetSource {
  std::string path;          // where the trained weights are saved (torch::save of the module)
  bool reuse = false;        // load `path` when it exists instead of training
  SupernetOptions init{};
  TrainOptions train{};
};

struct LoadedSupernet {
  Supernet net{nullptr};
  bool trained = false;      // false: loaded from source.path
  TrainReport report;        // when trained
};

// The supernet of `space`, loaded from source.path (reuse, and the file exists) or trained on
// `train_set` and saved there. Errors name the file (unreadable, written for another space).
Result<LoadedSupernet> load_or_train_supernet(const space::SearchSpace& space, const TensorSet& train_set,
                                              const SupernetSource& source);

}  // namespace hwnas::supernet
