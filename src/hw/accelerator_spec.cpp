// Parsing and validation of the accelerator YAML spec, with errors naming file, line and field.
#include "hwnas/hw/accelerator_spec.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "hwnas/text/strict_yaml.h"

namespace hwnas::hw {

int64_t AcceleratorSpec::int8_macs_per_cycle() const {
  const MacArraySpec& m = mac_array;
  return m.micro_block_height * m.micro_block_width * m.micro_block_depth * m.dot_product_width * m.cores;
}

int64_t AcceleratorSpec::macs_per_cycle(ir::Precision p) const {
  return wide_activations(p) ? std::max<int64_t>(1, int8_macs_per_cycle() / 2) : int8_macs_per_cycle();
}

double AcceleratorSpec::peak_tops() const {
  return 2.0 * static_cast<double>(macs_per_cycle()) * clock_mhz * 1e6 / 1e12;
}

double AcceleratorSpec::bandwidth_gbps(const MemoryLevelSpec& level) const {
  return level.bytes_per_cycle * clock_mhz * 1e6 / 1e9;
}

int64_t AcceleratorSpec::channel_multiple() const {
  return std::max(mac_array.micro_block_depth, ifm_block_depth());
}

int64_t AcceleratorSpec::ifm_block_depth(ir::Precision p) const {
  return wide_activations(p) ? std::max<int64_t>(1, mac_array.ifm_block_depth / 2) : mac_array.ifm_block_depth;
}

int64_t AcceleratorSpec::dot_product_width(ir::Precision p) const {
  return wide_activations(p) ? std::max<int64_t>(1, mac_array.dot_product_width / 2) : mac_array.dot_product_width;
}

namespace {

// Reads fields of a YAML mapping, keeping the first error; later reads return defaults.
class SpecReader {
 public:
  static constexpr double kSmallest = 1e-6;  // smaller positive figures are typos, and would overflow cycles

  explicit SpecReader(std::string source) : yaml_(std::move(source)) {}

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

  void fail(const YAML::Node& at, const std::string& field, const std::string& message) {
    if (!error_) error_ = yaml_.error_at(at, field, message);
  }

  static std::string join(const std::string& path, const std::string& key) { return text::StrictYaml::join(path, key); }

  // `node` at `path` must be a mapping whose keys are all in `known`.
  bool check_mapping(const YAML::Node& node, const std::string& path, const std::vector<std::string>& known) {
    if (!ok()) return false;
    if (!node.IsMap()) {
      fail(node, path.empty() ? "spec" : path, "expected a mapping of fields");
      return false;
    }
    if (Status known_fields = yaml_.check_fields(node, path, known); !known_fields) {
      if (!error_) error_ = known_fields.error();
      return false;
    }
    return true;
  }

  // The child mapping `key` of `node`; an undefined node when absent and optional.
  YAML::Node section(const YAML::Node& node, const std::string& path, const std::string& key, bool required,
                     const std::vector<std::string>& known) {
    if (!ok() || !node.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node child = node[key];
    if (!child.IsDefined() || child.IsNull()) {
      if (required) fail(node, join(path, key), "missing field");
      return YAML::Node(YAML::NodeType::Undefined);
    }
    if (!check_mapping(child, join(path, key), known)) return YAML::Node(YAML::NodeType::Undefined);
    return child;
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path, const std::string& key,
                                    bool required) {
    if (!ok() || !node.IsDefined()) return std::nullopt;
    YAML::Node child = node[key];
    if (!child.IsDefined() || child.IsNull()) {
      if (required) fail(node, join(path, key), "missing field");
      return std::nullopt;
    }
    if (!child.IsScalar()) {
      fail(child, join(path, key),
           "expected a single value, got a " + std::string(child.IsMap() ? "mapping" : "list"));
      return std::nullopt;
    }
    return child.Scalar();
  }

  void read_string(const YAML::Node& node, const std::string& path, const std::string& key, bool required,
                   std::string& out) {
    if (auto text = scalar(node, path, key, required)) out = *text;
  }

  // An integer >= `minimum`.
  void read_int(const YAML::Node& node, const std::string& path, const std::string& key, bool required,
                int64_t minimum, int64_t maximum, int64_t& out, const std::string& why_minimum = "") {
    auto text = scalar(node, path, key, required);
    if (!text) return;
    const YAML::Node child = node[key];
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || end != text->c_str() + text->size() || errno == ERANGE) {
      fail(child, join(path, key), "expected an integer, got '" + *text + "'");
      return;
    }
    if (value < minimum) {
      fail(child, join(path, key),
           "must be at least " + std::to_string(minimum) + ", got " + *text +
               (why_minimum.empty() ? "" : " (" + why_minimum + ")"));
      return;
    }
    if (value > maximum) {
      fail(child, join(path, key), "must be at most " + std::to_string(maximum) + ", got " + *text);
      return;
    }
    out = value;
  }

  // A finite number > 0 (strictly_positive) or >= 0.
  void read_number(const YAML::Node& node, const std::string& path, const std::string& key, bool required,
                   bool strictly_positive, double maximum, double& out) {
    auto text = scalar(node, path, key, required);
    if (!text) return;
    const YAML::Node child = node[key];
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(text->c_str(), &end);
    if (text->empty() || end != text->c_str() + text->size() || errno == ERANGE || !std::isfinite(value)) {
      fail(child, join(path, key), "expected a number, got '" + *text + "'");
      return;
    }
    if (value < 0 || (strictly_positive && value == 0)) {
      fail(child, join(path, key),
           std::string(strictly_positive ? "must be positive" : "must not be negative") + ", got " + *text);
      return;
    }
    if (value > maximum || (value > 0 && value < kSmallest)) {
      fail(child, join(path, key),
           "must lie in [" + std::to_string(kSmallest) + ", " + std::to_string(maximum) + "], got " + *text);
      return;
    }
    out = value;
  }

  void read_bool(const YAML::Node& node, const std::string& path, const std::string& key, bool& out) {
    auto text = scalar(node, path, key, false);
    if (!text) return;
    if (*text == "true" || *text == "True")
      out = true;
    else if (*text == "false" || *text == "False")
      out = false;
    else
      fail(node[key], join(path, key), "expected true or false, got '" + *text + "'");
  }

 private:
  text::StrictYaml yaml_;
  std::optional<Error> error_;
};

// Upper bounds that keep every product of the figures far from int64 overflow.
constexpr int64_t kMaxDimension = 4096;       // array dimensions, channel counts, bursts
constexpr int64_t kMaxKilobytes = 1LL << 30;  // memory sizes: 1 TB
constexpr int64_t kMaxCycles = 1LL << 30;     // latencies and overheads

const std::vector<std::string> kTopFields = {"name",
                                             "description",
                                             "clock_mhz",
                                             "precision",
                                             "mac_array",
                                             "vector_unit",
                                             "channel_padding",
                                             "memory",
                                             "command_overhead_cycles",
                                             "fusion",
                                             "energy_pj"};
const std::vector<std::string> kMacFields = {"micro_block",
                                             "dot_product_width",
                                             "ifm_block_depth",
                                             "cores",
                                             "max_block",
                                             "shared_buffer_kb",
                                             "accumulator_bytes",
                                             "depthwise_kernel_step",
                                             "weight_bytes_per_cycle",
                                             "small_block_delay_cycles",
                                             "part_kernel_first"};
const std::vector<std::string> kBlockFields = {"height", "width", "depth"};
const std::vector<std::string> kVectorFields = {"cycles_per_element"};
const std::vector<std::string> kCyclesFields = {"default", "relu",       "lut",    "add",
                                                "mul",     "batch_norm", "resize", "softmax"};
const std::vector<std::string> kMemoryFields = {"sram", "dram", "weight_cache_kb"};
const std::vector<std::string> kLevelFields = {
    "size_kb",    "bandwidth_gbps", "bytes_per_cycle", "read_latency_cycles", "write_latency_cycles",
    "burst_bytes"};
const std::vector<std::string> kFusionFields = {"batch_norm", "activation", "residual_add",
                                                "elementwise_chains", "cascade"};
const std::vector<std::string> kEnergyFields = {"mac", "vector_element", "sram_byte", "dram_byte"};

void read_level(SpecReader& r, const YAML::Node& memory, const std::string& key, bool has_size,
                double clock_mhz, MemoryLevelSpec& level) {
  const std::string path = "memory." + key;
  YAML::Node node = r.section(memory, "memory", key, true, kLevelFields);
  if (!r.ok()) return;
  if (has_size) {
    int64_t size_kb = 0;
    r.read_int(node, path, "size_kb", true, 1, kMaxKilobytes, size_kb, "an accelerator needs on-chip memory");
    level.size_bytes = size_kb * 1024;
  } else if (node["size_kb"].IsDefined()) {
    r.fail(node["size_kb"], path + ".size_kb",
           "off-chip memory has no size limit in this model; remove the field");
    return;
  }
  bool has_gbps = node["bandwidth_gbps"].IsDefined();
  bool has_bpc = node["bytes_per_cycle"].IsDefined();
  if (has_gbps && has_bpc) {
    r.fail(node["bytes_per_cycle"], path + ".bytes_per_cycle",
           "give bandwidth_gbps or bytes_per_cycle, not both");
    return;
  }
  if (!has_gbps && !has_bpc) {
    r.fail(node, path + ".bandwidth_gbps", "missing field (or give bytes_per_cycle)");
    return;
  }
  if (has_gbps) {
    double gbps = 0;
    r.read_number(node, path, "bandwidth_gbps", true, true, 1e6, gbps);
    level.bytes_per_cycle = gbps * 1e9 / (clock_mhz * 1e6);
  } else {
    r.read_number(node, path, "bytes_per_cycle", true, true, 1e9, level.bytes_per_cycle);
  }
  r.read_int(node, path, "read_latency_cycles", false, 0, kMaxCycles, level.read_latency_cycles);
  r.read_int(node, path, "write_latency_cycles", false, 0, kMaxCycles, level.write_latency_cycles);
  r.read_int(node, path, "burst_bytes", false, 1, kMaxDimension, level.burst_bytes);
}

void read_block_dims(SpecReader& r, const YAML::Node& node, const std::string& path, bool required,
                     int64_t& height, int64_t& width, int64_t& depth) {
  YAML::Node block = r.section(node, "mac_array", path.substr(path.rfind('.') + 1), required, kBlockFields);
  if (!r.ok() || !block.IsDefined()) return;
  const char* why = "the array would have zero MACs per cycle";
  r.read_int(block, path, "height", true, 1, kMaxDimension, height, why);
  r.read_int(block, path, "width", true, 1, kMaxDimension, width, why);
  r.read_int(block, path, "depth", true, 1, kMaxDimension, depth, why);
}

// A field at fault and why.
struct Problem {
  std::string field;
  std::string message;
};

// Checks that relate several fields (and so are not checked field by field on reading).
std::optional<Problem> consistency_problem(const AcceleratorSpec& spec) {
  const MacArraySpec& m = spec.mac_array;
  if (m.ifm_block_depth % m.dot_product_width != 0)
    return Problem{"mac_array.ifm_block_depth",
                   "must be a multiple of dot_product_width (" + std::to_string(m.dot_product_width) +
                       "): a block step takes ifm_block_depth / dot_product_width cycles"};
  if (spec.wide_activations() && (m.ifm_block_depth % 2 != 0 || m.dot_product_width % 2 != 0))
    return Problem{"precision", std::string(ir::precision_name(spec.precision)) +
                                    " halves ifm_block_depth and dot_product_width, which must then be even"};
  if (m.depthwise_kernel_step > m.ifm_block_depth)
    return Problem{"mac_array.depthwise_kernel_step", "must not exceed ifm_block_depth (" +
                                                          std::to_string(m.ifm_block_depth) +
                                                          "): a depthwise step would beat the array's peak"};
  if (m.max_block_height < m.micro_block_height || m.max_block_width < m.micro_block_width ||
      m.max_block_depth < m.micro_block_depth)
    return Problem{"mac_array.max_block", "must be at least the micro-block in every dimension"};
  const int64_t element_bytes = AcceleratorSpec::activation_bytes(spec.precision);
  const int64_t smallest_block =
      2 * m.micro_block_height * m.micro_block_width * spec.ifm_block_depth() * element_bytes +
      2 * m.micro_block_height * m.micro_block_width * m.micro_block_depth * m.accumulator_bytes;
  if (smallest_block > m.shared_buffer_bytes)
    return Problem{"mac_array.shared_buffer_kb", "too small to double-buffer one micro-block (" +
                                                     std::to_string(smallest_block) + " bytes)"};
  if (spec.weight_cache_bytes > spec.sram.size_bytes)
    return Problem{"memory.weight_cache_kb", "must not exceed memory.sram.size_kb"};
  return std::nullopt;
}

// The deepest node along a dotted field path ("mac_array.max_block"), to locate an error.
YAML::Node node_at(const YAML::Node& root, const std::string& path) {
  YAML::Node node(root);
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node.IsMap()) break;
    const YAML::Node& parent = node;
    YAML::Node child = parent[key];
    if (!child.IsDefined()) break;
    node.reset(child);  // rebind (operator= would overwrite the parent's content)
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

}  // namespace

Result<AcceleratorSpec> parse_accelerator_spec(std::string_view yaml_text, std::string_view source_name) {
  const std::string source(source_name);
  auto loaded = text::load_yaml_text(yaml_text, source);
  if (!loaded) return loaded.error();
  const YAML::Node root = *loaded;
  SpecReader r(source);
  if (!root.IsDefined() || root.IsNull()) return Error{source + ": empty accelerator spec"};
  AcceleratorSpec spec;
  spec.source = source;
  try {
    if (!r.check_mapping(root, "", kTopFields)) return r.error();
    r.read_string(root, "", "name", true, spec.name);
    if (r.ok() && spec.name.empty()) r.fail(root["name"], "name", "must not be empty");
    r.read_string(root, "", "description", false, spec.description);
    r.read_number(root, "", "clock_mhz", true, true, 1e6, spec.clock_mhz);
    if (auto precision = r.scalar(root, "", "precision", true)) {
      auto parsed = ir::precision_from_name(*precision);
      if (!parsed || *parsed == ir::Precision::Fp32)
        r.fail(root["precision"], "precision", "expected int8, int16 or fp16, got '" + *precision + "'");
      else
        spec.precision = *parsed;
    }

    MacArraySpec& m = spec.mac_array;
    YAML::Node mac = r.section(root, "", "mac_array", true, kMacFields);
    read_block_dims(r, mac, "mac_array.micro_block", true, m.micro_block_height, m.micro_block_width,
                    m.micro_block_depth);
    const char* zero_macs = "the array would have zero MACs per cycle";
    r.read_int(mac, "mac_array", "dot_product_width", true, 1, kMaxDimension, m.dot_product_width, zero_macs);
    r.read_int(mac, "mac_array", "ifm_block_depth", true, 1, kMaxDimension, m.ifm_block_depth);
    r.read_int(mac, "mac_array", "cores", false, 1, kMaxDimension, m.cores, zero_macs);
    read_block_dims(r, mac, "mac_array.max_block", false, m.max_block_height, m.max_block_width,
                    m.max_block_depth);
    int64_t shared_kb = m.shared_buffer_bytes / 1024;
    r.read_int(mac, "mac_array", "shared_buffer_kb", false, 1, kMaxKilobytes, shared_kb);
    m.shared_buffer_bytes = shared_kb * 1024;
    r.read_int(mac, "mac_array", "accumulator_bytes", false, 1, 16, m.accumulator_bytes);
    r.read_int(mac, "mac_array", "depthwise_kernel_step", false, 1, kMaxDimension, m.depthwise_kernel_step);
    r.read_int(mac, "mac_array", "weight_bytes_per_cycle", false, 1, kMaxKilobytes, m.weight_bytes_per_cycle);
    r.read_int(mac, "mac_array", "small_block_delay_cycles", false, 0, kMaxCycles,
               m.small_block_delay_cycles);
    r.read_bool(mac, "mac_array", "part_kernel_first", m.part_kernel_first);

    YAML::Node vector = r.section(root, "", "vector_unit", false, kVectorFields);
    YAML::Node cycles = r.section(vector, "vector_unit", "cycles_per_element", false, kCyclesFields);
    VectorUnitSpec& v = spec.vector_unit;
    const std::string cpath = "vector_unit.cycles_per_element";
    r.read_number(cycles, cpath, "default", false, true, 1e6, v.default_cycles);
    r.read_number(cycles, cpath, "relu", false, true, 1e6, v.relu_cycles);
    r.read_number(cycles, cpath, "lut", false, true, 1e6, v.lut_cycles);
    r.read_number(cycles, cpath, "add", false, true, 1e6, v.add_cycles);
    r.read_number(cycles, cpath, "mul", false, true, 1e6, v.mul_cycles);
    r.read_number(cycles, cpath, "batch_norm", false, true, 1e6, v.batch_norm_cycles);
    r.read_number(cycles, cpath, "resize", false, true, 1e6, v.resize_cycles);
    r.read_number(cycles, cpath, "softmax", false, true, 1e6, v.softmax_cycles);

    r.read_int(root, "", "channel_padding", false, 1, kMaxDimension, spec.channel_padding);

    YAML::Node memory = r.section(root, "", "memory", true, kMemoryFields);
    read_level(r, memory, "sram", true, spec.clock_mhz, spec.sram);
    read_level(r, memory, "dram", false, spec.clock_mhz, spec.dram);
    int64_t weight_cache_kb = 0;
    r.read_int(memory, "memory", "weight_cache_kb", false, 0, kMaxKilobytes, weight_cache_kb);
    spec.weight_cache_bytes = weight_cache_kb * 1024;

    r.read_int(root, "", "command_overhead_cycles", false, 0, kMaxCycles, spec.command_overhead_cycles);

    YAML::Node fusion = r.section(root, "", "fusion", false, kFusionFields);
    r.read_bool(fusion, "fusion", "batch_norm", spec.fusion.batch_norm);
    r.read_bool(fusion, "fusion", "activation", spec.fusion.activation);
    r.read_bool(fusion, "fusion", "residual_add", spec.fusion.residual_add);
    r.read_bool(fusion, "fusion", "elementwise_chains", spec.fusion.elementwise_chains);
    r.read_bool(fusion, "fusion", "cascade", spec.fusion.cascade);

    YAML::Node energy = r.section(root, "", "energy_pj", false, kEnergyFields);
    r.read_number(energy, "energy_pj", "mac", false, false, 1e9, spec.energy.mac_pj);
    r.read_number(energy, "energy_pj", "vector_element", false, false, 1e9, spec.energy.vector_element_pj);
    r.read_number(energy, "energy_pj", "sram_byte", false, false, 1e9, spec.energy.sram_byte_pj);
    r.read_number(energy, "energy_pj", "dram_byte", false, false, 1e9, spec.energy.dram_byte_pj);

    if (r.ok())
      if (auto problem = consistency_problem(spec))
        r.fail(node_at(root, problem->field), problem->field, problem->message);
  } catch (const YAML::Exception& e) {  // yaml-cpp throws on odd node access; never let it out
    return Error{source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (!r.ok()) return r.error();
  return spec;
}

Status check_accelerator_spec(const AcceleratorSpec& spec) {
  const std::string where = "accelerator spec '" + spec.name + "'";
  const MacArraySpec& m = spec.mac_array;
  auto positive = [&](int64_t value, const char* field) -> Status {
    if (value < 1) return Error{where + ": " + field + " must be at least 1, got " + std::to_string(value)};
    return {};
  };
  for (auto [value, field] : {std::pair{m.micro_block_height, "mac_array.micro_block.height"},
                              {m.micro_block_width, "mac_array.micro_block.width"},
                              {m.micro_block_depth, "mac_array.micro_block.depth"},
                              {m.dot_product_width, "mac_array.dot_product_width"},
                              {m.ifm_block_depth, "mac_array.ifm_block_depth"},
                              {m.cores, "mac_array.cores"},
                              {m.max_block_height, "mac_array.max_block.height"},
                              {m.max_block_width, "mac_array.max_block.width"},
                              {m.max_block_depth, "mac_array.max_block.depth"},
                              {m.shared_buffer_bytes, "mac_array.shared_buffer_kb"},
                              {m.accumulator_bytes, "mac_array.accumulator_bytes"},
                              {m.depthwise_kernel_step, "mac_array.depthwise_kernel_step"},
                              {m.weight_bytes_per_cycle, "mac_array.weight_bytes_per_cycle"},
                              {spec.channel_padding, "channel_padding"},
                              {spec.sram.size_bytes, "memory.sram.size_kb"},
                              {spec.sram.burst_bytes, "memory.sram.burst_bytes"},
                              {spec.dram.burst_bytes, "memory.dram.burst_bytes"}})
    if (Status s = positive(value, field); !s) return s;
  if (!(spec.clock_mhz > 0) || !std::isfinite(spec.clock_mhz))
    return Error{where + ": clock_mhz must be positive"};
  if (!(spec.sram.bytes_per_cycle > 0) || !std::isfinite(spec.sram.bytes_per_cycle))
    return Error{where + ": memory.sram bandwidth must be positive"};
  if (!(spec.dram.bytes_per_cycle > 0) || !std::isfinite(spec.dram.bytes_per_cycle))
    return Error{where + ": memory.dram bandwidth must be positive"};
  if (spec.precision == ir::Precision::Fp32) return Error{where + ": precision must be int8, int16 or fp16"};
  const VectorUnitSpec& v = spec.vector_unit;
  for (double cycles : {v.default_cycles, v.relu_cycles, v.lut_cycles, v.add_cycles, v.mul_cycles,
                        v.batch_norm_cycles, v.resize_cycles, v.softmax_cycles})
    if (!(cycles > 0) || !std::isfinite(cycles))
      return Error{where + ": vector_unit cycles must be positive"};
  if (auto problem = consistency_problem(spec))
    return Error{where + ": " + problem->field + ": " + problem->message};
  return {};
}

Result<AcceleratorSpec> load_accelerator_spec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open accelerator spec"};
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read accelerator spec"};
  return parse_accelerator_spec(text.str(), path);
}

}  // namespace hwnas::hw
