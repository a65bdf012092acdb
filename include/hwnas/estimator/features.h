// Kernel features: the numbers a per-kernel regressor sees, a documented and versioned list.
//
//   estimator::TargetInfo info = estimator::describe_target(npu);
//   auto kernels = estimator::describe_kernels(graph, info);
//   estimator::kernel_type(graph, kernels[0].kernel);  // "conv2d+batch_norm+relu6"
//   kernels[0].features[estimator::Feature::kOutC];    // 32
//
// Every kernel type (kernel_type) has the same list (docs/estimator.md describes each entry);
// an entry a type does not use is 0. The list has a version, kFeatureVersion, stored in every
// model file: a change of meaning, order or count makes a new version. A version extends the one
// before it (version 2 appends kPrecisionBytes), so a model of version 1 still reads its prefix.
//
// The kernel's "head" is its first conv2d, linear or pooling node, else its first node that
// is not a view (flatten, reshape, concat). Its "main input" is the tensor the head (or the pad
// in front of it) reads; its "other inputs" are any further tensors read from outside the
// kernel (a residual operand, a squeeze-excite gate). Memory-context entries say where the
// target's memory plan (memory_context.h) puts the kernel's tensors; they are NaN (XGBoost's
// missing value) for a target without a known memory plan.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/estimator/target_info.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator {

inline constexpr int kFeatureVersion = 2;

// The features of version 2, in order: those of version 1 (kBatch to kOffChipShare), then kPrecisionBytes.
// Byte counts are at each tensor's precision: its node's own on an integer target (mixed
// precision, ir::layer_precision), else the target's.
enum Feature : int {
  kBatch,              // batch size of the output
  kInH, kInW, kInC,    // main input; a rank-2 tensor is 1 x 1 x features
  kOutH, kOutW, kOutC, // head's output
  kKernelH, kKernelW,  // head's window (conv kernel, pooling window; global pool: the input's H, W)
  kStrideH, kStrideW,
  kDilation,           // larger of the two dilations
  kGroups,
  kDepthwise,          // 1 when the head is a depthwise conv (groups == in channels)
  kMacs,               // multiply-accumulates of the kernel (conv2d and linear)
  kOutputElements,     // elements of the head's output
  kParams,             // trainable parameters of the kernel's nodes
  kInputBytes,         // main input, at its precision
  kOutputBytes,        // the kernel's output (its last node)
  kOtherInputBytes,    // all other inputs together
  kInBlocks,           // ceil(in C / P), P the target's channel multiple
  kInRemainder,        // in C mod P
  kInPadded,           // in C rounded up to a multiple of P
  kOutBlocks, kOutRemainder, kOutPadded,
  kGroupIn, kGroupOut, // in and out channels per group (groups == 1: in C and out C)
  kPaddedMacs,         // MACs with the channels of each group rounded up to P (depthwise: out only)
  kInputOffChip,       // 1 when the main input lives off-chip, 0 on-chip, NaN unknown
  kOutputOffChip,      // the kernel's output
  kOtherOffChip,       // 1 when any other input lives off-chip
  kWeightsOffChip,     // 1 when weights stream from off-chip memory
  kOutputStriped,      // 1 when the output is kept on-chip as a rolling stripe (cascade)
  kOffChipBytes,       // bytes the kernel moves off-chip: off-chip tensors, and weights (params x
                       // activation bytes) when they stream; NaN unknown
  kNodes,              // number of nodes in the kernel
  kOutPixels,          // batch x out H x out W
  kTaps,               // kernel H x kernel W
  kIntensity,          // padded_macs / bytes moved (input, output, other inputs, weights): compute or memory bound
  kOffChipShare,       // off_chip_bytes / bytes moved; NaN unknown
  kPrecisionBytes,     // version 2: bytes per element of the precision the kernel computes in (its
                       // head's: 1 int8, 2 int16 or fp16, 4 fp32), which sets the MAC array's rate
  kFeatureCount
};

// How many features each version has: a version's features are the first ones of the next.
inline constexpr int kVersion1FeatureCount = kPrecisionBytes;
int feature_count(int version);

using FeatureVector = std::array<float, kFeatureCount>;

// The names of version `version`'s features in order (snake_case, as in the CSV header and
// model files); empty for an unknown version.
const std::vector<std::string>& feature_names(int version = kFeatureVersion);

// A kernel of a network with its type and features.
struct KernelDescription {
  hw::Kernel kernel;
  uint64_t signature = 0;      // kernel_signature: the label as a number
  FeatureVector features{};
};

// A kernel's type, the key of its regressor: its label (hw::kernel_label, the op names joined
// by '+') with a grouped head convolution named for its variant, "depthwise_conv2d" (groups ==
// input channels) or "grouped_conv2d" (other groups > 1), as nn-Meter keeps dwconv kernels
// apart from conv kernels: "depthwise_conv2d+batch_norm+relu6".
std::string kernel_type(const ir::Graph& graph, const hw::Kernel& kernel);

// The kernel's type as one number: equal for equal types (the types of up to 10 nodes map one
// to one; longer kernels are hashed).
uint64_t kernel_signature(const ir::Graph& graph, const hw::Kernel& kernel);

// The features of one kernel. `memory` holds the kernel's memory context (memory_context.h) or
// is null when the target has no known memory plan.
struct KernelMemory;
FeatureVector kernel_features(const ir::Graph& graph, const hw::Kernel& kernel, const TargetInfo& info,
                              const KernelMemory* memory);

// Splits `graph` by info.fusion and describes every kernel, in execution order. This is the
// estimator's own fast pass (reused buffers); it gives what the next overload gives for
// hw::partition_by_fusion's kernels, which tests check.
std::vector<KernelDescription> describe_kernels(const ir::Graph& graph, const TargetInfo& info);

// The same for kernels already found, with the memory context of memory_context.h (which runs
// hw::place_tensors).
std::vector<KernelDescription> describe_kernels(const ir::Graph& graph, const TargetInfo& info,
                                                const std::vector<hw::Kernel>& kernels);

}  // namespace hwnas::estimator
