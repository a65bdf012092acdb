// Import of torchvision's models: per family, how many import with PyTorch's parameters and MACs
// (within 1 %), compute PyTorch's outputs (libtorch, max error <= 1e-4 of the output scale) and
// re-export to ONNX that onnx.checker (full_check) accepts; each also through the analyses, the
// simulator and the estimator's kernel detection.
//
//   bench_onnx_torchvision --fixtures DIR [--make] [--models a,b] [--families F,G] [--resolution R]
//
// --make first runs scripts/torchvision_fixtures.py (Debian's python3-torchvision, random weights)
// to export the models into DIR; without it DIR must already hold them (manifest.json).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "hwnas/analysis/peak_memory.h"
#include "hwnas/estimator/features.h"
#include "hwnas/hw/registry.h"
#include "hwnas/torch/import_check.h"

namespace {

using namespace hwnas;

double relative(int64_t actual, int64_t expected) {
  return std::abs(static_cast<double>(actual - expected)) / static_cast<double>(std::max<int64_t>(expected, 1));
}

struct FamilyCount {
  int models = 0, passed = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"torchvision models through hwnas's ONNX import: parameters, MACs, outputs, re-export, per family"};
  std::string dir, models, families, source = HWNAS_SOURCE_DIR, target_name = "ethos-u55-256";
  bool make = false;
  int resolution = 0, opset = 13;
  app.add_option("--fixtures", dir, "directory of the exported models (manifest.json)")->required();
  app.add_flag("--make", make, "export the models first (scripts/torchvision_fixtures.py)");
  app.add_option("--models", models, "with --make: comma-separated model names (default: all)");
  app.add_option("--families", families, "with --make: comma-separated families (default: all)");
  app.add_option("--resolution", resolution, "with --make: input size (default 224, SSDLite 320)");
  app.add_option("--opset", opset, "with --make: the ONNX opset PyTorch exports (11 to 17)")->check(CLI::Range(11, 17));
  app.add_option("--target", target_name, "the simulated target the imported graphs are run on");
  CLI11_PARSE(app, argc, argv);

  const std::string script = source + "/scripts/torchvision_fixtures.py";
  if (make) {
    std::string command = "/usr/bin/python3 " + script + " --fresh --out '" + dir + "' --opset " + std::to_string(opset);
    if (!models.empty()) command += " --models " + models;
    if (!families.empty()) command += " --families " + families;
    if (resolution > 0) command += " --resolution " + std::to_string(resolution);
    command += " 2>&1 | grep -v -e Warning -e '^  '";
    std::printf("exporting: %s\n", command.c_str());
    std::fflush(stdout);
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "bench_onnx_torchvision: the export script failed\n");
  }
  std::ifstream manifest_file(dir + "/manifest.json");
  if (!manifest_file) {
    std::fprintf(stderr, "bench_onnx_torchvision: %s/manifest.json is missing (run with --make)\n", dir.c_str());
    return 1;
  }
  const nlohmann::json manifest = nlohmann::json::parse(manifest_file, nullptr, false);
  if (manifest.is_discarded()) {
    std::fprintf(stderr, "bench_onnx_torchvision: %s/manifest.json is not valid JSON\n", dir.c_str());
    return 1;
  }
  auto target = hw::make_target(target_name);
  if (!target) {
    std::fprintf(stderr, "bench_onnx_torchvision: %s\n", target.error().message.c_str());
    return 1;
  }

  std::map<std::string, FamilyCount> per_family;
  std::vector<std::string> family_order;
  std::vector<std::string> reexported;
  std::map<std::string, std::string> failure;
  std::set<std::string> kernel_types;
  std::printf("\n%-30s %-13s %11s %9s %13s %9s %9s %10s %10s %s\n", "model", "family", "params", "vs torch",
              "MACs", "vs torch", "rel err", "sim us", "peak KiB", "status");
  for (const auto& [name, entry] : manifest.items()) {
    const std::string family = entry.value("family", "?");
    if (!per_family.count(family)) family_order.push_back(family);
    FamilyCount& count = per_family[family];
    ++count.models;
    if (entry.contains("export_error")) {
      std::printf("%-30s %-13s %s\n", name.c_str(), family.c_str(),
                  ("PyTorch export failed: " + entry["export_error"].get<std::string>()).c_str());
      failure[name] = "PyTorch export failed";
      continue;
    }
    std::vector<std::string> outputs;
    for (const auto& file : entry.at("outputs")) outputs.push_back(dir + "/" + file.get<std::string>());
    const auto start = std::chrono::steady_clock::now();
    auto check = libtorch::check_import_files(dir + "/" + entry.at("file").get<std::string>(),
                                              dir + "/" + entry.at("input").get<std::string>(), outputs);
    if (!check) {
      std::printf("%-30s %-13s FAILED: %s\n", name.c_str(), family.c_str(), check.error().message.c_str());
      failure[name] = check.error().message;
      continue;
    }
    const double params_off = relative(check->params, entry.at("params_after_bn_folding").get<int64_t>());
    const double macs_off = relative(check->macs, entry.at("torch_macs").get<int64_t>());
    auto simulated = (*target)->measure_network(check->graph);
    for (const hw::Kernel& kernel : (*target)->partition(check->graph))
      kernel_types.insert(estimator::kernel_type(check->graph, kernel));
    const analysis::PeakMemory peak = analysis::peak_memory_in_graph_order(check->graph, ir::Precision::Int8);
    std::string status = "ok";
    if (params_off > 0.01) status = "params off by more than 1 %";
    else if (macs_off > 0.01) status = "MACs off by more than 1 %";
    else if (!(check->worst_relative_error <= 1e-4)) status = "outputs differ";
    else if (!check->reexport.ok()) status = "re-export: " + check->reexport.error().message;
    else if (!simulated) status = "simulator: " + simulated.error().message;
    if (status == "ok") {
      const std::string path = dir + "/" + name + ".hwnas.onnx";
      std::ofstream(path, std::ios::binary) << check->reexported;
      reexported.push_back(path);
    } else {
      failure[name] = status;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-30s %-13s %11lld %8.3f%% %13lld %8.3f%% %9.1e %10.0f %10.0f %s (%.1f s)\n", name.c_str(),
                family.c_str(), static_cast<long long>(check->params), 100 * params_off,
                static_cast<long long>(check->macs), 100 * macs_off, check->worst_relative_error,
                simulated ? simulated->latency_us : NAN, static_cast<double>(peak.peak_bytes) / 1024.0, status.c_str(),
                seconds);
    std::fflush(stdout);
  }

  // onnx.checker.check_model(full_check=True) on every re-export, in one Python run.
  if (!reexported.empty()) {
    std::string command = "/usr/bin/python3 " + script + " --check";
    for (const std::string& path : reexported) command += " '" + path + "'";
    command += " > '" + dir + "/checker.txt' 2>&1";
    std::system(command.c_str());
    std::ifstream lines(dir + "/checker.txt");
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("FAILED ", 0) != 0) continue;
      const std::string path = line.substr(7, line.find(':') - 7);
      const std::string name = path.substr(path.rfind('/') + 1, path.rfind(".hwnas.onnx") - path.rfind('/') - 1);
      failure[name] = "onnx.checker: " + line;
    }
    std::printf("\nonnx.checker.check_model(full_check=True) on %zu re-exports: %s\n", reexported.size(),
                (dir + "/checker.txt").c_str());
  }
  for (const auto& [name, entry] : manifest.items())
    if (!failure.count(name)) ++per_family[entry.value("family", "?")].passed;

  std::printf("\n%-13s %8s %8s %9s\n", "family", "models", "passed", "pass rate");
  int models_total = 0, passed_total = 0;
  for (const std::string& family : family_order) {
    const FamilyCount& c = per_family[family];
    models_total += c.models;
    passed_total += c.passed;
    std::printf("%-13s %8d %8d %8.0f%%\n", family.c_str(), c.models, c.passed, 100.0 * c.passed / std::max(c.models, 1));
  }
  std::printf("%-13s %8d %8d %8.0f%%\n", "all", models_total, passed_total,
              100.0 * passed_total / std::max(models_total, 1));
  std::printf("\n%zu kernel types on %s:", kernel_types.size(), target_name.c_str());
  for (const std::string& type : kernel_types) std::printf(" %s", type.c_str());
  std::printf("\n");
  for (const auto& [name, why] : failure) std::printf("failed: %s: %s\n", name.c_str(), why.c_str());
  return passed_total == models_total ? 0 : 2;
}
