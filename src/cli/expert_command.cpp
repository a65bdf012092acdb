// `hwnas expert`: the expert in the loop: patterns, explain, optimize, apply, mine and replay.
#include <chrono>
#include <fstream>
#include <optional>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "expert_fine_tune.h"
#include "format.h"
#include "hwnas/estimator/model_file.h"
#include "hwnas/expert/explain.h"
#include "hwnas/expert/optimize.h"
#include "hwnas/expert/rules.h"
#include "hwnas/expert/weight_transfer.h"
#include "hwnas/hw/registry.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/search/store.h"
#include "hwnas/space/space.h"
#include "hwnas/text/yaml_format.h"
#include "load_model.h"

namespace hwnas::cli {

hw::TargetRegistry cli_target_registry();  // cmd_targets.cpp

namespace {

using Json = nlohmann::ordered_json;
using TextAlign = TextTable::Align;

std::string change(double before, double after) {
  if (before == 0) return "-";
  double c = after / before - 1.0;
  return (c >= 0 ? "+" : "") + fixed(c * 100, 1) + "%";
}

struct ExpertArgs {
  std::string model, target, estimator, budget, out, rules, log, store, space, baseline, winner;
  ModelOptions model_options;
  FineTuneArgs fine_tune;
  std::vector<std::string> fine_tune_flags;  // the fine-tuning flags on the command line
  int beam = 1, steps = 12;
  double min_params_fraction = 0.5;
  size_t top = 10;
  uint64_t seed = 0;
  bool json = false;
  bool judge = false;
};

Result<std::unique_ptr<hw::Target>> make_target(const std::string& name) {
  if (name.empty()) return Error{"give --target (see 'hwnas targets')"};
  return cli_target_registry().make(name);
}

Status write_model(const ir::Graph& graph, const std::string& prefix, std::ostream& out) {
  if (Status s = text::save_yaml(graph, prefix + ".yaml"); !s) return s;
  if (Status s = onnx_io::export_onnx_file(graph, prefix + ".onnx"); !s) return s;
  out << "wrote " << prefix << ".yaml and " << prefix << ".onnx\n";
  return {};
}

Status write_log(const expert::RewriteLog& log, const std::string& path, std::ostream& out) {
  std::ofstream file(path);
  if (!file) return Error{path + ": cannot write the rewrite log"};
  file << expert::rewrite_log_to_yaml(log);
  out << "wrote " << path << " (replay: hwnas expert replay " << path << " MODEL)\n";
  return {};
}

void print_log(const expert::RewriteLog& log, std::ostream& out) {
  for (size_t i = 0; i < log.records.size(); ++i) {
    const expert::RewriteRecord& r = log.records[i];
    out << "  " << i + 1 << ". " << r.pattern << (r.params.entries().empty() ? "" : " (" + r.params.to_string() + ")")
        << " at " << r.location << "\n";
    for (const std::string& b : r.before) out << "       - " << b << "\n";
    for (const std::string& a : r.after) out << "       + " << a << "\n";
  }
}

// What happens to the rewritten structure: fine-tuned from the original's weights when asked
// (accuracy before and after), else given the original's weights where they fit when the model
// carries them, with a note on how to fine-tune. Returns the network to write.
Result<ir::Graph> finish_rewritten(const ExpertArgs& args, const LoadedModel& model, FineTuner* tuner,
                                   const ir::Graph& rewritten, const char* command, std::ostream& out) {
  if (tuner) return fine_tune(*tuner, rewritten, out);
  ir::Graph graph = rewritten;
  if (model.graph.has_weights()) {
    auto transfer = expert::transfer_weights(model.graph, graph, args.seed);
    if (!transfer) return transfer.error();
    out << "weights: " << transfer->kept_params << " of " << transfer->kept_params + transfer->fresh_params
        << " tensors kept from MODEL, " << transfer->fresh_nodes.size() << " layers initialised afresh\n";
  }
  out << "accuracy: not measured" << (model.graph.has_weights() ? " (changed layers have fresh weights)" : "")
      << ". To fine-tune from the original's weights and measure it, run 'hwnas expert " << command
      << " ... --checkpoint CKPT (or --weights) --task T --data D --fine-tune-epochs N', or train the written model "
         "('hwnas train PREFIX.yaml').\n";
  return graph;
}

int run_patterns(Streams streams) {
  TextTable table;
  table.add_column("pattern", TextAlign::Left);
  table.add_column("parameters", TextAlign::Left);
  table.add_column("what it does", TextAlign::Left);
  for (const std::string& name : expert::pattern_names()) {
    auto p = expert::make_pattern(name);
    if (!p) continue;
    table.add_row({name, (*p)->params().to_string(), (*p)->summary()});
  }
  table.print(*streams.out);
  return kExitSuccess;
}

int run_explain(const ExpertArgs& args, Streams streams) {
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  auto target = make_target(args.target);
  if (!target) return report_error(*streams.err, target.error().message, kExitUsage);
  expert::ExplainOptions options;
  options.top = args.top;
  options.seed = args.seed;
  auto report = expert::explain(model->graph, **target, expert::default_search_patterns((*target)->channel_multiple()),
                                options);
  if (!report) return report_error(*streams.err, report.error().message);
  if (args.json) {
    Json j;
    j["model"] = model->graph.name();
    j["target"] = report->target;
    j["channel_multiple"] = report->channel_multiple;
    j["latency_us"] = report->latency_us;
    Json kernels = Json::array();
    for (const auto& k : report->kernels) {
      Json kj;
      kj["label"] = k.label;
      kj["nodes"] = k.nodes;
      kj["latency_us"] = k.latency_us;
      kj["mac_utilisation"] = k.mac_utilisation;
      kj["bound"] = k.bound;
      kj["issues"] = k.issues;
      kj["lane_waste"] = k.lane_waste;
      kj["rewrite"] = k.rewrite;
      kj["rewrite_params"] = k.rewrite_params;
      kj["location"] = k.rewrite_location;
      kj["gain_us"] = k.gain_us;
      kernels.push_back(kj);
    }
    j["kernels"] = kernels;
    *streams.out << j.dump(2) << "\n";
    return kExitSuccess;
  }
  std::ostream& out = *streams.out;
  out << model->graph.name() << " on " << report->target << ": " << fixed(report->latency_us, 1)
      << " us; channel multiple " << report->channel_multiple << "; " << report->kernels.size()
      << " kernels with issues (the top " << args.top << " by latency get a rewrite measured)\n\n";
  size_t shown = 0;
  for (const auto& k : report->kernels) {
    if (shown++ >= args.top) break;
    out << fixed(k.latency_us, 1) << " us (" << percent(k.latency_us / report->latency_us) << ")  " << k.label
        << "  " << (k.nodes.empty() ? "" : k.nodes.front()) << "  util " << percent(k.mac_utilisation) << ", "
        << k.bound << "\n";
    for (const std::string& issue : k.issues) out << "    - " << issue << "\n";
    if (k.rewrite.empty())
      out << "    no rewrite touching this kernel lowers the latency\n";
    else
      out << "    => " << k.rewrite << (k.rewrite_params.empty() ? "" : " (" + k.rewrite_params + ")") << " at "
          << k.rewrite_location << ": -" << fixed(k.gain_us, 1) << " us ("
          << percent(k.gain_us / report->latency_us) << " of the network)\n";
  }
  return kExitSuccess;
}

int run_optimize(const ExpertArgs& args, Streams streams) {
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  auto target = make_target(args.target);
  if (!target) return report_error(*streams.err, target.error().message, kExitUsage);
  auto budget = expert::parse_budget(args.budget);
  if (!budget) return report_error(*streams.err, budget.error().message, kExitUsage);
  if (Status s = check_fine_tune_flags(args.fine_tune, args.fine_tune_flags, args.model); !s)
    return report_error(*streams.err, s.error().message, kExitUsage);
  std::optional<estimator::Estimator> estimator;
  if (!args.estimator.empty()) {
    auto loaded = estimator::load_estimator(args.estimator);
    if (!loaded) return report_error(*streams.err, loaded.error().message);
    estimator.emplace(std::move(*loaded));
  }
  expert::LatencyFn latency =
      estimator ? expert::estimator_latency(*estimator) : expert::target_latency(**target);
  expert::OptimizeOptions options;
  options.beam = args.beam;
  options.max_steps = args.steps;
  options.budget = *budget;
  options.seed = args.seed;
  options.min_params_fraction = args.min_params_fraction;
  // Fine-tuning's data and the original's accuracy first, so a bad flag or data set fails early.
  auto tuner = prepare_fine_tune(args.fine_tune, *model, args.seed, *streams.out);
  if (!tuner) return report_error(*streams.err, tuner.error().message);
  // The search rewrites the structure; the weights are transferred once, to the result.
  auto start = std::chrono::steady_clock::now();
  auto result = expert::optimize(expert::strip_weights(model->graph), latency,
                                 expert::default_search_patterns((*target)->channel_multiple()), options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result) return report_error(*streams.err, result.error().message);
  std::ostream& out = *streams.out;
  out << model->graph.name() << " on " << (*target)->name() << " (latency from "
      << (estimator ? "estimator " + args.estimator : "the target") << "), "
      << (args.beam == 1 ? "greedy" : "beam " + std::to_string(args.beam)) << ", "
      << result->candidates_evaluated << " candidates in " << fixed(seconds, 1) << " s\n\n";
  TextTable table;
  for (const char* h : {"step", "rewrite", "at", "latency us", "change", "params", "change", "peak act", "change"})
    table.add_column(h, std::string(h) == "rewrite" || std::string(h) == "at" ? TextAlign::Left : TextAlign::Right);
  const expert::ModelCost& b = result->baseline;
  table.add_row({"0", "baseline", "", fixed(b.latency_us, 1), "", with_thousands(b.params), "",
                 human_bytes(b.peak_activation_bytes), ""});
  for (size_t i = 0; i < result->steps.size(); ++i) {
    const auto& s = result->steps[i];
    table.add_row({std::to_string(i + 1), s.record.pattern, s.record.location, fixed(s.after.latency_us, 1),
                   change(s.before.latency_us, s.after.latency_us), with_thousands(s.after.params),
                   change(static_cast<double>(s.before.params), static_cast<double>(s.after.params)),
                   human_bytes(s.after.peak_activation_bytes),
                   change(static_cast<double>(s.before.peak_activation_bytes),
                          static_cast<double>(s.after.peak_activation_bytes))});
  }
  table.print(out);
  const expert::ModelCost& f = result->final_cost;
  out << "\ntotal: latency " << change(b.latency_us, f.latency_us) << ", params "
      << change(static_cast<double>(b.params), static_cast<double>(f.params)) << ", peak activations "
      << change(static_cast<double>(b.peak_activation_bytes), static_cast<double>(f.peak_activation_bytes));
  if (!budget->empty()) out << "; budget " << (result->budget_met ? "met" : "NOT met");
  out << "\n";
  auto final_graph = finish_rewritten(args, *model, tuner->get(), result->graph, "optimize", out);
  if (!final_graph) return report_error(*streams.err, final_graph.error().message);
  if (estimator) {
    auto measured = (*target)->measure_network(result->graph);
    if (measured) out << "measured on the target: " << fixed(measured->latency_us, 1) << " us\n";
  }
  if (!args.out.empty()) {
    if (Status s = write_model(*final_graph, args.out, out); !s) return report_error(*streams.err, s.error().message);
    if (Status s = write_log(result->log, args.out + ".rewrites.yaml", out); !s)
      return report_error(*streams.err, s.error().message);
  }
  return kExitSuccess;
}

// `apply --judge`: each rule's verdict on the target's latency, as a table.
void print_verdicts(const expert::JudgedApplication& judged, const expert::RuleFile& rules, const std::string& target,
                    std::ostream& out) {
  out << "rules judged on " << target << ": " << judged.kept() << " of " << rules.rules.size()
      << " kept (a rule's rewrites are kept only when they lower the latency)\n";
  TextTable table;
  for (const char* h : {"rule", "pattern", "where", "rewrites", "latency us", "with it", "change", "verdict"})
    table.add_column(h, std::string(h) == "pattern" || std::string(h) == "where" || std::string(h) == "verdict"
                            ? TextAlign::Left
                            : TextAlign::Right);
  for (size_t i = 0; i < judged.verdicts.size(); ++i) {
    const expert::RuleVerdict& v = judged.verdicts[i];
    const expert::RuleWhere& w = rules.rules[i].where;
    std::string where;
    for (const expert::RuleWhere::Field& f : expert::RuleWhere::kFields)
      if (const std::optional<expert::Range>& r = w.*f.range)
        where += (where.empty() ? "" : ",") + std::string(f.key) + "=" + std::to_string(r->min) +
                 (r->max == r->min ? "" : ".." + std::to_string(r->max));
    const bool measured = v.rewrites > 0 && v.after_us != v.before_us;
    const std::string params = rules.rules[i].params.to_string();
    table.add_row({std::to_string(i + 1), v.pattern + (params.empty() ? "" : " (" + params + ")"),
                   where.empty() ? "-" : where, std::to_string(v.rewrites), fixed(v.before_us, 1),
                   v.rewrites > 0 ? fixed(v.after_us, 1) : "-",
                   measured ? change(v.before_us, v.after_us) : "-",
                   std::string(v.kept ? "kept: " : "dropped: ") + v.reason});
  }
  table.print(out);
  out << "judged: latency " << fixed(judged.baseline_us, 1) << " -> " << fixed(judged.final_us, 1) << " us ("
      << change(judged.baseline_us, judged.final_us) << ")\n";
}

int run_apply(const ExpertArgs& args, Streams streams) {
  auto rules = expert::load_rules(args.rules);
  if (!rules) return report_error(*streams.err, rules.error().message);
  if (Status s = check_fine_tune_flags(args.fine_tune, args.fine_tune_flags, args.model); !s)
    return report_error(*streams.err, s.error().message, kExitUsage);
  if (args.judge && args.target.empty())
    return report_error(*streams.err, "--judge keeps a rule only where it lowers the latency: give --target T",
                        kExitUsage);
  std::unique_ptr<hw::Target> target;
  if (!args.target.empty()) {
    auto made = make_target(args.target);
    if (!made) return report_error(*streams.err, made.error().message, kExitUsage);
    target = std::move(*made);
  }
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  auto tuner = prepare_fine_tune(args.fine_tune, *model, args.seed, *streams.out);
  if (!tuner) return report_error(*streams.err, tuner.error().message);
  std::ostream& out = *streams.out;
  ir::Graph rewritten;
  expert::RewriteLog log;
  if (args.judge) {
    auto judged = expert::apply_rules_judged(expert::strip_weights(model->graph), *rules,
                                             expert::target_latency(*target), args.seed);
    if (!judged) return report_error(*streams.err, judged.error().message);
    print_verdicts(*judged, *rules, target->name(), out);
    out << args.rules << " on " << model->graph.name() << ", judged: " << judged->log.records.size()
        << " rewrites kept\n";
    rewritten = judged->graph;
    log = judged->log;
  } else {
    auto applied = expert::apply_rules(expert::strip_weights(model->graph), *rules, args.seed);
    if (!applied) return report_error(*streams.err, applied.error().message);
    out << args.rules << " on " << model->graph.name() << ": " << applied->log.records.size() << " rewrites\n";
    for (size_t i = 0; i < rules->rules.size(); ++i)
      out << "  rule " << i + 1 << " (" << rules->rules[i].pattern << "): " << applied->applied_per_rule[i] << "\n";
    rewritten = applied->graph;
    log = applied->log;
  }
  print_log(log, out);
  if (target) {
    auto before = expert::measure_cost(model->graph, expert::target_latency(*target));
    auto after = expert::measure_cost(rewritten, expert::target_latency(*target));
    if (!before) return report_error(*streams.err, before.error().message);
    if (!after) return report_error(*streams.err, after.error().message);
    out << "on " << target->name() << ": latency " << fixed(before->latency_us, 1) << " -> "
        << fixed(after->latency_us, 1) << " us (" << change(before->latency_us, after->latency_us) << "), params "
        << with_thousands(before->params) << " -> " << with_thousands(after->params) << ", peak activations "
        << human_bytes(before->peak_activation_bytes) << " -> " << human_bytes(after->peak_activation_bytes) << "\n";
  }
  auto final_graph = finish_rewritten(args, *model, tuner->get(), rewritten, "apply", out);
  if (!final_graph) return report_error(*streams.err, final_graph.error().message);
  if (!args.out.empty()) {
    if (Status s = write_model(*final_graph, args.out, out); !s) return report_error(*streams.err, s.error().message);
    if (Status s = write_log(log, args.out + ".rewrites.yaml", out); !s)
      return report_error(*streams.err, s.error().message);
  }
  return kExitSuccess;
}

int run_mine(const ExpertArgs& args, Streams streams) {
  auto baseline = load_model(args.baseline, args.model_options);
  if (!baseline) return report_error(*streams.err, baseline.error().message);
  expert::MineOptions options;
  if (!args.target.empty()) {
    auto target = make_target(args.target);
    if (!target) return report_error(*streams.err, target.error().message, kExitUsage);
    options.channel_multiple = (*target)->channel_multiple();
  }
  Result<expert::RuleFile> rules = Error{""};
  if (!args.winner.empty()) {
    auto winner = load_model(args.winner, args.model_options);
    if (!winner) return report_error(*streams.err, winner.error().message);
    rules = expert::mine_rules(baseline->graph, winner->graph, options);
    if (rules) rules->source = "winner " + winner->source + " against baseline " + baseline->source;
  } else {
    if (args.store.empty() || args.space.empty())
      return report_error(*streams.err, "give --winner MODEL, or --store FILE and --space NAME", kExitUsage);
    auto store = search::ExperimentStore::open(args.store);
    if (!store) return report_error(*streams.err, store.error().message);
    auto space = space::load_space_by_name(args.space, {options.channel_multiple});
    if (!space) return report_error(*streams.err, space.error().message);
    rules = expert::mine_rules_from_store(*store, *space, baseline->graph, options);
  }
  if (!rules) return report_error(*streams.err, rules.error().message);
  std::string text = expert::rules_to_yaml(*rules);
  if (args.out.empty()) {
    *streams.out << text;
    return kExitSuccess;
  }
  if (Status s = expert::save_rules(*rules, args.out); !s) return report_error(*streams.err, s.error().message);
  *streams.out << "wrote " << rules->rules.size() << " rules to " << args.out << "\n";
  return kExitSuccess;
}

int run_replay(const ExpertArgs& args, Streams streams) {
  std::ifstream file(args.log);
  if (!file) return report_error(*streams.err, args.log + ": cannot read the rewrite log");
  std::stringstream text;
  text << file.rdbuf();
  auto log = expert::rewrite_log_from_yaml(text.str(), args.log);
  if (!log) return report_error(*streams.err, log.error().message);
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  auto replayed = expert::replay(model->graph, *log);
  if (!replayed) return report_error(*streams.err, replayed.error().message);
  *streams.out << "replayed " << log->records.size() << " rewrites on " << model->graph.name() << "\n";
  print_log(*log, *streams.out);
  if (!args.out.empty())
    if (Status s = write_model(*replayed, args.out, *streams.out); !s)
      return report_error(*streams.err, s.error().message);
  return kExitSuccess;
}

void add_model(CLI::App* command, ExpertArgs& args, const char* name = "model") {
  command->add_option(name, args.model, "a zoo name (see 'hwnas zoo'), a .yaml/.yml file or a .onnx file")
      ->type_name("MODEL")
      ->required();
}

}  // namespace

void register_expert(CLI::App& app, Streams streams) {
  auto args = std::make_shared<ExpertArgs>();
  CLI::App* expert = app.add_subcommand("expert", "hardware-aware rewrites: explain, optimize, rules (docs/expert.md)");
  expert->require_subcommand(1);

  CLI::App* patterns = expert->add_subcommand("patterns", "list the rewrite patterns");
  patterns->callback([streams] { finish(run_patterns(streams)); });

  CLI::App* explain = expert->add_subcommand("explain", "where a model wastes time on a target, and what would help");
  add_model(explain, *args);
  explain->add_option("--target,-t", args->target, "a target (see 'hwnas targets')")->required();
  explain->add_option("--top", args->top, "kernels that get a rewrite measured (default 10)");
  explain->add_flag("--json", args->json, "JSON instead of text");
  add_model_options(*explain, args->model_options);
  explain->callback([args, streams] { finish(run_explain(*args, streams)); });

  CLI::App* optimize = expert->add_subcommand("optimize", "search rewrites that lower latency under a budget");
  add_model(optimize, *args);
  optimize->add_option("--target,-t", args->target, "a target (see 'hwnas targets')")->required();
  optimize->add_option("--estimator", args->estimator, "predict latency with this estimator file instead of measuring");
  optimize->add_option("--budget", args->budget, "limits, e.g. latency=800us,params=1.5M,memory=300KiB");
  optimize->add_option("--beam", args->beam, "states kept per step (1: greedy)");
  optimize->add_option("--steps", args->steps, "rewrites at most (default 12)");
  optimize->add_option("--seed", args->seed, "seed of the weights of changed layers and of fine-tuning");
  optimize->add_option("--min-params", args->min_params_fraction,
                       "reject rewrites leaving fewer than this fraction of the baseline's parameters (default 0.5)");
  optimize->add_option("--out,-o", args->out, "write PREFIX.yaml, PREFIX.onnx and PREFIX.rewrites.yaml");
  add_model_options(*optimize, args->model_options);
  add_fine_tune_options(*optimize, args->fine_tune);
  optimize->callback([args, streams, optimize] {
    args->fine_tune_flags = fine_tune_flags_given(*optimize);
    finish(run_optimize(*args, streams));
  });

  CLI::App* apply = expert->add_subcommand("apply", "apply a rule file to a model");
  apply->add_option("rules", args->rules, "a rule file (docs/expert.md)")->required();
  add_model(apply, *args);
  apply->add_option("--target,-t", args->target, "also report latency before and after on this target");
  apply->add_flag("--judge", args->judge,
                  "apply rule by rule, keeping a rule only where it lowers the latency on --target");
  apply->add_option("--seed", args->seed, "seed of the weights of changed layers and of fine-tuning");
  apply->add_option("--out,-o", args->out, "write PREFIX.yaml, PREFIX.onnx and PREFIX.rewrites.yaml");
  add_model_options(*apply, args->model_options);
  add_fine_tune_options(*apply, args->fine_tune);
  apply->callback([args, streams, apply] {
    args->fine_tune_flags = fine_tune_flags_given(*apply);
    finish(run_apply(*args, streams));
  });

  CLI::App* mine = expert->add_subcommand("mine", "rules from a finished search: the winner against the baseline");
  mine->add_option("--baseline", args->baseline, "the baseline MODEL")->required();
  mine->add_option("--winner", args->winner, "the winning MODEL (instead of --store)");
  mine->add_option("--store", args->store, "an experiment store (hwnas search)");
  mine->add_option("--space", args->space, "the search space of the store");
  mine->add_option("--target,-t", args->target, "the target (its channel multiple gives alignment rules)");
  mine->add_option("--out,-o", args->out, "the rule file to write (default: print it)");
  add_model_options(*mine, args->model_options);
  mine->callback([args, streams] { finish(run_mine(*args, streams)); });

  CLI::App* replay = expert->add_subcommand("replay", "apply a rewrite log to the model it started from");
  replay->add_option("log", args->log, "a PREFIX.rewrites.yaml")->required();
  add_model(replay, *args);
  replay->add_option("--out,-o", args->out, "write PREFIX.yaml and PREFIX.onnx");
  add_model_options(*replay, args->model_options);
  replay->callback([args, streams] { finish(run_replay(*args, streams)); });
}

}  // namespace hwnas::cli
