// The search evaluators that need libtorch, built from the config for `hwnas search`.
#include "search_evaluators.h"

#ifdef HWNAS_WITH_TORCH
#include <sstream>

#include "hwnas/data/subset.h"
#include "hwnas/search_torch/training_evaluator.h"
#include "hwnas/search_torch/zeroshot_evaluator.h"
#include "hwnas/space/space.h"
#include "hwnas/supernet/search_evaluators.h"
#include "train_data.h"
#endif

namespace hwnas::cli {

Result<std::vector<std::unique_ptr<search::Evaluator>>> make_libtorch_evaluators(const search::SearchConfig& config) {
  std::vector<std::unique_ptr<search::Evaluator>> evaluators;
#ifdef HWNAS_WITH_TORCH
  if (config.use_training) {
    const search::TrainingConfig& t = config.training;
    DataRequest request;
    request.data = t.data;
    auto task = task_from_name(t.task);
    if (!task) return task.error().within(config.source + ": training.task");
    request.task = *task;
    request.seed = config.seed;
    // A user's data set (image folder, csv:, voc:, coco:) is decoded at the space's largest input
    // resolution and its input channels, so no candidate trains on images upsampled from a small
    // copy. (Fashion-MNIST and the composite scenes keep their own sizes; the trainer resizes.)
    if (request.data != "fashion-mnist" && request.data != "composite") {
      auto searched = space::load_space_by_name(config.space, {});
      if (searched && searched->macro()) {
        const space::MacroSpec& m = *searched->macro();
        double largest = 0;
        for (const space::Choice& c : searched->decisions()[static_cast<size_t>(m.resolution)].choices)
          largest = std::max(largest, c.value);
        request.resolution = static_cast<int64_t>(largest);
        request.channels = m.input_channels;
      }
    }
    auto data = open_train_data(request);
    if (!data) return data.error().within(config.source + ": training.data");
    search::TrainingEvaluator::Options options;
    auto optimizer = train::optimizer_from_name(t.optimizer);
    if (!optimizer) return optimizer.error().within(config.source + ": training.optimizer");
    options.train.optimizer = *optimizer;
    options.train.epochs = t.epochs;
    options.train.data_fraction = t.data_fraction;
    options.train.batch_size = t.batch_size;
    options.train.learning_rate = t.learning_rate;
    options.train.weight_decay = t.weight_decay;
    options.train.warmup_epochs = t.warmup_epochs;
    options.train.threads = t.threads;
    options.label_smoothing = t.label_smoothing;
    options.held_out_examples = t.held_out_examples;
    options.data_name = t.data;
    if (t.int8) {
      train::QuantizeOptions q;
      q.calibration_batches = t.int8_calibration_batches;
      auto calibration = quant::calibration_from_name(t.int8_calibration);
      auto weights = quant::granularity_from_name(t.int8_weights);
      if (!calibration) return calibration.error().within(config.source + ": training.int8.calibration");
      if (!weights) return weights.error().within(config.source + ": training.int8.weights");
      q.calibration = *calibration;
      q.percentile = t.int8_percentile;
      q.weights = *weights;
      options.int8 = q;
    }
    evaluators.push_back(std::make_unique<search::TrainingEvaluator>(data->train, data->held_out, options));
  }
#else
  (void)config;
#endif
  return evaluators;
}

#ifdef HWNAS_WITH_TORCH
namespace {

// The first `count` examples of `indices` of `set`, as tensors.
Result<supernet::TensorSet> tensors_of(const std::shared_ptr<const data::Dataset>& set, std::vector<int64_t> indices) {
  auto subset = data::SubsetDataset::make(set, std::move(indices));
  if (!subset) return subset.error();
  return supernet::load_tensors(**subset);
}

std::vector<int64_t> index_range(int64_t begin, int64_t end) {
  std::vector<int64_t> indices;
  for (int64_t i = begin; i < end; ++i) indices.push_back(i);
  return indices;
}

// The supernet of the experiment's space, trained on the training section's data (or loaded),
// with its evaluators added to `out`.
Status add_supernet_parts(const search::Experiment& e, bool resume, StrategyEvaluators& out) {
  const search::SearchConfig& config = e.config;
  const search::SupernetConfig& sc = config.supernet;
  DataRequest request;
  request.data = config.training.data;
  request.seed = config.seed;
  auto data = open_train_data(request);
  if (!data) return data.error().within(config.source + ": training.data");
  const int64_t available = data->train->size();
  if (sc.train_examples + sc.validation_examples > available)
    return Error{config.source + ": supernet.train_examples + supernet.validation_examples = " +
                 std::to_string(sc.train_examples + sc.validation_examples) + " but the training split of " + config.training.data +
                 " has " + std::to_string(available) + " examples"};
  auto train_set = tensors_of(data->train, index_range(0, sc.train_examples));
  if (!train_set) return train_set.error().within(config.source + ": supernet");
  auto validation = tensors_of(data->train, index_range(available - sc.validation_examples, available));
  if (!validation) return validation.error().within(config.source + ": supernet");
  const supernet::TensorSet calibration = train_set->slice(0, sc.calibration_examples);
  // The fine-tuned subnet is evaluated on the held-out examples the training evaluator uses.
  std::vector<int64_t> held_out_indices = index_range(0, data->held_out->size());
  const int64_t held_out_examples = config.training.held_out_examples;
  if (held_out_examples > 0 && held_out_examples < data->held_out->size()) {
    auto indices = data::fraction_indices(data->held_out->size(), data->held_out->labels(),
                                          static_cast<double>(held_out_examples) / static_cast<double>(data->held_out->size()), 0);
    if (!indices) return indices.error().within(config.source + ": training.held_out_examples");
    held_out_indices = std::move(*indices);
  }
  auto held_out = tensors_of(data->held_out, std::move(held_out_indices));
  if (!held_out) return held_out.error().within(config.source + ": training.data");

  supernet::SupernetSource source;
  source.path = search::supernet_file_path(config);
  source.reuse = resume;
  source.init.seed = config.seed;
  source.train.sampling = sc.sampling == "uniform" ? supernet::Sampling::Uniform : supernet::Sampling::Sandwich;
  source.train.epochs = sc.epochs;
  source.train.batch_size = sc.batch_size;
  source.train.learning_rate = sc.learning_rate;
  source.train.seed = config.seed;
  auto loaded = supernet::load_or_train_supernet(*e.space, *train_set, source);
  if (!loaded) return loaded.error().within(config.source + ": supernet");
  std::ostringstream note;
  note << "supernet: ";
  if (loaded->trained)
    note << "trained (" << sc.sampling << ", " << loaded->report.steps << " steps, " << static_cast<int64_t>(loaded->report.cpu_seconds)
         << " CPU s) on " << sc.train_examples << " examples, saved to " << source.path;
  else
    note << "loaded from " << source.path;
  out.notes.push_back(note.str());

  const std::string version = sc.fingerprint() + "data=" + data->train->describe();
  auto inherited = std::make_unique<supernet::InheritedAccuracyEvaluator>(loaded->net, calibration, *validation, version);
  search::Evaluator* inherited_ptr = inherited.get();
  out.owned.push_back(std::move(inherited));
  if (config.strategy == search::Strategy::Supernet || config.hybrid.screen == "supernet") {
    out.parts.proxy = inherited_ptr;
    out.parts.proxy_metric = supernet::kInheritedAccuracy;
  }
  if (config.strategy == search::Strategy::Supernet) {
    auto fine_tuned = std::make_unique<supernet::FineTunedSubnetEvaluator>(
        loaded->net, calibration, *train_set, *held_out,
        supernet::FineTunedSubnetEvaluator::Options{.epochs = sc.fine_tune_epochs, .batch_size = sc.batch_size,
                                                    .learning_rate = sc.fine_tune_learning_rate});
    const supernet::FineTunedSubnetEvaluator* fine_tuned_ptr = fine_tuned.get();
    out.fine_tuned_network = [fine_tuned_ptr] { return fine_tuned_ptr->last_network(); };
    out.parts.final_evaluator = fine_tuned.get();
    out.owned.push_back(std::move(fine_tuned));
  }
  if (config.strategy == search::Strategy::Hybrid && sc.warm_start > 0) {
    auto best = search::best_by_proxy(e, *inherited_ptr, supernet::kInheritedAccuracy, sc.warm_start, sc.warm_start_trials);
    if (!best) return best.error().within(config.source + ": supernet.warm_start");
    out.parts.warm_start = std::move(*best);
    out.notes.push_back("warm start: the supernet's best " + std::to_string(out.parts.warm_start.size()) + " subnets of " +
                        std::to_string(sc.warm_start_trials) + " scored");
  }
  return {};
}

}  // namespace
#endif

Result<StrategyEvaluators> make_strategy_evaluators(const search::Experiment& e, bool resume) {
  StrategyEvaluators out;
  const search::SearchConfig& config = e.config;
  if (config.strategy == search::Strategy::Multishot) return out;
#ifdef HWNAS_WITH_TORCH
  if (config.uses_zero_shot()) {
    auto proxy = zeroshot::proxy_from_name(config.zero_shot.proxy);
    if (!proxy) return proxy.error().within(config.source + ": zero_shot.proxy");
    auto evaluator = std::make_unique<search::ZeroShotEvaluator>(std::vector<zeroshot::Proxy>{*proxy},
                                                                 zeroshot::ScoreOptions{.batch_size = config.zero_shot.batch_size});
    out.parts.proxy = evaluator.get();
    out.parts.proxy_metric = config.zero_shot.proxy;
    out.owned.push_back(std::move(evaluator));
  }
  if (config.uses_supernet())
    if (Status s = add_supernet_parts(e, resume, out); !s) return s.error();
  return out;
#else
  (void)resume;
  return Error{config.source + ": strategy " + std::string(search::strategy_name(config.strategy)) +
               " needs hwnas built with libtorch (HWNAS_WITH_TORCH; Debian's libtorch-dev)"};
#endif
}

}  // namespace hwnas::cli
