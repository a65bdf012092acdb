// Explain: where a model wastes time on a target, and which rewrite would help. For each kernel
// the target runs it reports the latency, the issues found (lane waste from channel counts that
// are no multiple of the target's parallelism factor, low-utilisation depthwise convolutions,
// memory-bound kernels), and the best rewrite touching that kernel with its gain, measured by
// applying it to a copy and measuring again.
//
//   auto report = expert::explain(graph, npu, expert::default_search_patterns(npu.channel_multiple()));
//   for (const auto& k : report->kernels) std::cout << k.label << " " << k.rewrite << "\n";
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hwnas/expert/pattern.h"
#include "hwnas/hw/target.h"

namespace hwnas::expert {

struct KernelFinding {
  std::vector<std::string> nodes;  // names of the kernel's nodes
  std::string label;               // the target's kernel label
  double latency_us = 0;
  double mac_utilisation = 0;
  std::string bound;                // "compute", "memory", ... ("unknown" where not observed)
  std::vector<std::string> issues;  // "lane waste 25% (out 40 channels, multiple 16)", ...
  double lane_waste = 0;            // fraction of lanes idle along channels, in [0, 1)
  // The best rewrite whose footprint touches the kernel, and the network latency it saves.
  std::string rewrite;              // "" when none helps
  std::string rewrite_params;
  std::string rewrite_location;
  double gain_us = 0;
};

struct ExplainOptions {
  double low_utilisation = 0.25;  // a depthwise kernel below this MAC utilisation is flagged
  size_t top = 10;                // kernels with issues that get a rewrite measured (by latency)
  uint64_t seed = 0;
};

struct Explanation {
  std::string target;
  int64_t channel_multiple = 1;
  double latency_us = 0;
  std::vector<KernelFinding> kernels;  // kernels with issues, by latency, largest first
};

Result<Explanation> explain(const ir::Graph& graph, hw::Target& target,
                            const std::vector<std::unique_ptr<Pattern>>& patterns, const ExplainOptions& options = {});

}  // namespace hwnas::expert
