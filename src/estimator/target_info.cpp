// What an estimator knows of its target: name, fusion rules, channel multiple, memory plan, spec hash.
#include "hwnas/estimator/target_info.h"

#include <sstream>
#include <vector>

#include "hwnas/hw/simulator.h"
#include "hwnas/ir/stable_hash.h"

namespace hwnas::estimator {
namespace {

struct RuleField {
  const char* name;
  bool hw::FusionRules::*field;
};

constexpr RuleField kRuleFields[] = {
    {"batch_norm", &hw::FusionRules::batch_norm},
    {"activation", &hw::FusionRules::activation},
    {"residual_add", &hw::FusionRules::residual_add},
    {"elementwise_chains", &hw::FusionRules::elementwise_chains},
    {"cascade", &hw::FusionRules::cascade},
};

}  // namespace

std::string spec_fingerprint(const hw::AcceleratorSpec& s) {
  std::ostringstream text;
  text.precision(17);
  const hw::MacArraySpec& m = s.mac_array;
  const hw::VectorUnitSpec& v = s.vector_unit;
  text << "clock=" << s.clock_mhz << ";precision=" << ir::precision_name(s.precision) << ";mac=" << m.micro_block_height
       << ',' << m.micro_block_width << ',' << m.micro_block_depth << ',' << m.dot_product_width << ','
       << m.ifm_block_depth << ',' << m.cores << ',' << m.max_block_height << ',' << m.max_block_width << ','
       << m.max_block_depth << ',' << m.shared_buffer_bytes << ',' << m.accumulator_bytes << ','
       << m.depthwise_kernel_step << ',' << m.weight_bytes_per_cycle << ',' << m.small_block_delay_cycles << ','
       << m.part_kernel_first << ";vector=" << v.default_cycles << ',' << v.relu_cycles << ',' << v.lut_cycles << ','
       << v.add_cycles << ',' << v.mul_cycles << ',' << v.batch_norm_cycles << ',' << v.resize_cycles << ','
       << v.softmax_cycles << ";padding=" << s.channel_padding;
  for (const hw::MemoryLevelSpec* level : {&s.sram, &s.dram})
    text << ";memory=" << level->size_bytes << ',' << level->bytes_per_cycle << ',' << level->read_latency_cycles << ','
         << level->write_latency_cycles << ',' << level->burst_bytes;
  text << ";weight_cache=" << s.weight_cache_bytes << ";overhead=" << s.command_overhead_cycles
       << ";fusion=" << fusion_rules_text(s.fusion) << ";energy=" << s.energy.mac_pj << ',' << s.energy.vector_element_pj
       << ',' << s.energy.sram_byte_pj << ',' << s.energy.dram_byte_pj;
  return stable_hash_hex(text.str());
}

MemoryPlan memory_plan_of(const hw::AcceleratorSpec& spec) {
  MemoryPlan plan;
  plan.known = true;
  plan.sram_bytes = spec.sram.size_bytes;
  plan.weight_cache_bytes = spec.weight_cache_bytes;
  plan.channel_padding = spec.channel_padding;
  plan.precision = spec.precision;
  plan.cascade = spec.fusion.cascade;
  plan.micro_block_height = spec.mac_array.micro_block_height;
  return plan;
}

TargetInfo describe_target(const hw::Target& target) {
  TargetInfo info;
  info.name = target.name();
  info.kind = target.kind();
  info.channel_multiple = std::max<int64_t>(1, target.channel_multiple());
  if (const auto* simulator = dynamic_cast<const hw::SimulatorTarget*>(&target)) {
    const hw::AcceleratorSpec& spec = simulator->spec();
    info.spec_fingerprint = spec_fingerprint(spec);
    info.activation_precision = spec.precision;
    info.fusion = spec.fusion;
    info.memory = memory_plan_of(spec);
  }
  return info;
}

std::string fusion_rules_text(const hw::FusionRules& rules) {
  std::string text;
  for (const RuleField& rule : kRuleFields)
    if (rules.*rule.field) {
      if (!text.empty()) text += ',';
      text += rule.name;
    }
  return text.empty() ? "none" : text;
}

Result<hw::FusionRules> parse_fusion_rules(const std::string& text) {
  hw::FusionRules rules;
  for (const RuleField& rule : kRuleFields) rules.*rule.field = false;
  if (text == "none") return rules;
  std::string known;
  for (const RuleField& rule : kRuleFields) known += (known.empty() ? "" : ", ") + std::string(rule.name);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string name = text.substr(start, end - start);
    bool found = false;
    for (const RuleField& rule : kRuleFields)
      if (name == rule.name) {
        rules.*rule.field = true;
        found = true;
      }
    if (!found) return Error{"fusion rules '" + text + "': unknown rule '" + name + "' (known: " + known + ", or none)"};
    start = end + 1;
  }
  return rules;
}

}  // namespace hwnas::estimator
