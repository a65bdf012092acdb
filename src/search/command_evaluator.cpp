// ExternalCommandEvaluator: a user's script gets the architecture as YAML (and ONNX) and prints metrics as JSON.
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../hw/run_command.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/search/evaluator.h"
#include "hwnas/search/metrics.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::search {
namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

std::string tail(const std::string& text, size_t chars = 800) {
  return text.size() <= chars ? text : "..." + text.substr(text.size() - chars);
}

std::string number_text(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

}  // namespace

Result<Metrics> parse_metrics_json(const std::string& stdout_text, const std::vector<std::string>& required,
                                   const std::string& command) {
  const std::string where = "command '" + command + "'";
  std::optional<nlohmann::json> report;
  std::istringstream in(stdout_text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  for (auto it = lines.rbegin(); it != lines.rend() && !report; ++it) {
    auto parsed = nlohmann::json::parse(*it, nullptr, false);
    if (parsed.is_object()) report = parsed;
  }
  if (!report) {
    auto whole = nlohmann::json::parse(stdout_text, nullptr, false);
    if (whole.is_object()) report = whole;
  }
  if (!report)
    return Error{where + ": printed no JSON object such as {\"accuracy\": 0.91}; stdout ends with: " +
                 (stdout_text.empty() ? std::string("(nothing)") : tail(stdout_text))};
  Metrics metrics;
  for (auto it = report->begin(); it != report->end(); ++it) {
    if (!it.value().is_number()) return Error{where + ": metric '" + it.key() + "' must be a number, got " + it.value().dump()};
    const double v = it.value().get<double>();
    if (!std::isfinite(v)) return Error{where + ": metric '" + it.key() + "' is not finite"};
    metrics[it.key()] = v;
  }
  for (const std::string& key : required)
    if (!metrics.count(key)) return Error{where + ": the JSON it printed has no '" + key + "': " + report->dump()};
  for (const auto& [key, v] : metrics)
    if (is_fraction_metric(key) && (v < 0 || v > 1))
      return Error{where + ": '" + key + "' must be a fraction in [0, 1], got " + number_text(v) +
                   (v > 1 && v <= 100 ? " (a percentage? print it divided by 100)" : "")};
  return metrics;
}

ExternalCommandEvaluator::ExternalCommandEvaluator(std::string command_template, Options options)
    : template_(std::move(command_template)), options_(std::move(options)) {}

ExternalCommandEvaluator::~ExternalCommandEvaluator() {
  if (work_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(work_dir_, ec);
}

Result<Metrics> ExternalCommandEvaluator::evaluate(const EvaluationRequest& request) {
  namespace fs = std::filesystem;
  if (Status s = request.space.check(request.arch); !s) return s.error();
  std::error_code ec;
  if (work_dir_.empty()) {
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "hwnas-command-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) return Error{name() + ": cannot create a temporary directory under " + base.string()};
    work_dir_ = buffer.data();
  }
  const fs::path dir(work_dir_);
  const bool uses_run_dir = template_.find("{dir}") != std::string::npos;
  const fs::path run_dir = dir / ("run-" + std::to_string(runs_++));
  if (uses_run_dir && !fs::create_directory(run_dir, ec)) return Error{name() + ": cannot create " + run_dir.string()};

  auto result = [&]() -> Result<Metrics> {
    std::string command = template_;
    if (template_.find("{arch}") != std::string::npos) {
      std::ofstream arch_file(dir / "arch.yaml", std::ios::trunc);
      arch_file << request.space.architecture_yaml(request.arch);
      if (!arch_file) return Error{name() + ": cannot write " + (dir / "arch.yaml").string()};
      command = replace_all(command, "{arch}", hw::detail::shell_quote((dir / "arch.yaml").string()));
    }
    const bool wants_network = template_.find("{yaml}") != std::string::npos || template_.find("{onnx}") != std::string::npos;
    if (wants_network) {
      auto graph = request.space.decode(request.arch);
      if (!graph) return graph.error();
      if (template_.find("{yaml}") != std::string::npos) {
        if (Status s = text::save_yaml(*graph, (dir / "network.yaml").string()); !s) return s.error().within(name());
        command = replace_all(command, "{yaml}", hw::detail::shell_quote((dir / "network.yaml").string()));
      }
      if (template_.find("{onnx}") != std::string::npos) {
        if (Status s = onnx_io::export_onnx_file(*graph, (dir / "network.onnx").string()); !s) return s.error().within(name());
        command = replace_all(command, "{onnx}", hw::detail::shell_quote((dir / "network.onnx").string()));
      }
    }
    command = replace_all(command, "{fidelity}", hw::detail::shell_quote(number_text(request.fidelity)));
    command = replace_all(command, "{seed}", hw::detail::shell_quote(std::to_string(request.seed)));
    if (uses_run_dir) command = replace_all(command, "{dir}", hw::detail::shell_quote(run_dir.string()));
    auto run = hw::detail::run_shell_command(command, options_.timeout_s);
    if (!run) return run.error().within(name());
    const std::string err_tail = run->err.empty() ? "" : "; stderr ends with:\n" + tail(run->err);
    if (run->timed_out) return Error{name() + ": timed out after " + number_text(options_.timeout_s) + " s" + err_tail};
    if (run->signal != 0) return Error{name() + ": killed by signal " + std::to_string(run->signal) + err_tail};
    if (run->exit_status != 0) return Error{name() + ": exited with status " + std::to_string(run->exit_status) + err_tail};
    auto metrics = parse_metrics_json(run->out, options_.required, template_);
    if (!metrics) return Error{metrics.error().message + err_tail};
    return metrics;
  }();
  if (uses_run_dir) fs::remove_all(run_dir, ec);
  return result;
}

std::string CompositeEvaluator::name() const {
  std::string n;
  for (const auto& p : parts_) n += (n.empty() ? "" : "+") + p->name();
  return n;
}

std::string CompositeEvaluator::version() const {
  std::string v;
  for (const auto& p : parts_) v += (v.empty() ? "" : "; ") + p->version();
  return v;
}

Result<Metrics> CompositeEvaluator::evaluate(const EvaluationRequest& request) {
  Metrics merged;
  for (size_t i = 0; i < parts_.size(); ++i) {
    auto m = parts_[i]->evaluate(request);
    if (!m) return m.error();
    for (const auto& [k, v] : *m) merged[k] = v;
    if (request.gate && i + 1 < parts_.size() && budget_violation(gate_, merged) > 0) {
      merged["skipped_evaluators"] = static_cast<double>(parts_.size() - i - 1);
      break;
    }
  }
  return merged;
}

const EvaluationCache::Entry* EvaluationCache::find(const std::string& key, double fidelity) const {
  auto it = entries_.find({key, fidelity});
  return it == entries_.end() ? nullptr : &it->second;
}

void EvaluationCache::insert(const std::string& key, double fidelity, Entry entry) {
  entries_[{key, fidelity}] = std::move(entry);
}

}  // namespace hwnas::search
