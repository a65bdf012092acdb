// Tests of kernel detection: partitions of the zoo by a target's rules, and fusion rules recovered from a black box.
#include "hwnas/estimator/kernel_detection.h"

#include <gtest/gtest.h>

#include <map>

#include "hwnas/hw/fusion.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::estimator {
namespace {

// A simulator seen from outside: only whole-network latencies, no rules, one kernel per node.
class BlackBox : public hw::Target {
 public:
  explicit BlackBox(hw::AcceleratorSpec spec) : simulator_(std::move(spec)) {}
  std::string name() const override { return "black-box " + simulator_.name(); }
  std::string kind() const override { return "command"; }
  std::vector<hw::Kernel> partition(const ir::Graph& graph) const override {
    std::vector<hw::Kernel> kernels;
    for (const ir::Node& node : graph.nodes())
      if (node.kind != ir::OpKind::Input) kernels.push_back({{node.id}});
    return kernels;
  }
  Result<hw::KernelMeasurement> measure_kernel(const ir::Graph&, const hw::Kernel&) override {
    return Error{"a black box times whole networks only"};
  }
  Result<hw::NetworkMeasurement> measure_network(const ir::Graph& graph) override {
    Result<hw::NetworkMeasurement> m = simulator_.measure_network(graph);
    if (m) m->kernels.clear();
    ++networks_timed;
    return m;
  }
  int networks_timed = 0;

 private:
  hw::SimulatorTarget simulator_;
};

// The conv + batch norm + activation (+ residual add) rules must come back exactly. An
// elementwise chain on these presets saves only the command overhead (their vector units are
// compute-bound on add -> mul), less than half of either op, so nn-Meter's test rightly calls
// it unfused there; it must never find a chain the target does not make.
void expect_same_kernel_rules(const hw::FusionRules& found, const hw::FusionRules& truth, const std::string& what) {
  EXPECT_EQ(found.batch_norm, truth.batch_norm) << what;
  EXPECT_EQ(found.activation, truth.activation) << what;
  EXPECT_EQ(found.residual_add, truth.residual_add) << what;
  if (found.elementwise_chains) {
    EXPECT_TRUE(truth.elementwise_chains) << what;
  }
}

TEST(OpsFuse, IsNnMetersTest) {
  EXPECT_TRUE(ops_fuse(10, 4, 10));    // the second op hides in the first: saving 4 > 2
  EXPECT_FALSE(ops_fuse(10, 4, 14));   // run one after the other: saving 0
  EXPECT_FALSE(ops_fuse(10, 4, 12.5)); // saving 1.5 < 0.5 * 4
  EXPECT_TRUE(ops_fuse(10, 4, 11.9));  // saving 2.1 > 2
}

TEST(DetectFusionRules, RecoversEveryPresetsRulesFromWholeNetworkTimesAlone) {
  for (const std::string& name : hw::preset_names()) {
    Result<hw::AcceleratorSpec> spec = hw::load_preset(name);
    ASSERT_TRUE(spec) << spec.error().message;
    BlackBox box(*spec);
    Result<FusionDetection> found = detect_fusion_rules(box);
    ASSERT_TRUE(found) << found.error().message;
    expect_same_kernel_rules(found->rules, spec->fusion, name);
    EXPECT_FALSE(found->rules.cascade) << "a black box's memory plan is unknown";
    EXPECT_EQ(box.networks_timed, 12) << "three networks per probe";
    ASSERT_EQ(found->probes.size(), 4u);
    for (const FusionProbe& probe : found->probes) {
      EXPECT_GT(probe.first_us, 0) << name << " " << probe.pair;
      EXPECT_GT(probe.second_us, 0) << name << " " << probe.pair;
      EXPECT_EQ(probe.fused, ops_fuse(probe.first_us, probe.second_us, probe.chained_us)) << probe.pair;
    }
  }
}

TEST(DetectFusionRules, RecoversRulesThatAreOff) {
  // Every combination of the conv + batch norm + activation rules on an Ethos-U55.
  for (int bits = 0; bits < 4; ++bits) {
    hw::AcceleratorSpec spec = *hw::load_preset("ethos-u55-256");
    spec.fusion.batch_norm = bits & 1;
    spec.fusion.activation = bits & 2;
    BlackBox box(spec);
    Result<FusionDetection> found = detect_fusion_rules(box);
    ASSERT_TRUE(found) << found.error().message;
    expect_same_kernel_rules(found->rules, spec.fusion, "rules " + fusion_rules_text(spec.fusion));
  }
}

TEST(DetectFusionRules, ReportsAFailedMeasurementWithTheProbe) {
  class Broken : public BlackBox {
   public:
    using BlackBox::BlackBox;
    Result<hw::NetworkMeasurement> measure_network(const ir::Graph&) override { return Error{"device offline"}; }
  };
  Broken box(*hw::load_preset("htp-like"));
  Result<FusionDetection> found = detect_fusion_rules(box);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("conv2d -> batch_norm"), std::string::npos) << found.error().message;
  EXPECT_NE(found.error().message.find("device offline"), std::string::npos);
}

TEST(DetectKernels, SplitsEveryZooModelAsItsSimulatorDoes) {
  for (const std::string& preset : hw::preset_names()) {
    hw::SimulatorTarget target(*hw::load_preset(preset));
    const TargetInfo info = describe_target(target);
    for (const std::string& model : zoo::model_names()) {
      zoo::ZooOptions options;
      options.resolution = 96;
      Result<ir::Graph> graph = zoo::build_model(model, options);
      ASSERT_TRUE(graph) << graph.error().message;
      const std::vector<hw::Kernel> kernels = detect_kernels(*graph, info);
      const std::vector<hw::Kernel> truth = target.partition(*graph);
      ASSERT_EQ(kernels.size(), truth.size()) << preset << " " << model;
      std::vector<int> covered(graph->size(), 0);
      for (size_t k = 0; k < kernels.size(); ++k) {
        EXPECT_EQ(kernels[k].nodes, truth[k].nodes) << preset << " " << model << " kernel " << k;
        for (ir::NodeId id : kernels[k].nodes) ++covered[static_cast<size_t>(id)];
      }
      for (const ir::Node& node : graph->nodes())
        EXPECT_EQ(covered[static_cast<size_t>(node.id)], node.kind == ir::OpKind::Input ? 0 : 1)
            << preset << " " << model << " " << node.describe();
    }
  }
}

TEST(DetectKernels, FusesConvBatchNormActivationChainsOfMobileNetV2) {
  hw::SimulatorTarget target(*hw::load_preset("ethos-u55-256"));
  Result<ir::Graph> graph = zoo::build_model("mobilenet_v2");
  ASSERT_TRUE(graph);
  std::map<std::string, int> labels;
  for (const hw::Kernel& kernel : detect_kernels(*graph, describe_target(target)))
    ++labels[hw::kernel_label(*graph, kernel)];
  // 35 conv-bn-relu6 (stem, 16 expansions, 17 depthwise, last conv), 17 linear projections,
  // 10 residual adds on their own (no residual_add rule on the U55), the pool, the classifier.
  EXPECT_EQ(labels["conv2d+batch_norm+relu6"], 35);
  EXPECT_EQ(labels["conv2d+batch_norm"], 17);
  EXPECT_EQ(labels["add"], 10);
  EXPECT_EQ(labels["global_avg_pool+flatten"], 1);  // the flatten (a view) joins the pool
  EXPECT_EQ(labels["linear"], 1);
  EXPECT_EQ(labels.size(), 5u);
}

}  // namespace
}  // namespace hwnas::estimator
