// `hwnas measure`: a model's latency on a hardware target, per kernel (label, latency, utilisation, bound,
// bytes) and in total; as a table, JSON, or CSV with the columns of Vela's per-layer and summary reports.
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "hwnas/hw/registry.h"
#include "load_model.h"

namespace hwnas::cli {

hw::TargetRegistry cli_target_registry();  // cmd_targets.cpp: presets, files, commands, libtorch

namespace {

using Json = nlohmann::ordered_json;

struct MeasureArgs {
  std::string model;
  std::string target;
  ModelOptions model_options;
  bool json = false;
  bool csv = false;      // per-layer CSV, Vela's per-layer columns
  bool summary = false;  // network totals as CSV
  double timeout_s = 600;
};

// A CSV cell: empty where the target cannot observe the value (0 from a measured target).
std::string cell(double v, int digits = 0) { return v == 0 ? "" : fixed(v, digits); }

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// One row per kernel, with Vela's per-layer report's columns (vela --verbose-performance) where
// hwnas has them, then the bound and the latency.
void print_layer_csv(const ir::Graph& graph, const hw::NetworkMeasurement& m, std::ostream& out) {
  int64_t peak = 0, macs = 0;
  double cycles = 0;
  for (const hw::KernelMeasurement& k : m.kernels) {
    peak = std::max(peak, k.sram_usage_bytes);
    macs += k.macs;
    cycles += static_cast<double>(k.cycles);
  }
  out << "Index,Op,Name,SRAM Usage,Peak%,Op Cycles,Network%,NPU,SRAM AC,DRAM AC,MAC Count,Network% (MAC),Util%,Bound,Latency us\n";
  for (size_t i = 0; i < m.kernels.size(); ++i) {
    const hw::KernelMeasurement& k = m.kernels[i];
    const double share = cycles > 0 ? 100.0 * static_cast<double>(k.cycles) / cycles
                                    : (m.latency_us > 0 ? 100.0 * k.latency_us / m.latency_us : 0.0);
    out << i << "," << csv_text(k.label) << "," << csv_text(k.nodes.empty() ? "" : graph.node(k.nodes.front()).name) << ","
        << (k.sram_usage_bytes > 0 ? std::to_string(k.sram_usage_bytes) : "") << ","
        << (peak > 0 ? fixed(100.0 * static_cast<double>(k.sram_usage_bytes) / static_cast<double>(peak), 2) : "") << ","
        << (k.cycles > 0 ? std::to_string(k.cycles) : "") << "," << fixed(share, 2) << "," << cell(k.npu_cycles) << ","
        << cell(k.sram_cycles) << "," << cell(k.dram_cycles) << "," << k.macs << ","
        << (macs > 0 ? fixed(100.0 * static_cast<double>(k.macs) / static_cast<double>(macs), 2) : "") << ","
        << (k.macs > 0 && k.mac_utilisation > 0 ? fixed(100.0 * k.mac_utilisation, 2) : "") << "," << hw::bound_name(k.bound) << ","
        << fixed(k.latency_us, 3) << "\n";
  }
}

// The network's totals, one CSV row (as Vela's --summary-csv, for the columns hwnas has).
void print_summary_csv(const LoadedModel& model, const hw::Target& target, const hw::NetworkMeasurement& m, std::ostream& out) {
  double cycles = 0, npu = 0, sram = 0, dram = 0;
  int64_t macs = 0, peak = 0, sram_bytes = 0, dram_bytes = 0;
  double util_weighted = 0;
  for (const hw::KernelMeasurement& k : m.kernels) {
    cycles += static_cast<double>(k.cycles);
    npu += k.npu_cycles;
    sram += k.sram_cycles;
    dram += k.dram_cycles;
    macs += k.macs;
    peak = std::max(peak, k.sram_usage_bytes);
    sram_bytes += k.sram_bytes;
    dram_bytes += k.dram_bytes;
    util_weighted += k.mac_utilisation * static_cast<double>(k.cycles);
  }
  out << "network,target,kind,kernels,cycles_total,npu_cycles,sram_access_cycles,dram_access_cycles,macs,mac_utilisation_percent,"
         "sram_memory_used_bytes,sram_bytes_moved,dram_bytes_moved,inference_time_us,inferences_per_second,energy_uj\n";
  out << csv_text(model.graph.name()) << "," << csv_text(target.name()) << "," << target.kind() << "," << m.kernels.size() << ","
      << cell(cycles) << "," << cell(npu) << "," << cell(sram) << "," << cell(dram) << "," << macs << ","
      << (cycles > 0 && util_weighted > 0 ? fixed(100.0 * util_weighted / cycles, 2) : "") << ","
      << (peak > 0 ? std::to_string(peak) : "") << "," << (sram_bytes > 0 ? std::to_string(sram_bytes) : "") << ","
      << (dram_bytes > 0 ? std::to_string(dram_bytes) : "") << "," << fixed(m.latency_us, 3) << ","
      << (m.latency_us > 0 ? fixed(1e6 / m.latency_us, 2) : "") << "," << cell(m.energy_uj, 3) << "\n";
}

Json kernel_json(const ir::Graph& graph, const hw::KernelMeasurement& k) {
  Json j;
  j["label"] = k.label;
  Json nodes = Json::array();
  for (ir::NodeId id : k.nodes) nodes.push_back(graph.node(id).name);
  j["nodes"] = nodes;
  j["latency_us"] = k.latency_us;
  j["spread_us"] = k.spread_us;
  j["cycles"] = k.cycles;
  j["macs"] = k.macs;
  j["mac_utilisation"] = k.mac_utilisation;
  j["bound"] = hw::bound_name(k.bound);
  j["sram_bytes"] = k.sram_bytes;
  j["dram_bytes"] = k.dram_bytes;
  j["energy_uj"] = k.energy_uj;
  j["npu_cycles"] = k.npu_cycles;
  j["sram_cycles"] = k.sram_cycles;
  j["dram_cycles"] = k.dram_cycles;
  j["sram_usage_bytes"] = k.sram_usage_bytes;
  return j;
}

void print_text(const LoadedModel& model, const hw::Target& target, const hw::NetworkMeasurement& m,
                std::ostream& out) {
  out << model.graph.name() << " (" << model.source << ") on " << target.name() << " [" << target.kind()
      << "]\n";
  if (!m.kernels.empty()) {
    using Align = TextTable::Align;
    TextTable table;
    table.add_column("#", Align::Right);
    table.add_column("kernel", Align::Left);
    table.add_column("first node", Align::Left);
    for (const char* h : {"latency us", "share", "MACs", "util", "bound", "SRAM", "DRAM", "energy uJ"})
      table.add_column(h, std::string(h) == "bound" ? Align::Left : Align::Right);
    int64_t macs = 0, sram = 0, dram = 0;
    for (size_t i = 0; i < m.kernels.size(); ++i) {
      const hw::KernelMeasurement& k = m.kernels[i];
      macs += k.macs;
      sram += k.sram_bytes;
      dram += k.dram_bytes;
      table.add_row({std::to_string(i), k.label,
                     k.nodes.empty() ? "" : model.graph.node(k.nodes.front()).name, fixed(k.latency_us, 2),
                     percent(m.latency_us > 0 ? k.latency_us / m.latency_us : 0.0), human_count(k.macs),
                     k.macs > 0 ? percent(k.mac_utilisation) : "-", hw::bound_name(k.bound),
                     human_bytes(k.sram_bytes), human_bytes(k.dram_bytes), fixed(k.energy_uj, 3)});
    }
    table.add_row({"", "total", std::to_string(m.kernels.size()) + " kernels", fixed(m.latency_us, 2),
                   "100.0%", human_count(macs), "", "", human_bytes(sram), human_bytes(dram),
                   fixed(m.energy_uj, 3)});
    table.print(out);
    out << '\n';
  }
  out << "latency: " << fixed(m.latency_us, 2) << " us (" << fixed(m.latency_us / 1000.0, 3) << " ms)";
  if (m.spread_us > 0) out << ", spread " << fixed(m.spread_us, 2) << " us";
  if (m.energy_uj > 0) out << ", energy " << fixed(m.energy_uj, 3) << " uJ";
  out << '\n';
  if (!m.notes.empty()) out << m.notes << '\n';
}

int run_measure(const MeasureArgs& args, Streams streams) {
  if (args.target.empty())
    return report_error(*streams.err, "give --target (see 'hwnas targets')", kExitUsage);
  if (int(args.json) + int(args.csv) + int(args.summary) > 1)
    return report_error(*streams.err, "--json, --csv and --summary are different outputs: give one", kExitUsage);
  if (args.model_options.zoo_options_given && is_model_file(args.model))
    return report_error(
        *streams.err,
        "--width, --resolution and --classes apply to zoo models, not to the file '" + args.model + "'",
        kExitUsage);
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  hw::TargetOptions options;
  options.timeout_s = args.timeout_s;
  auto target = cli_target_registry().make(args.target, options);
  if (!target) return report_error(*streams.err, target.error().message);
  auto measured = (*target)->measure_network(model->graph);
  if (!measured) return report_error(*streams.err, measured.error().message);
  if (args.json) {
    Json j;
    j["model"] = model->graph.name();
    j["source"] = model->source;
    j["target"] = (*target)->name();
    j["kind"] = (*target)->kind();
    j["latency_us"] = measured->latency_us;
    j["spread_us"] = measured->spread_us;
    j["energy_uj"] = measured->energy_uj;
    j["notes"] = measured->notes;
    Json kernels = Json::array();
    for (const hw::KernelMeasurement& k : measured->kernels) kernels.push_back(kernel_json(model->graph, k));
    j["kernels"] = kernels;
    *streams.out << j.dump(2) << '\n';
    return kExitSuccess;
  }
  if (args.csv) print_layer_csv(model->graph, *measured, *streams.out);
  else if (args.summary) print_summary_csv(*model, **target, *measured, *streams.out);
  else print_text(*model, **target, *measured, *streams.out);
  return kExitSuccess;
}

}  // namespace

void register_measure(CLI::App& app, Streams streams) {
  auto args = std::make_shared<MeasureArgs>();
  CLI::App* command =
      app.add_subcommand("measure", "latency of a model on a hardware target, per kernel and in total");
  command->add_option("model", args->model, "a zoo name (see 'hwnas zoo'), a .yaml/.yml file or a .onnx file")
      ->type_name("MODEL")
      ->required();
  command
      ->add_option(
          "--target,-t", args->target,
          "a target name (see 'hwnas targets'), an accelerator spec NAME.yaml, or command:'<cmd {onnx}>'")
      ->required();
  add_model_options(*command, args->model_options);
  command->add_flag("--json", args->json, "print JSON instead of a table");
  command->add_flag("--csv", args->csv,
                    "print one CSV row per kernel with Vela's per-layer columns (SRAM Usage, Op Cycles, NPU, SRAM AC, DRAM AC, "
                    "MAC Count, Util%, ...), plus the bound and the latency");
  command->add_flag("--summary", args->summary, "print the network's totals as one CSV row (as Vela's --summary-csv)");
  command->add_option("--timeout", args->timeout_s, "command targets: seconds one run may take (default 600)")
      ->check(CLI::PositiveNumber);
  command->callback([args, streams] { finish(run_measure(*args, streams)); });
}

}  // namespace hwnas::cli
