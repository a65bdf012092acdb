// Accelerator specs: the presets' published figures, and specs that must be rejected with the field named.
#include "hwnas/hw/accelerator_spec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "hwnas/hw/presets.h"

namespace hwnas::hw {
namespace {

AcceleratorSpec preset(const std::string& name) {
  auto spec = load_preset(name);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? *spec : AcceleratorSpec{};
}

TEST(Presets, AllParseAndAreNamedAfterTheirFile) {
  const auto names = preset_names();
  EXPECT_EQ(names, (std::vector<std::string>{"edge-tpu-like", "ethos-u55-256", "ethos-u65-512", "htp-like"}));
  for (const std::string& name : names) {
    AcceleratorSpec spec = preset(name);
    EXPECT_EQ(spec.name, name);
    EXPECT_FALSE(spec.description.empty()) << name;
  }
}

TEST(Presets, EmbeddedTextEqualsTheFilesInTargets) {
  for (const std::string& name : preset_names()) {
    std::ifstream file(std::string(HWNAS_TEST_DATA) + "/../../targets/" + name + ".yaml");
    ASSERT_TRUE(file) << name;
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_EQ(text.str(), std::string(*preset_yaml(name))) << name << ": rebuild to re-embed targets/*.yaml";
  }
}

// Vela's architecture_features.py and vela.ini (ANCHORS.md): U55-256 = 2x2x8 x 8 MACs at
// 500 MHz, SRAM 4 GB/s, flash 0.5 GB/s; U65-512 = two 256-MAC cores at 1 GHz, SRAM 16 GB/s,
// DRAM 3.75 GB/s.
TEST(Presets, EthosFiguresMatchVela) {
  AcceleratorSpec u55 = preset("ethos-u55-256");
  EXPECT_EQ(u55.macs_per_cycle(), 256);
  EXPECT_DOUBLE_EQ(u55.peak_tops(), 0.256);  // 2 x 256 x 500e6
  EXPECT_DOUBLE_EQ(u55.sram.bytes_per_cycle, 8.0);
  EXPECT_DOUBLE_EQ(u55.dram.bytes_per_cycle, 1.0);
  EXPECT_DOUBLE_EQ(u55.bandwidth_gbps(u55.sram), 4.0);
  EXPECT_DOUBLE_EQ(u55.bandwidth_gbps(u55.dram), 0.5);
  EXPECT_EQ(u55.ifm_block_depth(), 32);
  EXPECT_EQ(u55.channel_padding, 16);
  EXPECT_EQ(u55.mac_array.shared_buffer_bytes, 46 * 1024);

  AcceleratorSpec u65 = preset("ethos-u65-512");
  EXPECT_EQ(u65.macs_per_cycle(), 512);
  EXPECT_DOUBLE_EQ(u65.peak_tops(), 1.024);
  EXPECT_DOUBLE_EQ(u65.sram.bytes_per_cycle, 16.0);
  EXPECT_DOUBLE_EQ(u65.dram.bytes_per_cycle, 3.75);
  EXPECT_EQ(u65.dram.read_latency_cycles, 500);
  EXPECT_EQ(u65.dram.write_latency_cycles, 250);
  EXPECT_EQ(u65.dram.burst_bytes, 128);
}

TEST(Presets, EdgeTpuAndHtpLikeFigures) {
  AcceleratorSpec edge = preset("edge-tpu-like");
  EXPECT_NEAR(edge.peak_tops(), 4.0, 0.1);           // "4 TOPS"
  EXPECT_EQ(edge.sram.size_bytes, 8 * 1024 * 1024);  // "about 8 MB on chip"
  AcceleratorSpec htp = preset("htp-like");
  EXPECT_EQ(htp.channel_multiple(), 32);  // activation channels rounded up to 32
  EXPECT_EQ(htp.channel_padding, 32);
}

TEST(Presets, UnknownPresetSuggestsTheNearest) {
  auto spec = load_preset("ethos-u55-265");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("did you mean 'ethos-u55-256'"), std::string::npos)
      << spec.error().message;
}

// A complete, valid spec; the rejection tests edit one line of it.
const char* kValidSpec = R"(name: tiny
clock_mhz: 100
precision: int8
mac_array:
  micro_block: {height: 1, width: 1, depth: 8}
  dot_product_width: 8
  ifm_block_depth: 32
memory:
  sram: {size_kb: 64, bandwidth_gbps: 0.8}
  dram: {bandwidth_gbps: 0.1}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(AcceleratorSpec, MinimalSpecTakesDocumentedDefaults) {
  auto spec = parse_accelerator_spec(kValidSpec, "tiny.yaml");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->macs_per_cycle(), 64);
  EXPECT_DOUBLE_EQ(spec->sram.bytes_per_cycle, 8.0);     // 0.8 GB/s at 100 MHz
  EXPECT_DOUBLE_EQ(spec->vector_unit.add_cycles, 0.75);  // Vela's rescaled add
  EXPECT_DOUBLE_EQ(spec->vector_unit.lut_cycles, 1.0);
  EXPECT_DOUBLE_EQ(spec->vector_unit.default_cycles, 0.25);
  EXPECT_TRUE(spec->fusion.batch_norm);
  EXPECT_EQ(spec->source, "tiny.yaml");
}

TEST(AcceleratorSpec, SixteenBitActivationsHalveTheArray) {
  auto int16 = parse_accelerator_spec(replace(kValidSpec, "precision: int8", "precision: int16"), "t.yaml");
  ASSERT_TRUE(int16.ok()) << int16.error().message;
  EXPECT_EQ(int16->ifm_block_depth(), 16);
  EXPECT_EQ(int16->macs_per_cycle(), 32);
  EXPECT_EQ(int16->int8_macs_per_cycle(), 64);
}

struct Rejection {
  std::string from, to;
  std::vector<std::string> expected;  // substrings of the error
};

TEST(AcceleratorSpec, RejectsImpossibleSpecsNamingFileLineAndField) {
  const std::vector<Rejection> cases = {
      {"depth: 8}", "depth: 0}", {"bad.yaml:5:", "mac_array.micro_block.depth", "zero MACs"}},
      {"dot_product_width: 8",
       "dot_product_width: 0",
       {"bad.yaml:6:", "mac_array.dot_product_width", "zero MACs"}},
      {"dram: {bandwidth_gbps: 0.1}",
       "dram: {bandwidth_gbps: -0.1}",
       {"bad.yaml:10:", "memory.dram.bandwidth_gbps", "positive"}},
      {"clock_mhz: 100",
       "clok_mhz: 100",
       {"bad.yaml:2:", "clok_mhz", "unknown field", "did you mean 'clock_mhz'"}},
      {"clock_mhz: 100", "clock_mhz: fast", {"bad.yaml:2:", "clock_mhz", "expected a number", "fast"}},
      {"ifm_block_depth: 32",
       "ifm_block_depth: 32.5",
       {"bad.yaml:7:", "mac_array.ifm_block_depth", "integer"}},
      {"clock_mhz: 100\n", "", {"bad.yaml:1:", "clock_mhz", "missing field"}},
      {"  dram: {bandwidth_gbps: 0.1}\n", "", {"bad.yaml:9:", "memory.dram", "missing field"}},
      {"precision: int8", "precision: int4", {"bad.yaml:3:", "precision", "int4"}},
      {"precision: int8", "precision: fp32", {"precision", "int8, int16 or fp16"}},
      {"sram: {size_kb: 64, bandwidth_gbps: 0.8}",
       "sram: {size_kb: 64, bandwidth_gbps: 0.8, bytes_per_cycle: 8}",
       {"memory.sram.bytes_per_cycle", "not both"}},
      {"sram: {size_kb: 64, bandwidth_gbps: 0.8}",
       "sram: {size_kb: 64}",
       {"memory.sram.bandwidth_gbps", "missing"}},
      {"sram: {size_kb: 64,", "sram: {size_kb: 0,", {"memory.sram.size_kb", "at least 1"}},
      {"ifm_block_depth: 32",
       "ifm_block_depth: 12",
       {"mac_array.ifm_block_depth", "multiple of dot_product_width"}},
      {"ifm_block_depth: 32",
       "ifm_block_depth: 32\n  depthwise_kernel_step: 64",
       {"bad.yaml:8:", "mac_array.depthwise_kernel_step", "beat the array's peak"}},
      {"ifm_block_depth: 32",
       "ifm_block_depth: 32\n  shared_buffer_kb: 0",
       {"mac_array.shared_buffer_kb", "at least 1"}},
      {"name: tiny", "name: [tiny]", {"bad.yaml:1:", "name", "single value"}},
      {"name: tiny", "name: tiny\nvector_unit: 3", {"bad.yaml:2:", "vector_unit", "mapping"}},
      {"memory:\n", "memory:\n  weight_cache_kb: 128\n", {"memory.weight_cache_kb", "must not exceed"}},
      {"name: tiny",
       "name: tiny\nfusion: {cascade: maybe}",
       {"bad.yaml:2:", "fusion.cascade", "true or false"}},
      {"name: tiny",
       "name: tiny\nvector_unit: {cycles_per_element: {ad: 0.5}}",
       {"vector_unit.cycles_per_element.ad", "did you mean 'add'"}},
      {"name: tiny", "name: tiny\nenergy_pj: {mac: -1}", {"energy_pj.mac", "negative"}},
      {"mac_array:", "mac_array: {", {"bad.yaml:", "invalid YAML"}},
      {"sram: {size_kb: 64,", "sram: {size_kb: 99999999999999999,", {"memory.sram.size_kb", "at most"}},
      {"depth: 8}", "depth: 99999999999999999999999}", {"mac_array.micro_block.depth", "integer"}},
      {"dram: {bandwidth_gbps: 0.1}",
       "dram: {bandwidth_gbps: 1e-300}",
       {"memory.dram.bandwidth_gbps", "must lie in"}},
      {"clock_mhz: 100", "clock_mhz: .inf", {"clock_mhz", "expected a number"}},
  };
  for (const Rejection& c : cases) {
    const std::string text = replace(kValidSpec, c.from, c.to);
    auto spec = parse_accelerator_spec(text, "bad.yaml");
    ASSERT_FALSE(spec.ok()) << "accepted:\n" << text;
    for (const std::string& part : c.expected)
      EXPECT_NE(spec.error().message.find(part), std::string::npos)
          << "error '" << spec.error().message << "' lacks '" << part << "' for:\n"
          << text;
  }
}

TEST(AcceleratorSpec, Int16NeedsEvenBlocks) {
  std::string text = replace(kValidSpec, "precision: int8", "precision: int16");
  text = replace(text, "dot_product_width: 8", "dot_product_width: 1");
  text = replace(text, "ifm_block_depth: 32", "ifm_block_depth: 3");
  auto spec = parse_accelerator_spec(text, "odd.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("even"), std::string::npos) << spec.error().message;
}

TEST(AcceleratorSpec, MissingFileAndEmptyText) {
  auto missing = load_accelerator_spec("/nonexistent/npu.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/npu.yaml"), std::string::npos);
  auto empty = parse_accelerator_spec("", "empty.yaml");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty.yaml"), std::string::npos);
  auto list = parse_accelerator_spec("- 1\n- 2\n", "list.yaml");
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("mapping"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::hw
