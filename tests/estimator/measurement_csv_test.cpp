// Tests of the measurement CSV schema: round trips, and bad rows rejected with their line and column.
#include "hwnas/estimator/measurement_csv.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace hwnas::estimator {
namespace {

FeatureVector features_with(float in_c, bool memory_known) {
  FeatureVector f{};
  for (int i = 0; i < kFeatureCount; ++i) f[static_cast<size_t>(i)] = static_cast<float>(i) + 0.25f;
  f[kInC] = in_c;
  for (int i = kInputOffChip; i <= kOutputStriped; ++i) f[static_cast<size_t>(i)] = memory_known ? 1.0f : NAN;
  f[kOffChipBytes] = memory_known ? 1234.5f : NAN;
  f[kMacs] = 1.2345678e9f;
  return f;
}

MeasurementSet example() {
  MeasurementSet data;
  data.target = "my-phone";
  data.kernels.push_back({"conv2d+batch_norm+relu6", features_with(24, true), 41.5, 0.83, "net-a"});
  data.kernels.push_back({"add", features_with(7, false), 0.1234567890123, kNotMeasured, ""});
  data.kernels.push_back({"flatten", features_with(7, false), 0.0, kNotMeasured, ""});  // a view takes no time
  NetworkSample network;
  network.name = "net-a";
  network.latency_us = 2150.25;
  network.energy_uj = 12.5;
  network.kernels.push_back({"conv2d+batch_norm+relu6", features_with(24, true), kNotMeasured, kNotMeasured, "net-a"});
  network.kernels.push_back({"linear", features_with(1280, true), kNotMeasured, kNotMeasured, "net-a"});
  data.networks.push_back(network);
  return data;
}

bool same_bits(const FeatureVector& a, const FeatureVector& b) { return std::memcmp(a.data(), b.data(), sizeof a) == 0; }

TEST(MeasurementCsv, RoundTripsEveryValueExactly) {
  const MeasurementSet data = example();
  std::stringstream text;
  write_measurements_csv(data, text);
  Result<MeasurementSet> back = read_measurements_csv(text, "mem.csv");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->target, "my-phone");
  ASSERT_EQ(back->kernels.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->kernels[i].label, data.kernels[i].label);
    EXPECT_TRUE(same_bits(back->kernels[i].features, data.kernels[i].features)) << i;
    EXPECT_EQ(back->kernels[i].latency_us, data.kernels[i].latency_us);
    EXPECT_EQ(measured(back->kernels[i].energy_uj), measured(data.kernels[i].energy_uj));
    EXPECT_EQ(back->kernels[i].network, data.kernels[i].network);
  }
  EXPECT_EQ(back->kernels[0].energy_uj, 0.83);
  ASSERT_EQ(back->networks.size(), 1u);
  EXPECT_EQ(back->networks[0].name, "net-a");
  EXPECT_EQ(back->networks[0].latency_us, 2150.25);
  EXPECT_EQ(back->networks[0].energy_uj, 12.5);
  ASSERT_EQ(back->networks[0].kernels.size(), 2u);
  EXPECT_EQ(back->networks[0].kernels[1].label, "linear");
  EXPECT_TRUE(same_bits(back->networks[0].kernels[1].features, data.networks[0].kernels[1].features));
}

TEST(MeasurementCsv, ReadsTheDocumentedExampleFile) {
  Result<MeasurementSet> data = load_measurements_csv(std::string(HWNAS_TEST_DATA) + "/estimator/user-device.csv");
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->target, "my-npu");
  EXPECT_EQ(data->kernels.size(), 3u);
  ASSERT_EQ(data->networks.size(), 1u);
  EXPECT_EQ(data->networks[0].kernels.size(), 2u);
}

// The CSV text of example() with line `line` (1-based, counting the comment line) replaced.
std::string with_line(int line, const std::string& replacement) {
  std::stringstream text;
  write_measurements_csv(example(), text);
  std::string out, current;
  int number = 0;
  while (std::getline(text, current)) out += (++number == line ? replacement : current) + "\n";
  return out;
}

std::string line_of(int line) {
  std::stringstream text;
  write_measurements_csv(example(), text);
  std::string current;
  for (int i = 0; i < line && std::getline(text, current);) ++i;
  return current;
}

// Replaces field `column` (0-based) of a CSV line.
std::string with_field(std::string line, int column, const std::string& value) {
  size_t start = 0;
  for (int c = 0; c < column; ++c) start = line.find(',', start) + 1;
  size_t end = line.find(',', start);
  return line.replace(start, end == std::string::npos ? std::string::npos : end - start, value);
}

std::string error_of(const std::string& text) {
  std::istringstream in(text);
  Result<MeasurementSet> data = read_measurements_csv(in, "bad.csv");
  return data ? std::string("(accepted)") : data.error().message;
}

constexpr int kInCColumn = 4 + kInC;  // target, row, network, kernel_type, then the features

TEST(MeasurementCsv, RejectsBadRowsWithLineAndColumn) {
  // Line 1 is the comment, 2 the header, 3..5 kernels, 6 the network, 7..8 its members.
  struct Case {
    std::string text;
    std::string expected;
  } cases[] = {
      {with_line(3, with_field(line_of(3), kInCColumn, "abc")), "bad.csv:3: column 8 'in_c': 'abc' is not a number"},
      {with_line(4, with_field(line_of(4), kInCColumn, "-3")), "bad.csv:4: column 8 'in_c': '-3' is negative"},
      {with_line(4, with_field(line_of(4), kInCColumn, "")), "bad.csv:4: column 8 'in_c': is empty"},
      {with_line(3, with_field(line_of(3), kInCColumn, "inf")), "bad.csv:3: column 8 'in_c': 'inf' is not a number"},
      {with_line(5, line_of(5) + ",7"), "bad.csv:5: has " + std::to_string(kFeatureCount + 7) + " fields; the header has " +
                                             std::to_string(kFeatureCount + 6)},
      {with_line(3, with_field(line_of(3), 1, "kernal")), "bad.csv:3: column 2 'row': 'kernal' is not one of kernel, network, member"},
      {with_line(4, with_field(line_of(4), 0, "other-phone")), "bad.csv:4: column 1 'target': target 'other-phone' differs"},
      {with_line(3, with_field(line_of(3), 4 + kFeatureCount, "-1")), "bad.csv:3: column " +
                                                                         std::to_string(5 + kFeatureCount) + " 'latency_us': '-1' is negative"},
      {with_line(6, with_field(line_of(6), 4 + kFeatureCount, "0")), "bad.csv:6: column " +
                                                                        std::to_string(5 + kFeatureCount) + " 'latency_us': must be above 0 for a timed network"},
      {with_line(7, with_field(line_of(7), 4 + kFeatureCount, "5")), "bad.csv:7: column " +
                                                                        std::to_string(5 + kFeatureCount) + " 'latency_us': must be empty on a member row"},
      {with_line(7, with_field(line_of(7), 2, "net-b")), "bad.csv:7: column 3 'network': member of 'net-b', which has no network row"},
      {with_line(7, with_field(line_of(7), 4 + kInputOffChip, "2")), "bad.csv:7: column " + std::to_string(5 + kInputOffChip) +
                                                                        " 'input_off_chip': must be 0, 1 or empty"},
      {with_line(6, with_field(line_of(6), 3, "add")), "bad.csv:6: column 4 'kernel_type': must be empty on a network row"},
      {with_line(3, with_field(line_of(3), 3, "")), "bad.csv:3: column 4 'kernel_type': is empty"},
      {with_line(2, with_field(line_of(2), kInCColumn, "in_channels")), "bad.csv:2: column 8: unknown column 'in_channels'"},
      {with_line(2, with_field(line_of(2), kInCColumn, "in_h")), "bad.csv:2: column 8: 'in_h' appears twice"},
      {with_line(8, "") + line_of(6) + "\n", "bad.csv:9: column 3 'network': network 'net-a' already has a row at line 6"},
      {"# nothing\n", "bad.csv: no header line"},
      {line_of(2) + "\n", "bad.csv: no measurements after the header"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of(c.text);
    EXPECT_EQ(message.rfind(c.expected, 0), 0u) << "expected a message starting\n  " << c.expected << "\ngot\n  " << message;
  }
}

TEST(MeasurementCsv, RejectsANetworkWithoutMembers) {
  std::string text = with_line(7, "");
  text = text.substr(0, text.rfind(line_of(8)));  // drop both members
  EXPECT_EQ(error_of(text).rfind("bad.csv:6: network 'net-a' has no member rows", 0), 0u) << error_of(text);
}

TEST(MeasurementCsv, AcceptsColumnsInAnyOrderAndSkipsCommentsAndBlankLines) {
  std::stringstream text;
  write_measurements_csv(example(), text);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(text, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream fs(line);
    std::string f;
    while (std::getline(fs, f, ',')) fields.push_back(f);
    if (line.back() == ',') fields.push_back("");
    std::swap(fields[0], fields.back());  // move the target column to the end
    rows.push_back(fields);
  }
  std::string shuffled = "# user comment\n\n";
  for (const auto& fields : rows) {
    for (size_t i = 0; i < fields.size(); ++i) shuffled += (i ? "," : "") + fields[i];
    shuffled += "\n\n";
  }
  std::istringstream in(shuffled);
  Result<MeasurementSet> back = read_measurements_csv(in, "shuffled.csv");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kernels.size(), 3u);
  EXPECT_EQ(back->kernels[0].latency_us, 41.5);
}

TEST(MeasurementCsv, SaveAndLoadThroughAFile) {
  const std::string path = testing::TempDir() + "/hwnas-measurements.csv";
  ASSERT_TRUE(save_measurements_csv(example(), path));
  Result<MeasurementSet> back = load_measurements_csv(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kernels.size(), 3u);
  Result<MeasurementSet> missing = load_measurements_csv(path + ".nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::estimator
