// Tests of the kernel features: shapes, MACs, bytes, channel blocks and memory context, by hand-computed values.
#include "hwnas/estimator/features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "hwnas/analysis/cost.h"
#include "hwnas/estimator/memory_context.h"
#include "hwnas/estimator/network_sampler.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/ir/builder.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::estimator {
namespace {

TargetInfo u55_info() {
  hw::SimulatorTarget target(*hw::load_preset("ethos-u55-256"));
  return describe_target(target);
}

TEST(FeatureNames, AreUniqueAndOnePerFeature) {
  const std::vector<std::string>& names = feature_names();
  ASSERT_EQ(names.size(), static_cast<size_t>(kFeatureCount));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(names[kInC], "in_c");
  EXPECT_EQ(names[kPaddedMacs], "padded_macs");
  EXPECT_EQ(names[kWeightsOffChip], "weights_off_chip");
  EXPECT_TRUE(feature_names(kFeatureVersion + 1).empty());
  // version 2 appends to version 1, whose models read the prefix
  EXPECT_EQ(names[kPrecisionBytes], "precision_bytes");
  const std::vector<std::string>& v1 = feature_names(1);
  ASSERT_EQ(v1.size(), static_cast<size_t>(kVersion1FeatureCount));
  EXPECT_TRUE(std::equal(v1.begin(), v1.end(), names.begin()));
  EXPECT_EQ(feature_count(1), kVersion1FeatureCount);
  EXPECT_EQ(feature_count(2), kFeatureCount);
}

// Mixed precision: a kernel marked int16 computes at two bytes per element; its int8 input is
// counted at one byte and its int16 output at two.
TEST(KernelFeatures, Int16KernelsCarryTheirPrecision) {
  const TargetInfo info = u55_info();
  ir::Graph graph("conv");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 24, 56, 56});
  const auto first = static_cast<ir::NodeId>(graph.size());
  b.conv_bn_act(x, 40, 3, 2, ir::OpKind::Relu6);
  ASSERT_TRUE(b.ok());
  const FeatureVector int8 = describe_kernels(graph, info)[0].features;
  for (auto id = first; id < static_cast<ir::NodeId>(graph.size()); ++id) graph.set_precision(id, ir::Precision::Int16);
  const auto kernels = describe_kernels(graph, info);
  ASSERT_EQ(kernels.size(), 1u);
  const FeatureVector& f = kernels[0].features;
  EXPECT_EQ(int8[kPrecisionBytes], 1);
  EXPECT_EQ(f[kPrecisionBytes], 2);
  EXPECT_EQ(f[kInputBytes], 24 * 56 * 56);
  EXPECT_EQ(f[kOutputBytes], 2 * 40 * 28 * 28);
  EXPECT_EQ(f[kMacs], int8[kMacs]);
  // the hardware library's path (hw::place_tensors) gives the same features
  const auto partition = hw::partition_by_fusion(graph, info.fusion);
  const auto slow = describe_kernels(graph, info, partition);
  ASSERT_EQ(slow.size(), 1u);
  for (int k = 0; k < kFeatureCount; ++k)
    if (!std::isnan(f[k]) || !std::isnan(slow[0].features[k])) EXPECT_EQ(f[k], slow[0].features[k]) << feature_names()[k];
  // a float target prices every layer at its own precision
  TargetInfo cpu = info;
  cpu.activation_precision = ir::Precision::Fp32;
  EXPECT_EQ(describe_kernels(graph, cpu)[0].features[kPrecisionBytes], 4);
}

TEST(KernelFeatures, ConvBatchNormRelu6WithChannelBlocks) {
  const TargetInfo info = u55_info();
  ASSERT_EQ(info.channel_multiple, 32) << "the U55's IFM block depth";
  ir::Graph graph("conv");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 24, 56, 56});
  b.conv_bn_act(x, 40, 3, 2, ir::OpKind::Relu6);
  ASSERT_TRUE(b.ok());
  const auto kernels = describe_kernels(graph, info);
  ASSERT_EQ(kernels.size(), 1u);
  const FeatureVector& f = kernels[0].features;
  EXPECT_EQ(f[kInH], 56);
  EXPECT_EQ(f[kInC], 24);
  EXPECT_EQ(f[kOutH], 28);
  EXPECT_EQ(f[kOutC], 40);
  EXPECT_EQ(f[kKernelH], 3);
  EXPECT_EQ(f[kStrideW], 2);
  EXPECT_EQ(f[kGroups], 1);
  EXPECT_EQ(f[kDepthwise], 0);
  EXPECT_EQ(f[kMacs], 28.0f * 28 * 40 * 24 * 9);
  EXPECT_EQ(f[kParams], 40 * 24 * 9 + 2 * 40) << "conv weights and the batch norm's scale and bias";
  EXPECT_EQ(f[kInputBytes], 24 * 56 * 56) << "int8";
  EXPECT_EQ(f[kOutputBytes], 40 * 28 * 28);
  EXPECT_EQ(f[kInBlocks], 1);  // ceil(24 / 32)
  EXPECT_EQ(f[kInRemainder], 24);
  EXPECT_EQ(f[kInPadded], 32);
  EXPECT_EQ(f[kOutBlocks], 2);  // ceil(40 / 32)
  EXPECT_EQ(f[kOutRemainder], 8);
  EXPECT_EQ(f[kOutPadded], 64);
  EXPECT_EQ(f[kPaddedMacs], 28.0f * 28 * 64 * 32 * 9);
  EXPECT_EQ(f[kOutPixels], 28 * 28);
  EXPECT_EQ(f[kTaps], 9);
  EXPECT_EQ(f[kNodes], 3);
  // Small tensors sit on chip; the U55 has no weight cache, so weights stream from flash.
  EXPECT_EQ(f[kInputOffChip], 0);
  EXPECT_EQ(f[kOutputOffChip], 0);
  EXPECT_EQ(f[kWeightsOffChip], 1);
  EXPECT_EQ(f[kOffChipBytes], f[kParams]) << "the weights, at one byte per parameter";
}

TEST(KernelFeatures, DepthwiseConvPadsOnlyItsOutputChannels) {
  const TargetInfo info = u55_info();
  ir::Graph graph("dw");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 48, 14, 14});
  b.conv(x, ir::Conv2dAttrs::make(48, 5, 1, 48));
  ASSERT_TRUE(b.ok());
  const FeatureVector f = describe_kernels(graph, info)[0].features;
  EXPECT_EQ(f[kDepthwise], 1);
  EXPECT_EQ(f[kGroups], 48);
  EXPECT_EQ(f[kMacs], 14.0f * 14 * 48 * 25);
  EXPECT_EQ(f[kPaddedMacs], 14.0f * 14 * 64 * 25);
}

TEST(KernelFeatures, ResidualAddReadsTwoTensors) {
  const TargetInfo info = u55_info();
  ir::Graph graph("add");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 16, 8, 8});
  ir::NodeId y = b.conv(x, ir::Conv2dAttrs::make(16, 1));
  b.add(y, x);
  ASSERT_TRUE(b.ok());
  const auto kernels = describe_kernels(graph, info);
  ASSERT_EQ(kernels.size(), 2u) << "no residual_add rule on the U55";
  const FeatureVector& add = kernels[1].features;
  EXPECT_EQ(add[kInputBytes], 16 * 8 * 8);
  EXPECT_EQ(add[kOtherInputBytes], 16 * 8 * 8);
  EXPECT_EQ(add[kMacs], 0);
  EXPECT_EQ(add[kParams], 0);
}

TEST(KernelFeatures, LargeTensorsGoOffChipOnTheU65) {
  hw::SimulatorTarget target(*hw::load_preset("ethos-u65-512"));  // 384 KB of SRAM
  const TargetInfo info = describe_target(target);
  ir::Graph graph("big");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 64, 112, 112});  // 784 KB
  b.conv(x, ir::Conv2dAttrs::make(64, 1));
  ASSERT_TRUE(b.ok());
  const FeatureVector f = describe_kernels(graph, info)[0].features;
  EXPECT_EQ(f[kInputOffChip], 1);
  EXPECT_EQ(f[kOutputOffChip], 1);
  EXPECT_EQ(f[kOffChipBytes], 2.0f * 64 * 112 * 112 + 64 * 64) << "input, output, streamed weights";
}

TEST(KernelFeatures, MemoryContextIsUnknownForABlackBox) {
  TargetInfo info;  // no memory plan
  info.name = "phone";
  ir::Graph graph("c");
  ir::Builder b(graph);
  b.conv(b.input({1, 8, 8, 8}), ir::Conv2dAttrs::make(8, 3));
  ASSERT_TRUE(b.ok());
  const FeatureVector f = describe_kernels(graph, info)[0].features;
  for (int i : {kInputOffChip, kOutputOffChip, kOtherOffChip, kWeightsOffChip, kOutputStriped, kOffChipBytes})
    EXPECT_TRUE(std::isnan(f[i])) << feature_names()[i];
  EXPECT_EQ(f[kInBlocks], 8) << "a channel multiple of 1: one block per channel";
  EXPECT_EQ(f[kInRemainder], 0);
}

TEST(KernelFeatures, ParamsAndMacsAddUpToTheCostAnalysisOnTheZoo) {
  const TargetInfo info = u55_info();
  for (const std::string& model : zoo::model_names()) {
    Result<ir::Graph> graph = zoo::build_model(model);
    ASSERT_TRUE(graph);
    double macs = 0, params = 0;
    for (const KernelDescription& d : describe_kernels(*graph, info)) {
      macs += d.features[kMacs];
      params += d.features[kParams];
    }
    const analysis::CostSummary cost = analysis::analyze_cost(*graph);
    EXPECT_NEAR(macs, static_cast<double>(cost.macs), 1e-6 * static_cast<double>(cost.macs)) << model;
    EXPECT_NEAR(params, static_cast<double>(cost.params), 1e-6 * static_cast<double>(cost.params)) << model;
  }
}

TEST(KernelType, NamesGroupedConvolutionsApart) {
  ir::Graph graph("types");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 16, 8, 8});
  x = b.conv_bn_act(x, 16, 3, 1, ir::OpKind::Relu6, /*groups=*/16, "dw");
  x = b.conv_bn_act(x, 32, 3, 1, ir::OpKind::Relu6, /*groups=*/4, "gc");
  b.conv_bn_act(x, 32, 1, 1, ir::OpKind::Relu6, 1, "pw");
  ASSERT_TRUE(b.ok());
  const auto kernels = hw::partition_by_fusion(graph, u55_info().fusion);
  ASSERT_EQ(kernels.size(), 3u);
  EXPECT_EQ(kernel_type(graph, kernels[0]), "depthwise_conv2d+batch_norm+relu6");
  EXPECT_EQ(kernel_type(graph, kernels[1]), "grouped_conv2d+batch_norm+relu6");
  EXPECT_EQ(kernel_type(graph, kernels[2]), "conv2d+batch_norm+relu6");
  EXPECT_EQ(hw::kernel_label(graph, kernels[0]), "conv2d+batch_norm+relu6") << "the target's label stays plain";
  std::set<uint64_t> signatures;
  for (const hw::Kernel& k : kernels) signatures.insert(kernel_signature(graph, k));
  EXPECT_EQ(signatures.size(), 3u);
}

TEST(KernelSignature, EqualExactlyForEqualTypes) {
  const TargetInfo info = u55_info();
  Result<ir::Graph> graph = zoo::build_model("mobilenet_v3_large");
  ASSERT_TRUE(graph);
  std::map<uint64_t, std::string> label_of;
  for (const KernelDescription& d : describe_kernels(*graph, info)) {
    const std::string label = kernel_type(*graph, d.kernel);
    auto [it, inserted] = label_of.emplace(d.signature, label);
    EXPECT_EQ(it->second, label);
  }
  std::set<std::string> labels;
  for (const auto& [signature, label] : label_of) labels.insert(label);
  EXPECT_EQ(labels.size(), label_of.size()) << "two signatures for one label";
}

}  // namespace
}  // namespace hwnas::estimator

namespace hwnas::estimator {
namespace {

bool same_bits(const FeatureVector& a, const FeatureVector& b) { return std::memcmp(a.data(), b.data(), sizeof a) == 0; }

// The estimator's own pass (describe_kernels without kernels) against hw::partition_by_fusion and
// hw::place_tensors, on the zoo and on sampled networks, for every preset and for variants
// whose memory is tight (tensors off chip, stripes) or whose weights are cached.
TEST(DescribeKernels, OwnPassAgreesWithTheHardwareLibrary) {
  std::vector<ir::Graph> graphs;
  for (const std::string& model : zoo::model_names()) graphs.push_back(*zoo::build_model(model));
  for (uint64_t seed = 0; seed < 30; ++seed) {
    Result<ir::Graph> g = build_sampled_network(sample_network(seed));
    ASSERT_TRUE(g) << g.error().message;
    graphs.push_back(std::move(*g));
  }
  std::vector<hw::AcceleratorSpec> specs;
  for (const std::string& preset : hw::preset_names()) specs.push_back(*hw::load_preset(preset));
  hw::AcceleratorSpec tight = *hw::load_preset("ethos-u65-512");
  tight.sram.size_bytes = 96 * 1024;  // stripes and spills everywhere
  tight.fusion.residual_add = true;
  tight.fusion.elementwise_chains = true;
  specs.push_back(tight);
  hw::AcceleratorSpec cached = *hw::load_preset("htp-like");
  cached.weight_cache_bytes = 4 << 20;
  cached.fusion.cascade = false;
  cached.fusion.batch_norm = false;
  specs.push_back(cached);
  int off_chip = 0, striped = 0, compared = 0;
  for (const hw::AcceleratorSpec& spec : specs) {
    hw::SimulatorTarget target(spec);
    const TargetInfo info = describe_target(target);
    for (const ir::Graph& graph : graphs) {
      const auto fast = describe_kernels(graph, info);
      const auto reference = describe_kernels(graph, info, hw::partition_by_fusion(graph, info.fusion));
      ASSERT_EQ(fast.size(), reference.size()) << spec.name << " " << graph.name();
      for (size_t k = 0; k < fast.size(); ++k) {
        ASSERT_EQ(fast[k].kernel.nodes, reference[k].kernel.nodes) << spec.name << " " << graph.name() << " kernel " << k;
        EXPECT_EQ(fast[k].signature, reference[k].signature);
        EXPECT_TRUE(same_bits(fast[k].features, reference[k].features)) << spec.name << " " << graph.name() << " kernel " << k;
        off_chip += fast[k].features[kInputOffChip] == 1;
        striped += fast[k].features[kOutputStriped] == 1;
        ++compared;
      }
    }
  }
  EXPECT_GT(off_chip, 100) << "the comparison must cover tensors placed off chip";
  EXPECT_GT(striped, 20) << "and tensors kept as stripes";
  EXPECT_GT(compared, 5000);
}

}  // namespace
}  // namespace hwnas::estimator
