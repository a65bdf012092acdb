// The target registry: makes a Target from a name, a preset, a YAML spec path or a command.
//
//   auto npu = hw::make_target("ethos-u55-256");        // a built-in preset (targets/*.yaml)
//   auto mine = hw::make_target("my-npu.yaml");         // a spec file
//   auto phone = hw::make_target("command:./bench_on_phone.sh {onnx}");
//
// Optional libraries add targets to a registry object (the CLI adds libtorch's "cpu" and
// "cuda" when hwnas_torch is built):
//   hw::TargetRegistry registry = hw::builtin_target_registry();
//   registry.add({"cpu", "cpu", "this machine's CPU through libtorch"}, make_cpu);
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

// Settings a target may use; each target ignores what does not apply to it.
struct TargetOptions {
  double timeout_s = 600;  // command targets: the longest one run of the command may take
  int threads = 0;         // measured targets: intra-op threads (0: the target's default)
  int warmup_runs = -1;    // measured targets: untimed runs first (-1: the target's default)
  int timed_runs = 0;      // measured targets: timed runs (0: the target's default)
  uint64_t seed = 0;       // measured targets: weights and inputs
};

struct TargetInfo {
  std::string name;         // what make() accepts ("cpu"; also "cpu:<argument>")
  std::string kind;         // "simulator", "cpu", "cuda", "command"
  std::string description;  // one line for `hwnas targets`
};

class TargetRegistry {
 public:
  // Makes a target from the whole argument `name_or_name_colon_argument` ("cuda" or "cuda:1").
  using Factory =
      std::function<Result<std::unique_ptr<Target>>(std::string_view argument, const TargetOptions& options)>;

  // Adds a named target; a name already taken (including a preset's) is an Error.
  Status add(TargetInfo info, Factory factory);

  // Resolves, in order: "command:<template>"; a registered name, or "<name>:<argument>"; a
  // built-in preset; a path to a YAML spec (ends in .yaml / .yml, or names an existing file).
  // Anything else is an Error listing the names, with a did-you-mean.
  Result<std::unique_ptr<Target>> make(std::string_view name_or_path,
                                       const TargetOptions& options = {}) const;

  // The registered targets, then the presets, then the "command:<template>" form.
  std::vector<TargetInfo> list() const;

 private:
  struct Entry {
    TargetInfo info;
    Factory factory;
  };
  std::vector<Entry> entries_;
};

// A registry that knows the presets, YAML paths and command targets (no libtorch targets).
TargetRegistry builtin_target_registry();

// builtin_target_registry().make(name_or_path, options).
Result<std::unique_ptr<Target>> make_target(std::string_view name_or_path, const TargetOptions& options = {});

}  // namespace hwnas::hw
