// Explain: per-kernel issues on a target and the measured gain of the rewrite that helps most.
#include "hwnas/expert/explain.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "hwnas/expert/rewriter.h"

namespace hwnas::expert {
namespace {

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", fraction * 100);
  return text;
}

// Fraction of lanes idle when `channels` run on lanes of `multiple`.
double idle_fraction(int64_t channels, int64_t multiple) {
  if (multiple <= 1 || channels <= 0) return 0;
  int64_t padded = (channels + multiple - 1) / multiple * multiple;
  return static_cast<double>(padded - channels) / static_cast<double>(padded);
}

}  // namespace

Result<Explanation> explain(const ir::Graph& graph, hw::Target& target,
                            const std::vector<std::unique_ptr<Pattern>>& patterns, const ExplainOptions& options) {
  auto run = target.measure_network(graph);
  if (!run) return run.error().within("explain: measuring the model on " + target.name());
  Explanation report{target.name(), target.channel_multiple(), run->latency_us, {}};
  const int64_t multiple = report.channel_multiple;
  for (const hw::KernelMeasurement& kernel : run->kernels) {
    KernelFinding finding;
    finding.label = kernel.label;
    finding.latency_us = kernel.latency_us;
    finding.mac_utilisation = kernel.mac_utilisation;
    finding.bound = hw::bound_name(kernel.bound);
    for (ir::NodeId id : kernel.nodes) finding.nodes.push_back(graph.node(id).name);
    for (ir::NodeId id : kernel.nodes) {
      const ir::Node& node = graph.node(id);
      if (node.kind != ir::OpKind::Conv2d) continue;
      const auto& attrs = node.attr<ir::Conv2dAttrs>();
      int64_t in = graph.node(node.inputs[0]).shape[1];
      bool depthwise = attrs.groups > 1 && attrs.groups == in;
      double waste = idle_fraction(attrs.out_channels, multiple);
      if (!depthwise) waste = 1.0 - (1.0 - waste) * (1.0 - idle_fraction(in / attrs.groups, multiple));
      if (waste > 0) {
        finding.lane_waste = std::max(finding.lane_waste, waste);
        finding.issues.push_back("lane waste " + percent(waste) + " at " + node.name + " (" + std::to_string(in) +
                                 " -> " + std::to_string(attrs.out_channels) + " channels, multiple " +
                                 std::to_string(multiple) + ")");
      }
      if (depthwise && kernel.mac_utilisation > 0 && kernel.mac_utilisation < options.low_utilisation)
        finding.issues.push_back("low-utilisation depthwise " + node.name + " (" + percent(kernel.mac_utilisation) +
                                 " of peak MACs)");
    }
    if (kernel.bound == hw::Bound::Memory)
      finding.issues.push_back("memory-bound (" + std::to_string(kernel.dram_bytes) + " DRAM bytes, " +
                               std::to_string(kernel.sram_bytes) + " SRAM bytes)");
    if (!finding.issues.empty()) report.kernels.push_back(std::move(finding));
  }
  std::stable_sort(report.kernels.begin(), report.kernels.end(),
                   [](const KernelFinding& a, const KernelFinding& b) { return a.latency_us > b.latency_us; });

  // Every candidate rewrite, measured once; each kernel takes the best whose footprint touches it.
  struct Candidate {
    const Pattern* pattern;
    Match match;
    std::set<std::string> footprint;
    double gain_us = 0;
    bool measured = false;
  };
  std::vector<Candidate> candidates;
  for (const auto& pattern : patterns)
    for (const Match& match : find_matches(*pattern, graph)) {
      Candidate c{pattern.get(), match, {}, 0, false};
      for (ir::NodeId id : match.nodes) c.footprint.insert(graph.node(id).name);
      candidates.push_back(std::move(c));
    }
  for (size_t k = 0; k < report.kernels.size() && k < options.top; ++k) {
    KernelFinding& finding = report.kernels[k];
    for (Candidate& c : candidates) {
      bool touches = std::any_of(finding.nodes.begin(), finding.nodes.end(),
                                 [&](const std::string& n) { return c.footprint.count(n) > 0; });
      if (!touches) continue;
      if (!c.measured) {
        c.measured = true;
        Rewriter copy(graph, options.seed);
        if (!copy.apply(*c.pattern, c.match)) continue;
        auto after = target.measure_network(copy.graph());
        if (after) c.gain_us = report.latency_us - after->latency_us;
      }
      if (c.gain_us > finding.gain_us) {
        finding.gain_us = c.gain_us;
        finding.rewrite = c.pattern->name();
        finding.rewrite_params = c.pattern->params().to_string();
        finding.rewrite_location = c.match.anchor == ir::kNoNode ? kWholeModel : graph.node(c.match.anchor).name;
      }
    }
  }
  return report;
}

}  // namespace hwnas::expert
