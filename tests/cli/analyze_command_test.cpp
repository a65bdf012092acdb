// The hwnas commands run in process: reports checked against the libraries; error statuses and messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "in_process.h"
#include "format.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/memory_schedule.h"
#include "hwnas/analysis/peak_memory.h"
#include "hwnas/ir/builder.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/text/yaml_format.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::cli {
namespace {

using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_analyze, register_zoo}, args); }

ir::Graph zoo_model(const std::string& name, int64_t resolution) {
  zoo::ZooOptions options;
  options.resolution = resolution;
  auto graph = zoo::build_model(name, options);
  EXPECT_TRUE(graph.ok()) << (graph.ok() ? "" : graph.error().message);
  return graph.ok() ? std::move(graph.value()) : ir::Graph{};
}

// A fresh directory for this test's files, removed when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(testing::TempDir()) / (std::string("hwnas_cli_") + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The error path: status, one "hwnas: error:" line holding `fragment`, nothing on stdout.
void expect_error(const std::vector<std::string>& args, int status, const std::string& fragment) {
  RunResult r = run(args);
  std::string command;
  for (const auto& a : args) command += " " + a;
  EXPECT_EQ(r.status, status) << "hwnas" << command << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("hwnas: error: ", 0), 0U) << "hwnas" << command << ": " << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << "hwnas" << command << ": " << r.err;
  EXPECT_EQ(r.out, "") << "hwnas" << command;
}

TEST(AnalyzeCommand, TextReportHasLayersTotalsAndPeaks) {
  RunResult r = run({"analyze", "mobilenet_v2", "--resolution", "96"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ir::Graph graph = zoo_model("mobilenet_v2", 96);
  analysis::CostSummary cost = analysis::analyze_cost(graph);
  analysis::PeakMemory given = analysis::peak_memory_in_graph_order(graph, ir::Precision::Int8);
  for (const std::string& expected : std::vector<std::string>{
           std::string("zoo model 'mobilenet_v2' (width 1, 96x96, 1000 classes)"),
           std::string("output (int8)"), graph.node(1).name, graph.nodes().back().name,
           with_thousands(cost.macs), with_thousands(cost.flops), with_thousands(cost.params),
           with_thousands(analysis::weight_bytes(graph, ir::Precision::Fp16)) + " B",
           std::string("peak activation memory, int8"), "graph order  " + human_bytes(given.peak_bytes),
           graph.node(given.peak_node).describe()})
    EXPECT_NE(r.out.find(expected), std::string::npos) << "missing '" << expected << "' in\n" << r.out;
}

TEST(AnalyzeCommand, JsonAgreesWithTheLibraries) {
  RunResult r = run({"analyze", "resnet18", "--resolution", "64", "--precision", "fp32", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ir::Graph graph = zoo_model("resnet18", 64);
  analysis::CostSummary cost = analysis::analyze_cost(graph);
  EXPECT_EQ(j["model"], graph.name());
  EXPECT_EQ(j["precision"], "fp32");
  ASSERT_EQ(j["layers"].size(), graph.size());
  EXPECT_EQ(j["layers"][1]["name"], graph.node(1).name);
  EXPECT_EQ(j["layers"][1]["macs"], cost.layers[1].macs);
  EXPECT_EQ(j["layers"][1]["output_bytes"], 4 * graph.node(1).shape.numel());
  EXPECT_EQ(j["totals"]["macs"], cost.macs);
  EXPECT_EQ(j["totals"]["flops"], cost.flops);
  EXPECT_EQ(j["totals"]["params"], cost.params);
  EXPECT_EQ(j["totals"]["buffers"], cost.buffers);
  EXPECT_EQ(j["totals"]["weight_bytes"]["int16"], analysis::weight_bytes(graph, ir::Precision::Int16));
  const auto& peak = j["peak_memory"];
  EXPECT_EQ(peak["graph_order"]["bytes"],
            analysis::peak_memory_in_graph_order(graph, ir::Precision::Fp32).peak_bytes);
  EXPECT_EQ(peak["best_order"]["bytes"],
            analysis::minimal_peak_memory(graph, ir::Precision::Fp32).best.peak_bytes);
  EXPECT_LE(peak["best_order"]["bytes"].get<int64_t>(), peak["graph_order"]["bytes"].get<int64_t>());
  EXPECT_EQ(peak["best_order"]["order"].size(), graph.size());
  EXPECT_EQ(peak["graph_order"]["live_bytes_per_step"].size(), graph.size());
  EXPECT_TRUE(peak["best_order"]["exact"].get<bool>());
}

TEST(AnalyzeCommand, ZooSummaryHasOneRowPerModel) {
  RunResult json_run = run({"analyze", "--zoo", "--resolution", "64", "--json"});
  ASSERT_EQ(json_run.status, 0) << json_run.err;
  nlohmann::json j = nlohmann::json::parse(json_run.out);
  const auto& names = zoo::model_names();
  ASSERT_EQ(j["models"].size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& m = j["models"][i];
    EXPECT_EQ(m["model"], names[i]);
    EXPECT_EQ(m["macs"], analysis::analyze_cost(zoo_model(names[i], 64)).macs) << names[i];
    EXPECT_LE(m["peak_bytes"]["best_order"].get<int64_t>(), m["peak_bytes"]["graph_order"].get<int64_t>())
        << names[i];
    EXPECT_LE(m["peak_bytes"]["lower_bound"].get<int64_t>(), m["peak_bytes"]["best_order"].get<int64_t>())
        << names[i];
  }
  RunResult text_run = run({"analyze", "--zoo", "--resolution", "64", "--precision", "fp16"});
  ASSERT_EQ(text_run.status, 0) << text_run.err;
  EXPECT_NE(text_run.out.find("width 1, 64x64, 1000 classes, batch 1; weights and activations fp16"),
            std::string::npos)
      << text_run.out;
  for (const std::string& name : names)
    EXPECT_NE(text_run.out.find("\n" + name + " "), std::string::npos) << name;
}

TEST(AnalyzeCommand, LoadsYamlFiles) {
  ir::Graph graph = zoo_model("mobilenet_v3_small", 64);
  ScratchDir dir;
  const std::string path = (dir / "net.yaml").string();
  ASSERT_TRUE(text::save_yaml(graph, path).ok());
  RunResult r = run({"analyze", path, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["source"], "file '" + path + "'");
  EXPECT_EQ(j["totals"]["macs"], analysis::analyze_cost(graph).macs);
  EXPECT_EQ(j["peak_memory"]["graph_order"]["bytes"],
            analysis::peak_memory_in_graph_order(graph, ir::Precision::Int8).peak_bytes);
}

TEST(AnalyzeCommand, LoadsOnnxFiles) {
  ir::Graph graph = zoo_model("resnet18", 64);
  ScratchDir dir;
  const std::string path = (dir / "net.onnx").string();
  Status saved = onnx_io::export_onnx_file(graph, path);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  RunResult r = run({"analyze", path, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["totals"]["macs"], analysis::analyze_cost(graph).macs);
  EXPECT_EQ(j["totals"]["params"], analysis::analyze_cost(graph).params);
}

TEST(AnalyzeCommand, BadModelsFailWithStatusOne) {
  expect_error({"analyze", "no_such_network"}, 1, "unknown model 'no_such_network'");
  expect_error({"analyze", "no_such_network"}, 1, "run 'hwnas zoo'");
  expect_error({"analyze", "resnet19"}, 1, "did you mean 'resnet18'?");
  expect_error({"analyze", "missing.onnx"}, 1, "model file 'missing.onnx' does not exist");
  expect_error({"analyze", "resnet18", "--resolution", "16"}, 1, "resolution must be in");

  ScratchDir dir;
  const std::string text_file = (dir / "notes.txt").string();
  std::ofstream(text_file) << "not a model\n";
  expect_error({"analyze", text_file}, 1, "unknown type '.txt'");
  const std::string bad_yaml = (dir / "bad.yaml").string();
  std::ofstream(bad_yaml) << "just: [a, list\n";
  expect_error({"analyze", bad_yaml}, 1, "bad.yaml");
  const std::string bad_onnx = (dir / "bad.onnx").string();
  std::ofstream(bad_onnx) << "these bytes are not a protobuf";
  expect_error({"analyze", bad_onnx}, 1, "bad.onnx");
}

TEST(AnalyzeCommand, MisuseFailsWithStatusTwo) {
  expect_error({"analyze"}, 2, "give a MODEL");
  expect_error({"analyze", "resnet18", "--zoo"}, 2, "not both");
  expect_error({"analyze", "resnet18", "--precision", "int4"}, 2, "int4");
  expect_error({"analyze", "resnet18", "--width", "-1"}, 2, "--width");
  expect_error({"analyze", "net.onnx", "--width", "0.5"}, 2, "apply to zoo models");
  expect_error({"analyze", "resnet18", "--search-budget", "0"}, 2, "--search-budget");
  expect_error({"analyze", "resnet18", "--bogus"}, 2, "--bogus");
  expect_error({"frobnicate"}, 2, "unknown command 'frobnicate' (commands: analyze, zoo)");
  expect_error({}, 2, "subcommand");
  RunResult usage = run({"analyze", "--bogus"});
  EXPECT_NE(usage.err.find("Run 'hwnas analyze --help' for usage."), std::string::npos) << usage.err;
}

// Eight parallel 1x1-conv chains from one input, wide inside and narrow at their ends, joined
// by a concat: the best order needs a search over many node sets.
ir::Graph parallel_head() {
  ir::Graph g("head");
  ir::Builder b(g);
  ir::NodeId x = b.input({1, 8, 2, 2}, "x");
  std::vector<ir::NodeId> ends;
  const int64_t wide[8][2] = {{20, 7}, {31, 12}, {9, 26}, {17, 30}, {28, 5}, {11, 23}, {25, 14}, {6, 19}};
  for (int branch = 0; branch < 8; ++branch) {
    ir::NodeId y = x;
    for (int64_t channels : {wide[branch][0], wide[branch][1], int64_t{1 + branch % 3}})
      y = b.conv(y, ir::Conv2dAttrs::make(channels, 1),
                 "b" + std::to_string(branch) + "_" + std::to_string(channels));
    ends.push_back(y);
  }
  b.concat(ends);
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return g;
}

TEST(AnalyzeCommand, HeuristicFallbackIsReported) {
  ScratchDir dir;
  const std::string path = (dir / "head.yaml").string();
  ASSERT_TRUE(text::save_yaml(parallel_head(), path).ok());
  RunResult tight = run({"analyze", path, "--search-budget", "3", "--json"});
  ASSERT_EQ(tight.status, 0) << tight.err;
  nlohmann::json best = nlohmann::json::parse(tight.out)["peak_memory"]["best_order"];
  EXPECT_FALSE(best["exact"].get<bool>()) << best["method"];
  EXPECT_EQ(best["method"].get<std::string>().rfind("heuristic", 0), 0U) << best["method"];
  EXPECT_LT(best["lower_bound_bytes"].get<int64_t>(), best["bytes"].get<int64_t>());
  RunResult text_run = run({"analyze", path, "--search-budget", "3"});
  EXPECT_NE(text_run.out.find("no order is below"), std::string::npos) << text_run.out;

  RunResult full = run({"analyze", path, "--json"});
  ASSERT_EQ(full.status, 0) << full.err;
  nlohmann::json exact = nlohmann::json::parse(full.out)["peak_memory"]["best_order"];
  EXPECT_TRUE(exact["exact"].get<bool>()) << exact["method"];
  EXPECT_LE(exact["bytes"].get<int64_t>(), best["bytes"].get<int64_t>());
  EXPECT_GE(exact["bytes"].get<int64_t>(), best["lower_bound_bytes"].get<int64_t>());
}

TEST(AppCommand, HelpSucceeds) {
  RunResult r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("analyze"), std::string::npos) << r.out;
  RunResult sub = run({"analyze", "--help"});
  EXPECT_EQ(sub.status, 0);
  EXPECT_NE(sub.out.find("--search-budget"), std::string::npos) << sub.out;
}

TEST(ZooCommand, ListsEveryModel) {
  RunResult r = run({"zoo"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string expected;
  for (const std::string& name : zoo::model_names()) expected += name + "\n";
  EXPECT_EQ(r.out, expected);
}

TEST(Format, NumbersReadWell) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(300774272), "300,774,272");
  EXPECT_EQ(with_thousands(-1234567), "-1,234,567");
  EXPECT_EQ(human_count(864), "864");
  EXPECT_EQ(human_count(3504872), "3.50M");
  EXPECT_EQ(human_count(300774272), "301M");
  EXPECT_EQ(human_count(99960), "100K");
  EXPECT_EQ(human_count(999999), "1.00M");
  EXPECT_EQ(human_count(1154000000), "1.15G");
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(401408), "392 KiB");
  EXPECT_EQ(human_bytes(2408448), "2.30 MiB");
  EXPECT_EQ(human_bytes(1024), "1.00 KiB");
  EXPECT_EQ(percent(0.4736), "47.4%");
}

TEST(Format, TablesPadColumns) {
  TextTable table;
  table.add_column("name", TextTable::Align::Left);
  table.add_column("n", TextTable::Align::Right);
  table.add_row({"a", "100"});
  table.add_row({"longer", "2"});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(), "name      n\n------  ---\na       100\nlonger    2\n");
}

}  // namespace
}  // namespace hwnas::cli
