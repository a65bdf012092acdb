// `hwnas measure --csv | --summary`: Vela's per-layer and summary columns, consistent with each
// other, with the JSON and with the simulator's own totals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "in_process.h"

namespace hwnas::cli {
namespace {

using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_measure}, args); }

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string c; std::getline(in, c, ',');) cells.push_back(c);
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

std::vector<std::vector<std::string>> rows_of(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(split(line));
  return rows;
}

TEST(MeasureCommand, PerLayerCsvHasVelasColumnsAndAddsUpToTheSummary) {
  RunResult csv = run({"measure", "--target", "ethos-u55-256", "mobilenet_v2", "--csv"});
  ASSERT_EQ(csv.status, 0) << csv.err;
  const auto rows = rows_of(csv.out);
  ASSERT_GT(rows.size(), 10u);
  const std::vector<std::string> header = rows[0];
  const std::vector<std::string> expected{"Index", "Op", "Name", "SRAM Usage", "Peak%", "Op Cycles", "Network%", "NPU", "SRAM AC",
                                          "DRAM AC", "MAC Count", "Network% (MAC)", "Util%", "Bound", "Latency us"};
  ASSERT_EQ(header, expected);
  RunResult json = run({"measure", "--target", "ethos-u55-256", "mobilenet_v2", "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(rows.size() - 1, j["kernels"].size());
  double cycles = 0, peak_percent = 0, network_percent = 0;
  int64_t macs = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    ASSERT_EQ(row.size(), header.size()) << r;
    const double op = std::stod(row[5]);
    cycles += op;
    network_percent += std::stod(row[6]);
    macs += std::stoll(row[10]);
    if (!row[4].empty()) peak_percent = std::max(peak_percent, std::stod(row[4]));
    // a kernel takes the largest of its NPU, SRAM and off-chip cycles, plus its overhead
    for (int c : {7, 8, 9})
      if (!row[static_cast<size_t>(c)].empty()) EXPECT_LE(std::stod(row[static_cast<size_t>(c)]), op + 1) << "row " << r << " col " << c;
    EXPECT_EQ(row[13], j["kernels"][r - 1]["bound"]);
  }
  EXPECT_NEAR(network_percent, 100.0, 0.1);
  EXPECT_DOUBLE_EQ(peak_percent, 100.0);  // the kernel at the peak of SRAM usage

  RunResult summary = run({"measure", "--target", "ethos-u55-256", "mobilenet_v2", "--summary"});
  ASSERT_EQ(summary.status, 0) << summary.err;
  const auto s = rows_of(summary.out);
  ASSERT_EQ(s.size(), 2u);
  ASSERT_EQ(s[0][4], "cycles_total");
  EXPECT_NEAR(std::stod(s[1][4]), cycles, 1.0);
  EXPECT_EQ(s[0][8], "macs");
  EXPECT_EQ(std::stoll(s[1][8]), macs);
  EXPECT_EQ(s[0][13], "inference_time_us");
  EXPECT_NEAR(std::stod(s[1][13]), j["latency_us"].get<double>(), 1e-3);
  EXPECT_EQ(s[0][10], "sram_memory_used_bytes");
  EXPECT_GT(std::stoll(s[1][10]), 0);
}

TEST(MeasureCommand, OutputsAreExclusive) {
  RunResult both = run({"measure", "--target", "ethos-u55-256", "mobilenet_v2", "--csv", "--json"});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--json, --csv and --summary are different outputs"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace hwnas::cli
