// Every IR operator through the simulator: partitioned into kernels that cover each node once,
// each kernel costed with positive, finite cycles (the operators ONNX import added included),
// except kernels of views only (concat, flatten, reshape), which the NPU writes in place for free.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "../common/every_operator_graph.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"

namespace hwnas::hw {
namespace {

TEST(SimulatorEveryOperator, EachNodeIsInOneKernelAndEveryKernelIsCosted) {
  const ir::Graph graph = hwnas::testing::every_operator_graph();
  for (const char* preset : {"ethos-u55-256", "ethos-u65-512"}) {
    SCOPED_TRACE(preset);
    auto spec = load_preset(preset);
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    SimulatorTarget target(*spec);
    std::multiset<ir::NodeId> covered;
    for (const Kernel& kernel : target.partition(graph)) covered.insert(kernel.nodes.begin(), kernel.nodes.end());
    for (const ir::Node& node : graph.nodes()) {
      if (node.kind != ir::OpKind::Input) {
        EXPECT_EQ(covered.count(node.id), 1u) << node.describe();
      }
    }
    auto measured = target.measure_network(graph);
    ASSERT_TRUE(measured.ok()) << measured.error().message;
    EXPECT_TRUE(std::isfinite(measured->latency_us) && measured->latency_us > 0);
    for (const KernelMeasurement& k : measured->kernels) {
      bool views_only = true;
      for (ir::NodeId id : k.nodes) {
        const ir::OpKind kind = graph.node(id).kind;
        views_only = views_only && (kind == ir::OpKind::Concat || kind == ir::OpKind::Flatten ||
                                    kind == ir::OpKind::Reshape);
      }
      if (views_only) {
        EXPECT_EQ(k.cycles, 0) << k.label;
      } else {
        EXPECT_GT(k.cycles, 0) << k.label;
      }
      EXPECT_TRUE(std::isfinite(k.latency_us)) << k.label;
    }
  }
}

}  // namespace
}  // namespace hwnas::hw
