// collect_report: an experiment store read for the report, with the best and the baseline
// network rebuilt from the recorded search config and costed per stage on its target.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "hwnas/report/report.h"
#include "hwnas/search/baseline.h"
#include "hwnas/search/config.h"
#include "hwnas/search/search.h"
#include "hwnas/space/space.h"

namespace hwnas::report {

namespace {

// The feasible done trials at the highest fidelity any done trial reached that no other such
// trial dominates under the objectives (accuracies at lower fidelities are not comparable).
std::vector<size_t> objective_front(const std::vector<search::TrialRecord>& trials, const std::vector<search::Objective>& objectives) {
  if (objectives.empty()) return {};
  double top = -1;
  for (const auto& t : trials)
    if (t.status == "done") top = std::max(top, t.fidelity);
  std::vector<search::Score> scores = search::recorded_scores(trials, objectives);
  for (size_t i = 0; i < trials.size(); ++i) scores[i].feasible = scores[i].feasible && trials[i].fidelity == top;
  return search::pareto_front(scores);
}

std::string label_of(const space::SearchSpace& space, const space::Architecture& arch, int decision) {
  if (decision < 0 || decision >= static_cast<int>(arch.size())) return "";
  const auto& choices = space.decisions()[static_cast<size_t>(decision)].choices;
  const int i = arch[static_cast<size_t>(decision)];
  return i >= 0 && i < static_cast<int>(choices.size()) ? choices[static_cast<size_t>(i)].label : "";
}

// The stages of `arch` for drawing: a macro space's stem and stages with their block types; a
// custom space's decisions grouped by the part of their names before the first '.'.
std::vector<StageDraw> draw_architecture(const space::SearchSpace& space, const space::Architecture& arch) {
  std::vector<StageDraw> drawing;
  if (const auto& macro = space.macro()) {
    StageDraw input{"input", "", {}};
    if (macro->resolution >= 0) input.fields.push_back({"resolution", label_of(space, arch, macro->resolution)});
    if (macro->depth_multiplier >= 0) input.fields.push_back({"depth x", label_of(space, arch, macro->depth_multiplier)});
    drawing.push_back(input);
    if (macro->stem_fixed >= 0)
      drawing.push_back({"stem", "fixed", {{"region", macro->fixed[static_cast<size_t>(macro->stem_fixed)].name}, {"stride", std::to_string(macro->stem_stride)}}});
    else
      drawing.push_back({"stem", "conv", {{"channels", label_of(space, arch, macro->stem_channels)}, {"stride", std::to_string(macro->stem_stride)}}});
    for (const space::StageSpec& s : macro->stages) {
      if (s.fixed >= 0) {
        drawing.push_back({s.name, "fixed", {{"region", macro->fixed[static_cast<size_t>(s.fixed)].name}, {"stride", std::to_string(s.stride)}}});
        continue;
      }
      StageDraw d{s.name, label_of(space, arch, s.block_type), {}};
      for (auto [name, decision] : {std::pair{"kernel", s.kernel}, {"expansion", s.expansion}, {"depth", s.depth}, {"channels", s.channels}})
        if (decision >= 0) d.fields.push_back({name, label_of(space, arch, decision)});
      d.fields.push_back({"stride", std::to_string(s.stride)});
      if (s.squeeze_excite) d.fields.push_back({"se", s.squeeze_excite_kind});
      drawing.push_back(d);
    }
    drawing.push_back({"head", std::string(space::head_kind_name(macro->head)), {}});
    return drawing;
  }
  for (size_t i = 0; i < space.decisions().size(); ++i) {
    const std::string& name = space.decisions()[i].name;
    const size_t dot = name.find('.');
    const std::string group = dot == std::string::npos ? "decisions" : name.substr(0, dot);
    auto it = std::find_if(drawing.begin(), drawing.end(), [&](const StageDraw& d) { return d.stage == group; });
    if (it == drawing.end()) it = drawing.insert(drawing.end(), StageDraw{group, "", {}});
    const std::string field = dot == std::string::npos ? name : name.substr(dot + 1);
    if (field == "block" || field == "type") it->block = label_of(space, arch, static_cast<int>(i));
    else it->fields.push_back({field, label_of(space, arch, static_cast<int>(i))});
  }
  return drawing;
}

// Latency and MACs per stage: each kernel is counted in the stage its first node is named in
// ("stage3.block0.expand" -> "stage3").
std::vector<StageCost> stage_costs(const ir::Graph& graph, const hw::NetworkMeasurement& m) {
  std::vector<StageCost> stages;
  for (const hw::KernelMeasurement& k : m.kernels) {
    std::string stage = "other";
    if (!k.nodes.empty()) {
      const std::string& name = graph.node(k.nodes.front()).name;
      stage = name.substr(0, name.find('.'));
    }
    auto it = std::find_if(stages.begin(), stages.end(), [&](const StageCost& s) { return s.stage == stage; });
    if (it == stages.end()) it = stages.insert(stages.end(), StageCost{stage});
    it->latency_us += k.latency_us;
    it->macs += k.macs;
    ++it->kernels;
  }
  return stages;
}

struct Rebuilt {
  search::SearchConfig config;
  std::unique_ptr<hw::Target> target;  // null when the networks are not costed
  std::unique_ptr<space::SearchSpace> space;
  int64_t channel_multiple = 1;
};

// Space, target and config from the store's record (or options.config_file); an Error says why not.
Result<Rebuilt> rebuild(const ReportData& data, const CollectOptions& options, std::string& note) {
  Result<search::SearchConfig> config = Error{""};
  if (!options.config_file.empty()) {
    config = search::load_search_config(options.config_file);
  } else {
    auto text = data.meta.find("config");
    if (text == data.meta.end() || text->second.empty())
      return Error{"the store records no search config (written by an older hwnas); pass --config FILE"};
    auto source = data.meta.find("config_source");
    auto dir = data.meta.find("config_dir");
    config = search::parse_search_config(text->second, source == data.meta.end() ? "store config" : source->second,
                                         dir == data.meta.end() ? "" : dir->second);
  }
  if (!config) return config.error();
  Rebuilt r;
  r.config = std::move(*config);
  auto recorded = data.meta.find("channel_multiple");
  if (recorded != data.meta.end()) {
    try {
      r.channel_multiple = std::stoll(recorded->second);
    } catch (const std::exception&) {
      return Error{"the store's channel_multiple '" + recorded->second + "' is not a number"};
    }
  }
  auto space = space::load_space_by_name(r.config.space, {.channel_multiple = r.channel_multiple});
  if (!space) return space.error();
  r.space = std::make_unique<space::SearchSpace>(std::move(*space));
  auto version = data.meta.find("space_version");
  if (version != data.meta.end() && version->second != r.space->version())
    return Error{"space '" + r.config.space + "' changed since the search (version " + r.space->version() + ", the store's " +
                 version->second + ")"};
  if (!r.space->has_network()) {
    note = "space '" + r.space->name() + "' is custom (no network): no per-stage costs";
    return r;
  }
  if (!options.make_target) {
    note = "no per-stage costs (no target given)";
    return r;
  }
  auto target = options.make_target(r.config.target);
  if (!target) {
    note = "target '" + r.config.target + "': " + target.error().message;
    return r;
  }
  if (options.simulated_only && (*target)->kind() != "simulator") {
    note = "target '" + r.config.target + "' is measured (" + (*target)->kind() +
           "), not simulated: per-stage costs are left out (hwnas measure --csv gives them)";
    return r;
  }
  r.target = std::move(*target);
  return r;
}

// The view of one network: its drawing, and when a target is given its per-stage costs.
Result<NetworkView> view_of(const std::string& name, const space::SearchSpace& space, const space::Architecture& arch,
                            const search::Metrics& metrics, hw::Target* target) {
  NetworkView v;
  v.name = name;
  v.key = space.canonical_key(arch);
  v.metrics = metrics;
  v.drawing = draw_architecture(space, arch);
  if (!target) return v;
  auto graph = space.decode(arch);
  if (!graph) return graph.error().within(name);
  auto m = target->measure_network(*graph);
  if (!m) return m.error().within(name + " on " + target->name());
  v.stages = stage_costs(*graph, *m);
  v.latency_us = m->latency_us;
  return v;
}

}  // namespace

Result<ReportData> read_report(const std::string& store_path, const std::string& study) {
  auto store = search::ExperimentStore::open(store_path, search::ExperimentStore::Access::ReadOnly, study);
  if (!store) return store.error();
  auto trials = store->trials();
  if (!trials) return trials.error();
  ReportData data;
  data.store_path = store->path();  // a URL's password masked
  data.meta = store->meta();
  data.trials = std::move(*trials);
  data.objectives = search::stored_objectives(data.meta);
  data.baseline_metrics = search::stored_baseline_metrics(data.meta);
  data.best = search::best_trial(data.trials);
  data.front = objective_front(data.trials, data.objectives);
  data.generated_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return data;
}

void add_networks(ReportData& data, const CollectOptions& options) {
  data.best_view.reset();
  data.baseline_view.reset();
  data.networks_note.clear();
  std::string note;
  auto rebuilt = rebuild(data, options, note);
  if (!rebuilt) {
    data.networks_note = "networks not rebuilt: " + rebuilt.error().message;
    return;
  }
  std::vector<std::string> problems;
  if (!note.empty()) problems.push_back(note);
  if (data.best >= 0) {
    const search::TrialRecord& t = data.trials[static_cast<size_t>(data.best)];
    auto arch = search::parse_arch(t.arch);
    Result<NetworkView> view = arch ? view_of("best (trial " + std::to_string(t.id) + ")", *rebuilt->space, *arch, t.metrics, rebuilt->target.get())
                                    : Result<NetworkView>(arch.error());
    if (view) data.best_view = std::move(*view);
    else problems.push_back(view.error().message);
  }
  if (rebuilt->config.baseline) {
    auto baseline = search::prepare_baseline(*rebuilt->config.baseline, *rebuilt->space, {.channel_multiple = rebuilt->channel_multiple});
    Result<NetworkView> view = baseline ? view_of("baseline", *baseline->space, baseline->arch, data.baseline_metrics.value_or(search::Metrics{}),
                                                  rebuilt->target.get())
                                        : Result<NetworkView>(baseline.error());
    if (view) data.baseline_view = std::move(*view);
    else problems.push_back("baseline: " + view.error().message);
  }
  for (const std::string& p : problems) data.networks_note += (data.networks_note.empty() ? "" : "; ") + p;
}

Result<ReportData> collect_report(const std::string& store_path, const CollectOptions& options) {
  auto data = read_report(store_path, options.study);
  if (data) add_networks(*data, options);
  return data;
}

}  // namespace hwnas::report
