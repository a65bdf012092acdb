// `space derive` over torchvision's models: per model, whether a space derives, how much of the
// network it searches (stages, and the share of MACs outside the fixed parts), its size, whether
// random points of it decode, and whether its baseline point with the network's weights computes
// the network's outputs (libtorch, max error <= 1e-4 of the output scale); per family, the rates.
//
//   bench_derive_torchvision --fixtures DIR [--target ethos-u55-256] [--samples 20]
//
// DIR holds the exports of scripts/torchvision_fixtures.py (manifest.json), as for
// bench_onnx_torchvision.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hwnas/analysis/cost.h"
#include "hwnas/hw/registry.h"
#include "hwnas/onnx/onnx_import.h"
#include "hwnas/space/derive.h"
#include "hwnas/torch/import_check.h"

namespace {

using namespace hwnas;

struct FamilyCount {
  int models = 0, derived = 0, computes = 0, with_fixed = 0;
};

struct ModelResult {
  std::string status = "ok";
  int stages = 0, searched = 0, fixed_parts = 0, decoded = 0;
  double searched_macs = 0, log10_size = 0, error = 0, seconds = 0;
};

// The share of `graph`'s MACs in nodes outside the fixed parts (their names start with the part's scope).
double searched_mac_share(const ir::Graph& graph, const space::DerivedSpace& derived) {
  std::vector<std::string> scopes;
  for (const space::FixedPart& f : derived.fixed_parts) scopes.push_back(f.name + ".");
  int64_t all = 0, fixed = 0;
  for (const ir::Node& n : graph.nodes()) {
    const int64_t macs = analysis::layer_cost(graph, n.id).macs;
    all += macs;
    for (const std::string& s : scopes)
      if (n.name.rfind(s, 0) == 0) fixed += macs;
  }
  return all > 0 ? static_cast<double>(all - fixed) / static_cast<double>(all) : 0.0;
}

ModelResult failure(std::string why) {
  ModelResult r;
  r.status = std::move(why);
  return r;
}

ModelResult derive_one(const std::string& dir, const nlohmann::json& entry, const std::string& name, int64_t multiple,
                       int samples) {
  ModelResult r;
  auto graph = onnx_io::import_onnx_file(dir + "/" + entry.at("file").get<std::string>());
  if (!graph) return failure("import: " + graph.error().message);
  const auto start = std::chrono::steady_clock::now();
  auto derived = space::derive_space(*graph, {.channel_multiple = multiple, .name = name});
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!derived) return failure("derive: " + derived.error().message);
  r.stages = static_cast<int>(derived->stages.size());
  auto fail = [&r](std::string why) {
    r.status = std::move(why);
    return r;
  };
  for (const space::DerivedStage& s : derived->stages) r.searched += s.fixed.empty();
  r.fixed_parts = static_cast<int>(derived->fixed_parts.size());
  auto space = space::parse_space(derived->yaml, name, {.channel_multiple = multiple});
  if (!space) return fail("parse: " + space.error().message);
  r.log10_size = space->log10_size();
  auto arch = space->parse_key(derived->baseline_key);
  if (!arch) return fail("key: " + arch.error().message);
  auto baseline = space->decode(*arch);
  if (!baseline) return fail("decode: " + baseline.error().message);
  r.searched_macs = searched_mac_share(*baseline, *derived);
  std::mt19937_64 rng(7);
  for (int k = 0; k < samples; ++k) {
    space::Architecture random(space->decisions().size());
    for (size_t d = 0; d < random.size(); ++d)
      random[d] = std::uniform_int_distribution<int>(0, static_cast<int>(space->decisions()[d].choices.size()) - 1)(rng);
    r.decoded += space->decode(random).ok();
  }
  auto weighted = space::baseline_with_weights(*graph, *space, *arch);
  if (!weighted) return fail("weights: " + weighted.error().message);
  auto input = libtorch::read_f32_file(dir + "/" + entry.at("input").get<std::string>());
  if (!input) return fail(input.error().message);
  auto expected = libtorch::run_graph(*graph, *input, name);
  if (!expected) return fail("run: " + expected.error().message);
  auto compared = libtorch::compare_outputs(*weighted, *input, *expected, name + " (baseline point)");
  if (!compared) return fail("run baseline: " + compared.error().message);
  r.error = compared->worst_relative_error;
  if (!(r.error <= 1e-4)) r.status = "the baseline point computes something else";
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"space derive over torchvision's models: spaces, fixed parts, baseline outputs, per family"};
  std::string dir, target_name = "ethos-u55-256";
  int samples = 20;
  app.add_option("--fixtures", dir, "directory of the exported models (manifest.json)")->required();
  app.add_option("--target", target_name, "the target whose parallelism factor curates the widths");
  app.add_option("--samples", samples, "random points of each space decoded")->check(CLI::Range(0, 10000));
  CLI11_PARSE(app, argc, argv);
  std::ifstream manifest_file(dir + "/manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(manifest_file, nullptr, false);
  if (!manifest_file || manifest.is_discarded()) {
    std::fprintf(stderr, "bench_derive_torchvision: %s/manifest.json is missing or not JSON (scripts/torchvision_fixtures.py)\n",
                 dir.c_str());
    return 1;
  }
  auto target = hw::make_target(target_name);
  if (!target) {
    std::fprintf(stderr, "bench_derive_torchvision: %s\n", target.error().message.c_str());
    return 1;
  }
  const int64_t multiple = (*target)->channel_multiple();

  std::map<std::string, FamilyCount> per_family;
  std::vector<std::string> order;
  std::map<std::string, std::string> failed;
  std::printf("widths curated to P = %lld (%s); %d random points decoded per space\n\n", static_cast<long long>(multiple),
              target_name.c_str(), samples);
  std::printf("%-30s %-13s %7s %9s %6s %9s %8s %8s %9s %7s %s\n", "model", "family", "stages", "searched", "fixed",
              "MACs srch", "log10 N", "decoded", "rel err", "derive", "status");
  for (const auto& [name, entry] : manifest.items()) {
    const std::string family = entry.value("family", "?");
    if (!per_family.count(family)) order.push_back(family);
    FamilyCount& count = per_family[family];
    ++count.models;
    if (entry.contains("export_error")) {
      failed[name] = "PyTorch export failed";
      std::printf("%-30s %-13s PyTorch export failed\n", name.c_str(), family.c_str());
      continue;
    }
    const ModelResult r = derive_one(dir, entry, name, multiple, samples);
    const bool derived = r.stages > 0;
    count.derived += derived;
    count.computes += r.status == "ok";
    count.with_fixed += derived && r.fixed_parts > 0;
    if (r.status != "ok") failed[name] = r.status;
    if (!derived) {
      std::printf("%-30s %-13s %s\n", name.c_str(), family.c_str(), r.status.c_str());
      continue;
    }
    std::printf("%-30s %-13s %7d %9d %6d %8.0f%% %8.1f %5d/%-3d %8.1e %6.2fs %s\n", name.c_str(), family.c_str(), r.stages,
                r.searched, r.fixed_parts, 100 * r.searched_macs, r.log10_size, r.decoded, samples, r.error, r.seconds,
                r.status.c_str());
    std::fflush(stdout);
  }
  std::printf("\n%-13s %8s %8s %11s %12s\n", "family", "models", "derived", "with fixed", "computes it");
  FamilyCount all;
  for (const std::string& family : order) {
    const FamilyCount& c = per_family[family];
    all.models += c.models;
    all.derived += c.derived;
    all.computes += c.computes;
    all.with_fixed += c.with_fixed;
    std::printf("%-13s %8d %8d %11d %12d\n", family.c_str(), c.models, c.derived, c.with_fixed, c.computes);
  }
  std::printf("%-13s %8d %8d %11d %12d\n", "all", all.models, all.derived, all.with_fixed, all.computes);
  for (const auto& [name, why] : failed) std::printf("failed: %s: %s\n", name.c_str(), why.c_str());
  return all.computes == all.models ? 0 : 2;
}
