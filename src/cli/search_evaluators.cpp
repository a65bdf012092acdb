// The search evaluators that need libtorch, built from the config for `hwnas search`.
#include "search_evaluators.h"

#ifdef HWNAS_WITH_TORCH
#include "hwnas/search_torch/training_evaluator.h"
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
    evaluators.push_back(std::make_unique<search::TrainingEvaluator>(data->train, data->held_out, options));
  }
#else
  (void)config;
#endif
  return evaluators;
}

}  // namespace hwnas::cli
