// Weight transfer from an original network to its rewrite (kept name, role and shape), and fresh seeded initialisation.
#include "hwnas/expert/weight_transfer.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace hwnas::expert {
namespace {

uint64_t mix_seed(uint64_t seed, std::string_view name) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  // splitmix64 finaliser
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

// Uniform in [lo, hi) from a raw 64-bit draw, the same on every standard library.
float uniform(std::mt19937_64& rng, double lo, double hi) {
  double unit = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<float>(lo + (hi - lo) * unit);
}

}  // namespace

void initialise_param(ir::Param& param, const ir::Node& node, uint64_t seed) {
  const int64_t count = param.shape.numel();
  param.data.assign(static_cast<size_t>(count), 0.0f);
  if (param.role == "weight" && node.kind != ir::OpKind::BatchNorm) {
    int64_t fan_in = param.shape.rank() == 0 || param.shape[0] == 0 ? 1 : count / param.shape[0];
    double bound = std::sqrt(6.0 / static_cast<double>(std::max<int64_t>(fan_in, 1)));
    std::mt19937_64 rng(mix_seed(seed, node.name));
    for (float& v : param.data) v = uniform(rng, -bound, bound);
  } else if (param.role == "scale" || param.role == "var") {
    std::fill(param.data.begin(), param.data.end(), 1.0f);
  }
}

Result<WeightTransfer> transfer_weights(const ir::Graph& source, ir::Graph& target, uint64_t seed) {
  if (!source.has_weights())
    return Error{"weight transfer: the source network '" + source.name() + "' carries no weights"};
  WeightTransfer report;
  for (const ir::Node& node : target.nodes()) {
    const ir::Node* old = nullptr;
    if (auto id = source.find(node.name)) old = &source.node(*id);
    bool fresh_node = false;
    for (size_t i = 0; i < node.params.size(); ++i) {
      ir::Param& param = target.param(node.id, i);
      const ir::Param* kept = nullptr;
      if (old)
        for (const ir::Param& candidate : old->params)
          if (candidate.role == param.role && candidate.shape == param.shape && !candidate.data.empty()) {
            kept = &candidate;
            break;
          }
      const auto values = param.shape.numel();
      if (kept) {
        param.data = kept->data;
        report.kept_params += 1;
        report.kept_values += values;
      } else {
        initialise_param(param, node, seed);
        report.fresh_params += 1;
        report.fresh_values += values;
        fresh_node = true;
      }
    }
    if (fresh_node) report.fresh_nodes.push_back(node.name);
  }
  return report;
}

ir::Graph strip_weights(const ir::Graph& graph) {
  ir::Graph stripped = graph;
  for (const ir::Node& node : graph.nodes())
    for (size_t i = 0; i < node.params.size(); ++i) {
      ir::Param& param = stripped.param(node.id, i);
      param.data.clear();
      param.data.shrink_to_fit();
    }
  return stripped;
}

}  // namespace hwnas::expert
