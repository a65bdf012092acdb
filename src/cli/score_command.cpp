// `hwnas score MODEL --proxy P`: zero-shot proxy scores of a model at initialisation (docs/zeroshot.md).
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "torch_exec.h"
#include "load_model.h"
#ifdef HWNAS_WITH_TORCH
#include "hwnas/data/fashion_mnist.h"
#include "hwnas/text/strict_yaml.h"
#include "hwnas/zeroshot/zeroshot.h"
#endif

namespace hwnas::cli {
namespace {

struct ScoreArgs {
  std::string model;
  ModelOptions model_options;
  std::vector<std::string> proxies;
  uint64_t seed = 0;
  int64_t batch_size = 64;
  std::string data = "gaussian";
  bool graph_weights = false;
  bool json = false;
};

#ifdef HWNAS_WITH_TORCH
int run_score(const ScoreArgs& args, Streams streams) {
  std::vector<zeroshot::Proxy> proxies;
  for (const std::string& name : args.proxies) {
    if (name == "all") {
      for (zeroshot::Proxy p : zeroshot::all_proxies()) proxies.push_back(p);
      continue;
    }
    auto proxy = zeroshot::proxy_from_name(name);
    if (!proxy) return report_error(*streams.err, proxy.error().message + " or 'all'", kExitUsage);
    proxies.push_back(*proxy);
  }
  auto loaded = load_model(args.model, args.model_options);
  if (!loaded) return report_error(*streams.err, loaded.error().message);
  const ir::Graph& graph = loaded->graph;

  zeroshot::ScoreOptions options{.seed = args.seed, .batch_size = args.batch_size,
                                 .use_graph_weights = args.graph_weights};
  std::unique_ptr<data::FashionMnist> fashion_mnist;
  if (args.data == "fashion-mnist") {
    std::vector<ir::NodeId> inputs = graph.inputs();
    const ir::Shape& shape = graph.node(inputs.empty() ? 0 : inputs.front()).shape;
    if (inputs.size() != 1 || shape.rank() != 4 || shape[2] != shape[3])
      return report_error(*streams.err, loaded->source + ": --data fashion-mnist needs one square image input");
    auto set = data::open_fashion_mnist({.resolution = shape[2], .channels = shape[1]});
    if (!set) return report_error(*streams.err, set.error().message);
    fashion_mnist = std::move(*set);
    options.data = fashion_mnist.get();
  }

  nlohmann::ordered_json report;
  report["model"] = loaded->source;
  report["seed"] = args.seed;
  report["batch_size"] = args.batch_size;
  report["data"] = args.data;
  nlohmann::ordered_json scores;
  std::ostringstream table;
  table << loaded->source << " at " << (args.graph_weights ? "its own weights" : "initialisation") << ", seed "
        << args.seed << ", batch " << args.batch_size << " (" << args.data << ")\n";
  for (zeroshot::Proxy p : proxies) {
    auto s = zeroshot::score(graph, p, options);
    if (!s) return report_error(*streams.err, s.error().message);
    scores[std::string(zeroshot::proxy_name(p))] = *s;
    table << "  " << zeroshot::proxy_name(p) << std::string(12 - zeroshot::proxy_name(p).size(), ' ') << *s << '\n';
  }
  report["scores"] = scores;
  if (args.json)
    *streams.out << report.dump(2) << '\n';
  else
    *streams.out << table.str();
  return kExitSuccess;
}
#else
int run_score(const ScoreArgs&, Streams streams) {
  return report_error(*streams.err, exec_with_torch("score (zero-shot proxies)").message);
}
#endif

}  // namespace

void register_score(CLI::App& app, Streams streams) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* command = app.add_subcommand(
      "score", "zero-shot proxy scores of a model at initialisation: naswot, synflow, grad_norm, snip, zen");
  command->add_option("model", args->model, "a zoo name (see 'hwnas zoo'), a .yaml/.yml file or a .onnx file")
      ->type_name("MODEL")
      ->required();
  add_model_options(*command, args->model_options);
  command->add_option("--proxy", args->proxies, "naswot, synflow, grad_norm, snip, zen or all (repeatable)")
      ->type_name("P")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->required();
  command->add_option("--seed", args->seed, "seed of the initial weights, inputs and minibatch (default 0)");
  command->add_option("--batch-size", args->batch_size, "examples in the minibatch (default 64)")
      ->check(CLI::PositiveNumber);
  command->add_option("--data", args->data, "minibatch source: gaussian (default) or fashion-mnist")
      ->check(CLI::IsMember({"gaussian", "fashion-mnist"}));
  command->add_flag("--graph-weights", args->graph_weights,
                    "score the model's own weights (when it has them) instead of initial ones");
  command->add_flag("--json", args->json, "print JSON instead of text");
  command->callback([args, streams] { finish(run_score(*args, streams)); });
}

}  // namespace hwnas::cli
