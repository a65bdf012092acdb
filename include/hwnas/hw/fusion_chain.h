// The growing fused chain of partition_by_fusion: what a kernel has absorbed so far and whether
// the next operator may join it. Shared by hw::partition_by_fusion and the estimator's own scan
// (which must partition exactly as the target does), inline because the estimator runs it per
// node in its inner loop.
//
//   hw::FusionChain chain(start.kind);
//   if (chain.absorb(next.kind, rules)) { /* next joins the kernel */ }
#pragma once

#include "hwnas/hw/fusion.h"
#include "hwnas/ir/ops.h"

namespace hwnas::hw {

class FusionChain {
 public:
  // A chain holding only an operator of kind `first`.
  explicit FusionChain(ir::OpKind first) : head_(head_of(first)), has_activation_(ir::is_activation(first)) {}

  // Absorbs `kind` when `rules` allow it after what the chain holds; returns false (and leaves the
  // chain unchanged) otherwise.
  bool absorb(ir::OpKind kind, const FusionRules& rules) {
    using ir::OpKind;
    if (head_ == Head::View) return is_view(kind);
    if (is_view(kind)) {
      has_view_ = true;
      return true;
    }
    if (has_view_) return false;  // after a view only more views join
    switch (head_) {
      case Head::Pad:
        if (kind == OpKind::Conv2d || kind == OpKind::MaxPool || kind == OpKind::AvgPool) {
          head_ = kind == OpKind::Conv2d ? Head::Mac : Head::Pool;
          return true;
        }
        return false;
      case Head::Mac:
        if (kind == OpKind::BatchNorm && rules.batch_norm && !has_batch_norm_ && !has_activation_ && !has_add_) {
          has_batch_norm_ = true;
          return true;
        }
        if (kind == OpKind::Add && rules.residual_add && !has_add_ && !has_activation_) {
          has_add_ = true;
          return true;
        }
        return absorb_activation(kind, rules);
      case Head::Pool:
      case Head::Other:
        return absorb_activation(kind, rules);
      case Head::Elementwise:
        if (rules.elementwise_chains && is_elementwise(kind)) return true;
        return absorb_activation(kind, rules);
      case Head::View:
        return false;
    }
    return false;
  }

  static bool is_view(ir::OpKind kind) { return kind == ir::OpKind::Flatten || kind == ir::OpKind::Reshape; }
  static bool is_pool(ir::OpKind kind) {
    return kind == ir::OpKind::MaxPool || kind == ir::OpKind::AvgPool || kind == ir::OpKind::GlobalAvgPool ||
           kind == ir::OpKind::GlobalMaxPool;
  }
  static bool is_elementwise(ir::OpKind kind) {
    return ir::is_activation(kind) || ir::is_elementwise_binary(kind) || kind == ir::OpKind::BatchNorm;
  }

 private:
  // What the chain started with, which decides what it may absorb.
  enum class Head { Pad, Mac, Pool, Elementwise, Other, View };

  static Head head_of(ir::OpKind kind) {
    using ir::OpKind;
    if (kind == OpKind::Pad) return Head::Pad;
    if (ir::is_mac(kind)) return Head::Mac;
    if (is_pool(kind)) return Head::Pool;
    if (is_elementwise(kind)) return Head::Elementwise;
    if (is_view(kind) || kind == OpKind::Concat) return Head::View;
    return Head::Other;  // resize, softmax, transpose, channel_shuffle, slice
  }

  bool absorb_activation(ir::OpKind kind, const FusionRules& rules) {
    if (!ir::is_activation(kind) || !rules.activation || has_activation_) return false;
    has_activation_ = true;
    return true;
  }

  Head head_;
  bool has_batch_norm_ = false;
  bool has_activation_ = false;
  bool has_add_ = false;
  bool has_view_ = false;
};

}  // namespace hwnas::hw
