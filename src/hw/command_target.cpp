// The external-command target: export ONNX, run the user's command, validate the JSON it prints.
#include "hwnas/hw/command_target.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "hwnas/ir/subgraph.h"
#include "hwnas/onnx/onnx_export.h"
#include "run_command.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::hw {
namespace {

// The last `lines` lines of `text` (at most `chars` characters), for error messages.
std::string tail(const std::string& text, size_t lines = 12, size_t chars = 2000) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  size_t start = t.size();
  for (size_t seen = 0; start > 0 && seen < lines; --start)
    if (t[start - 1] == '\n' && ++seen == lines) break;
  t = t.substr(start);
  if (t.size() > chars) t = "..." + t.substr(t.size() - chars);
  return t;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The JSON object the command printed: its last line that is one, else all of stdout.
std::optional<nlohmann::json> find_report(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto parsed = nlohmann::json::parse(*it, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) return parsed;
  }
  auto whole = nlohmann::json::parse(text, nullptr, false);
  if (whole.is_object()) return whole;
  return std::nullopt;
}

// Reads one of two keys (a value in the first unit is multiplied by `scale`).
Result<std::optional<double>> read_quantity(const nlohmann::json& report, const std::string& where,
                                            const std::string& key, double scale, const std::string& alt_key,
                                            bool strictly_positive) {
  const bool has_key = report.contains(key), has_alt = report.contains(alt_key);
  if (has_key && has_alt) return Error{where + ": give '" + key + "' or '" + alt_key + "', not both"};
  if (!has_key && !has_alt) return std::optional<double>{};
  const std::string& name = has_key ? key : alt_key;
  const nlohmann::json& value = report.at(name);
  if (!value.is_number()) return Error{where + ": '" + name + "' must be a number, got " + value.dump()};
  const double number = value.get<double>();
  if (!std::isfinite(number)) return Error{where + ": '" + name + "' must be finite"};
  if (number < 0 || (strictly_positive && number == 0))
    return Error{where + ": '" + name + "' must be " + (strictly_positive ? "positive" : "non-negative") +
                 ", got " + value.dump()};
  return std::optional<double>(has_key ? number * scale : number);
}

}  // namespace

Result<CommandReport> parse_command_output(std::string_view stdout_text, std::string_view command) {
  const std::string where = "command '" + std::string(command) + "'";
  auto report = find_report(stdout_text);
  if (!report)
    return Error{where + ": printed no JSON object such as {\"latency_ms\": 3.2}; stdout ends with: " +
                 (stdout_text.empty() ? std::string("(nothing)") : tail(std::string(stdout_text), 5, 500))};
  CommandReport result;
  auto latency = read_quantity(*report, where, "latency_ms", 1000.0, "latency_us", true);
  if (!latency) return latency.error();
  if (!latency->has_value()) {
    std::vector<std::string> keys;
    for (auto it = report->begin(); it != report->end(); ++it) keys.push_back(it.key());
    std::string suggestion;
    for (const std::string& key : keys) {
      suggestion = text::did_you_mean(key, {"latency_ms", "latency_us"});
      if (!suggestion.empty()) {
        suggestion = " ('" + key + "'" + suggestion.substr(1) + ")";
        break;
      }
    }
    return Error{where + ": the JSON it printed has no 'latency_ms' or 'latency_us'" + suggestion + ": " +
                 report->dump()};
  }
  result.latency_us = **latency;
  auto spread = read_quantity(*report, where, "spread_ms", 1000.0, "spread_us", false);
  if (!spread) return spread.error();
  result.spread_us = spread->value_or(0.0);
  auto energy = read_quantity(*report, where, "energy_mj", 1000.0, "energy_uj", false);
  if (!energy) return energy.error();
  result.energy_uj = energy->value_or(0.0);
  if (report->contains("notes")) {
    const auto& notes = report->at("notes");
    result.notes = notes.is_string() ? notes.get<std::string>() : notes.dump();
  }
  return result;
}

Result<std::unique_ptr<CommandTarget>> CommandTarget::create(std::string command_template,
                                                             CommandOptions options) {
  if (command_template.find("{onnx}") == std::string::npos)
    return Error{"command target '" + command_template +
                 "': the command must contain {onnx}, where the exported model's path goes"};
  if (!(options.timeout_s > 0))
    return Error{"command target '" + command_template + "': timeout must be positive"};
  return std::unique_ptr<CommandTarget>(new CommandTarget(std::move(command_template), std::move(options)));
}

std::string CommandTarget::name() const {
  return "command:" + (options_.name.empty() ? template_ : options_.name);
}

std::vector<Kernel> CommandTarget::partition(const ir::Graph& graph) const {
  return partition_by_fusion(graph, options_.fusion);
}

Result<CommandReport> CommandTarget::run_on(const ir::Graph& graph) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "hwnas-command-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data()))
    return Error{name() + ": cannot create a temporary directory under " + base.string()};
  const fs::path dir(buffer.data());
  const std::string onnx_path = (dir / "model.onnx").string();

  auto result = [&]() -> Result<CommandReport> {
    onnx_io::OnnxExportOptions export_options;
    export_options.opset = options_.onnx_opset;
    if (Status exported = onnx_io::export_onnx_file(graph, onnx_path, export_options); !exported)
      return exported.error().within(name() + ": exporting graph '" + graph.name() + "'");
    std::string command = replace_all(template_, "{onnx}", detail::shell_quote(onnx_path));
    command = replace_all(command, "{name}", detail::shell_quote(graph.name()));
    auto run = detail::run_shell_command(command, options_.timeout_s);
    if (!run) return run.error().within(name());
    const std::string err_tail = run->err.empty() ? "" : "; stderr ends with:\n" + tail(run->err);
    if (run->timed_out)
      return Error{name() + ": timed out after " + std::to_string(options_.timeout_s) + " s" + err_tail};
    if (run->signal != 0)
      return Error{name() + ": killed by signal " + std::to_string(run->signal) + err_tail};
    if (run->exit_status != 0)
      return Error{name() + ": exited with status " + std::to_string(run->exit_status) + err_tail};
    auto report = parse_command_output(run->out, template_);
    if (!report) return Error{report.error().message + err_tail};
    return report;
  }();
  fs::remove_all(dir, ec);
  return result;
}

Result<KernelMeasurement> CommandTarget::measure_kernel(const ir::Graph& graph, const Kernel& kernel) {
  auto sub = ir::extract_subgraph(graph, kernel.nodes);
  if (!sub) return sub.error().within(name());
  auto report = run_on(*sub);
  if (!report) return report.error();
  KernelMeasurement m;
  m.nodes = kernel.nodes;
  m.label = kernel_label(graph, kernel);
  m.latency_us = report->latency_us;
  m.spread_us = report->spread_us;
  m.energy_uj = report->energy_uj;
  return m;
}

Result<NetworkMeasurement> CommandTarget::measure_network(const ir::Graph& graph) {
  auto report = run_on(graph);
  if (!report) return report.error();
  NetworkMeasurement m;
  m.latency_us = report->latency_us;
  m.spread_us = report->spread_us;
  m.energy_uj = report->energy_uj;
  m.notes = report->notes;
  return m;
}

}  // namespace hwnas::hw
