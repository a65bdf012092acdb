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

}  // namespace
}  // namespace hwnas::libtorch
