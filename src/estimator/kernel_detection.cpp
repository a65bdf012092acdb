// Kernel detection by fusion rules, and nn-Meter's pairwise test that finds a black box's rules.
#include "hwnas/estimator/kernel_detection.h"

#include <algorithm>
#include <functional>

#include "hwnas/hw/fusion.h"
#include "hwnas/ir/builder.h"

namespace hwnas::estimator {
namespace {

using Build = std::function<void(ir::Builder&, const ir::Shape&)>;

struct Probe {
  const char* rule;
  bool hw::FusionRules::*field;
  const char* pair;
  Build first;    // one-op network of the first op
  Build second;   // one-op network of the second op, on the first op's output shape
  Build chained;  // both
};

Result<ir::Graph> probe_graph(const std::string& name, const ir::Shape& shape, const Build& build) {
  ir::Graph graph(name);
  ir::Builder b(graph);
  build(b, shape);
  if (!b.ok()) return b.error().within("fusion probe '" + name + "'");
  return graph;
}

std::vector<Probe> probes() {
  auto conv = [](ir::Builder& b, ir::NodeId x) {
    return b.conv(x, ir::Conv2dAttrs::make(b.channels(x), 3, 1), "conv");
  };
  std::vector<Probe> list;
  list.push_back({"batch_norm", &hw::FusionRules::batch_norm, "conv2d -> batch_norm",
                  [=](ir::Builder& b, const ir::Shape& s) { conv(b, b.input(s)); },
                  [](ir::Builder& b, const ir::Shape& s) { b.batch_norm(b.input(s)); },
                  [=](ir::Builder& b, const ir::Shape& s) { b.batch_norm(conv(b, b.input(s))); }});
  list.push_back({"activation", &hw::FusionRules::activation, "conv2d -> relu",
                  [=](ir::Builder& b, const ir::Shape& s) { conv(b, b.input(s)); },
                  [](ir::Builder& b, const ir::Shape& s) { b.act(b.input(s), ir::OpKind::Relu, "relu"); },
                  [=](ir::Builder& b, const ir::Shape& s) { b.act(conv(b, b.input(s)), ir::OpKind::Relu, "relu"); }});
  list.push_back({"residual_add", &hw::FusionRules::residual_add, "conv2d -> add",
                  [=](ir::Builder& b, const ir::Shape& s) { conv(b, b.input(s)); },
                  [](ir::Builder& b, const ir::Shape& s) { b.add(b.input(s, "a"), b.input(s, "b")); },
                  [=](ir::Builder& b, const ir::Shape& s) {
                    ir::NodeId x = b.input(s);
                    b.add(conv(b, x), x);
                  }});
  list.push_back({"elementwise_chains", &hw::FusionRules::elementwise_chains, "add -> mul",
                  [](ir::Builder& b, const ir::Shape& s) { b.add(b.input(s, "a"), b.input(s, "b")); },
                  [](ir::Builder& b, const ir::Shape& s) { b.mul(b.input(s, "a"), b.input(s, "b")); },
                  [](ir::Builder& b, const ir::Shape& s) {
                    ir::NodeId a = b.input(s, "a"), c = b.input(s, "c");
                    b.mul(b.add(a, b.input(s, "b")), c);
                  }});
  return list;
}

}  // namespace

std::vector<hw::Kernel> detect_kernels(const ir::Graph& graph, const TargetInfo& info) {
  return hw::partition_by_fusion(graph, info.fusion);
}

bool ops_fuse(double t1_us, double t2_us, double t12_us, double threshold) {
  return t1_us + t2_us - t12_us > threshold * std::min(t1_us, t2_us);
}

Result<FusionDetection> detect_fusion_rules(hw::Target& target, const FusionDetectionOptions& options) {
  if (options.channels < 1 || options.resolution < 1)
    return Error{"fusion detection: channels and resolution must be at least 1"};
  const ir::Shape shape{1, options.channels, options.resolution, options.resolution};
  FusionDetection detection;
  detection.rules.cascade = false;
  for (const Probe& probe : probes()) {
    const std::string where = "fusion probe '" + std::string(probe.pair) + "' on target '" + target.name() + "'";
    double times[3] = {0, 0, 0};
    const Build* builds[3] = {&probe.first, &probe.second, &probe.chained};
    const char* parts[3] = {"first", "second", "chained"};
    for (int i = 0; i < 3; ++i) {
      Result<ir::Graph> graph = probe_graph(std::string(probe.rule) + "_" + parts[i], shape, *builds[i]);
      if (!graph) return graph.error();
      Result<hw::NetworkMeasurement> measured = target.measure_network(*graph);
      if (!measured) return measured.error().within(where);
      times[i] = measured->latency_us;
    }
    FusionProbe result{probe.rule, probe.pair, times[0], times[1], times[2],
                       ops_fuse(times[0], times[1], times[2], options.threshold)};
    detection.rules.*probe.field = result.fused;
    detection.probes.push_back(result);
  }
  return detection;
}

}  // namespace hwnas::estimator
