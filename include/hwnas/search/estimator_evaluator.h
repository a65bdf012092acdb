// The estimator-only evaluator: latency and energy predicted by an estimator::Estimator, no hardware run.
//
//   auto npu = hw::make_target("ethos-u55-256");
//   auto estimator = search::load_or_build_estimator(**npu, "ethos-u55-256.estimator.json", {});  // built once, then loaded
//   search::EstimatorEvaluator evaluator(std::move(*estimator));
//   auto metrics = evaluator.evaluate({.space = space, .arch = arch});
//   // latency_us, latency_std_us, energy_uj (when the estimator has an energy model), and the
//   // analyses: params, macs, weight_bytes, peak_memory_bytes, memory_bytes
//
// The seed's performance estimator: per-kernel regressors trained on the target's measurements
// answer in microseconds, so a search needs no compilation, inference or hardware. Memory
// figures come from the analyses at the estimator's target precision, as HardwareEvaluator's do.
#pragma once

#include <string>

#include "hwnas/estimator/build.h"
#include "hwnas/estimator/estimator.h"
#include "hwnas/search/evaluator.h"

namespace hwnas::search {

class EstimatorEvaluator : public Evaluator {
 public:
  explicit EstimatorEvaluator(estimator::Estimator estimator);
  // "estimator:ethos-u55-256"
  std::string name() const override;
  // The estimator's target, spec fingerprint and a 64-bit hash of its model file's text: a
  // resumed search must use the very same regressors.
  std::string version() const override { return version_; }
  Result<Metrics> evaluate(const EvaluationRequest& request) override;
  const estimator::Estimator& estimator() const { return estimator_; }

 private:
  estimator::Estimator estimator_;
  ir::Precision precision_;
  std::string version_;
};

// Where an estimator for a search comes from.
struct EstimatorSource {
  std::string file;                    // loaded when it exists; otherwise built and saved here
  estimator::BuildOptions build;       // for building one (a simulator target only)
};

struct LoadedEstimator {
  estimator::Estimator estimator;
  bool built = false;                  // true: built now and saved to the file
  double build_seconds = 0;
};

// Loads `source.file`, refusing one made for another target (or an older spec of it). When the
// file does not exist and `target` is a simulator, builds an estimator for it (build.h), saves
// it to the file and returns it as read back from the file, so a later load gives the same
// evaluator version. Any other target without a file is an Error that says how to build one.
Result<LoadedEstimator> load_or_build_estimator(hw::Target& target, const EstimatorSource& source,
                                                const estimator::Progress& progress = {});

}  // namespace hwnas::search
