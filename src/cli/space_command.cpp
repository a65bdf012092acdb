// `hwnas space`: list the built-in search spaces, show a space's decisions, decode an architecture to a network, sample architectures.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "commands.h"
#include "format.h"
#include "load_model.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/hw/registry.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/search/algorithm.h"
#include "hwnas/space/derive.h"
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

struct DeriveArgs {
  std::string model;
  ModelOptions model_options;
  std::string target;
  int64_t channel_multiple = 0;
  std::string output;  // the space's YAML; empty: printed
  std::string name;
  std::string baseline_out;  // the baseline point with MODEL's weights: .yaml or .onnx
};

// `hwnas space derive MODEL`: the macro space whose baseline point is MODEL.
int run_derive(const DeriveArgs& args, Streams streams) {
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  space::DeriveOptions options;
  if (!args.target.empty()) {
    auto target = hw::make_target(args.target);
    if (!target) return report_error(*streams.err, target.error().message);
    options.channel_multiple = (*target)->channel_multiple();
  }
  if (args.channel_multiple > 0) options.channel_multiple = args.channel_multiple;
  options.source = model->source;
  options.name = args.name;
  if (options.name.empty()) {
    options.name = std::filesystem::path(args.model).stem().string();
    for (char& c : options.name)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    options.name += "_derived";
  }
  auto derived = space::derive_space(model->graph, options);
  if (!derived) return report_error(*streams.err, derived.error().within(args.model).message);
  std::string baseline_note;
  if (!args.baseline_out.empty()) {
    auto space = space::parse_space(derived->yaml, options.name, {.channel_multiple = options.channel_multiple});
    if (!space) return report_error(*streams.err, space.error().message);
    auto arch = space->parse_key(derived->baseline_key);
    if (!arch) return report_error(*streams.err, arch.error().message);
    auto weighted = space::baseline_with_weights(model->graph, *space, *arch);
    if (!weighted) return report_error(*streams.err, weighted.error().within("--baseline-out").message);
    const std::string ext = std::filesystem::path(args.baseline_out).extension().string();
    Status written = ext == ".onnx" ? onnx_io::export_onnx_file(*weighted, args.baseline_out)
                     : (ext == ".yaml" || ext == ".yml")
                         ? text::save_yaml(*weighted, args.baseline_out)
                         : Status(Error{"--baseline-out " + args.baseline_out + ": the extension must be .yaml, .yml or .onnx"});
    if (!written) return report_error(*streams.err, written.error().message);
    baseline_note = "wrote " + args.baseline_out + ": the baseline point with the network's weights (hwnas train WINNER --init-from " +
                    args.baseline_out + ")\n";
  }
  if (args.output.empty()) {
    *streams.out << derived->yaml;
    return kExitSuccess;
  }
  std::ofstream file(args.output, std::ios::trunc);
  file << derived->yaml;
  if (!file) return report_error(*streams.err, args.output + ": cannot write the space");
  std::ostringstream out;
  out << "derived " << options.name << " from " << model->source << ": " << derived->stages.size() << " stages";
  if (options.channel_multiple > 1) out << ", widths curated to multiples of " << options.channel_multiple;
  out << "\n";
  for (size_t i = 0; i < derived->stages.size(); ++i) {
    const space::DerivedStage& s = derived->stages[i];
    if (!s.fixed.empty()) {
      const auto part = std::find_if(derived->fixed_parts.begin(), derived->fixed_parts.end(),
                                     [&](const space::FixedPart& f) { return f.name == s.fixed; });
      out << "  stage" << i + 1 << ": fixed (" << (part == derived->fixed_parts.end() ? 0 : part->nodes) << " nodes) -> "
          << s.channels << " channels, stride " << s.stride << "\n";
      continue;
    }
    out << "  stage" << i + 1 << ": " << s.depth << " x " << s.block << " k" << s.kernel << " e" << fixed(s.expansion, 2)
        << " -> " << s.channels << " channels, stride " << s.stride << (s.width_fixed ? " (width held: a fixed part reads it)" : "")
        << "\n";
  }
  if (!derived->fixed_parts.empty()) {
    out << "kept as they are (" << derived->fixed_parts.size() << " parts the matcher did not recognise, under fixed: in the space):\n";
    for (const space::FixedPart& f : derived->fixed_parts)
      out << "  " << f.name << ": " << f.nodes << " nodes '" << f.first << "' .. '" << f.last << "' (" << f.ops << ")\n"
          << "      first unrecognised: " << f.reason << "\n";
  }
  out << "baseline point (" << human_count(derived->params) << " parameters, " << human_count(derived->macs)
      << " MACs, as the network):\n  " << derived->baseline_key << "\nwrote " << args.output << "\n" << baseline_note;
  *streams.out << out.str();
  return kExitSuccess;
}

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

  auto derive = std::make_shared<DeriveArgs>();
  CLI::App* derive_command = command->add_subcommand(
      "derive", "write the macro search space whose baseline point is MODEL (an ONNX export, a YAML network, a zoo name)");
  derive_command->add_option("model", derive->model, "a .onnx or .yaml network, or a zoo name")->required()->type_name("MODEL");
  add_model_options(*derive_command, derive->model_options);
  derive_command->add_option("--target", derive->target, "curate the widths to this target's parallelism factor P");
  derive_command->add_option("--channel-multiple", derive->channel_multiple, "curate the widths to multiples of P")
      ->type_name("P")
      ->check(CLI::PositiveNumber);
  derive_command->add_option("-o,--output", derive->output, "write the space here (default: print it)")->type_name("FILE");
  derive_command->add_option("--name", derive->name, "the space's name (default: MODEL's file name + _derived)");
  derive_command->add_option("--baseline-out", derive->baseline_out,
                             "also write the baseline point with MODEL's weights (.yaml or .onnx), for fine-tuning winners from it")
      ->type_name("FILE");
  derive_command->callback([derive, streams] { finish(run_derive(*derive, streams)); });
  command->callback([args, streams, derive_command] {
    if (!derive_command->parsed()) finish(run_space(*args, streams));
  });
}

}  // namespace hwnas::cli
