// Every IR operator through the estimator's kernel scan: its fast pass finds the kernels the
// target's partition finds, with the same features, and every feature of a known memory plan is finite.
#include <gtest/gtest.h>

#include <cmath>

#include "../common/every_operator_graph.h"
#include "hwnas/estimator/features.h"
#include "hwnas/estimator/target_info.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"

namespace hwnas::estimator {
namespace {

TEST(EstimatorEveryOperator, TheFastScanAgreesWithThePartition) {
  const ir::Graph graph = hwnas::testing::every_operator_graph();
  auto spec = hw::load_preset("ethos-u55-256");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  hw::SimulatorTarget target(*spec);
  const TargetInfo info = describe_target(target);
  const std::vector<KernelDescription> fast = describe_kernels(graph, info);
  const std::vector<KernelDescription> slow = describe_kernels(graph, info, target.partition(graph));
  ASSERT_EQ(fast.size(), slow.size());
  for (size_t k = 0; k < fast.size(); ++k) {
    SCOPED_TRACE(kernel_type(graph, slow[k].kernel));
    EXPECT_EQ(fast[k].kernel.nodes, slow[k].kernel.nodes);
    EXPECT_EQ(fast[k].signature, slow[k].signature);
    for (size_t f = 0; f < fast[k].features.size(); ++f) {
      const float a = fast[k].features[f], b = slow[k].features[f];
      EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << "feature " << f << ": " << a << " vs " << b;
    }
  }
}

}  // namespace
}  // namespace hwnas::estimator
