// Lookup of the built-in accelerator presets embedded from targets/*.yaml.
#include "hwnas/hw/presets.h"

#include <algorithm>

#include "hwnas/text/strict_yaml.h"

namespace hwnas::hw {

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& preset : detail::embedded_presets()) names.emplace_back(preset.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string_view> preset_yaml(std::string_view name) {
  for (const auto& preset : detail::embedded_presets())
    if (name == preset.name) return std::string_view(preset.yaml);
  return std::nullopt;
}

Result<AcceleratorSpec> load_preset(std::string_view name) {
  auto text = preset_yaml(name);
  if (!text) {
    std::string known;
    for (const std::string& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    return Error{"unknown accelerator preset '" + std::string(name) + "'" +
                 text::did_you_mean(name, preset_names()) + " (presets: " + known + ")"};
  }
  return parse_accelerator_spec(*text,
                                "preset " + std::string(name) + " (targets/" + std::string(name) + ".yaml)");
}

}  // namespace hwnas::hw
