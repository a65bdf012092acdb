// Built-in accelerator presets: the specs of targets/*.yaml, compiled into the library.
//
//   hw::preset_names();                    // {"edge-tpu-like", "ethos-u55-256", ...}
//   auto spec = hw::load_preset("ethos-u55-256");
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/hw/accelerator_spec.h"

namespace hwnas::hw {

// Names of the built-in presets, sorted.
std::vector<std::string> preset_names();
// The YAML text of a preset, as in targets/<name>.yaml; nullopt for an unknown name.
std::optional<std::string_view> preset_yaml(std::string_view name);
// The parsed preset; an unknown name is an Error listing the presets (with a did-you-mean).
Result<AcceleratorSpec> load_preset(std::string_view name);

namespace detail {
struct EmbeddedPreset {
  const char* name;
  const char* yaml;
};
// Generated at configure time from targets/*.yaml (src/hw/presets.cmake).
const std::vector<EmbeddedPreset>& embedded_presets();
}  // namespace detail

}  // namespace hwnas::hw
