// Post-training quantisation and quantisation-aware fine-tuning of a trained network, evaluated in libtorch.
//
//   auto trained = train::train_network(graph, *task, *train_set, test_set.get(), options);
//   train::QuantizeOptions q;                             // int8, per-channel weights, min-max
//   q.calibration_batches = 8;                            // of the training set, no augmentation
//   auto int8 = train::calibrate(trained->graph, *train_set, q);
//   auto report = train::evaluate_quantized(*int8, *task, *test_set);   // the int8 metric
//   // int8->graph: batch norms folded, trained weights; int8->plan: every tensor's grid
//   auto tuned = train::fine_tune_quantized(*int8, *task, *train_set, test_set.get(), qat_options);
//
// PTQ: batch norms are folded into their convs (ir::fold_batch_norm), the float network runs on
// the calibration batches while a quant::RangeObserver records each quantised output's range,
// and quant::make_plan turns the ranges into grids. Weights are symmetric int8 per output channel
// (or per tensor), activations asymmetric int8 per tensor (or symmetric int16). The fake-
// quantised module computes what an integer device computes (quant/integer_reference.h; the
// tests bound the difference by one step of the output grid).
// QAT: the folded network trains with fake quantisation on (the straight-through estimator),
// at the calibrated activation grids and weight scales recomputed from the weights at each step.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/precision.h"
#include "hwnas/ir/result.h"
#include "hwnas/quant/plan.h"
#include "hwnas/train/task.h"
#include "hwnas/train/trainer.h"

namespace hwnas::train {

struct QuantizeOptions {
  int64_t calibration_batches = 8;  // of calibration_batch_size training examples each
  int64_t calibration_batch_size = 64;
  uint64_t calibration_seed = 0;    // which examples: the first of data::epoch_order(size, seed, 0)
  quant::Calibration calibration = quant::Calibration::MinMax;
  double percentile = 99.99;
  quant::WeightGranularity weights = quant::WeightGranularity::PerChannel;
  ir::Precision activations = ir::Precision::Int8;
  int64_t resolution = 0;             // as TrainOptions::resolution
  std::vector<float> mean{}, std{};   // as TrainOptions
};

struct QuantizedNetwork {
  ir::Graph graph;        // batch norms folded, with weights (float; the plan says how they round)
  quant::QuantPlan plan;
  QuantizeOptions options;
};

// Folds, calibrates and plans `trained` (a graph with weights). Errors name the graph, node or data.
Result<QuantizedNetwork> calibrate(const ir::Graph& trained, const data::Dataset& calibration_set, const QuantizeOptions& options);

// The fake-quantised module of a quantised network, in eval mode.
Result<libtorch::GraphModule> quantized_module(const QuantizedNetwork& network);

// The task's metric of the fake-quantised network on `dataset`.
Result<EvalReport> evaluate_quantized(const QuantizedNetwork& network, Task& task, const data::Dataset& dataset,
                                      int64_t batch_size = 256);

// Quantisation-aware fine-tuning: trains network.graph with fake quantisation under network.plan
// (options.fake_quant is set here; the trained graph's own weights are the start). The tuned
// network keeps the plan's activation grids, the ones it was tuned for; its weight scales follow
// the tuned weights. The TrainResult's eval_metric is the int8 metric.
struct FineTuned {
  QuantizedNetwork network;
  TrainResult training;
};
Result<FineTuned> fine_tune_quantized(const QuantizedNetwork& network, Task& task, const data::Dataset& train_set,
                                      const data::Dataset* eval_set, TrainOptions options);

}  // namespace hwnas::train
