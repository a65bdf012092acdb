// TargetInfo: what an estimator must know about its hardware target to split and describe networks.
//
//   hw::SimulatorTarget npu(*hw::load_preset("ethos-u55-256"));
//   estimator::TargetInfo info = estimator::describe_target(npu);
//   info.fusion;            // the spec's fusion rules: how networks split into kernels
//   info.channel_multiple;  // 16: the channel-block features use ceil(C / 16), C mod 16
//   info.memory.known;      // true: kernels carry where their tensors live (SRAM / off-chip)
//
// A simulator's info comes whole from its spec. A black-box target (cpu, cuda, command) gives
// its name, kind and channel multiple; its fusion rules are found by measurement
// (kernel_detection.h) and it has no memory plan.
#pragma once

#include <cstdint>
#include <string>

#include "hwnas/hw/accelerator_spec.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/precision.h"

namespace hwnas::estimator {

// The parameters of the target's memory plan (hw::place_tensors): the on-chip memory a
// network's tensors and weights compete for. Known for simulated accelerators only.
struct MemoryPlan {
  bool known = false;
  int64_t sram_bytes = 0;
  int64_t weight_cache_bytes = 0;
  int64_t channel_padding = 1;
  ir::Precision precision = ir::Precision::Int8;
  bool cascade = false;
  int64_t micro_block_height = 1;  // sets the rows of a cascaded stripe

  bool operator==(const MemoryPlan&) const = default;
};

struct TargetInfo {
  std::string name;                // e.g. "ethos-u55-256", "cpu"
  std::string kind;                // "simulator", "cpu", "cuda", "command"
  std::string spec_fingerprint;    // 16 hex digits of the accelerator spec; empty for black boxes
  int64_t channel_multiple = 1;    // the target's parallelism factor along channels (1: none)
  ir::Precision activation_precision = ir::Precision::Fp32;
  hw::FusionRules fusion;          // how networks split into kernels
  MemoryPlan memory;
};

// Everything a simulator's spec says; for other targets the name, kind, channel multiple and
// precision (fp32 for cpu and cuda) with default fusion rules, to be replaced by detected ones.
TargetInfo describe_target(const hw::Target& target);

// A 64-bit FNV-1a hash of every field of `spec` that changes a measurement (the name,
// description and source file do not), as 16 hex digits.
std::string spec_fingerprint(const hw::AcceleratorSpec& spec);

// The memory plan of a spec.
MemoryPlan memory_plan_of(const hw::AcceleratorSpec& spec);

// "batch_norm,activation,cascade": the rules that are on, in declaration order ("none" for none).
std::string fusion_rules_text(const hw::FusionRules& rules);
// Inverse of fusion_rules_text; an unknown rule name is an Error naming it.
Result<hw::FusionRules> parse_fusion_rules(const std::string& text);

}  // namespace hwnas::estimator
