// libtorch's eager partition: one kernel per op, a conv -> batch_norm pair joined only when foldable.
#include "hwnas/torch/partition.h"

#include <gtest/gtest.h>

#include "hwnas/ir/builder.h"

namespace hwnas::libtorch {
namespace {

using ir::NodeId;

std::vector<std::vector<NodeId>> node_lists(const std::vector<hw::Kernel>& kernels) {
  std::vector<std::vector<NodeId>> lists;
  for (const auto& k : kernels) lists.push_back(k.nodes);
  return lists;
}

TEST(EagerPartition, FoldsConvBatchNormAndKeepsEveryOtherOpAlone) {
  ir::Graph graph("g");
  ir::Builder b(graph);
  NodeId x = b.input({1, 8, 8, 8});                                       // 0
  NodeId y = b.conv_bn_act(x, 8, 3, 1, ir::OpKind::Relu, 1, "c");         // 1 conv, 2 bn, 3 relu
  y = b.add(y, x);                                                        // 4
  NodeId pool = b.global_avg_pool(y);                                     // 5
  b.batch_norm(pool, "bn_after_pool");                                    // 6: not after a conv
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(node_lists(eager_partition(graph, true)),
            (std::vector<std::vector<NodeId>>{{1, 2}, {3}, {4}, {5}, {6}}));
  EXPECT_EQ(node_lists(eager_partition(graph, false)),
            (std::vector<std::vector<NodeId>>{{1}, {2}, {3}, {4}, {5}, {6}}));
  std::vector<NodeId> folds = foldable_batch_norms(graph);
  EXPECT_EQ(folds, (std::vector<NodeId>{ir::kNoNode, ir::kNoNode, 1, ir::kNoNode, ir::kNoNode, ir::kNoNode, ir::kNoNode}));
}

TEST(EagerPartition, DoesNotFoldAConvWhoseRawOutputIsSeen) {
  ir::Graph graph("g");
  ir::Builder b(graph);
  NodeId x = b.input({1, 4, 6, 6});                                   // 0
  NodeId shared = b.conv(x, ir::Conv2dAttrs::make(4, 1), "shared");   // 1: read by bn and add
  NodeId bn = b.batch_norm(shared, "bn1");                            // 2
  b.add(bn, shared, "sum");                                           // 3
  NodeId out_conv = b.conv(x, ir::Conv2dAttrs::make(4, 1), "out");    // 4: a graph output
  NodeId bn2 = b.batch_norm(out_conv, "bn2");                         // 5
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(graph.set_outputs({3, out_conv, bn2}).ok());
  for (NodeId f : foldable_batch_norms(graph)) EXPECT_EQ(f, ir::kNoNode);
  EXPECT_EQ(eager_partition(graph, true).size(), 5u);
  (void)bn;
}

TEST(EagerPartition, CoversEveryNonInputNodeOnceInOrder) {
  ir::Graph graph("g");
  ir::Builder b(graph);
  NodeId x = b.input({1, 3, 16, 16});
  NodeId y = b.conv_bn_act(x, 8, 3, 2, ir::OpKind::HardSwish, 1, "stem");
  NodeId z = b.conv_bn_act(y, 8, 3, 1, ir::OpKind::Relu6, 8, "dw");
  y = b.concat({y, z});
  y = b.linear(b.flatten(b.global_avg_pool(y)), 10);
  ASSERT_TRUE(b.ok());
  std::vector<int> seen(graph.size(), 0);
  NodeId last = -1;
  for (const hw::Kernel& k : eager_partition(graph, true))
    for (NodeId id : k.nodes) {
      ++seen[static_cast<size_t>(id)];
      EXPECT_GT(id, last);
      last = id;
    }
  for (const ir::Node& node : graph.nodes()) EXPECT_EQ(seen[static_cast<size_t>(node.id)], node.kind == ir::OpKind::Input ? 0 : 1);
}

}  // namespace
}  // namespace hwnas::libtorch
