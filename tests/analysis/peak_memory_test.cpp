// Peak activation memory under an execution order: hand-computed lifetimes, and orders that must be rejected.
#include "hwnas/analysis/peak_memory.h"

#include <gtest/gtest.h>

#include "hwnas/ir/graph.h"

namespace hwnas::analysis {
namespace {

using ir::OpKind;

// Adds a node and fails the test on an error; returns its id.
ir::NodeId add(ir::Graph& g, OpKind kind, ir::Attrs attrs, std::vector<ir::NodeId> inputs, std::string name) {
  auto id = g.add(kind, std::move(attrs), std::move(inputs), std::move(name));
  EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
  return id.ok() ? *id : ir::kNoNode;
}

ir::NodeId input(ir::Graph& g, int64_t channels, int64_t size, const std::string& name = "x") {
  return add(g, OpKind::Input, ir::InputAttrs{{1, channels, size, size}}, {}, name);
}

ir::NodeId conv1x1(ir::Graph& g, ir::NodeId x, int64_t channels, const std::string& name) {
  return add(g, OpKind::Conv2d, ir::Conv2dAttrs::make(channels, 1), {x}, name);
}

std::string error_of(const Result<PeakMemory>& r) { return r.ok() ? "(no error)" : r.error().message; }

TEST(PeakMemory, ChainByHand) {
  ir::Graph g("chain");
  auto x = input(g, 8, 4);                                 // 128 elements
  auto a = conv1x1(g, x, 16, "a");                         // 256
  auto r = add(g, OpKind::Relu, ir::NoAttrs{}, {a}, "r");  // 256
  auto b = conv1x1(g, r, 4, "b");                          // 64, the output
  // Lifetimes (steps 0..3 = x, a, r, b): x [0,1], a [1,2], r [2,3], b [3,3].
  // Live: step0 128; step1 128+256 = 384; step2 256+256 = 512; step3 256+64 = 320.
  PeakMemory p = peak_memory_in_graph_order(g, ir::Precision::Int8);
  EXPECT_EQ(p.live_bytes, (std::vector<int64_t>{128, 384, 512, 320}));
  EXPECT_EQ(p.peak_bytes, 512);
  EXPECT_EQ(p.peak_step, 2);
  EXPECT_EQ(p.peak_node, r);
  EXPECT_EQ(p.peak_live, (std::vector<ir::NodeId>{a, r}));
  EXPECT_EQ(p.order, (std::vector<ir::NodeId>{x, a, r, b}));
  // fp32 stores 4 bytes per element, fp16 and int16 two.
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Fp32).peak_bytes, 4 * 512);
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Fp16).peak_bytes, 2 * 512);
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Int16).live_bytes,
            (std::vector<int64_t>{256, 768, 1024, 640}));
  EXPECT_EQ(tensor_bytes(g, a, ir::Precision::Fp32), 1024);
}

// Mixed precision: a node with a precision of its own is counted at it on an integer target;
// a float target stores every tensor at its own precision.
TEST(PeakMemory, MixedPrecisionCountsEachTensorAtItsLayersWidth) {
  ir::Graph g("chain");
  auto x = input(g, 8, 4);                                 // 128 elements
  auto a = conv1x1(g, x, 16, "a");                         // 256
  auto r = add(g, OpKind::Relu, ir::NoAttrs{}, {a}, "r");  // 256
  conv1x1(g, r, 4, "b");                                   // 64
  g.set_precision(a, ir::Precision::Int16);
  g.set_precision(r, ir::Precision::Int16);
  // Live: step0 128; step1 128 + 512; step2 512 + 512; step3 512 + 64.
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Int8).live_bytes, (std::vector<int64_t>{128, 640, 1024, 576}));
  EXPECT_EQ(tensor_bytes(g, a, ir::Precision::Int8), 512);
  EXPECT_EQ(tensor_bytes(g, a, ir::Precision::Fp32), 1024);
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Fp32).peak_bytes, 4 * 512);
}

TEST(PeakMemory, ResidualKeepsTheSkipTensorLive) {
  ir::Graph g("residual");
  auto x = input(g, 8, 4);                                        // 128
  auto c1 = conv1x1(g, x, 16, "c1");                              // 256
  auto c2 = conv1x1(g, c1, 8, "c2");                              // 128
  auto sum = add(g, OpKind::Add, ir::NoAttrs{}, {x, c2}, "sum");  // 128
  // x is read by the add at step 3, so x [0,3]; c1 [1,2]; c2 [2,3]; sum [3,3].
  // Live: 128; 128+256 = 384; 128+256+128 = 512; 128+128+128 = 384.
  PeakMemory p = peak_memory_in_graph_order(g, ir::Precision::Int8);
  EXPECT_EQ(p.live_bytes, (std::vector<int64_t>{128, 384, 512, 384}));
  EXPECT_EQ(p.peak_bytes, 512);
  EXPECT_EQ(p.peak_node, c2);
  EXPECT_EQ(p.peak_live, (std::vector<ir::NodeId>{x, c1, c2}));
  (void)sum;
}

// Two branches from x joined by a concat; H = W = 1 so a tensor's elements are its channels.
struct Branches {
  ir::Graph graph{"branches"};
  ir::NodeId x, a1, b1, a2, b2, cat;
  Branches() {
    x = input(graph, 4, 1);                                                 // 4
    a1 = conv1x1(graph, x, 64, "a1");                                       // 64
    b1 = conv1x1(graph, x, 32, "b1");                                       // 32
    a2 = conv1x1(graph, a1, 2, "a2");                                       // 2
    b2 = conv1x1(graph, b1, 2, "b2");                                       // 2
    cat = add(graph, OpKind::Concat, ir::ConcatAttrs{1}, {a2, b2}, "cat");  // 4
  }
};

TEST(PeakMemory, ConcatBranchesDependOnTheOrder) {
  Branches b;
  // Graph order x, a1, b1, a2, b2, cat interleaves the branches: both wide tensors meet.
  // x [0,2], a1 [1,3], b1 [2,4], a2 [3,5], b2 [4,5], cat [5,5].
  // Live: 4; 4+64 = 68; 4+64+32 = 100; 64+32+2 = 98; 32+2+2 = 36; 2+2+4 = 8. Peak 100 at b1.
  PeakMemory given = peak_memory_in_graph_order(b.graph, ir::Precision::Int8);
  EXPECT_EQ(given.live_bytes, (std::vector<int64_t>{4, 68, 100, 98, 36, 8}));
  EXPECT_EQ(given.peak_node, b.b1);
  EXPECT_EQ(given.peak_live, (std::vector<ir::NodeId>{b.x, b.a1, b.b1}));

  // Branch a first: x [0,3], a1 [1,2], a2 [2,5], b1 [3,4], b2 [4,5], cat [5,5].
  // Live: 4; 4+64 = 68; 4+64+2 = 70; 4+2+32 = 38; 2+32+2 = 36; 8. Peak 70 at a2.
  auto a_first = peak_memory(b.graph, {b.x, b.a1, b.a2, b.b1, b.b2, b.cat}, ir::Precision::Int8);
  ASSERT_TRUE(a_first.ok()) << error_of(a_first);
  EXPECT_EQ(a_first->live_bytes, (std::vector<int64_t>{4, 68, 70, 38, 36, 8}));
  EXPECT_EQ(a_first->peak_node, b.a2);

  // Branch b first: 4; 4+32 = 36; 4+32+2 = 38; 4+2+64 = 70; 2+64+2 = 68; 8. Also 70, at a1.
  auto b_first = peak_memory(b.graph, {b.x, b.b1, b.b2, b.a1, b.a2, b.cat}, ir::Precision::Fp32);
  ASSERT_TRUE(b_first.ok()) << error_of(b_first);
  EXPECT_EQ(b_first->peak_bytes, 4 * 70);
  EXPECT_EQ(b_first->peak_node, b.a1);
}

TEST(PeakMemory, OutputsStayLiveToTheEnd) {
  ir::Graph g("two_outputs");
  auto x = input(g, 4, 1);          // 4
  auto a = conv1x1(g, x, 8, "a");   // 8, an output
  auto b = conv1x1(g, a, 16, "b");  // 16
  auto c = conv1x1(g, b, 2, "c");   // 2, an output
  ASSERT_TRUE(g.set_outputs({a, c}).ok());
  // a [1,3] (an output) instead of [1,2]: live 4; 4+8 = 12; 8+16 = 24; 8+16+2 = 26.
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Int8).live_bytes,
            (std::vector<int64_t>{4, 12, 24, 26}));
}

TEST(PeakMemory, UnreadTensorLivesOneStepAndRepeatedInputsCountOnce) {
  ir::Graph g("dead_branch");
  auto x = input(g, 4, 1);                                           // 4
  auto dead = conv1x1(g, x, 16, "dead");                             // 16, read by nobody
  auto twice = add(g, OpKind::Add, ir::NoAttrs{}, {x, x}, "twice");  // 4, the output
  // x [0,2], dead [1,1], twice [2,2]: live 4; 4+16 = 20; 4+4 = 8 (x counted once).
  PeakMemory p = peak_memory_in_graph_order(g, ir::Precision::Int8);
  EXPECT_EQ(p.live_bytes, (std::vector<int64_t>{4, 20, 8}));
  EXPECT_EQ(p.peak_node, dead);
  (void)twice;
}

TEST(PeakMemory, InputsAreLiveFromTheStart) {
  ir::Graph g("late_input");
  auto x = input(g, 4, 1, "x");                                  // 4
  auto a = conv1x1(g, x, 8, "a");                                // 8
  auto y = input(g, 8, 1, "y");                                  // 8
  auto sum = add(g, OpKind::Add, ir::NoAttrs{}, {a, y}, "sum");  // 8
  // Order x, a, y, sum: y is live from step 0 although it is listed third.
  // x [0,1], a [1,3], y [0,3], sum [3,3]: live 4+8 = 12; 4+8+8 = 20; 8+8 = 16; 8+8+8 = 24.
  EXPECT_EQ(peak_memory_in_graph_order(g, ir::Precision::Int8).live_bytes,
            (std::vector<int64_t>{12, 20, 16, 24}));
  (void)sum;
}

TEST(PeakMemory, EmptyGraphHasNoPeak) {
  ir::Graph g("empty");
  PeakMemory p = peak_memory_in_graph_order(g, ir::Precision::Fp32);
  EXPECT_EQ(p.peak_bytes, 0);
  EXPECT_EQ(p.peak_step, -1);
  EXPECT_EQ(p.peak_node, ir::kNoNode);
  EXPECT_TRUE(p.live_bytes.empty());
}

TEST(PeakMemory, RejectsInvalidOrders) {
  Branches b;
  const auto int8 = ir::Precision::Int8;
  // a2 before its input a1.
  std::string early = error_of(peak_memory(b.graph, {b.x, b.a2, b.a1, b.b1, b.b2, b.cat}, int8));
  EXPECT_NE(early.find("node 'a2' (conv2d) runs at step 1 before its input node 'a1' (conv2d) (step 2)"),
            std::string::npos)
      << early;
  EXPECT_NE(early.find("graph 'branches'"), std::string::npos) << early;
  std::string missing = error_of(peak_memory(b.graph, {b.x, b.a1, b.a2, b.b1, b.b2}, int8));
  EXPECT_NE(missing.find("node 'cat' (concat) is missing"), std::string::npos) << missing;
  std::string repeated = error_of(peak_memory(b.graph, {b.x, b.a1, b.a1, b.a2, b.b1, b.b2, b.cat}, int8));
  EXPECT_NE(repeated.find("node 'a1' (conv2d) appears twice (steps 1 and 2)"), std::string::npos) << repeated;
  std::string unknown = error_of(peak_memory(b.graph, {b.x, b.a1, 17, b.a2, b.b1, b.b2, b.cat}, int8));
  EXPECT_NE(unknown.find("node id 17, which is not a node"), std::string::npos) << unknown;
  std::string negative = error_of(peak_memory(b.graph, {-1}, int8));
  EXPECT_NE(negative.find("node id -1"), std::string::npos) << negative;
  EXPECT_TRUE(check_execution_order(b.graph, {b.x, b.b1, b.a1, b.b2, b.a2, b.cat}).ok());
}

}  // namespace
}  // namespace hwnas::analysis
