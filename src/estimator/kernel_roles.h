// The roles of a kernel's nodes (head, main input, other inputs, output), shared by the features and the memory context.
#pragma once

#include <algorithm>
#include <vector>

#include "hwnas/estimator/features.h"
#include "hwnas/estimator/memory_context.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator::detail {

inline bool is_view_op(ir::OpKind kind) {
  return kind == ir::OpKind::Flatten || kind == ir::OpKind::Reshape || kind == ir::OpKind::Concat;
}

inline bool is_head_op(ir::OpKind kind) {
  return ir::is_mac(kind) || kind == ir::OpKind::MaxPool || kind == ir::OpKind::AvgPool ||
         kind == ir::OpKind::GlobalAvgPool || kind == ir::OpKind::GlobalMaxPool;
}

struct KernelRoles {
  ir::NodeId head = ir::kNoNode;        // first conv/linear/pool, else first non-view, else first node
  ir::NodeId main_input = ir::kNoNode;  // the tensor the head (or its pad) reads from outside
  ir::NodeId output = ir::kNoNode;      // the kernel's last node
  ir::NodeId other_inputs[4] = {ir::kNoNode, ir::kNoNode, ir::kNoNode, ir::kNoNode};
  int other_count = 0;                  // other inputs, up to 4 kept (the rest are counted)
  int other_total = 0;
};

// A kernel's nodes as a span (a hw::Kernel's vector, or a slice of the estimator's scratch).
struct NodeSpan {
  const ir::NodeId* begin_ = nullptr;
  size_t size_ = 0;
  NodeSpan(const ir::NodeId* b, size_t n) : begin_(b), size_(n) {}
  explicit NodeSpan(const hw::Kernel& kernel) : begin_(kernel.nodes.data()), size_(kernel.nodes.size()) {}
  const ir::NodeId* begin() const { return begin_; }
  const ir::NodeId* end() const { return begin_ + size_; }
  size_t size() const { return size_; }
  ir::NodeId front() const { return begin_[0]; }
  ir::NodeId back() const { return begin_[size_ - 1]; }
};

inline bool contains(NodeSpan kernel, ir::NodeId id) { return std::find(kernel.begin(), kernel.end(), id) != kernel.end(); }

inline KernelRoles kernel_roles(const ir::Graph& graph, NodeSpan kernel) {
  KernelRoles roles;
  ir::NodeId first_non_view = ir::kNoNode;
  for (ir::NodeId id : kernel) {
    const ir::OpKind kind = graph.node(id).kind;
    if (roles.head == ir::kNoNode && is_head_op(kind)) roles.head = id;
    if (first_non_view == ir::kNoNode && !is_view_op(kind) && kind != ir::OpKind::Pad) first_non_view = id;
  }
  if (roles.head == ir::kNoNode) roles.head = first_non_view != ir::kNoNode ? first_non_view : kernel.front();
  roles.output = kernel.back();
  const ir::Node& head = graph.node(roles.head);
  if (!head.inputs.empty()) {
    ir::NodeId input = head.inputs.front();
    while (contains(kernel, input) && !graph.node(input).inputs.empty()) input = graph.node(input).inputs.front();
    roles.main_input = contains(kernel, input) ? ir::kNoNode : input;
  }
  for (ir::NodeId id : kernel)
    for (ir::NodeId input : graph.node(id).inputs) {
      if (input == roles.main_input || contains(kernel, input)) continue;
      bool seen = false;
      for (int i = 0; i < roles.other_count; ++i) seen = seen || roles.other_inputs[i] == input;
      if (seen) continue;
      if (roles.main_input == ir::kNoNode) {
        roles.main_input = input;
        continue;
      }
      ++roles.other_total;
      if (roles.other_count < 4) roles.other_inputs[roles.other_count++] = input;
    }
  return roles;
}

inline KernelRoles kernel_roles(const ir::Graph& graph, const hw::Kernel& kernel) {
  return kernel_roles(graph, NodeSpan(kernel));
}

// MACs, trainable parameters and the weight elements of the first param (conv and linear) of a
// node, from its attributes (what analysis::layer_cost counts, without touching the params).
struct NodeSize {
  int64_t macs = 0;
  int64_t params = 0;
  int64_t weights = 0;
};
NodeSize node_size(const ir::Graph& graph, const ir::Node& node);

// A 96-bit key of everything a kernel's features are computed from (features.cpp's
// span_features reads nothing else): its type signature, memory context, the main input's,
// the head's and the last node's shapes, the head's attributes, the other inputs' sizes. Equal
// keys give equal features (for one TargetInfo), so a prediction can be memoised by this key
// without computing the features.
struct RawKey {
  uint64_t bucket = 0;
  uint32_t check = 0;
};
RawKey raw_kernel_key(const ir::Graph& graph, const KernelRoles& roles, uint64_t signature, const KernelMemory* memory);

// kernel_signature and kernel_features of a span of nodes (features.cpp).
uint64_t span_signature(const ir::Graph& graph, NodeSpan kernel);
FeatureVector span_features(const ir::Graph& graph, NodeSpan kernel, const TargetInfo& info, const KernelMemory* memory);
// The same with the kernel's roles already found.
FeatureVector span_features(const ir::Graph& graph, NodeSpan kernel, const KernelRoles& roles, const TargetInfo& info,
                            const KernelMemory* memory);

}  // namespace hwnas::estimator::detail
