// torchvision models exported at test time (scripts/torchvision_fixtures.py, random weights) import
// with PyTorch's parameters (after BatchNorm folding) and MACs, compute PyTorch's outputs through
// libtorch, and re-export to ONNX that both onnx checkers accept.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hwnas/onnx/onnx_import.h"
#include "hwnas/space/derive.h"
#include "hwnas/torch/import_check.h"

namespace hwnas::libtorch {
namespace {

const std::string kDir = HWNAS_TORCHVISION_FIXTURES;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const nlohmann::json& manifest() {
  static const nlohmann::json m = [] {
    std::string text = read_bytes(kDir + "/manifest.json");
    return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
  }();
  return m;
}

double relative(int64_t actual, int64_t expected) {
  return std::abs(static_cast<double>(actual - expected)) / static_cast<double>(std::max<int64_t>(expected, 1));
}

TEST(TorchvisionImport, TheFixturesWereMade) {
  ASSERT_FALSE(manifest().empty())
      << kDir << "/manifest.json is missing: the ctest fixture 'torchvision_fixtures' runs "
      << "/usr/bin/python3 scripts/torchvision_fixtures.py, which needs Debian's python3-torchvision and "
      << "python3-onnx (scripts/deps installs them)";
  EXPECT_GE(manifest().size(), 3u);
}

TEST(TorchvisionImport, EveryModelImportsMatchesPyTorchAndReexports) {
  for (const auto& [name, entry] : manifest().items()) {
    SCOPED_TRACE(name);
    ASSERT_FALSE(entry.contains("export_error")) << "PyTorch could not export it: " << entry["export_error"];
    std::vector<std::string> outputs;
    for (const auto& file : entry.at("outputs")) outputs.push_back(kDir + "/" + file.get<std::string>());
    auto check = check_import_files(kDir + "/" + entry.at("file").get<std::string>(),
                                    kDir + "/" + entry.at("input").get<std::string>(), outputs);
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_LE(relative(check->params, entry.at("params_after_bn_folding").get<int64_t>()), 0.01)
        << check->params << " params, PyTorch (BatchNorms folded) " << entry.at("params_after_bn_folding");
    EXPECT_LE(relative(check->macs, entry.at("torch_macs").get<int64_t>()), 0.01)
        << check->macs << " MACs, PyTorch " << entry.at("torch_macs");
    EXPECT_LE(check->worst_relative_error, 1e-4);
    EXPECT_TRUE(check->reexport.ok()) << check->reexport.error().message;
    const std::string path = kDir + "/" + name + ".hwnas.onnx";
    std::ofstream(path, std::ios::binary) << check->reexported;
    const std::string command = "/usr/bin/python3 " + std::string(HWNAS_SOURCE_DIR) +
                                "/scripts/torchvision_fixtures.py --check " + path + " > " + path + ".check 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << "onnx.checker.check_model(full_check=True): " << read_bytes(path + ".check");
  }
}

// space derive on each export: what the matcher recognises is searched, the rest kept fixed
// (ShuffleNet's split branches, the LR-ASPP head, torchvision's SSDLite head, which reshapes and
// concatenates); the baseline point with the network's weights gives the network's outputs.
TEST(TorchvisionImport, EveryModelDerivesASpaceWhoseBaselineComputesIt) {
  for (const auto& [name, entry] : manifest().items()) {
    SCOPED_TRACE(name);
    ASSERT_FALSE(entry.contains("export_error")) << entry["export_error"];
    auto graph = onnx_io::import_onnx_file(kDir + "/" + entry.at("file").get<std::string>());
    ASSERT_TRUE(graph.ok()) << graph.error().message;
    auto derived = space::derive_space(*graph, {.channel_multiple = 16, .name = name});
    ASSERT_TRUE(derived.ok()) << derived.error().message;
    int searched = 0;
    for (const space::DerivedStage& s : derived->stages) searched += s.fixed.empty();
    const bool fixed_head = !derived->fixed_parts.empty() && derived->fixed_parts.back().name == "head";
    if (name.rfind("shufflenet", 0) == 0) {  // split, shuffle and concat in every block: kept fixed
      EXPECT_FALSE(derived->fixed_parts.empty()) << derived->yaml;
    } else {
      EXPECT_GE(searched, 6) << derived->yaml;
    }
    if (name.rfind("lraspp", 0) == 0)  // the head is matched and its width searched; the dilated blocks kept
      EXPECT_NE(derived->yaml.find("head: {type: segmentation, classes: 21, channels: ["), std::string::npos) << derived->yaml;
    if (name.rfind("ssdlite", 0) == 0) EXPECT_TRUE(fixed_head) << derived->yaml;  // it reshapes and concatenates
    if (name.rfind("mnasnet", 0) == 0) EXPECT_TRUE(derived->fixed_parts.empty()) << derived->yaml;

    auto space = space::parse_space(derived->yaml, name + ".yaml", {.channel_multiple = 16});
    ASSERT_TRUE(space.ok()) << space.error().message;
    auto arch = space->parse_key(derived->baseline_key);
    ASSERT_TRUE(arch.ok()) << arch.error().message;
    auto weighted = space::baseline_with_weights(*graph, *space, *arch);
    ASSERT_TRUE(weighted.ok()) << weighted.error().message;
    auto input = read_f32_file(kDir + "/" + entry.at("input").get<std::string>());
    ASSERT_TRUE(input.ok()) << input.error().message;
    auto expected = run_graph(*graph, *input, name);
    ASSERT_TRUE(expected.ok()) << expected.error().message;
    auto compared = compare_outputs(*weighted, *input, *expected, name + " (baseline point)");
    ASSERT_TRUE(compared.ok()) << compared.error().message;
    EXPECT_LE(compared->worst_relative_error, 1e-4);
  }
}

}  // namespace
}  // namespace hwnas::libtorch
