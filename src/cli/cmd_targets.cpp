// `hwnas targets`: the hardware targets a --target argument accepts, with their key figures.
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/registry.h"
#include "torch_exec.h"
#ifdef HWNAS_WITH_TORCH
#include "hwnas/torch/targets.h"
#endif

namespace hwnas::cli {

// The registry the commands resolve --target with: presets, spec files, command templates, and
// libtorch's "cpu" and "cuda" when hwnas is built with libtorch. (Used by cmd_measure.cpp too.)
hw::TargetRegistry cli_target_registry() {
  hw::TargetRegistry registry = hw::builtin_target_registry();
#ifdef HWNAS_WITH_TORCH
  (void)libtorch::register_torch_targets(registry);  // "cpu", "cpu:N", "cuda", "cuda:N"
#else
  // The torch-free hwnas: listed the same, made by hwnas-torch (a target is made before any output).
  if (hands_torch_to_exec()) {
    auto by_exec = [](std::string_view name, const hw::TargetOptions&) -> Result<std::unique_ptr<hw::Target>> {
      return exec_with_torch("target '" + std::string(name) + "'");
    };
    (void)registry.add({"cpu", "cpu", "this machine's CPU measured through libtorch (cpu:N for N threads; default 1)"}, by_exec);
    (void)registry.add({"cuda", "cuda", "a CUDA GPU measured through libtorch (cuda:N for device N; default 0)"}, by_exec);
  }
#endif
  return registry;
}

namespace {

using Json = nlohmann::ordered_json;

struct TargetsArgs {
  bool json = false;
};

int run_targets(const TargetsArgs& args, Streams streams) {
  const hw::TargetRegistry registry = cli_target_registry();
  using Align = TextTable::Align;
  TextTable table;
  for (const char* header : {"target", "kind"}) table.add_column(header, Align::Left);
  for (const char* header :
       {"MACs/cycle", "clock MHz", "peak TOPS", "SRAM", "SRAM GB/s", "DRAM GB/s", "channels"})
    table.add_column(header, Align::Right);
  table.add_column("description", Align::Left);
  Json list = Json::array();
  for (const hw::TargetInfo& info : registry.list()) {
    Json j;
    j["name"] = info.name;
    j["kind"] = info.kind;
    j["description"] = info.description;
    auto spec =
        info.kind == "simulator" ? hw::load_preset(info.name) : Result<hw::AcceleratorSpec>(Error{""});
    if (spec) {
      j["macs_per_cycle"] = spec->macs_per_cycle();
      j["clock_mhz"] = spec->clock_mhz;
      j["peak_tops"] = spec->peak_tops();
      j["sram_bytes"] = spec->sram.size_bytes;
      j["sram_gbps"] = spec->bandwidth_gbps(spec->sram);
      j["dram_gbps"] = spec->bandwidth_gbps(spec->dram);
      j["channel_multiple"] = spec->channel_multiple();
      j["precision"] = std::string(ir::precision_name(spec->precision));
      table.add_row({info.name, info.kind, std::to_string(spec->macs_per_cycle()), fixed(spec->clock_mhz, 0),
                     fixed(spec->peak_tops(), 3), human_bytes(spec->sram.size_bytes),
                     fixed(spec->bandwidth_gbps(spec->sram), 2), fixed(spec->bandwidth_gbps(spec->dram), 2),
                     std::to_string(spec->channel_multiple()), info.description});
    } else {
      table.add_row({info.name, info.kind, "-", "-", "-", "-", "-", "-", "-", info.description});
    }
    list.push_back(j);
  }
  if (args.json) {
    *streams.out << list.dump(2) << '\n';
    return kExitSuccess;
  }
  table.print(*streams.out);
  *streams.out
      << "\nA --target is one of these names, a spec file (NAME.yaml, format in docs/targets.md), or\n"
         "command:'<command with {onnx}>' for a device measured by your own script.\n";
  return kExitSuccess;
}

}  // namespace

void register_targets(CLI::App& app, Streams streams) {
  auto args = std::make_shared<TargetsArgs>();
  CLI::App* command = app.add_subcommand(
      "targets", "list the hardware targets (accelerator presets and others) with their key figures");
  command->add_flag("--json", args->json, "print JSON instead of a table");
  command->callback([args, streams] { finish(run_targets(*args, streams)); });
}

}  // namespace hwnas::cli
