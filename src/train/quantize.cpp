// Post-training quantisation (fold, calibrate, plan) and quantisation-aware fine-tuning, in libtorch.
#include "hwnas/train/quantize.h"

#include <algorithm>

#include "hwnas/data/batch.h"
#include "hwnas/ir/fold_batch_norm.h"

namespace hwnas::train {

Result<QuantizedNetwork> calibrate(const ir::Graph& trained, const data::Dataset& calibration_set, const QuantizeOptions& options) {
  const std::string where = "quantize graph '" + trained.name() + "'";
  if (!trained.has_weights()) return Error{where + ": the network has no trained weights"};
  if (options.calibration_batches < 1 || options.calibration_batch_size < 1)
    return Error{where + ": calibration_batches and calibration_batch_size must be at least 1"};
  if (calibration_set.size() == 0) return Error{where + ": the calibration data (" + calibration_set.describe() + ") is empty"};
  if (options.calibration == quant::Calibration::Percentile && (options.percentile <= 50 || options.percentile > 100))
    return Error{where + ": percentile must be in (50, 100], got " + std::to_string(options.percentile)};

  QuantizedNetwork network{ir::fold_batch_norm(trained), {}, options};
  auto module = libtorch::make_graph_module(network.graph);
  if (!module) return module.error().within(where);
  (*module)->eval();
  quant::RangeObserver observer(network.graph, {.method = options.calibration, .percentile = options.percentile});
  (*module)->set_observer([&](ir::NodeId id, const torch::Tensor& value) {
    if (!observer.wants(id)) return;
    torch::Tensor flat = value.detach().to(torch::kFloat).contiguous().cpu();
    observer.observe(id, {flat.data_ptr<float>(), static_cast<size_t>(flat.numel())});
  });
  std::vector<int64_t> order = data::epoch_order(calibration_set.size(), options.calibration_seed, 0);
  order.resize(static_cast<size_t>(std::min<int64_t>(calibration_set.size(), options.calibration_batches * options.calibration_batch_size)));
  data::LoadOptions load{.mean = options.mean, .std = options.std};
  torch::NoGradGuard no_grad;
  for (const auto& indices : data::make_batches(order, options.calibration_batch_size, /*drop_last=*/false)) {
    auto batch = data::load_batch(calibration_set, indices, load);
    if (!batch) return batch.error().within(where + ": calibration data");
    auto outputs = (*module)->run({batch_images(*batch, options.resolution)});
    if (!outputs) return outputs.error().within(where);
  }
  auto plan = quant::make_plan(network.graph, observer.ranges(),
                               {.weights = options.weights, .activations = options.activations});
  if (!plan) return plan.error().within(where);
  network.plan = std::move(*plan);
  return network;
}

Result<libtorch::GraphModule> quantized_module(const QuantizedNetwork& network) {
  auto module = libtorch::make_graph_module(network.graph, {.fake_quant = std::make_shared<quant::QuantPlan>(network.plan)});
  if (!module) return module.error();
  (*module)->eval();
  return *module;
}

Result<EvalReport> evaluate_quantized(const QuantizedNetwork& network, Task& task, const data::Dataset& dataset, int64_t batch_size) {
  auto module = quantized_module(network);
  if (!module) return module.error();
  return evaluate(*module, task, dataset,
                  {.batch_size = batch_size, .resolution = network.options.resolution, .mean = network.options.mean,
                   .std = network.options.std});
}

Result<FineTuned> fine_tune_quantized(const QuantizedNetwork& network, Task& task, const data::Dataset& train_set,
                                      const data::Dataset* eval_set, TrainOptions options) {
  options.fake_quant = std::make_shared<quant::QuantPlan>(network.plan);
  options.resolution = network.options.resolution;
  options.mean = network.options.mean;
  options.std = network.options.std;
  auto trained = train_network(network.graph, task, train_set, eval_set, options);
  if (!trained) return trained.error().within("quantisation-aware fine-tuning");
  FineTuned tuned{network, std::move(*trained)};
  tuned.network.graph = tuned.training.graph;
  return tuned;
}

}  // namespace hwnas::train
