// Proxy names, the minibatch (a data set's or Gaussian), and score(): one proxy by its enum.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ATen.h>

#include <cstring>

#include "hwnas/data/batch.h"
#include "hwnas/text/strict_yaml.h"
#include "hwnas/zeroshot/zeroshot.h"
#include "proxy_support.h"

namespace hwnas::zeroshot {

std::string_view proxy_name(Proxy proxy) {
  switch (proxy) {
    case Proxy::Naswot: return "naswot";
    case Proxy::Synflow: return "synflow";
    case Proxy::GradNorm: return "grad_norm";
    case Proxy::Snip: return "snip";
    case Proxy::Zen: return "zen";
  }
  return "unknown";
}

std::vector<Proxy> all_proxies() { return {Proxy::Naswot, Proxy::Synflow, Proxy::GradNorm, Proxy::Snip, Proxy::Zen}; }

std::vector<std::string> proxy_names() {
  std::vector<std::string> names;
  for (Proxy p : all_proxies()) names.emplace_back(proxy_name(p));
  return names;
}

Result<Proxy> proxy_from_name(std::string_view name) {
  for (Proxy p : all_proxies())
    if (proxy_name(p) == name) return p;
  std::vector<std::string> names = proxy_names();
  return Error{"unknown zero-shot proxy '" + std::string(name) + "'" + text::did_you_mean(name, names) +
               " (known: " + text::join_words(names) + ")"};
}

Result<Minibatch> make_minibatch(const ir::Graph& graph, const ScoreOptions& options) {
  auto input = detail::single_input(graph, "minibatch");
  if (!input) return input.error();
  if (options.batch_size < 1)
    return Error{detail::where(graph, "minibatch") + "batch_size must be at least 1, got " +
                 std::to_string(options.batch_size)};
  std::vector<int64_t> dims = graph.node(*input).shape.dims;
  dims[0] = options.batch_size;
  if (!options.data) {
    at::Generator generator = at::detail::createCPUGenerator(options.seed);
    Minibatch batch;
    batch.images = at::randn(dims, generator, at::kFloat);
    int64_t classes = 1;
    if (auto logits = detail::logits_node(graph, "minibatch")) classes = graph.node(*logits).shape[1];
    batch.labels = at::randint(classes, {options.batch_size}, generator, at::kLong);
    return batch;
  }
  const data::Dataset& set = *options.data;
  const std::string where = detail::where(graph, "minibatch") + "data set " + set.describe() + ": ";
  if (set.task() != data::Task::Classification) return Error{where + "is not a classification set"};
  if (dims.size() != 4 || dims[1] != set.channels() || dims[2] != set.height() || dims[3] != set.width())
    return Error{where + "images " + std::to_string(set.channels()) + "x" + std::to_string(set.height()) + "x" +
                 std::to_string(set.width()) + " do not fit the graph's input [" +
                 graph.node(*input).shape.to_string() + "]"};
  if (set.size() < options.batch_size)
    return Error{where + "has " + std::to_string(set.size()) + " examples, fewer than batch_size " +
                 std::to_string(options.batch_size)};
  std::vector<int64_t> order = data::epoch_order(set.size(), options.seed, 0);
  order.resize(static_cast<size_t>(options.batch_size));
  auto loaded = data::load_batch(set, order);
  if (!loaded) return Error{where + loaded.error().message};
  Minibatch batch;
  batch.images = at::from_blob(loaded->images.data(), dims, at::kFloat).clone();
  batch.labels = at::from_blob(loaded->labels.data(), {options.batch_size}, at::kLong).clone();
  return batch;
}

Result<double> score(const ir::Graph& graph, Proxy proxy, const ScoreOptions& options) {
  if (proxy == Proxy::Synflow) return synflow(graph, options);
  if (proxy == Proxy::Zen) {
    auto input = detail::single_input(graph, "zen");
    if (!input) return input.error();
    if (options.batch_size < 1)
      return Error{detail::where(graph, "zen") + "batch_size must be at least 1, got " +
                   std::to_string(options.batch_size)};
    std::vector<int64_t> dims = graph.node(*input).shape.dims;
    dims[0] = options.batch_size;
    // A stream apart from the weights' (seed) and the minibatch's.
    at::Generator generator = at::detail::createCPUGenerator(options.seed ^ 0x5a656e5f73636f72ULL);
    torch::Tensor images = at::randn(dims, generator, at::kFloat);
    torch::Tensor perturbation = at::randn(dims, generator, at::kFloat);
    return zen(graph, options, images, perturbation);
  }
  auto batch = make_minibatch(graph, options);
  if (!batch) return batch.error();
  switch (proxy) {
    case Proxy::Naswot: return naswot(graph, options, *batch);
    case Proxy::GradNorm: return grad_norm(graph, options, *batch);
    case Proxy::Snip: return snip(graph, options, *batch);
    default: break;
  }
  return Error{detail::where(graph, proxy_name(proxy)) + "unhandled proxy"};
}

}  // namespace hwnas::zeroshot
