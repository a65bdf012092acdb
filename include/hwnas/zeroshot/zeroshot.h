// Zero-shot proxies: scores of an untrained network on one minibatch that rank architectures
// without training them (NASWOT, SynFlow, grad-norm, SNIP, Zen-score). docs/zeroshot.md gives
// each proxy's reference and its definition as implemented.
//
//   auto proxy = zeroshot::proxy_from_name("synflow");      // an Error with "did you mean" otherwise
//   auto s = zeroshot::score(graph, *proxy, {.seed = 1, .batch_size = 64});
//   if (!s) std::cerr << s.error().message;                // higher is better for every proxy
//
// Every proxy builds the graph as a libtorch module (libtorch::make_graph_module) with seeded
// initial weights (or the graph's own, with use_graph_weights), so any IR network can be scored
// and the same seed gives the same score.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"

namespace hwnas::zeroshot {

enum class Proxy { Naswot, Synflow, GradNorm, Snip, Zen };

// "naswot", "synflow", "grad_norm", "snip", "zen".
std::string_view proxy_name(Proxy proxy);
std::vector<Proxy> all_proxies();
std::vector<std::string> proxy_names();
// The proxy of `name`; an Error listing the names, with a did-you-mean suggestion.
Result<Proxy> proxy_from_name(std::string_view name);

struct ScoreOptions {
  // Initial weights (libtorch::ModuleOptions::seed; Zen's Gaussian weights), Gaussian inputs and
  // labels, and the choice of the minibatch from `data`.
  uint64_t seed = 0;
  // Examples in the minibatch (NASWOT, grad-norm, SNIP, Zen). SynFlow uses one all-ones input.
  int64_t batch_size = 64;
  // Where NASWOT, grad-norm and SNIP take their minibatch: the first batch_size examples of a
  // seeded shuffle of this classification set (its images must have the graph's input shape),
  // or, when null, images drawn from N(0, 1) with labels uniform over the output's classes.
  // Zen-score always feeds Gaussian inputs (its definition).
  const data::Dataset* data = nullptr;
  // Score the graph's own weights when it has them all (e.g. a trained network) instead of
  // initial ones; Zen then skips its Gaussian re-initialisation.
  bool use_graph_weights = false;
  // Zen-score: the scale of the input perturbation (the reference's mixup_gamma).
  double zen_perturbation = 1e-2;
};

// The score of `graph` under `proxy`. Errors name the graph and what the proxy needs that it
// lacks (one input; a single [N, classes] output for grad-norm and SNIP; an activation for
// NASWOT; a global average pool for Zen; a data set whose images do not fit the input).
Result<double> score(const ir::Graph& graph, Proxy proxy, const ScoreOptions& options = {});

// ---- The proxies on explicit inputs (what score() calls; the tests check them by hand) ----

// A minibatch: images [N, ...the graph's input dims] float32 and labels [N] int64.
struct Minibatch {
  torch::Tensor images;
  torch::Tensor labels;
};
// The minibatch score() uses for `graph` under `options` (see ScoreOptions::data).
Result<Minibatch> make_minibatch(const ir::Graph& graph, const ScoreOptions& options);

// NASWOT (naswot.cpp): log|K| for K = C C^T + (1 - C)(1 - C)^T, C the binary codes
// (pre-activation > 0) of every rectifying activation on `batch.images`, module in train mode.
Result<double> naswot(const ir::Graph& graph, const ScoreOptions& options, const Minibatch& batch);
// SynFlow (synflow.cpp): sum over conv and linear weights of |theta * dR/dtheta| with
// R = sum of the outputs, all weights replaced by their absolute values, float64, one all-ones
// input, batch norm at its running statistics.
Result<double> synflow(const ir::Graph& graph, const ScoreOptions& options);
// grad-norm (grad_norm.cpp): sum over conv and linear layers of ||dL/dW||_2, L the mean
// cross-entropy of the logits on `batch`, module in train mode.
Result<double> grad_norm(const ir::Graph& graph, const ScoreOptions& options, const Minibatch& batch);
// SNIP (snip.cpp): sum over conv and linear weights of |W * dL/dW| (L as for grad-norm).
Result<double> snip(const ir::Graph& graph, const ScoreOptions& options, const Minibatch& batch);
// Zen-score (zen.cpp): log E_n ||f(x) - f(x + gamma * eps)||_1 + sum over batch norms of
// log sqrt(mean over channels of the batch variance), f the features before the last global
// average pool, module in train mode.
Result<double> zen(const ir::Graph& graph, const ScoreOptions& options, const torch::Tensor& images,
                   const torch::Tensor& perturbation);

}  // namespace hwnas::zeroshot
