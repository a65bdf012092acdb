// The weight-sharing supernet of a macro space: one libtorch module holding every candidate's weights.
//
//   auto space = space::parse_space(yaml, "fmnist", {});              // a macro space (docs/supernet.md)
//   auto net = supernet::make_supernet(*space, {.seed = 1});          // Result<Supernet>
//   auto train_set = supernet::load_tensors(*fashion_train);          // whole data set as tensors
//   supernet::train(*net, *train_set, {.sampling = supernet::Sampling::Sandwich, .epochs = 3, .seed = 1});
//   double acc = *supernet::inherited_accuracy(*net, arch, calibration, validation);  // BN recalibrated
//   auto target = hw::make_target("ethos-u55-256");
//   search::HardwareEvaluator hardware(std::move(*target));
//   auto found = supernet::search(*net, hardware, calibration, validation,
//                                 {.trials = 200, .latency_budget = 400, .seed = 1});  // latency_us
//   ir::Graph graph = *supernet::extract(*net, found->best);          // standalone IR, weights filled
//   supernet::train_graph(graph, *train_set, {.epochs = 1, .learning_rate = 0.01});  // fine-tune
//
// Weights: each decision's largest choice. A subnet takes the first k output and input channels of
// every conv (channels, expansion), the centre k x k of the largest kernel (as OFA, without OFA's
// kernel transform matrices), the first d blocks of each stage (depth, after the depth
// multiplier), and one of parallel weight sets per block type (ibn, fused_ibn, conv). Batch norm:
// batch statistics while training; for a subnet's evaluation its running statistics are
// recalibrated on a few batches (reset, then the exact mean and variance over them).
//
// The space the supernet covers (SupernetImpl::check): classification head; no squeeze-excite;
// block types ibn, fused_ibn and conv (a grouped_ibn choice is left out: it is never sampled and
// an architecture using it is rejected). Every other decision of the macro space (resolution,
// depth multiplier, stem channels, per stage kernel / expansion / depth / channels) is shared.
// The subnet's structure is that of SearchSpace::decode, which extract() fills with the sliced
// weights, so libtorch::make_graph_module(extract(arch)) computes what forward(arch) computes.
//
// Determinism: initial weights come from the seed; sampling and batch order from the training
// seed; with the same torch thread count the same seed gives the same weights bit for bit.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hwnas/blocks/spec.h"
#include "hwnas/data/dataset.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/search/algorithm.h"
#include "hwnas/search/evaluator.h"
#include "hwnas/space/space.h"

namespace hwnas::supernet {

// ---- the subnet of an architecture --------------------------------------------------------

// One block of a subnet, resolved from the architecture as SearchSpace::decode resolves it.
struct BlockPlan {
  blocks::BlockType type = blocks::BlockType::Ibn;
  int64_t in_channels = 0, out_channels = 0, expanded_channels = 0;
  int64_t kernel = 3, stride = 1;
  bool expand = false;    // ibn: a 1x1 expand conv (expanded != in)
  bool project = false;   // ibn, fused_ibn: a 1x1 project conv (ibn always; fused_ibn when expanded != in)
  bool residual = false;  // adds its input
};

struct SubnetPlan {
  int64_t resolution = 0;
  int64_t stem_channels = 0;
  std::vector<std::vector<BlockPlan>> stages;  // the blocks each stage runs (its depth)
};

// ---- the module ---------------------------------------------------------------------------

struct SupernetOptions {
  uint64_t seed = 0;  // initial weights: conv / linear U(-1/sqrt(fan_in), +), bn scale 1, bias 0
};

class SupernetImpl : public ::torch::nn::Module {
 public:
  // Throws c10::Error on a space it cannot hold; make_supernet checks first and returns an Error.
  SupernetImpl(const space::SearchSpace& space, const SupernetOptions& options);

  const space::SearchSpace& space() const { return space_; }
  // Whether the supernet holds choice `choice` of decision `decision` (false for grouped_ibn).
  bool holds(int decision, int choice) const { return held_[decision][choice]; }
  // In range for the space and every choice held; the error names the decision.
  Status check(const space::Architecture& arch) const;
  Result<SubnetPlan> plan(const space::Architecture& arch) const;

  // The logits [n, classes] of subnet `arch` on images [n, channels, r, r] at the architecture's
  // resolution. Train mode: batch statistics; eval mode: the running statistics (recalibrate()
  // first). Torch's convention: a wrong input throws c10::Error; run() is the checked form.
  ::torch::Tensor forward(const space::Architecture& arch, const ::torch::Tensor& images);
  Result<::torch::Tensor> run(const space::Architecture& arch, const ::torch::Tensor& images);

  // Resets the running statistics of the batch norms `arch` uses and sets them to the mean and
  // (unbiased) variance of their inputs over `batches` (images at any resolution: resized to the
  // architecture's). No weight changes. Leaves the module in eval mode.
  Status recalibrate(const space::Architecture& arch, const std::vector<::torch::Tensor>& batches);
  // The architecture the running statistics were last recalibrated for (empty when never).
  const space::Architecture& calibrated_for() const { return calibrated_for_; }

  // space().decode(arch) with every param filled from the sliced weights and current running
  // statistics. An Error when the architecture is not held or the decoded graph's structure does
  // not match the supernet's (names the node).
  Result<ir::Graph> extract(const space::Architecture& arch) const;

  // Sampling over the held choices. Largest / smallest: every numeric decision at its largest /
  // smallest value; block types (categorical, with no order) drawn uniformly from `rng`.
  space::Architecture random_architecture(std::mt19937_64& rng) const;
  space::Architecture largest_architecture(std::mt19937_64& rng) const;
  space::Architecture smallest_architecture(std::mt19937_64& rng) const;

  // Implementation details, public for the files of src/supernet.
  struct ConvBn {  // a conv's weight at its largest shape and the batch norm after it
    ::torch::Tensor weight;
    ::torch::Tensor scale, bias, mean, var;
    ::torch::Tensor sum, square_sum;  // recalibration accumulators (float64)
    int64_t count = 0;
  };
  struct BlockWeights {  // parallel weight sets of one block position; undefined when not offered
    ConvBn ibn_expand, ibn_dw, ibn_project;
    ConvBn fused, fused_project;
    ConvBn conv;
  };
  struct LayerUse {  // a conv-bn as one subnet uses it: the slice of its largest weight
    const ConvBn* layer = nullptr;
    int64_t out_channels = 0, in_per_group = 0, kernel = 0;
  };

 private:
  ::torch::Tensor conv_bn_act(ConvBn& layer, const ::torch::Tensor& x, int64_t out, int64_t kernel, int64_t stride,
                              bool depthwise, bool activation);
  ConvBn make_conv_bn(const std::string& name, int64_t out, int64_t in_per_group, int64_t kernel);
  std::vector<LayerUse> layers_of(const SubnetPlan& plan) const;  // in decode's node order
  int64_t max_value(int decision) const;

  space::SearchSpace space_;
  space::MacroSpec macro_;
  std::vector<std::vector<bool>> held_;
  uint64_t init_state_ = 0;
  ConvBn stem_;
  std::vector<std::vector<BlockWeights>> blocks_;  // [stage][block position]
  ConvBn head_conv_;                               // when macro.head_conv_channels > 0
  ::torch::Tensor fc_weight_, fc_bias_;
  bool calibrating_ = false;
  space::Architecture calibrated_for_;
};
TORCH_MODULE(Supernet);

// The supernet of `space`, or an Error saying what of the space it cannot hold (a custom space,
// a segmentation or detection head, squeeze-excite, a stage whose only block type is grouped_ibn).
Result<Supernet> make_supernet(const space::SearchSpace& space, const SupernetOptions& options = {});

// extract() as a free function.
Result<ir::Graph> extract(Supernet& net, const space::Architecture& arch);

// ---- data ---------------------------------------------------------------------------------

// A labelled image set held as two tensors.
struct TensorSet {
  ::torch::Tensor images;  // [n, c, h, w] float32
  ::torch::Tensor labels;  // [n] int64
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  // Rows [begin, begin + count) (clamped).
  TensorSet slice(int64_t begin, int64_t count) const;
  // Consecutive batches of the images, the last one shorter.
  std::vector<::torch::Tensor> image_batches(int64_t batch_size) const;
};

// The first `limit` examples of a classification data set (all when 0), loaded as tensors.
Result<TensorSet> load_tensors(const data::Dataset& dataset, int64_t limit = 0);

// ---- training -----------------------------------------------------------------------------

enum class Sampling {
  Uniform,   // one random subnet per step
  Sandwich,  // largest, smallest and `random_subnets` random ones per step, gradients summed
};

struct TrainOptions {
  Sampling sampling = Sampling::Sandwich;
  int random_subnets = 2;
  int64_t epochs = 1;
  int64_t max_steps = 0;  // > 0: stop after this many steps
  int64_t batch_size = 64;
  double learning_rate = 0.05;  // SGD with momentum, cosine decay to 0 over the run
  double momentum = 0.9;
  double weight_decay = 4e-5;
  uint64_t seed = 0;  // batch order and sampled subnets
};

struct TrainReport {
  int64_t steps = 0;
  int64_t subnets = 0;      // forward / backward passes
  double last_loss = 0;     // mean loss of the last step's subnets
  double cpu_seconds = 0;   // process CPU time spent
};

// Trains the supernet on `train_set` (images at the space's largest resolution or any: resized
// per subnet). Errors: an empty set, bad options, a failure inside torch.
Result<TrainReport> train(Supernet& net, const TensorSet& train_set, const TrainOptions& options);

// Top-1 accuracy of subnet `arch` in eval mode as it stands (no recalibration).
Result<double> accuracy(Supernet& net, const space::Architecture& arch, const TensorSet& validation);
// recalibrate() on the images of `calibration`, then accuracy() on `validation`.
Result<double> inherited_accuracy(Supernet& net, const space::Architecture& arch, const TensorSet& calibration,
                                  const TensorSet& validation, int64_t batch_size = 100);

// Trains a standalone IR network (a graph from extract() to fine-tune, or from decode() with no
// weights to train from scratch, initialised from `seed`) with the same SGD loop, and writes the
// trained weights into `graph`.
struct GraphTrainOptions {
  int64_t epochs = 1;
  int64_t batch_size = 64;
  double learning_rate = 0.05;
  double momentum = 0.9;
  double weight_decay = 4e-5;
  uint64_t seed = 0;
};
Result<TrainReport> train_graph(ir::Graph& graph, const TensorSet& train_set, const GraphTrainOptions& options);
// Top-1 accuracy of a graph with weights, in eval mode.
Result<double> graph_accuracy(const ir::Graph& graph, const TensorSet& validation);

// ---- subnet search ------------------------------------------------------------------------

struct SearchOptions {
  search::AlgorithmOptions algorithm{};  // evolution by default
  int trials = 100;
  std::string latency_metric = "latency_us";
  double latency_budget = 0;  // > 0: a hard budget on latency_metric
  uint64_t seed = 0;
};

struct Candidate {
  space::Architecture arch;
  double accuracy = 0;  // inherited, after recalibration
  search::Metrics metrics;  // the hardware evaluator's, with "accuracy"
  search::Score score;
  bool failed = false;
  std::string error;
};

struct SearchResult {
  space::Architecture best;  // the feasible candidate of highest inherited accuracy
  double best_accuracy = 0;
  search::Metrics best_metrics;
  std::vector<Candidate> history;  // in trial order
  double cpu_seconds = 0;
};

// Evolution (or any search::make_algorithm) over the held architectures: each trial's subnet is
// recalibrated on `calibration`, scored by its accuracy on `validation` and measured by
// `hardware` (e.g. search::HardwareEvaluator over a simulator target); the cost model maximises
// accuracy under the latency budget. An Error when no candidate is feasible.
Result<SearchResult> search(Supernet& net, search::Evaluator& hardware, const TensorSet& calibration,
                            const TensorSet& validation, const SearchOptions& options);

}  // namespace hwnas::supernet
