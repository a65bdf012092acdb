// Kernel detection: a network's kernels by its target's fusion rules, and fusion rules found by measurement.
//
//   // A target that publishes its rules (a simulator): split by them.
//   auto kernels = estimator::detect_kernels(graph, estimator::describe_target(npu));
//   // A black box (a phone behind a command): time pairs of ops alone and chained.
//   auto found = estimator::detect_fusion_rules(phone);
//   if (found) info.fusion = found->rules;    // found->probes: the timings behind each rule
//
// nn-Meter's test: ops 1 and 2 fuse when T1 + T2 - T12 > 0.5 min(T1, T2), T1 and T2 timed as
// one-op networks and T12 as the two chained. Each probe decides one field of hw::FusionRules:
//   batch_norm          conv2d -> batch_norm
//   activation          conv2d -> relu
//   residual_add        conv2d -> add (of the conv's input)
//   elementwise_chains  add -> mul
// The test finds a rule when fusing saves time: a target that chains elementwise ops but is
// compute-bound on them saves only a command's overhead and is reported unfused, which costs
// an estimator little (the two kernels' times add up). `cascade` (keeping stripes of a tensor on chip between kernels) is a memory plan, not a
// split of the network, and is left off for a black box.
#pragma once

#include <string>
#include <vector>

#include "hwnas/estimator/target_info.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator {

// The kernels of `graph` under info.fusion, every non-input node exactly once, in execution order.
std::vector<hw::Kernel> detect_kernels(const ir::Graph& graph, const TargetInfo& info);

// nn-Meter's fusion test: t1 + t2 - t12 > threshold * min(t1, t2).
bool ops_fuse(double t1_us, double t2_us, double t12_us, double threshold = 0.5);

struct FusionProbe {
  std::string rule;        // the hw::FusionRules field it decides, e.g. "batch_norm"
  std::string pair;        // e.g. "conv2d -> batch_norm"
  double first_us = 0;     // T1
  double second_us = 0;    // T2
  double chained_us = 0;   // T12
  bool fused = false;
};

struct FusionDetection {
  hw::FusionRules rules;
  std::vector<FusionProbe> probes;  // one per rule, in the order of the header
};

struct FusionDetectionOptions {
  int64_t channels = 32;    // of the probe tensors
  int64_t resolution = 28;  // their height and width
  double threshold = 0.5;
};

// Times the four probe pairs on `target` (measure_network only, so any target will do). A
// failed measurement is an Error naming the probe.
Result<FusionDetection> detect_fusion_rules(hw::Target& target, const FusionDetectionOptions& options = {});

}  // namespace hwnas::estimator
