// SearchSpace's architecture handling: range checks, canonical keys and hashes, minimal architectures.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "hwnas/space/space.h"
#include "space_detail.h"

namespace hwnas::space {

namespace detail {

std::string space_version(const SearchSpace& space) {
  std::ostringstream text;
  text << "name=" << space.name() << "\n";
  for (const Decision& d : space.decisions()) {
    text << d.name << (d.numeric ? ":n:" : ":c:");
    for (const Choice& c : d.choices) text << c.label << ",";
    text << "\n";
  }
  if (const auto& m = space.macro()) {
    text << "macro in=" << m->input_channels << " stem_stride=" << m->stem_stride
         << " act=" << blocks::activation_name(m->activation) << " head=" << head_kind_name(m->head)
         << " classes=" << m->num_classes << " conv=" << m->head_conv_channels << " hc=" << m->head_channels << " extra=";
    for (int64_t e : m->extra_channels) text << e << ",";
    for (const StageSpec& s : m->stages) text << "\n" << s.name << " stride=" << s.stride << " groups=" << s.groups << " se=" << s.squeeze_excite;
    // Written only when set, so the versions of spaces without them stay what they were.
    if (!m->anchors.empty()) {
      text << "\nanchors=";
      for (int64_t a : m->anchors) text << a << ",";
    }
    if (m->tap_expansion) text << "\ntap=expansion";
    for (const StageSpec& s : m->stages) {
      if (s.activation) text << "\n" << s.name << " act=" << blocks::activation_name(*s.activation);
      if (s.squeeze_excite && s.squeeze_excite_kind != "mobilenet_v3") text << "\n" << s.name << " se=" << s.squeeze_excite_kind;
    }
    if (m->head_hidden > 0) text << "\nhidden=" << m->head_hidden;
    for (const FixedRegion& f : m->fixed) text << "\nfixed " << f.name << "=" << stable_hash_hex(f.text);
    if (m->stem_fixed >= 0) text << "\nstem fixed=" << m->stem_fixed;
    for (const StageSpec& s : m->stages)
      if (s.fixed >= 0) text << "\n" << s.name << " fixed=" << s.fixed;
    if (!m->low_stage.empty()) text << "\nlow=" << m->low_stage;
    if (m->head_fixed >= 0) {
      text << "\nhead fixed=" << m->head_fixed << " inputs=";
      for (const std::string& i : m->head_inputs) text << i << ",";
    }
  }
  return stable_hash_hex(text.str());
}

}  // namespace detail

int64_t stage_depth(double depth, double depth_multiplier) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(depth * depth_multiplier - 1e-9)));
}

std::string_view head_kind_name(HeadKind kind) {
  switch (kind) {
    case HeadKind::Classification: return "classification";
    case HeadKind::Segmentation: return "segmentation";
    case HeadKind::Detection: return "detection";
  }
  return "classification";
}

double SearchSpace::log10_size() const {
  double total = 0;
  for (const Decision& d : decisions_) total += std::log10(static_cast<double>(d.choices.size()));
  return total;
}

Status SearchSpace::check(const Architecture& arch) const {
  if (arch.size() != decisions_.size())
    return Error{"space '" + name_ + "': an architecture has " + std::to_string(decisions_.size()) + " choices, got " +
                 std::to_string(arch.size())};
  for (size_t i = 0; i < arch.size(); ++i)
    if (arch[i] < 0 || arch[i] >= static_cast<int>(decisions_[i].choices.size()))
      return Error{"space '" + name_ + "': " + decisions_[i].name + ": choice index " + std::to_string(arch[i]) +
                   " out of range [0, " + std::to_string(decisions_[i].choices.size()) + ")"};
  return {};
}

Architecture SearchSpace::canonicalize(const Architecture& arch) const {
  Architecture canonical = arch;
  if (!macro_ || !check(arch)) return canonical;
  const double multiplier = macro_->depth_multiplier >= 0 ? decisions_[macro_->depth_multiplier].choices[arch[macro_->depth_multiplier]].value : 1.0;
  for (const StageSpec& stage : macro_->stages) {
    if (stage.fixed >= 0) continue;
    const std::string& type = decisions_[stage.block_type].choices[arch[stage.block_type]].label;
    if (type == "conv") canonical[stage.expansion] = 0;  // a standard conv has no expansion
    // depths the multiplier rounds to the same block count: the first such choice
    const auto& depths = decisions_[stage.depth].choices;
    const int64_t blocks = stage_depth(depths[arch[stage.depth]].value, multiplier);
    for (size_t c = 0; c < depths.size(); ++c)
      if (stage_depth(depths[c].value, multiplier) == blocks) {
        canonical[stage.depth] = static_cast<int>(c);
        break;
      }
  }
  return canonical;
}

std::string SearchSpace::canonical_key(const Architecture& arch) const {
  const Architecture canonical = canonicalize(arch);
  std::string key;
  for (size_t i = 0; i < decisions_.size(); ++i) {
    if (!key.empty()) key += ';';
    key += decisions_[i].name + "=";
    const int index = i < canonical.size() ? canonical[i] : -1;
    key += index >= 0 && index < static_cast<int>(decisions_[i].choices.size()) ? decisions_[i].choices[index].label
                                                                                : "#" + std::to_string(index);
  }
  return key;
}

std::string SearchSpace::canonical_hash(const Architecture& arch) const {
  return stable_hash_hex(canonical_key(arch));
}

Result<Architecture> SearchSpace::parse_key(std::string_view key) const {
  Architecture arch(decisions_.size(), -1);
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find(';', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view item = key.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Error{"architecture key: '" + std::string(item) + "' is not name=value"};
    const std::string name(item.substr(0, eq)), label(item.substr(eq + 1));
    bool found = false;
    for (size_t i = 0; i < decisions_.size() && !found; ++i) {
      if (decisions_[i].name != name) continue;
      found = true;
      for (size_t c = 0; c < decisions_[i].choices.size(); ++c)
        if (decisions_[i].choices[c].label == label) arch[i] = static_cast<int>(c);
      if (arch[i] < 0) return Error{"architecture key: " + name + ": '" + label + "' is not a choice of this space"};
    }
    if (!found) return Error{"architecture key: unknown decision '" + name + "' in space '" + name_ + "'"};
  }
  for (size_t i = 0; i < arch.size(); ++i)
    if (arch[i] < 0) return Error{"architecture key: decision '" + decisions_[i].name + "' is missing"};
  return arch;
}

Architecture SearchSpace::minimal_architecture() const {
  Architecture arch(decisions_.size(), 0);
  for (size_t i = 0; i < decisions_.size(); ++i) {
    if (!decisions_[i].numeric) continue;
    for (size_t c = 1; c < decisions_[i].choices.size(); ++c)
      if (decisions_[i].choices[c].value < decisions_[i].choices[arch[i]].value) arch[i] = static_cast<int>(c);
  }
  return arch;
}

std::vector<Architecture> SearchSpace::minimal_architectures() const {
  const Architecture base = minimal_architecture();
  if (!macro_) return {base};
  // block types every stage offers (fixed stages have none)
  std::vector<const StageSpec*> searched;
  for (const StageSpec& s : macro_->stages)
    if (s.fixed < 0) searched.push_back(&s);
  if (searched.empty()) return {base};
  std::vector<std::string> common;
  for (const Choice& c : decisions_[searched.front()->block_type].choices) {
    bool everywhere = true;
    for (const StageSpec* sp : searched) {
      bool has = false;
      for (const Choice& o : decisions_[sp->block_type].choices) has = has || o.label == c.label;
      everywhere = everywhere && has;
    }
    if (everywhere) common.push_back(c.label);
  }
  std::vector<Architecture> result{base};
  for (const std::string& type : common) {
    Architecture arch = base;
    for (const StageSpec* sp : searched)
      for (size_t c = 0; c < decisions_[sp->block_type].choices.size(); ++c)
        if (decisions_[sp->block_type].choices[c].label == type) arch[sp->block_type] = static_cast<int>(c);
    if (arch != base) result.push_back(arch);
  }
  return result;
}

std::string SearchSpace::architecture_yaml(const Architecture& arch) const {
  std::string text = "space: " + name_ + "\nspace_version: " + version_ + "\nkey: \"" + canonical_key(arch) + "\"\nchoices:\n";
  for (size_t i = 0; i < decisions_.size() && i < arch.size(); ++i) {
    const int index = arch[i];
    const bool in_range = index >= 0 && index < static_cast<int>(decisions_[i].choices.size());
    text += "  " + decisions_[i].name + ": " + (in_range ? decisions_[i].choices[index].label : "null") + "\n";
  }
  return text;
}

}  // namespace hwnas::space
