// GraphModule: any IR graph as a trainable libtorch module, with weights in from and out to the graph.
//
//   auto module = libtorch::make_graph_module(graph, {.seed = 7});  // graph weights, or seeded init
//   if (!module) std::cerr << module.error().message;
//   (*module)->eval();
//   auto y = (*module)->run({torch::randn({1, 3, 224, 224})});    // Result<std::vector<Tensor>>
//   torch::optim::SGD sgd((*module)->parameters(), 0.01);         // every weight is registered
//   ...train...
//   Status s = (*module)->export_weights(graph);                  // trained weights back to the IR
//
// Every IR op runs as the ATen call PyTorch uses for it (see forward_node in src/torch/module.cpp),
// so the module is both the training model and what the "cpu" and "cuda" targets time.
// Ops follow the semantics of the reference evaluator (include/hwnas/reference/evaluate.h);
// the tests check the two agree on every op and every zoo model.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/quant/plan.h"

namespace hwnas::libtorch {

struct ModuleOptions {
  // Seed of the initial weights when the graph carries none (or use_graph_weights is false):
  // PyTorch's default init drawn from std::mt19937_64 by hand, so the same seed gives the same
  // weights everywhere: conv / linear weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
  // batch_norm scale 1, bias 0, mean 0, var 1.
  uint64_t seed = 0;
  // Copy the graph's weights when it has them all (ir::Graph::has_weights).
  bool use_graph_weights = true;
  // Inference only: fold every foldable conv2d -> batch_norm pair (libtorch::foldable_batch_norms)
  // into the conv's weight and bias; the batch norm then passes its input through, in train mode
  // too. A folded module cannot export its weights.
  bool fold_batch_norm = false;
  // Weight of the current batch in the running statistics of batch_norm in train mode (PyTorch's).
  double batch_norm_momentum = 0.1;
  // Fake quantisation under a plan made for this graph (quant::make_plan): each output the plan
  // quantises is rounded to its grid (at::fake_quantize_per_tensor_affine), conv2d and linear
  // weights to symmetric int8 at scales taken from the current weights (per channel or per tensor,
  // as the plan says: max |w| / 127) and their biases to int32 at input scale x weight scale. The
  // rounding passes gradients straight through (the straight-through estimator), so the module
  // also trains quantisation-aware. Build it from a graph with batch norms folded
  // (ir::fold_batch_norm), as the plan's.
  std::shared_ptr<const quant::QuantPlan> fake_quant{};
};

// The module of one graph. Parameters are registered as "<node name>_<role>" (dots and other
// characters outside [A-Za-z0-9_] become '_'), batch-norm mean and var as buffers, so
// parameters(), named_parameters(), to(device), train() / eval() and torch::save work as usual.
// batch_norm uses batch statistics in train mode (the torch default after construction) and
// running statistics in eval mode. The batch size of the inputs may differ from the graph's.
class GraphModuleImpl : public ::torch::nn::Module {
 public:
  // Throws c10::Error on a graph it cannot build (as torch modules do); make_graph_module checks
  // the graph first and returns an Error instead.
  GraphModuleImpl(const ir::Graph& graph, const ModuleOptions& options);

  // Inputs in the order of graph().inputs(); returns the tensors of graph().outputs().
  // Torch's convention: a wrong input throws c10::Error. run() is the checked form.
  std::vector<::torch::Tensor> forward_all(const std::vector<::torch::Tensor>& inputs);
  // For a graph of one input: its first output.
  ::torch::Tensor forward(const ::torch::Tensor& input);

  // forward_all that never throws: wrong inputs and failures inside torch come back as an Error
  // naming the input or node.
  Result<std::vector<::torch::Tensor>> run(const std::vector<::torch::Tensor>& inputs);
  // Checks count, dtype (that of the weights: float32 unless converted with to()), rank and every
  // dim but the batch dim of the inputs.
  Status check_inputs(const std::vector<::torch::Tensor>& inputs) const;

  // Called with every node's output (inputs included, after fake quantisation where it applies)
  // during forward; to calibrate quantisation ranges. Empty: none.
  void set_observer(std::function<void(ir::NodeId, const ::torch::Tensor&)> observer) { observer_ = std::move(observer); }

  // Writes the current weights (batch-norm running statistics included) into the params of
  // `graph`, which must have this module's structure (same nodes, kinds and param shapes), e.g.
  // the graph it was built from. Errors for a folded module and for a mismatched graph.
  Status export_weights(ir::Graph& graph) const;

  // The graph the module was built from (with no param data).
  const ir::Graph& graph() const { return graph_; }
  bool folded() const { return folded_; }
  // The tensor of node `id`'s param `role` ("weight", "bias", "scale", "mean", "var"); an
  // undefined tensor when the node has no such param (or it was folded away).
  ::torch::Tensor param(ir::NodeId id, std::string_view role) const;

 private:
  ::torch::Tensor forward_node(const ir::Node& node, const std::vector<::torch::Tensor>& values);
  // The node's params as the computation uses them: fake-quantised weight and bias under a plan.
  std::vector<::torch::Tensor> effective_params(const ir::Node& node) const;
  // Node `id`'s output value, rounded to its grid when the plan quantises it, and observed.
  ::torch::Tensor finish_output(ir::NodeId id, ::torch::Tensor value) const;

  ir::Graph graph_;
  ModuleOptions options_;
  bool folded_ = false;
  // params_[id][i] is node id's param i in the IR order (conv: weight[, bias]; linear: weight[,
  // bias]; batch_norm: scale, bias, mean, var). A folded conv has weight and bias; its bn none.
  std::vector<std::vector<::torch::Tensor>> params_;
  std::vector<ir::NodeId> folded_into_;  // per node: the conv a folded batch norm passes through to
  std::vector<int32_t> last_reader_;     // per node: the last node reading it (outputs: never freed)
  ir::NodeId running_node_ = ir::kNoNode;  // the node forward_all is in, to name it in run()'s errors
  std::function<void(ir::NodeId, const ::torch::Tensor&)> observer_{};
};
TORCH_MODULE(GraphModule);

// Builds the module of `graph`, or an Error naming the node at fault (a param whose data has
// the wrong size, weights on some nodes but not others).
Result<GraphModule> make_graph_module(const ir::Graph& graph, const ModuleOptions& options = {});

}  // namespace hwnas::libtorch
