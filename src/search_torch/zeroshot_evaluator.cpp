// ZeroShotEvaluator: decodes an architecture and scores it with zero-shot proxies.
#include "hwnas/search_torch/zeroshot_evaluator.h"

#include <sstream>

namespace hwnas::search {

ZeroShotEvaluator::ZeroShotEvaluator(std::vector<zeroshot::Proxy> proxies, zeroshot::ScoreOptions options)
    : proxies_(std::move(proxies)), options_(options) {}

std::string ZeroShotEvaluator::name() const {
  std::string names;
  for (zeroshot::Proxy p : proxies_) names += (names.empty() ? "" : "+") + std::string(zeroshot::proxy_name(p));
  return "zero-shot:" + names;
}

std::string ZeroShotEvaluator::version() const {
  std::ostringstream out;
  out << name() << " batch=" << options_.batch_size << " data=" << (options_.data ? options_.data->describe() : "gaussian")
      << " zen_perturbation=" << options_.zen_perturbation;
  return out.str();
}

Result<Metrics> ZeroShotEvaluator::evaluate(const EvaluationRequest& request) {
  auto graph = request.space.decode(request.arch);
  if (!graph) return graph.error();
  zeroshot::ScoreOptions options = options_;
  options.seed = request.seed;
  Metrics metrics;
  for (zeroshot::Proxy proxy : proxies_) {
    auto value = zeroshot::score(*graph, proxy, options);
    if (!value) return value.error();
    metrics[std::string(zeroshot::proxy_name(proxy))] = *value;
  }
  return metrics;
}

}  // namespace hwnas::search
