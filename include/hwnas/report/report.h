// The search report: what an experiment store holds (trials, objectives, baseline, config),
// with the best and the baseline network rebuilt and costed per stage on the search's target,
// rendered as one self-contained HTML page (inline SVG plots, no network at view time).
//
//   auto data = report::collect_report("run.db", {.make_target = hw::make_target});
//   std::ofstream("report.html") << report::render_report_html(*data);
//
// Works on finished and interrupted searches (running trials are counted, not plotted).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/hw/target.h"
#include "hwnas/ir/result.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/store.h"

namespace hwnas::report {

// One stage of a network (stem, stage1, ..., head) on the target: its kernels' latency and MACs.
struct StageCost {
  std::string stage;
  double latency_us = 0;
  int64_t macs = 0;
  int kernels = 0;
};

// A stage of a macro-space architecture, for drawing: its block type and sizes.
struct StageDraw {
  std::string stage;
  std::string block;  // "ibn", "fused_ibn", "conv", ... ("" where the space has no block decision)
  std::vector<std::pair<std::string, std::string>> fields;  // kernel, expansion, depth, channels, ...
};

// The best or the baseline network: its decisions, its drawing and its per-stage costs.
struct NetworkView {
  std::string name;  // "best (trial 12)", "baseline"
  std::string key;
  search::Metrics metrics;
  std::vector<StageDraw> drawing;
  std::vector<StageCost> stages;
  double latency_us = 0;  // the target's total for the per-stage costs
};

struct ReportData {
  std::string store_path;
  std::map<std::string, std::string> meta;
  std::vector<search::TrialRecord> trials;
  std::vector<search::Objective> objectives;
  std::optional<search::Metrics> baseline_metrics;
  int best = -1;                   // index into trials (search::best_trial); -1 when none
  std::vector<size_t> front;       // the feasible non-dominated trials under the objectives
  std::optional<NetworkView> best_view, baseline_view;
  std::string networks_note;       // why the per-stage view is missing or partial ("" when complete)
  double generated_at = 0;         // unix seconds
};

using TargetFactory = std::function<Result<std::unique_ptr<hw::Target>>(const std::string& name)>;

struct CollectOptions {
  // Makes the search's target for the per-stage costs; unset: no per-stage costs.
  TargetFactory make_target{};
  // The search config to rebuild space, target and baseline from; "" = the one the store records.
  std::string config_file{};
  // Cost networks only on simulated targets (a measured target would run the networks now).
  bool simulated_only = true;
  // The study in the store ("": "default"; docs/workers.md).
  std::string study{};
};

// Reads the store (read-only) and rebuilds the networks. An Error for a store that cannot be
// read; problems with the networks (a config that no longer parses, a target that cannot be
// made) go to networks_note, so the trials are reported anyway.
Result<ReportData> collect_report(const std::string& store_path, const CollectOptions& options = {});
// The store's part alone: trials, meta, objectives, baseline metrics, best and front (what
// collect_report reads before it rebuilds the networks; the dashboard's cheap path).
Result<ReportData> read_report(const std::string& store_path, const std::string& study = "");
// Rebuilds data's best and baseline networks (best_view, baseline_view, networks_note).
void add_networks(ReportData& data, const CollectOptions& options);

struct RenderOptions {
  bool live = false;   // the dashboard's page: polls the server and redraws as trials land
  int poll_ms = 2000;
};

// The whole page.
std::string render_report_html(const ReportData& data, const RenderOptions& options = {});
// The page's content (what the dashboard swaps in when a trial lands).
std::string render_report_body(const ReportData& data);

// Counts and the best, as JSON text (the dashboard's /api/summary).
std::string summary_json(const ReportData& data);
// Every trial, as JSON text (the dashboard's /api/trials).
std::string trials_json(const ReportData& data);

}  // namespace hwnas::report
