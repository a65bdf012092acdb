// A graph holding one of every IR operator, for tests that must cover them all (ONNX export and
// import, the simulator, the estimator's features), arranged so that no ONNX import rewrite applies.
#pragma once

#include <gtest/gtest.h>

#include "hwnas/ir/builder.h"
#include "hwnas/ir/graph.h"

namespace hwnas::testing {

// One of every IR operator, arranged so that no import rewrite applies (no pad feeding only a
// conv or pool, no sigmoid feeding only x * sigmoid(x)).
inline ir::Graph every_operator_graph() {
  ir::Graph graph("every_operator");
  ir::Builder b(graph);
  auto x = b.input({1, 3, 16, 16}, "image");
  auto c = b.conv(x, ir::Conv2dAttrs::make(8, 3, 1, 1, true), "stem");
  c = b.batch_norm(c, "stem_bn");
  c = b.act(c, ir::OpKind::Relu6, "stem_relu6");
  ir::Conv2dAttrs asym = ir::Conv2dAttrs::make(8, 3, 2, 8);
  asym.pad_top = 0;
  asym.pad_left = 1;
  asym.dilation_w = 2;
  asym.pad_right = 2;
  auto d = b.conv(c, asym, "depthwise_asym");  // 1x8x8x8
  auto h = b.act(d, ir::OpKind::HardSwish, "hswish");
  auto hs = b.op(ir::OpKind::HardSigmoid, ir::HardSigmoidAttrs{0.2, 0.5}, {h}, "hsig");
  auto sw = b.act(hs, ir::OpKind::Swish, "swish");
  auto sg = b.act(sw, ir::OpKind::Sigmoid, "sigmoid");
  auto gated = b.mul(h, sg, "gate_mul");  // a gate computed from another tensor
  auto cl = b.op(ir::OpKind::Clip, ir::ClipAttrs{-1.5, 2.25}, {gated}, "clip");
  auto r = b.act(cl, ir::OpKind::Relu, "relu");
  auto up =
      b.op(ir::OpKind::Resize, ir::ResizeAttrs{ir::ResizeMode::Nearest, 14, 16, false}, {r}, "up_nearest");
  auto bl = b.op(ir::OpKind::Resize, ir::ResizeAttrs{ir::ResizeMode::Bilinear, 14, 16, true}, {r},
                 "up_bilinear_ac");
  auto bl2 =
      b.op(ir::OpKind::Resize, ir::ResizeAttrs{ir::ResizeMode::Bilinear, 14, 16, false}, {r}, "up_bilinear");
  auto sum = b.add(up, bl, "sum");
  auto cat = b.concat({sum, bl2}, 1, "cat");                                          // 1x16x14x16
  auto padded = b.op(ir::OpKind::Pad, ir::PadAttrs{1, 0, 1, 2, 0.25}, {cat}, "pad");  // 1x16x16x18
  ir::PoolAttrs mp;
  mp.kernel_h = mp.kernel_w = 3;
  mp.stride_h = mp.stride_w = 2;
  mp.pad_top = mp.pad_left = 1;
  mp.ceil_mode = true;
  auto pooled = b.op(ir::OpKind::MaxPool, mp, {padded}, "maxpool");
  auto again = b.add(pooled, pooled, "double");  // a second reader of nothing folded
  ir::PoolAttrs ap;
  ap.kernel_h = ap.kernel_w = 2;
  ap.stride_h = ap.stride_w = 1;
  ap.pad_bottom = ap.pad_right = 1;
  ap.count_include_pad = true;
  auto avg = b.op(ir::OpKind::AvgPool, ap, {again}, "avgpool");
  auto gap = b.global_avg_pool(avg, "gap");
  auto flat = b.flatten(gap, "flatten");
  auto fc = b.linear(flat, 12, true, "fc");
  auto fc2 = b.linear(fc, 6, false, "fc_nobias");
  auto shaped = b.op(ir::OpKind::Reshape, ir::ReshapeAttrs{{0, 2, -1}}, {fc2}, "reshape");
  auto soft = b.op(ir::OpKind::Softmax, ir::SoftmaxAttrs{-1}, {shaped}, "softmax");
  // The operators PyTorch's vision models add: a side branch from the depthwise output (1x8x8x8).
  auto leaky = b.op(ir::OpKind::LeakyRelu, ir::LeakyReluAttrs{0.1}, {d}, "leaky");
  auto shuffled = b.op(ir::OpKind::ChannelShuffle, ir::ChannelShuffleAttrs{2}, {leaky}, "shuffle");
  auto half = b.op(ir::OpKind::Slice, ir::SliceAttrs{1, 2, 6}, {shuffled}, "half");  // 1x4x8x8
  ir::ConvTranspose2dAttrs up2;
  up2.out_channels = 6;
  up2.kernel_h = up2.kernel_w = 3;
  up2.pad_top = up2.pad_left = up2.pad_bottom = up2.pad_right = 1;
  up2.output_padding_h = up2.output_padding_w = 1;
  up2.bias = true;
  auto deconv = b.op(ir::OpKind::ConvTranspose2d, up2, {half}, "deconv");  // 1x6x16x16
  auto peak = b.op(ir::OpKind::GlobalMaxPool, ir::NoAttrs{}, {deconv}, "peak");
  auto centred = b.op(ir::OpKind::Sub, ir::NoAttrs{}, {deconv, peak}, "centred");
  auto ratio = b.op(ir::OpKind::Div, ir::NoAttrs{}, {centred, b.act(peak, ir::OpKind::Sigmoid, "peak_gate")}, "ratio");
  auto nhwc = b.op(ir::OpKind::Transpose, ir::TransposeAttrs{{0, 2, 3, 1}}, {ratio}, "nhwc");
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  EXPECT_TRUE(graph.set_outputs({soft, cat, nhwc}).ok());
  return graph;
}

}  // namespace hwnas::testing
