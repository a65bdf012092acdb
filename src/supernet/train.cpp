// Training: the supernet with uniform or sandwich sampling, standalone IR networks, and top-1 accuracy.
#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <ctime>
#include <functional>
#include <numbers>

#include "hwnas/data/batch.h"
#include "hwnas/supernet/supernet.h"
#include "hwnas/torch/module.h"

namespace hwnas::supernet {
namespace {

using ::torch::Tensor;

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

Tensor at_resolution(const Tensor& images, int64_t resolution) {
  if (images.size(2) == resolution && images.size(3) == resolution) return images;
  return at::upsample_bilinear2d(images, {resolution, resolution}, false, c10::nullopt, c10::nullopt);
}

struct SgdSettings {
  int64_t epochs = 1, max_steps = 0, batch_size = 64;
  double learning_rate = 0.05, momentum = 0.9, weight_decay = 4e-5;
  uint64_t seed = 0;
};

Status check_settings(const SgdSettings& s, const TensorSet& set, const std::string& what) {
  if (set.size() == 0) return Error{what + ": the training set is empty"};
  if (s.epochs <= 0) return Error{what + ": epochs must be positive, got " + std::to_string(s.epochs)};
  if (s.batch_size <= 0) return Error{what + ": batch_size must be positive, got " + std::to_string(s.batch_size)};
  if (!(s.learning_rate > 0)) return Error{what + ": learning_rate must be positive"};
  if (s.momentum < 0 || s.weight_decay < 0) return Error{what + ": momentum and weight_decay must not be negative"};
  return {};
}

// Seeded mini-batch SGD with momentum and a cosine learning rate; `step` runs the forward and
// backward passes of one batch and returns its loss. Batches keep full size (drop the last).
TrainReport run_sgd(std::vector<Tensor> parameters, const TensorSet& set, const SgdSettings& s,
                    const std::function<double(const Tensor&, const Tensor&, int64_t)>& step) {
  TrainReport report;
  const double start = cpu_seconds();
  ::torch::optim::SGD sgd(std::move(parameters), ::torch::optim::SGDOptions(s.learning_rate)
                                                     .momentum(s.momentum)
                                                     .weight_decay(s.weight_decay));
  const int64_t batch_size = std::min(s.batch_size, set.size());
  const int64_t per_epoch = set.size() / batch_size;
  int64_t total = per_epoch * s.epochs;
  if (s.max_steps > 0) total = std::min(total, s.max_steps);
  for (int64_t epoch = 0; epoch < s.epochs && report.steps < total; ++epoch) {
    const std::vector<int64_t> order = data::epoch_order(set.size(), s.seed, epoch);
    for (const auto& indices : data::make_batches(order, batch_size, /*drop_last=*/true)) {
      if (report.steps >= total) break;
      const double lr =
          0.5 * s.learning_rate * (1 + std::cos(std::numbers::pi * static_cast<double>(report.steps) / total));
      for (auto& group : sgd.param_groups()) static_cast<::torch::optim::SGDOptions&>(group.options()).lr(lr);
      Tensor index = at::tensor(indices, at::kLong);
      sgd.zero_grad();
      report.last_loss = step(set.images.index_select(0, index), set.labels.index_select(0, index), report.steps);
      sgd.step();
      ++report.steps;
    }
  }
  report.cpu_seconds = cpu_seconds() - start;
  return report;
}

// Top-1 accuracy of `logits_of` over `set` in batches.
double top1(const TensorSet& set, int64_t batch_size, const std::function<Tensor(const Tensor&)>& logits_of) {
  ::torch::NoGradGuard no_grad;
  int64_t correct = 0;
  for (int64_t begin = 0; begin < set.size(); begin += batch_size) {
    TensorSet part = set.slice(begin, batch_size);
    Tensor predicted = logits_of(part.images).argmax(1);
    correct += predicted.eq(part.labels).sum().item<int64_t>();
  }
  return set.size() ? static_cast<double>(correct) / static_cast<double>(set.size()) : 0.0;
}

}  // namespace

TensorSet TensorSet::slice(int64_t begin, int64_t count) const {
  begin = std::clamp<int64_t>(begin, 0, size());
  count = std::clamp<int64_t>(count, 0, size() - begin);
  return {images.narrow(0, begin, count), labels.narrow(0, begin, count)};
}

std::vector<Tensor> TensorSet::image_batches(int64_t batch_size) const {
  std::vector<Tensor> batches;
  for (int64_t begin = 0; begin < size(); begin += std::max<int64_t>(1, batch_size))
    batches.push_back(slice(begin, batch_size).images);
  return batches;
}

Result<TensorSet> load_tensors(const data::Dataset& dataset, int64_t limit) {
  if (dataset.task() != data::Task::Classification)
    return Error{"supernet: " + dataset.describe() + " is not a classification data set"};
  const int64_t count = limit > 0 ? std::min(limit, dataset.size()) : dataset.size();
  if (count <= 0) return Error{"supernet: " + dataset.describe() + " has no examples"};
  std::vector<int64_t> indices(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) indices[static_cast<size_t>(i)] = i;
  auto batch = data::load_batch(dataset, indices);
  if (!batch) return batch.error();
  TensorSet set;
  set.images = at::from_blob(batch->images.data(), {batch->size, batch->channels, batch->height, batch->width},
                             at::kFloat)
                   .clone();
  set.labels = at::from_blob(batch->labels.data(), {batch->size}, at::kLong).clone();
  return set;
}

Result<TrainReport> train(Supernet& net, const TensorSet& train_set, const TrainOptions& options) {
  SgdSettings s{options.epochs,   options.max_steps, options.batch_size,  options.learning_rate,
                options.momentum, options.weight_decay, options.seed};
  if (Status st = check_settings(s, train_set, "supernet training"); !st) return st.error();
  if (options.sampling == Sampling::Sandwich && options.random_subnets < 0)
    return Error{"supernet training: random_subnets must not be negative"};
  std::mt19937_64 rng(options.seed ^ 0x73616d706c65ull);  // the sampled subnets' stream
  int64_t subnets = 0;
  try {
    net->train();
    TrainReport report = run_sgd(net->parameters(), train_set, s, [&](const Tensor& images, const Tensor& labels, int64_t) {
      std::vector<space::Architecture> archs;
      if (options.sampling == Sampling::Uniform) {
        archs.push_back(net->random_architecture(rng));
      } else {
        archs.push_back(net->largest_architecture(rng));
        archs.push_back(net->smallest_architecture(rng));
        for (int i = 0; i < options.random_subnets; ++i) archs.push_back(net->random_architecture(rng));
      }
      double loss_sum = 0;
      for (const space::Architecture& arch : archs) {
        const int64_t resolution = net->plan(arch)->resolution;
        Tensor loss = ::torch::nn::functional::cross_entropy(net->forward(arch, at_resolution(images, resolution)), labels);
        loss.backward();
        loss_sum += loss.item<double>();
        ++subnets;
      }
      return loss_sum / static_cast<double>(archs.size());
    });
    report.subnets = subnets;
    return report;
  } catch (const c10::Error& e) {
    return Error{"supernet training: " + std::string(e.what_without_backtrace())};
  }
}

Result<double> accuracy(Supernet& net, const space::Architecture& arch, const TensorSet& validation) {
  auto planned = net->plan(arch);
  if (!planned) return planned.error();
  if (validation.size() == 0) return Error{"supernet accuracy: the validation set is empty"};
  try {
    net->eval();
    return top1(validation, 256, [&](const Tensor& images) {
      return net->forward(arch, at_resolution(images, planned->resolution));
    });
  } catch (const c10::Error& e) {
    return Error{"supernet accuracy: " + std::string(e.what_without_backtrace())};
  }
}

Result<double> inherited_accuracy(Supernet& net, const space::Architecture& arch, const TensorSet& calibration,
                                  const TensorSet& validation, int64_t batch_size) {
  if (Status s = net->recalibrate(arch, calibration.image_batches(batch_size)); !s) return s.error();
  return accuracy(net, arch, validation);
}

Result<TrainReport> train_graph(ir::Graph& graph, const TensorSet& train_set, const GraphTrainOptions& options) {
  SgdSettings s{options.epochs,   0, options.batch_size, options.learning_rate, options.momentum, options.weight_decay,
                options.seed};
  if (Status st = check_settings(s, train_set, "training graph '" + graph.name() + "'"); !st) return st.error();
  const std::vector<ir::NodeId> inputs = graph.inputs();
  if (inputs.size() != 1 || graph.node(inputs[0]).shape.rank() != 4 || graph.outputs().size() != 1)
    return Error{"training graph '" + graph.name() + "': needs one image input [n, c, h, w] and one output"};
  const int64_t resolution = graph.node(inputs[0]).shape.dims[2];
  auto module = libtorch::make_graph_module(graph, {.seed = options.seed});
  if (!module) return module.error();
  try {
    (*module)->train();
    TrainReport report = run_sgd((*module)->parameters(), train_set, s, [&](const Tensor& images, const Tensor& labels, int64_t) {
      Tensor loss = ::torch::nn::functional::cross_entropy((*module)->forward(at_resolution(images, resolution)), labels);
      loss.backward();
      return loss.item<double>();
    });
    report.subnets = report.steps;
    if (Status st = (*module)->export_weights(graph); !st) return st.error();
    return report;
  } catch (const c10::Error& e) {
    return Error{"training graph '" + graph.name() + "': " + std::string(e.what_without_backtrace())};
  }
}

Result<double> graph_accuracy(const ir::Graph& graph, const TensorSet& validation) {
  if (!graph.has_weights()) return Error{"accuracy of graph '" + graph.name() + "': the graph has no weights"};
  if (validation.size() == 0) return Error{"accuracy of graph '" + graph.name() + "': the validation set is empty"};
  const std::vector<ir::NodeId> inputs = graph.inputs();
  if (inputs.size() != 1 || graph.node(inputs[0]).shape.rank() != 4)
    return Error{"accuracy of graph '" + graph.name() + "': needs one image input [n, c, h, w]"};
  const int64_t resolution = graph.node(inputs[0]).shape.dims[2];
  auto module = libtorch::make_graph_module(graph);
  if (!module) return module.error();
  try {
    (*module)->eval();
    return top1(validation, 256, [&](const Tensor& images) { return (*module)->forward(at_resolution(images, resolution)); });
  } catch (const c10::Error& e) {
    return Error{"accuracy of graph '" + graph.name() + "': " + std::string(e.what_without_backtrace())};
  }
}

}  // namespace hwnas::supernet
