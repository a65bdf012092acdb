// The simulated accelerator: channel staircases, depthwise utilisation, memory-bound layers, rooflines over
// the zoo.
#include "hwnas/hw/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hwnas/analysis/cost.h"
#include "hwnas/hw/memory_placement.h"
#include "hwnas/hw/presets.h"
#include "hwnas/ir/builder.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::hw {
namespace {

using ir::OpKind;

SimulatorTarget preset_target(const std::string& name) {
  auto spec = load_preset(name);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return SimulatorTarget(spec.ok() ? *spec : AcceleratorSpec{});
}

// One conv-bn-relu6 layer on an input of in x size x size.
ir::Graph conv_layer(int64_t in, int64_t out, int64_t size, int64_t kernel, int64_t stride = 1,
                     int64_t groups = 1) {
  ir::Graph g("layer");
  ir::Builder b(g);
  auto x = b.input({1, in, size, size});
  b.conv_bn_act(x, out, kernel, stride, OpKind::Relu6, groups);
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return g;
}

KernelMeasurement only_kernel(SimulatorTarget& target, const ir::Graph& g) {
  auto m = target.measure_network(g);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  EXPECT_EQ(m->kernels.size(), 1u);
  return m.ok() && !m->kernels.empty() ? m->kernels.front() : KernelMeasurement{};
}

// Latency is flat while the output channels stay inside one micro-block depth and steps up at
// its edge: a staircase of step micro_block_depth (8 on Ethos-U, 64 edge-TPU-like, 32 HTP-like).
TEST(Simulator, OutputChannelStaircase) {
  for (const std::string& name : preset_names()) {
    SimulatorTarget target = preset_target(name);
    const int64_t step = target.spec().mac_array.micro_block_depth;
    const int64_t base = 4 * step;  // channels base+1 .. base+step share a block
    int64_t flat_cycles = -1;
    for (int64_t out = base + 1; out <= base + step; ++out) {
      KernelMeasurement k = only_kernel(target, conv_layer(64, out, 28, 3));
      ASSERT_EQ(k.bound, Bound::Compute) << name << " out=" << out;
      if (flat_cycles < 0) flat_cycles = k.cycles;
      EXPECT_EQ(k.cycles, flat_cycles)
          << name << ": out=" << out << " should cost as much as out=" << base + 1;
    }
    KernelMeasurement next = only_kernel(target, conv_layer(64, base + step + 1, 28, 3));
    EXPECT_GT(next.cycles, flat_cycles) << name << ": one channel past the block must cost more";
    KernelMeasurement below = only_kernel(target, conv_layer(64, base, 28, 3));
    EXPECT_LT(below.cycles, flat_cycles) << name;
  }
}

// Input channels are consumed ifm_block_depth at a time (32 on Ethos-U at int8): a staircase in
// input channels too.
TEST(Simulator, InputChannelStaircase) {
  for (const std::string& name : preset_names()) {
    SimulatorTarget target = preset_target(name);
    const int64_t step = target.spec().ifm_block_depth();
    const int64_t base = 2 * step;
    int64_t flat_cycles = -1;
    for (int64_t in = base + 1; in <= base + step; in += std::max<int64_t>(1, step / 8)) {
      KernelMeasurement k = only_kernel(target, conv_layer(in, 64, 28, 3));
      ASSERT_EQ(k.bound, Bound::Compute) << name << " in=" << in;
      if (flat_cycles < 0) flat_cycles = k.cycles;
      EXPECT_EQ(k.cycles, flat_cycles) << name << ": in=" << in;
    }
    EXPECT_EQ(only_kernel(target, conv_layer(base + step, 64, 28, 3)).cycles, flat_cycles) << name;
    EXPECT_GT(only_kernel(target, conv_layer(base + step + 1, 64, 28, 3)).cycles, flat_cycles) << name;
  }
}

// A depthwise convolution reduces over no input depth: on Ethos-U55-256 it covers 4 kernel
// elements per 4-cycle step, 32 of 256 MACs per cycle (1/8 of peak; a 3x3 kernel fills 9 of
// the 12 slots of 3 steps, so 9.4 %), while a full convolution of the same shape runs near
// peak, and one with 8 x the depthwise MACs costs about as much (ANCHORS.md, Vela).
TEST(Simulator, DepthwiseRunsAtASmallFractionOfPeak) {
  SimulatorTarget u55 = preset_target("ethos-u55-256");
  KernelMeasurement dw = only_kernel(u55, conv_layer(144, 144, 56, 3, 1, 144));
  EXPECT_EQ(dw.bound, Bound::Compute);
  EXPECT_NEAR(dw.mac_utilisation, 0.125 * 9.0 / 12.0, 0.01);
  KernelMeasurement full = only_kernel(u55, conv_layer(144, 144, 56, 3));
  EXPECT_GT(full.mac_utilisation, 0.6);
  KernelMeasurement eight_times =
      only_kernel(u55, conv_layer(72, 144, 56, 1));  // 72 x dw's 9 MACs per output
  EXPECT_EQ(eight_times.macs, 8 * dw.macs);
  EXPECT_GT(eight_times.latency_us / dw.latency_us, 0.7);
  EXPECT_LT(eight_times.latency_us / dw.latency_us, 1.5);

  for (const std::string& name : preset_names()) {
    SimulatorTarget target = preset_target(name);
    const AcceleratorSpec& s = target.spec();
    // the most a depthwise step can use: depthwise_kernel_step of ifm_block_depth products
    const double ceiling = static_cast<double>(s.mac_array.depthwise_kernel_step) /
                           static_cast<double>(s.mac_array.ifm_block_depth);
    KernelMeasurement k = only_kernel(target, conv_layer(128, 128, 28, 3, 1, 128));
    ASSERT_EQ(k.bound, Bound::Compute) << name;
    EXPECT_LE(k.mac_utilisation, ceiling + 1e-9) << name;
    EXPECT_GE(k.mac_utilisation, 0.5 * ceiling) << name;
    EXPECT_LE(ceiling, 0.125) << name;
  }
}

// 16-bit activations halve the IFM block depth and the dot-product width (Vela's int16 rule):
// a compute-bound layer takes about twice as long.
TEST(Simulator, Int16HalvesThroughput) {
  AcceleratorSpec spec = *load_preset("ethos-u55-256");
  SimulatorTarget int8(spec);
  spec.precision = ir::Precision::Int16;
  SimulatorTarget int16(spec);
  ir::Graph g = conv_layer(64, 64, 28, 3);
  KernelMeasurement a = only_kernel(int8, g), b = only_kernel(int16, g);
  ASSERT_EQ(a.bound, Bound::Compute);
  EXPECT_NEAR(static_cast<double>(b.cycles) / static_cast<double>(a.cycles), 2.0, 0.15);
}

// Mixed precision: a layer marked int16 on an int8 accelerator is costed as the same accelerator
// at int16 costs it (half the MAC rate, two-byte tensors); unmarked layers keep int8's cost.
TEST(Simulator, ALayerMarkedInt16CostsWhatAnInt16AcceleratorCharges) {
  AcceleratorSpec spec = *load_preset("ethos-u55-256");
  SimulatorTarget int8(spec);
  AcceleratorSpec wide_spec = spec;
  wide_spec.precision = ir::Precision::Int16;
  SimulatorTarget int16(wide_spec);
  const ir::Graph plain = conv_layer(64, 64, 28, 3);
  ir::Graph marked = plain;
  for (const ir::Node& n : plain.nodes()) marked.set_precision(n.id, ir::Precision::Int16);
  const KernelMeasurement eight = only_kernel(int8, plain), mixed = only_kernel(int8, marked),
                          sixteen = only_kernel(int16, plain);
  EXPECT_EQ(mixed.cycles, sixteen.cycles);
  EXPECT_EQ(mixed.sram_bytes, sixteen.sram_bytes);
  EXPECT_EQ(mixed.dram_bytes, sixteen.dram_bytes);
  EXPECT_DOUBLE_EQ(mixed.mac_utilisation, sixteen.mac_utilisation);
  EXPECT_GT(static_cast<double>(mixed.cycles), 1.8 * static_cast<double>(eight.cycles));
  EXPECT_GT(mixed.sram_bytes, eight.sram_bytes);
  // an int16 MAC takes two int8 multiplier slots: twice the int8 spec's energy per MAC
  EXPECT_GT(mixed.energy_uj, eight.energy_uj + 0.9 * static_cast<double>(eight.macs) * spec.energy.mac_pj * 1e-6);
  // a float accelerator runs every layer at its own precision
  AcceleratorSpec fp16 = spec;
  fp16.precision = ir::Precision::Fp16;
  EXPECT_EQ(fp16.precision_of(marked.node(1)), ir::Precision::Fp16);
  EXPECT_EQ(spec.precision_of(marked.node(1)), ir::Precision::Int16);
  EXPECT_EQ(spec.precision_of(plain.node(1)), ir::Precision::Int8);
}

// At a boundary of mixed precision each tensor moves at its own width: an int8 layer feeding an
// int16 one writes one-byte elements, the int16 layer reads them and writes two-byte ones.
TEST(Simulator, TensorsAreStoredAtTheirLayersPrecision) {
  AcceleratorSpec spec = *load_preset("ethos-u55-256");
  ir::Graph g("boundary");
  ir::Builder b(g);
  auto x = b.input({1, 32, 16, 16});
  auto first = b.conv_bn_act(x, 32, 1, 1, OpKind::Relu6, 1, "int8_layer");
  const auto second_start = static_cast<ir::NodeId>(g.size());
  auto second = b.conv_bn_act(first, 32, 1, 1, OpKind::Relu6, 1, "int16_layer");
  ASSERT_TRUE(b.ok()) << b.error().message;
  for (auto id = second_start; id < static_cast<ir::NodeId>(g.size()); ++id) g.set_precision(id, ir::Precision::Int16);
  EXPECT_EQ(storage_bytes(spec, g, first), 32 * 16 * 16);
  EXPECT_EQ(storage_bytes(spec, g, second), 2 * 32 * 16 * 16);
  EXPECT_EQ(storage_bytes(spec, g.node(second).shape, ir::Precision::Int8), 32 * 16 * 16);
  SimulatorTarget target(spec);
  auto m = target.measure_network(g);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->kernels.size(), 2u);
  // the int16 kernel moves its int8 input and its int16 output, at half the MAC rate
  EXPECT_GT(m->kernels[1].sram_bytes + m->kernels[1].dram_bytes, m->kernels[0].sram_bytes + m->kernels[0].dram_bytes);
  EXPECT_GT(m->kernels[1].cycles, m->kernels[0].cycles);
}

// On Ethos-U65-512 (384 KB of SRAM, DRAM 3.75 GB/s) a layer whose tensors exceed SRAM reads and
// writes them in DRAM and becomes memory bound; the same layer at a quarter of the resolution
// fits and is not.
TEST(Simulator, LayerBeyondSramBecomesMemoryBound) {
  SimulatorTarget u65 = preset_target("ethos-u65-512");
  ir::Graph big = conv_layer(64, 64, 112, 1);   // 784 KB in, 784 KB out
  ir::Graph small = conv_layer(64, 64, 28, 1);  // 49 KB each
  KernelMeasurement large = only_kernel(u65, big), fits = only_kernel(u65, small);
  EXPECT_EQ(large.bound, Bound::Memory);
  EXPECT_GE(large.dram_bytes, 2 * 64 * 112 * 112);
  EXPECT_NE(fits.bound, Bound::Memory);
  EXPECT_LT(fits.dram_bytes, 64 * 64 + 64 * 10 + 1);          // only the weights (and their scales) stream
  EXPECT_GT(large.latency_us / fits.latency_us, 16.0 * 1.5);  // 16 x the pixels, and slower per pixel

  // With more SRAM the big layer fits and is no longer memory bound.
  AcceleratorSpec roomy = u65.spec();
  roomy.sram.size_bytes = 4 * 1024 * 1024;
  SimulatorTarget roomy_target(roomy);
  EXPECT_NE(only_kernel(roomy_target, big).bound, Bound::Memory);
}

// Cascading keeps a rolling stripe of an intermediate in SRAM when the whole tensor does not fit.
TEST(Simulator, CascadeKeepsStripesInSram) {
  ir::Graph g("cascade");
  ir::Builder b(g);
  auto x = b.input({1, 16, 112, 112});
  auto y = b.conv_bn_act(x, 96, 1, 1, OpKind::Relu6, 1, "expand");  // 1.2 MB out
  y = b.conv_bn_act(y, 96, 3, 1, OpKind::Relu6, 96, "dw");
  b.conv_bn_act(y, 16, 1, 1, OpKind::Input, 1, "project");
  ASSERT_TRUE(b.ok());
  AcceleratorSpec spec = *load_preset("ethos-u65-512");
  spec.sram.size_bytes = 1024 * 1024;
  auto kernels = partition_by_fusion(g, spec.fusion);
  const ir::NodeId expand_out = kernels[0].nodes.back();
  TensorPlacement with = place_tensors(spec, g, kernels);
  EXPECT_EQ(with.level[static_cast<size_t>(expand_out)], MemoryLevel::Sram);
  EXPECT_TRUE(with.striped[static_cast<size_t>(expand_out)]);
  EXPECT_LT(with.resident_bytes[static_cast<size_t>(expand_out)],
            storage_bytes(spec, g, expand_out));
  spec.fusion.cascade = false;
  TensorPlacement without = place_tensors(spec, g, kernels);
  EXPECT_EQ(without.level[static_cast<size_t>(expand_out)], MemoryLevel::Dram);
  EXPECT_LE(with.peak_sram_bytes, spec.sram.size_bytes);
  // per kernel, the SRAM its live tensors hold: one entry per kernel, the largest is the peak
  ASSERT_EQ(with.kernel_sram_bytes.size(), kernels.size());
  EXPECT_EQ(*std::max_element(with.kernel_sram_bytes.begin(), with.kernel_sram_bytes.end()), with.peak_sram_bytes);
}

// The edge-TPU-like preset keeps a network's weights on chip when they fit its weight cache.
TEST(Simulator, WeightsStayOnChipWhenTheyFit) {
  AcceleratorSpec spec = *load_preset("edge-tpu-like");
  auto small = zoo::build_model("mobilenet_v2");
  auto large = zoo::build_model("resnet50");
  ASSERT_TRUE(small.ok() && large.ok());
  EXPECT_TRUE(place_tensors(spec, *small, partition_by_fusion(*small, spec.fusion)).weights_on_chip);
  EXPECT_FALSE(place_tensors(spec, *large, partition_by_fusion(*large, spec.fusion)).weights_on_chip);
}

// No kernel of any zoo model on any preset (int8, and int16 where the array allows) beats the
// compute roofline (MACs over peak MACs per cycle) or the bandwidth roofline of either memory level.
TEST(Simulator, RooflinesHoldForEveryKernelOfTheZoo) {
  std::vector<AcceleratorSpec> specs;
  for (const std::string& name : preset_names()) {
    specs.push_back(*load_preset(name));
    AcceleratorSpec wide = specs.back();
    wide.precision = ir::Precision::Int16;
    wide.name += "@int16";
    specs.push_back(wide);
  }
  for (const std::string& model : zoo::model_names()) {
    auto g = zoo::build_model(model);
    ASSERT_TRUE(g.ok()) << g.error().message;
    const int64_t network_macs = analysis::analyze_cost(*g).macs;
    for (const AcceleratorSpec& spec : specs) {
      SimulatorTarget target(spec);
      auto run = target.measure_network(*g);
      ASSERT_TRUE(run.ok()) << run.error().message;
      const double peak_macs_per_us = static_cast<double>(spec.macs_per_cycle()) * spec.clock_mhz;
      double total = 0;
      int64_t macs = 0;
      for (const KernelMeasurement& k : run->kernels) {
        const std::string where = model + " on " + spec.name + ": " + k.label;
        const double cycles = k.latency_us * spec.clock_mhz;
        EXPECT_GE(k.latency_us * (1 + 1e-9), static_cast<double>(k.macs) / peak_macs_per_us) << where;
        EXPECT_GE(cycles * (1 + 1e-9), static_cast<double>(k.sram_bytes) / spec.sram.bytes_per_cycle)
            << where;
        EXPECT_GE(cycles * (1 + 1e-9), static_cast<double>(k.dram_bytes) / spec.dram.bytes_per_cycle)
            << where;
        EXPECT_GE(k.mac_utilisation, 0.0) << where;
        EXPECT_LE(k.mac_utilisation, 1.0) << where;
        EXPECT_GE(k.energy_uj, 0.0) << where;
        EXPECT_TRUE(std::isfinite(k.latency_us)) << where;
        if (k.macs > 0) {
          EXPECT_GT(k.latency_us, 0.0) << where;
        }
        total += k.latency_us;
        macs += k.macs;
      }
      EXPECT_NEAR(run->latency_us, total, 1e-6 * total);
      EXPECT_EQ(macs, network_macs) << model << " on " << spec.name;
      EXPECT_GE(run->latency_us, static_cast<double>(network_macs) / peak_macs_per_us);
    }
  }
}

TEST(Simulator, MeasureKernelMatchesTheNetworkEntry) {
  SimulatorTarget target = preset_target("ethos-u65-512");
  auto g = zoo::build_model("mobilenet_v2");
  ASSERT_TRUE(g.ok());
  auto network = target.measure_network(*g);
  ASSERT_TRUE(network.ok());
  const auto kernels = target.partition(*g);
  ASSERT_EQ(kernels.size(), network->kernels.size());
  for (size_t i = 0; i < kernels.size(); i += 7) {
    auto k = target.measure_kernel(*g, kernels[i]);
    ASSERT_TRUE(k.ok()) << k.error().message;
    EXPECT_EQ(k->cycles, network->kernels[i].cycles) << k->label;
    EXPECT_EQ(k->label, network->kernels[i].label);
    EXPECT_EQ(k->dram_bytes, network->kernels[i].dram_bytes);
  }
  auto again = target.measure_network(*g);
  EXPECT_EQ(again->latency_us, network->latency_us);  // deterministic
}

TEST(Simulator, MeasureKernelRejectsBadKernels) {
  SimulatorTarget target = preset_target("ethos-u55-256");
  ir::Graph g = conv_layer(8, 8, 8, 3);
  auto empty = target.measure_kernel(g, Kernel{});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no nodes"), std::string::npos);
  auto unknown = target.measure_kernel(g, Kernel{{1, 42}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("42"), std::string::npos);
  auto input = target.measure_kernel(g, Kernel{{0, 1}});
  ASSERT_FALSE(input.ok());
  EXPECT_NE(input.error().message.find("graph input"), std::string::npos);
  EXPECT_FALSE(target.measure_network(ir::Graph("empty")).ok());
}

// A fully connected layer is a 1x1 convolution over one pixel: each kernel step waits for its
// weights (Vela's 32-cycle floor), so Ethos-U runs it far below peak.
TEST(Simulator, LinearLayersWaitForWeights) {
  SimulatorTarget u55 = preset_target("ethos-u55-256");
  ir::Graph g("fc");
  ir::Builder b(g);
  b.linear(b.input({1, 1280}), 1000);
  ASSERT_TRUE(b.ok());
  KernelMeasurement fc = only_kernel(u55, g);
  EXPECT_LT(fc.mac_utilisation, 1.0 / 32.0);
  EXPECT_EQ(fc.bound, Bound::Memory);  // 1.28 MB of weights from 0.5 GB/s flash
  EXPECT_NEAR(fc.latency_us, 1280.0 * 1000.0 / 0.5e3, 0.05 * 1280.0 * 1000.0 / 0.5e3);
}

TEST(Simulator, RejectsASpecEditedIntoImpossibility) {
  AcceleratorSpec spec = *load_preset("ethos-u55-256");
  spec.dram.bytes_per_cycle = 0;
  SimulatorTarget no_bandwidth(spec);
  auto m = no_bandwidth.measure_network(conv_layer(8, 8, 8, 3));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("memory.dram"), std::string::npos) << m.error().message;
  spec = *load_preset("ethos-u55-256");
  spec.mac_array.depthwise_kernel_step = 64;
  EXPECT_NE(check_accelerator_spec(spec).error().message.find("mac_array.depthwise_kernel_step"),
            std::string::npos);
  spec.mac_array.micro_block_depth = 0;
  EXPECT_NE(check_accelerator_spec(spec).error().message.find("mac_array.micro_block.depth"),
            std::string::npos);
  for (const std::string& name : preset_names())
    EXPECT_TRUE(check_accelerator_spec(*load_preset(name)).ok()) << name;
}

TEST(Simulator, ChannelMultipleIsTheLargerQuantum) {
  EXPECT_EQ(preset_target("ethos-u55-256").channel_multiple(), 32);
  EXPECT_EQ(preset_target("edge-tpu-like").channel_multiple(), 64);
  EXPECT_EQ(preset_target("htp-like").channel_multiple(), 32);
}

}  // namespace
}  // namespace hwnas::hw
