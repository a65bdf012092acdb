// EstimatorEvaluator: latency and energy from an estimator's regressors; load_or_build_estimator caches one in a file.
#include "hwnas/search/estimator_evaluator.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "hwnas/estimator/model_file.h"
#include "hwnas/estimator/target_info.h"
#include "hwnas/ir/stable_hash.h"

namespace hwnas::search {

EstimatorEvaluator::EstimatorEvaluator(estimator::Estimator estimator)
    : estimator_(std::move(estimator)), precision_(estimator_.metadata().target.activation_precision) {
  const estimator::TargetInfo& target = estimator_.metadata().target;
  version_ = "estimator:" + target.name + " spec=" + (target.spec_fingerprint.empty() ? "-" : target.spec_fingerprint) +
             " model=" + stable_hash_hex(estimator::estimator_to_json(estimator_));
}

std::string EstimatorEvaluator::name() const { return "estimator:" + estimator_.metadata().target.name; }

Result<Metrics> EstimatorEvaluator::evaluate(const EvaluationRequest& request) {
  auto graph = request.space.decode(request.arch);
  if (!graph) return graph.error();
  // An estimator of feature version 1 cannot see a layer's own precision: it would price int16 layers as int8.
  if (estimator_.metadata().feature_version < 2 && ir::is_integer(precision_))
    for (const ir::Node& n : graph->nodes())
      if (n.precision && *n.precision != precision_)
        return Error{name() + ": the estimator's features (version " + std::to_string(estimator_.metadata().feature_version) +
                     ") do not see per-layer precision, which " + n.describe() + " sets (" +
                     std::string(ir::precision_name(*n.precision)) + "): rebuild the estimator with this hwnas"};
  Metrics metrics = analysis_metrics(*graph, precision_);
  const estimator::NetworkPrediction prediction = estimator_.predict(*graph);
  if (!std::isfinite(prediction.latency_us) || prediction.latency_us <= 0)
    return Error{name() + ": the estimator predicted a latency that is not a positive number (" +
                 std::to_string(prediction.latency_us) + " us)"};
  metrics["latency_us"] = prediction.latency_us;
  metrics["latency_std_us"] = prediction.latency_std_us;
  // No energy model: leave energy out, so a cost model that needs it says so.
  if (estimator_.has_energy()) metrics["energy_uj"] = prediction.energy_uj;
  return metrics;
}

Result<LoadedEstimator> load_or_build_estimator(hw::Target& target, const EstimatorSource& source,
                                                const estimator::Progress& progress) {
  if (source.file.empty()) return Error{"estimator: no file given to load or to save a built estimator to"};
  const estimator::TargetInfo info = estimator::describe_target(target);
  std::error_code ec;
  if (std::filesystem::exists(source.file, ec)) {
    auto loaded = estimator::load_estimator_for(source.file, info);
    if (!loaded) return loaded.error();
    return LoadedEstimator{std::move(*loaded), false, 0};
  }
  if (info.kind != "simulator")
    return Error{source.file + ": no such estimator file, and only a simulated target's estimator is built during a search; build one for '" +
                 info.name + "' with: hwnas estimator build --target " + info.name + " -o " + source.file};
  const auto start = std::chrono::steady_clock::now();
  auto built = estimator::build_estimator(target, info, source.build, progress);
  if (!built) return built.error().within("estimator for " + info.name);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::filesystem::path parent = std::filesystem::path(source.file).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (Status s = estimator::save_estimator(built->estimator, source.file); !s) return s.error();
  // Read back what was saved: the evaluator version then equals that of a later load of the file.
  auto reloaded = estimator::load_estimator_for(source.file, info);
  if (!reloaded) return reloaded.error();
  return LoadedEstimator{std::move(*reloaded), true, seconds};
}

}  // namespace hwnas::search
