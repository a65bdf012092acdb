// The seed's fused-IBN effect on the presets: fused wins in early narrow high-resolution stages, loses in
// late wide ones.
#include <gtest/gtest.h>

#include "hwnas/analysis/cost.h"
#include "hwnas/blocks/build_block.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"

namespace hwnas::hw {
namespace {

struct BlockRun {
  double latency_us = 0;
  int64_t macs = 0;
};

// One MobileNetV2 block (expansion 6, 3x3, ReLU6) alone on an input of in x size x size.
BlockRun run_block(SimulatorTarget& target, blocks::BlockType type, int64_t in, int64_t out, int64_t size,
                   int64_t stride) {
  ir::Graph g("block");
  ir::Builder b(g);
  auto x = b.input({1, in, size, size});
  blocks::BlockSpec spec;
  spec.type = type;
  spec.out_channels = out;
  spec.stride = stride;
  spec.expansion = 6;
  auto y = blocks::build_block(b, x, spec);
  EXPECT_TRUE(y.ok()) << (y.ok() ? "" : y.error().message);
  auto m = target.measure_network(g);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return {m.ok() ? m->latency_us : 0.0, analysis::analyze_cost(g).macs};
}

struct Stage {
  const char* what;
  int64_t in, out, size, stride;
};

// MobileNetV2's blocks: stage 2 (16 -> 24 at 112x112, stride 2) and stage 3 (24 -> 24 at
// 56x56) are early and narrow; stage 6 (160 -> 160 at 7x7) and stage 5 (96 -> 96 at 14x14)
// late and wide.
constexpr Stage kEarlyStride2{"16->24 s2 @112", 16, 24, 112, 2};
constexpr Stage kEarly{"24->24 s1 @56", 24, 24, 56, 1};
constexpr Stage kLate{"160->160 s1 @7", 160, 160, 7, 1};
constexpr Stage kLateWide{"96->96 s1 @14", 96, 96, 14, 1};

double fused_over_ibn(SimulatorTarget& target, const Stage& s, int64_t* extra_macs = nullptr) {
  BlockRun ibn = run_block(target, blocks::BlockType::Ibn, s.in, s.out, s.size, s.stride);
  BlockRun fused = run_block(target, blocks::BlockType::FusedIbn, s.in, s.out, s.size, s.stride);
  if (extra_macs) *extra_macs = fused.macs - ibn.macs;
  return fused.latency_us / ibn.latency_us;
}

// On the systolic-like presets a depthwise layer uses 1/32 to 1/64 of the array, so the full
// convolution of a fused IBN is faster early although it has more MACs (MobileDets,
// MobileNetEdgeTPU), and much slower late where it multiplies the MACs of wide tensors.
TEST(FusedIbn, FasterEarlySlowerLateOnSystolicLikeArrays) {
  for (const char* name : {"edge-tpu-like", "htp-like"}) {
    SimulatorTarget target(*load_preset(name));
    for (const Stage& early : {kEarlyStride2, kEarly}) {
      int64_t extra_macs = 0;
      const double ratio = fused_over_ibn(target, early, &extra_macs);
      EXPECT_LT(ratio, 0.95) << name << " " << early.what;
      EXPECT_GT(extra_macs, 0) << name << ": the faster fused block has more MACs";
    }
    for (const Stage& late : {kLate, kLateWide})
      EXPECT_GT(fused_over_ibn(target, late), 1.3) << name << " " << late.what;
  }
}

// On Ethos-U the depthwise layer costs 3 steps of 4 cycles against 9 for a full 3x3 conv, so a
// fused IBN wins only where the IBN also moves its 6x expanded tensor at high resolution (the
// stride-2 block at 112x112); late it loses by a wide margin.
TEST(FusedIbn, OnEthosUFusionPaysOnlyInTheEarlyStrideTwoBlock) {
  for (const char* name : {"ethos-u55-256", "ethos-u65-512"}) {
    SimulatorTarget target(*load_preset(name));
    EXPECT_LT(fused_over_ibn(target, kEarlyStride2), 0.8) << name;
    EXPECT_GT(fused_over_ibn(target, kEarly), 1.2) << name;
    EXPECT_GT(fused_over_ibn(target, kLate), 3.0) << name;
  }
}

}  // namespace
}  // namespace hwnas::hw
