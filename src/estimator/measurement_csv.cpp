// Reading and writing the measurement CSV schema, with every bad row reported by line and column.
#include "hwnas/estimator/measurement_csv.h"

#include <charconv>
#include <limits>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace hwnas::estimator {
namespace {

enum Column : int { kTarget, kRow, kNetwork, kKernelType, kLatency, kEnergy, kFixedColumns };
const char* const kFixedNames[kFixedColumns] = {"target", "row", "network", "kernel_type", "latency_us", "energy_uj"};

// Features that may be empty (unknown): the memory context (a target without a known memory
// plan), and those version 2 added (rows converted from a file of version 1).
bool may_be_unknown(int feature) {
  return (feature >= kInputOffChip && feature <= kOffChipBytes) || feature == kOffChipShare || feature >= kVersion1FeatureCount;
}
bool is_memory_flag(int feature) { return feature >= kInputOffChip && feature <= kOutputStriped; }

std::string number_text(double value) {
  if (!measured(value)) return "";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

std::string number_text(float value) {
  if (std::isnan(value)) return "";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

struct RowKinds {
  static constexpr const char* kKernel = "kernel";
  static constexpr const char* kNetwork = "network";
  static constexpr const char* kMember = "member";
};

// A text field as the schema allows it: no commas, no line breaks (written as ';' and ' ').
std::string field_text(const std::string& text) {
  std::string clean = text;
  for (char& c : clean) {
    if (c == ',') c = ';';
    if (c == '\n' || c == '\r') c = ' ';
  }
  return clean;
}

void write_row(std::ostream& out, const std::string& target, const char* row, const std::string& network,
               const std::string& label, const FeatureVector* features, double latency, double energy) {
  out << field_text(target) << ',' << row << ',' << field_text(network) << ',' << field_text(label);
  for (int f = 0; f < kFeatureCount; ++f) out << ',' << (features ? number_text((*features)[f]) : std::string());
  out << ',' << number_text(latency) << ',' << number_text(energy) << '\n';
}

}  // namespace

std::string measurements_csv_header() {
  std::string header = "target,row,network,kernel_type";
  for (const std::string& name : feature_names()) header += "," + name;
  return header + ",latency_us,energy_uj";
}

void write_measurements_csv(const MeasurementSet& data, std::ostream& out) {
  out << "# hwnas measurements (docs/estimator.md), features version " << data.feature_version << "\n";
  out << measurements_csv_header() << '\n';
  for (const KernelSample& k : data.kernels)
    write_row(out, data.target, RowKinds::kKernel, k.network, k.label, &k.features, k.latency_us, k.energy_uj);
  for (const NetworkSample& n : data.networks) {
    write_row(out, data.target, RowKinds::kNetwork, n.name, "", nullptr, n.latency_us, n.energy_uj);
    for (const KernelSample& k : n.kernels)
      write_row(out, data.target, RowKinds::kMember, n.name, k.label, &k.features, kNotMeasured, kNotMeasured);
  }
}

Status save_measurements_csv(const MeasurementSet& data, const std::string& path) {
  std::ofstream out(path);
  if (!out) return Error{"cannot write measurements to '" + path + "'"};
  write_measurements_csv(data, out);
  out.close();
  if (!out) return Error{"writing measurements to '" + path + "' failed"};
  return {};
}

Result<MeasurementSet> read_measurements_csv(std::istream& in, const std::string& source_name) {
  MeasurementSet data;
  std::string line;
  int line_number = 0;
  std::vector<std::string> header;
  std::vector<int> column_of_fixed(kFixedColumns, -1), column_of_feature(kFeatureCount, -1);
  auto at = [&](int line_no) { return source_name + ":" + std::to_string(line_no) + ": "; };

  // Header: the first line that is neither blank nor a comment.
  while (std::getline(in, line)) {
    ++line_number;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    header = split_fields(text);
    break;
  }
  if (header.empty()) return Error{source_name + ": no header line (expected: " + measurements_csv_header() + ")"};
  const int header_line = line_number;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string name = trim(header[c]);
    int* slot = nullptr;
    for (int f = 0; f < kFixedColumns; ++f)
      if (name == kFixedNames[f]) slot = &column_of_fixed[static_cast<size_t>(f)];
    const std::vector<std::string>& names = feature_names();
    for (int f = 0; f < kFeatureCount; ++f)
      if (name == names[static_cast<size_t>(f)]) slot = &column_of_feature[static_cast<size_t>(f)];
    if (!slot)
      return Error{at(header_line) + "column " + std::to_string(c + 1) + ": unknown column '" + name +
                   "' (feature version " + std::to_string(kFeatureVersion) + " expects: " + measurements_csv_header() + ")"};
    if (*slot >= 0) return Error{at(header_line) + "column " + std::to_string(c + 1) + ": '" + name + "' appears twice"};
    *slot = static_cast<int>(c);
  }
  for (int f = 0; f < kFixedColumns; ++f)
    if (column_of_fixed[static_cast<size_t>(f)] < 0)
      return Error{at(header_line) + "the header has no column '" + std::string(kFixedNames[f]) + "'"};
  // A file of feature version 1 lacks the columns version 2 added: those features read as unknown (NaN).
  for (int f = 0; f < kVersion1FeatureCount; ++f)
    if (column_of_feature[static_cast<size_t>(f)] < 0)
      return Error{at(header_line) + "the header has no column '" + feature_names()[static_cast<size_t>(f)] + "'"};

  std::map<std::string, size_t> network_index;   // name -> index in data.networks
  std::map<std::string, int> network_line;
  struct PendingMember {
    KernelSample sample;
    int line;
  };
  std::vector<PendingMember> members;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields = split_fields(text);
    if (fields.size() != header.size())
      return Error{at(line_number) + "has " + std::to_string(fields.size()) + " fields; the header has " +
                   std::to_string(header.size())};
    for (std::string& field : fields) field = trim(field);
    auto column_error = [&](int column, const std::string& what) {
      return Error{at(line_number) + "column " + std::to_string(column + 1) + " '" + trim(header[static_cast<size_t>(column)]) +
                   "': " + what};
    };
    auto field = [&](int fixed) -> const std::string& { return fields[static_cast<size_t>(column_of_fixed[static_cast<size_t>(fixed)])]; };
    // A number in `column`; empty gives NaN when allowed.
    auto number = [&](int column, bool may_be_empty, double& value) -> Status {
      const std::string& text = fields[static_cast<size_t>(column)];
      if (text.empty()) {
        if (may_be_empty) {
          value = kNotMeasured;
          return {};
        }
        return column_error(column, "is empty");
      }
      if (text.find('"') != std::string::npos) return column_error(column, "quoted values are not supported");
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (ec != std::errc() || ptr != end || !std::isfinite(value))
        return column_error(column, "'" + text + "' is not a number");
      if (value < 0) return column_error(column, "'" + text + "' is negative");
      return {};
    };

    const std::string& target = field(kTarget);
    if (target.empty()) return column_error(column_of_fixed[kTarget], "is empty");
    if (data.target.empty()) data.target = target;
    else if (target != data.target)
      return column_error(column_of_fixed[kTarget], "target '" + target + "' differs from '" + data.target +
                                                        "' of the rows before; one file holds one target");
    const std::string& row = field(kRow);
    const bool is_kernel = row == RowKinds::kKernel, is_network = row == RowKinds::kNetwork, is_member = row == RowKinds::kMember;
    if (!is_kernel && !is_network && !is_member)
      return column_error(column_of_fixed[kRow], "'" + row + "' is not one of kernel, network, member");

    double latency = kNotMeasured, energy = kNotMeasured;
    if (Status s = number(column_of_fixed[kLatency], !is_kernel && !is_network, latency); !s) return s.error();
    if (Status s = number(column_of_fixed[kEnergy], true, energy); !s) return s.error();
    if (is_network && latency <= 0) return column_error(column_of_fixed[kLatency], "must be above 0 for a timed network");
    if (is_member && (measured(latency) || measured(energy)))
      return column_error(column_of_fixed[measured(latency) ? kLatency : kEnergy],
                          "must be empty on a member row (time the kernel as a 'kernel' row)");

    const std::string& network = field(kNetwork);
    if ((is_network || is_member) && network.empty())
      return column_error(column_of_fixed[kNetwork], "is empty; a " + row + " row names its network");

    if (is_network) {
      if (!field(kKernelType).empty())
        return column_error(column_of_fixed[kKernelType], "must be empty on a network row");
      for (int f = 0; f < kFeatureCount; ++f)
        if (column_of_feature[static_cast<size_t>(f)] >= 0 && !fields[static_cast<size_t>(column_of_feature[static_cast<size_t>(f)])].empty())
          return column_error(column_of_feature[static_cast<size_t>(f)], "must be empty on a network row");
      if (network_index.count(network))
        return column_error(column_of_fixed[kNetwork], "network '" + network + "' already has a row at line " +
                                                           std::to_string(network_line[network]));
      network_index[network] = data.networks.size();
      network_line[network] = line_number;
      NetworkSample sample;
      sample.name = network;
      sample.latency_us = latency;
      sample.energy_uj = energy;
      data.networks.push_back(std::move(sample));
      continue;
    }

    KernelSample sample;
    sample.label = field(kKernelType);
    if (sample.label.empty()) return column_error(column_of_fixed[kKernelType], "is empty");
    for (int f = 0; f < kFeatureCount; ++f) {
      if (column_of_feature[static_cast<size_t>(f)] < 0) {
        sample.features[static_cast<size_t>(f)] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      double value = 0;
      if (Status s = number(column_of_feature[static_cast<size_t>(f)], may_be_unknown(f), value); !s) return s.error();
      if (is_memory_flag(f) && measured(value) && value != 0 && value != 1)
        return column_error(column_of_feature[static_cast<size_t>(f)], "must be 0, 1 or empty");
      sample.features[static_cast<size_t>(f)] = static_cast<float>(value);
    }
    sample.latency_us = latency;
    sample.energy_uj = energy;
    sample.network = network;
    if (is_kernel) data.kernels.push_back(std::move(sample));
    else members.push_back({std::move(sample), line_number});
  }
  for (PendingMember& member : members) {
    auto found = network_index.find(member.sample.network);
    if (found == network_index.end())
      return Error{at(member.line) + "column " + std::to_string(column_of_fixed[kNetwork] + 1) + " 'network': member of '" +
                   member.sample.network + "', which has no network row"};
    data.networks[found->second].kernels.push_back(std::move(member.sample));
  }
  for (const NetworkSample& n : data.networks)
    if (n.kernels.empty())
      return Error{at(network_line[n.name]) + "network '" + n.name + "' has no member rows (its kernels)"};
  if (data.kernels.empty() && data.networks.empty()) return Error{source_name + ": no measurements after the header"};
  return data;
}

Result<MeasurementSet> load_measurements_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read measurements from '" + path + "'"};
  return read_measurements_csv(in, path);
}

}  // namespace hwnas::estimator
