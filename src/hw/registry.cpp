// Resolution of target names: registered targets, presets, YAML spec paths and command templates.
#include "hwnas/hw/registry.h"

#include <filesystem>

#include "hwnas/hw/accelerator_spec.h"
#include "hwnas/hw/command_target.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::hw {
namespace {

constexpr std::string_view kCommandPrefix = "command:";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool looks_like_spec_path(std::string_view text) {
  if (ends_with(text, ".yaml") || ends_with(text, ".yml")) return true;
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(std::string(text)), ec);
}

}  // namespace

Status TargetRegistry::add(TargetInfo info, Factory factory) {
  if (info.name.empty() || info.name.find(':') != std::string::npos)
    return Error{"target name '" + info.name + "' must be non-empty and contain no ':'"};
  if (!factory) return Error{"target '" + info.name + "' has no factory"};
  for (const Entry& e : entries_)
    if (e.info.name == info.name) return Error{"target '" + info.name + "' is registered twice"};
  for (const std::string& preset : preset_names())
    if (preset == info.name) return Error{"target '" + info.name + "' would hide the preset of that name"};
  entries_.push_back({std::move(info), std::move(factory)});
  return {};
}

Result<std::unique_ptr<Target>> TargetRegistry::make(std::string_view name_or_path,
                                                     const TargetOptions& options) const {
  if (name_or_path.substr(0, kCommandPrefix.size()) == kCommandPrefix) {
    CommandOptions command_options;
    command_options.timeout_s = options.timeout_s;
    auto target =
        CommandTarget::create(std::string(name_or_path.substr(kCommandPrefix.size())), command_options);
    if (!target) return target.error();
    return std::unique_ptr<Target>(std::move(*target));
  }
  const std::string_view base = name_or_path.substr(0, name_or_path.find(':'));
  for (const Entry& e : entries_)
    if (e.info.name == base) return e.factory(name_or_path, options);
  if (preset_yaml(name_or_path)) {
    auto spec = load_preset(name_or_path);
    if (!spec) return spec.error();
    return std::unique_ptr<Target>(std::make_unique<SimulatorTarget>(std::move(*spec)));
  }
  if (looks_like_spec_path(name_or_path)) {
    auto spec = load_accelerator_spec(std::string(name_or_path));
    if (!spec) return spec.error();
    return std::unique_ptr<Target>(std::make_unique<SimulatorTarget>(std::move(*spec)));
  }
  std::vector<std::string> names;
  for (const TargetInfo& info : list())
    if (info.kind != "command") names.push_back(info.name);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  return Error{"unknown target '" + std::string(name_or_path) + "'" +
               text::did_you_mean(name_or_path, names) + " (targets: " + known +
               "; or a spec file NAME.yaml, or command:<template with {onnx}>)"};
}

std::vector<TargetInfo> TargetRegistry::list() const {
  std::vector<TargetInfo> infos;
  for (const Entry& e : entries_) infos.push_back(e.info);
  for (const std::string& name : preset_names()) {
    auto spec = load_preset(name);
    infos.push_back({name, "simulator", spec ? spec->description : spec.error().message});
  }
  infos.push_back({"command:<template>", "command",
                   "any device: runs the template with {onnx} replaced by an exported model, reads "
                   "{\"latency_ms\": ...}"});
  return infos;
}

TargetRegistry builtin_target_registry() { return TargetRegistry{}; }

Result<std::unique_ptr<Target>> make_target(std::string_view name_or_path, const TargetOptions& options) {
  return builtin_target_registry().make(name_or_path, options);
}

}  // namespace hwnas::hw
