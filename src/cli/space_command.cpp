// `hwnas space`: list the built-in search spaces, show a space's decisions, decode an architecture to a network, sample architectures.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "commands.h"
#include "format.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/hw/registry.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/search/algorithm.h"
#include "hwnas/space/space.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::cli {
namespace {

struct SpaceArgs {
  std::string space;   // "": list the built-in spaces
  std::string target;  // curate the channels for this target's P
  int64_t channel_multiple = 0;
  std::string arch;    // a key "name=label;..." or a file with a `key:` field (best_arch.yaml)
  std::string output;  // the decoded network: .yaml/.yml or .onnx
  int sample = 0;
  uint64_t seed = 0;
};

// The architecture key `arch` names: the text itself, or the `key` field of the YAML file it is.
Result<std::string> architecture_key(const std::string& arch, const space::SearchSpace& space) {
  std::error_code not_a_file;  // a key is usually too long a name for the file system to look up
  if (!std::filesystem::is_regular_file(arch, not_a_file)) return arch;
  YAML::Node root;
  try {
    root = YAML::LoadFile(arch);
  } catch (const YAML::Exception& e) {
    return Error{arch + ": not YAML: " + e.what()};
  }
  if (!root.IsMap() || !root["key"] || !root["key"].IsScalar())
    return Error{arch + ": has no `key:` field (the architecture files a search writes, best_arch.yaml, have one)"};
  if (root["space"] && root["space"].IsScalar() && root["space"].as<std::string>() != space.name())
    return Error{arch + ": an architecture of space '" + root["space"].as<std::string>() + "', not of '" + space.name() + "'"};
  return root["key"].as<std::string>();
}

int list_spaces(Streams streams) {
  std::ostringstream out;
  out << "built-in search spaces (hwnas space NAME shows one; a path to a YAML file works wherever a name does):\n";
  for (const std::string& name : space::builtin_space_names()) {
    auto loaded = space::load_space_by_name(name, {});
    if (!loaded) return report_error(*streams.err, loaded.error().message);
    out << "  " << name << std::string(name.size() < 34 ? 34 - name.size() : 1, ' ') << "10^" << fixed(loaded->log10_size(), 1)
        << " architectures, " << loaded->decisions().size() << " decisions\n";
  }
  *streams.out << out.str();
  return kExitSuccess;
}

int run_space(const SpaceArgs& args, Streams streams) {
  if (args.space.empty()) return list_spaces(streams);
  space::SpaceContext context;
  if (!args.target.empty()) {
    auto target = hw::make_target(args.target);
    if (!target) return report_error(*streams.err, target.error().message);
    context.channel_multiple = (*target)->channel_multiple();
  }
  if (args.channel_multiple > 0) context.channel_multiple = args.channel_multiple;
  auto space = space::load_space_by_name(args.space, context);
  if (!space) return report_error(*streams.err, space.error().message);

  std::ostringstream out;
  if (!args.arch.empty()) {
    auto key = architecture_key(args.arch, *space);
    if (!key) return report_error(*streams.err, key.error().message);
    auto arch = space->parse_key(*key);
    if (!arch) return report_error(*streams.err, arch.error().within("--arch").message);
    auto graph = space->decode(*arch);
    if (!graph) return report_error(*streams.err, graph.error().within(space->name()).message);
    const analysis::CostSummary cost = analysis::analyze_cost(*graph);
    out << space->architecture_yaml(*arch) << "network: " << graph->size() << " nodes, " << human_count(cost.params) << " parameters, "
        << human_count(cost.macs) << " MACs\n";
    if (!args.output.empty()) {
      const std::string ext = std::filesystem::path(args.output).extension().string();
      Status written = ext == ".onnx" ? onnx_io::export_onnx_file(*graph, args.output)
                       : (ext == ".yaml" || ext == ".yml")
                           ? text::save_yaml(*graph, args.output)
                           : Status(Error{"-o " + args.output + ": the extension must be .yaml, .yml or .onnx"});
      if (!written) return report_error(*streams.err, written.error().message);
      out << "wrote " << args.output << "\n";
    }
    *streams.out << out.str();
    return kExitSuccess;
  }
  if (!args.output.empty()) return report_error(*streams.err, "-o needs --arch: the architecture to decode", kExitUsage);

  if (args.sample > 0) {
    std::mt19937_64 rng(args.seed);
    for (int i = 0; i < args.sample; ++i) out << space->canonical_key(search::random_architecture(*space, rng)) << "\n";
    *streams.out << out.str();
    return kExitSuccess;
  }

  out << space->name() << ": 10^" << fixed(space->log10_size(), 1) << " architectures, version " << space->version()
      << (context.channel_multiple > 1 ? ", channels curated to multiples of " + std::to_string(context.channel_multiple) : "")
      << "\n";
  for (const space::Decision& d : space->decisions()) {
    out << "  " << d.name << (d.numeric ? "" : " (categorical)") << ":";
    for (const space::Choice& c : d.choices) out << " " << c.label;
    out << "\n";
  }
  *streams.out << out.str();
  return kExitSuccess;
}

}  // namespace

void register_space(CLI::App& app, Streams streams) {
  auto args = std::make_shared<SpaceArgs>();
  CLI::App* command = app.add_subcommand(
      "space", "search spaces: list them, show one's decisions, decode an architecture to a network, sample keys");
  command->add_option("space", args->space, "a built-in space name or a YAML file (none: list the built-in spaces)")
      ->type_name("SPACE");
  command->add_option("--target", args->target, "curate the channels to this target's parallelism factor P");
  command->add_option("--channel-multiple", args->channel_multiple, "curate the channels to multiples of P")
      ->type_name("P")
      ->check(CLI::PositiveNumber);
  command->add_option("--arch", args->arch,
                      "an architecture: its key (name=label;...) or a file with a key: field (a search's best_arch.yaml)")
      ->type_name("KEY|FILE");
  command->add_option("-o,--output", args->output, "write the decoded network: NET.yaml or NET.onnx (with --arch)")
      ->type_name("FILE");
  command->add_option("--sample", args->sample, "print the keys of N random architectures")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", args->seed, "seed of --sample (default 0)");
  command->callback([args, streams] { finish(run_space(*args, streams)); });
}

}  // namespace hwnas::cli
