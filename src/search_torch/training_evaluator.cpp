// TrainingEvaluator: decodes an architecture, trains it at the request's fidelity, reports its held-out metric.
#include "hwnas/search_torch/training_evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "hwnas/data/subset.h"
#include "hwnas/train/task.h"

namespace hwnas::search {

TrainingEvaluator::TrainingEvaluator(std::shared_ptr<const data::Dataset> train_set,
                                     std::shared_ptr<const data::Dataset> held_out, Options options)
    : train_set_(std::move(train_set)), held_out_(std::move(held_out)), options_(std::move(options)) {
  if (options_.held_out_examples > 0 && held_out_ && options_.held_out_examples < held_out_->size()) {
    const double share = static_cast<double>(options_.held_out_examples) / static_cast<double>(held_out_->size());
    auto indices = data::fraction_indices(held_out_->size(), held_out_->labels(), share, /*seed=*/0);
    if (indices) {
      auto subset = data::SubsetDataset::make(held_out_, std::move(*indices));
      if (subset) held_out_ = std::shared_ptr<const data::Dataset>(std::move(*subset));
    }
  }
}

std::string TrainingEvaluator::version() const {
  const train::TrainOptions& t = options_.train;
  std::ostringstream out;
  out << "train(" << train::optimizer_name(t.optimizer) << " lr=" << t.learning_rate << " wd=" << t.weight_decay
      << " epochs=" << t.epochs << " warmup=" << t.warmup_epochs << " batch=" << t.batch_size
      << " data=" << t.data_fraction << " smoothing=" << options_.label_smoothing
      << " crop=" << t.augment.crop_padding << " flip=" << t.augment.horizontal_flip << ")";
  if (const auto& q = options_.int8)
    out << " int8(" << q->calibration_batches << "x" << q->calibration_batch_size << " " << quant::calibration_name(q->calibration)
        << (q->calibration == quant::Calibration::Percentile ? " " + std::to_string(q->percentile) : std::string()) << " "
        << quant::granularity_name(q->weights) << ")";
  out << " data("
      << (train_set_ ? train_set_->describe() : "none") << "; " << (held_out_ ? held_out_->describe() : "none") << ")";
  return out.str();
}

train::TrainOptions TrainingEvaluator::options_at(double fidelity, uint64_t seed) const {
  train::TrainOptions t = options_.train;
  t.seed = seed;
  const double f = std::clamp(fidelity, 1e-6, 1.0);
  const double full_epochs = static_cast<double>(std::max<int64_t>(1, options_.train.epochs));
  t.epochs = std::max<int64_t>(1, std::llround(f * full_epochs));
  // The images seen: f x epochs x data_fraction; what whole epochs do not cover, the share of data does.
  t.data_fraction = std::clamp(options_.train.data_fraction * f * full_epochs / static_cast<double>(t.epochs), 1e-6, 1.0);
  t.warmup_epochs = std::min(options_.train.warmup_epochs, static_cast<double>(t.epochs) / 2);
  t.checkpoint_path.clear();
  t.resume = false;
  t.evaluate_every_epoch = false;
  t.early_stop = {};
  t.progress = {};
  return t;
}

Result<Metrics> TrainingEvaluator::evaluate(const EvaluationRequest& request) {
  if (!train_set_) return Error{"training evaluator: no training data"};
  auto graph = request.space.decode(request.arch);
  if (!graph) return graph.error();
  const ir::Shape& input = graph->node(graph->inputs().at(0)).shape;
  if (input.rank() != 4) return Error{"training evaluator: the network's input is not an image batch [N, C, H, W]"};
  if (input[1] != train_set_->channels())
    return Error{"training evaluator: the network takes " + std::to_string(input[1]) + " input channels, the data (" +
                 train_set_->describe() + ") has " + std::to_string(train_set_->channels())};

  train::TaskOptions task_options;
  task_options.num_classes = train_set_->num_classes();
  task_options.label_smoothing = options_.label_smoothing;
  auto task = train::make_task(train_set_->task(), task_options);
  if (!task) return task.error();

  train::TrainOptions options = options_at(request.fidelity, request.seed);
  options.resolution = input[2] == train_set_->height() && input[3] == train_set_->width() ? 0 : input[2];
  const auto start = std::chrono::steady_clock::now();
  auto trained = train::train_network(*graph, **task, *train_set_, held_out_.get(), options);
  if (!trained) return trained.error();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Metrics metrics;
  if (held_out_) {
    metrics["accuracy"] = trained->eval_metric;
    metrics[(*task)->metric_name()] = trained->eval_metric;
    metrics["eval_loss"] = trained->eval_loss;
  }
  if (options_.int8 && held_out_) {
    train::QuantizeOptions q = *options_.int8;
    q.resolution = options.resolution;
    q.mean = options.mean;
    q.std = options.std;
    auto quantized = train::calibrate(trained->graph, *train_set_, q);
    if (!quantized) return quantized.error().within("training evaluator: int8");
    auto report = train::evaluate_quantized(*quantized, **task, *held_out_, options.eval_batch_size);
    if (!report) return report.error().within("training evaluator: int8");
    metrics["accuracy_int8"] = report->metric;
    metrics["int8_drop"] = trained->eval_metric - report->metric;
  }
  if (!trained->epochs.empty()) metrics["train_loss"] = trained->epochs.back().train_loss;
  metrics["train_seconds"] = seconds;
  metrics["train_epochs"] = static_cast<double>(options.epochs);
  metrics["train_steps"] = static_cast<double>(trained->steps);
  return metrics;
}

}  // namespace hwnas::search
