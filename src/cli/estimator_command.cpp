// `hwnas estimator build|fit|eval` and `hwnas estimate`: building, fitting, checking and using latency estimators.
#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/estimator/build.h"
#include "hwnas/estimator/evaluation.h"
#include "hwnas/estimator/kernel_detection.h"
#include "hwnas/estimator/measurement_csv.h"
#include "hwnas/estimator/model_file.h"
#include "hwnas/hw/registry.h"
#include "load_model.h"
#include "progress.h"

namespace hwnas::cli {

hw::TargetRegistry cli_target_registry();  // cmd_targets.cpp: presets, files, commands, libtorch

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// The target of --target and what the estimator knows of it; a black box gets its fusion rules
// by measurement (nn-Meter's pairwise test).
struct ResolvedTarget {
  std::unique_ptr<hw::Target> target;
  estimator::TargetInfo info;
  std::vector<estimator::FusionProbe> probes;  // empty for a simulator
};

Result<ResolvedTarget> resolve_target(const std::string& name, bool detect_rules) {
  auto target = cli_target_registry().make(name);
  if (!target) return target.error();
  ResolvedTarget resolved;
  resolved.info = estimator::describe_target(**target);
  if (resolved.info.kind != "simulator" && detect_rules) {
    auto detected = estimator::detect_fusion_rules(**target);
    if (!detected) return detected.error();
    resolved.info.fusion = detected->rules;
    resolved.probes = detected->probes;
  }
  resolved.target = std::move(*target);
  return resolved;
}

void print_training(const estimator::EstimatorMetadata& meta, std::ostream& out) {
  const estimator::TrainingSummary& t = meta.training;
  out << "trained from " << t.kernel_rows << " timed kernels and " << t.networks << " timed networks (" << t.mode
      << "), " << t.rows_per_type.size() << " kernel types; ensemble of " << t.options.ensemble << ", "
      << t.options.shared_rounds << " shared + " << t.options.type_rounds << " per-type rounds\n";
}

// ---- build ---------------------------------------------------------------------------------

struct BuildArgs {
  std::string target;
  size_t samples = 1000;
  int rounds = 3;
  uint64_t seed = 1;
  std::string output;
  std::string measurements;  // --save-measurements
  int ensemble = 3;
  int threads = 1;
  bool quiet = false;
};

int run_build(const BuildArgs& args, Streams streams) {
  auto resolved = resolve_target(args.target, true);
  if (!resolved) return report_error(*streams.err, resolved.error().message);
  std::ostream& out = *streams.out;
  out << "target " << resolved->info.name << " [" << resolved->info.kind << "], kernels by fusion rules "
      << estimator::fusion_rules_text(resolved->info.fusion);
  if (!resolved->probes.empty()) out << " (found by timing pairs of ops)";
  out << ", channel multiple " << resolved->info.channel_multiple << "\n";
  estimator::BuildOptions options;
  options.samples = args.samples;
  options.adaptive_rounds = args.rounds;
  options.seed = args.seed;
  options.train.ensemble = args.ensemble;
  options.train.threads = args.threads;
  options.train.seed = args.seed;
  options.resample.seed = args.seed;
  Progress progress(*streams.err, Progress::mode_for(streams, args.quiet), "steps");
  const auto start = Clock::now();
  auto built = estimator::build_estimator(*resolved->target, resolved->info, options,
                                          [&](const std::string& what, size_t done, size_t total) {
                                            progress.update(static_cast<int64_t>(done), static_cast<int64_t>(total), what);
                                          });
  progress.finish();
  if (!built) return report_error(*streams.err, built.error().message);
  for (size_t r = 0; r < built->rounds.size(); ++r) {
    const estimator::BuildRound& round = built->rounds[r];
    if (r == 0) {
      out << "prior: " << round.networks_measured << " networks measured, " << round.kernel_rows << " timed kernels, "
          << round.networks << " timed networks\n";
    } else {
      out << "adaptive round " << r << ": " << percent(round.validation_within_10)
          << " of fresh networks within +-10 %, " << round.kernels_missed << " of " << round.validation_kernels
          << " kernels missed by > 10 % and resampled around (" << round.networks_measured
          << " networks measured); now " << round.kernel_rows << " timed kernels\n";
    }
  }
  print_training(built->estimator.metadata(), out);
  out << "took " << fixed(std::chrono::duration<double>(Clock::now() - start).count(), 1) << " s\n";
  if (!args.measurements.empty()) {
    if (Status s = estimator::save_measurements_csv(built->data, args.measurements); !s)
      return report_error(*streams.err, s.error().message);
    out << "wrote measurements " << args.measurements << "\n";
  }
  const std::string path = args.output.empty() ? resolved->info.name + ".estimator.json" : args.output;
  if (Status s = estimator::save_estimator(built->estimator, path); !s) return report_error(*streams.err, s.error().message);
  out << "wrote " << path << "\n";
  return kExitSuccess;
}

// ---- fit -----------------------------------------------------------------------------------

struct FitArgs {
  std::string measurements;
  std::string output;
  std::string target;        // optional: a known target whose rules and memory plan to record
  int64_t channel_multiple = 1;
  std::string fusion = "batch_norm,activation";
  std::string precision = "int8";
  int ensemble = 3;
  int threads = 1;
  uint64_t seed = 1;
};

int run_fit(const FitArgs& args, Streams streams) {
  auto data = estimator::load_measurements_csv(args.measurements);
  if (!data) return report_error(*streams.err, data.error().message);
  estimator::TargetInfo info;
  if (!args.target.empty()) {
    auto resolved = resolve_target(args.target, false);
    if (!resolved) return report_error(*streams.err, resolved.error().message);
    info = resolved->info;
    if (data->target != info.name)
      return report_error(*streams.err, args.measurements + ": measured on target '" + data->target +
                                            "', not on --target '" + info.name + "'");
  } else {
    info.name = data->target;
    info.kind = "command";
    info.channel_multiple = args.channel_multiple;
    auto rules = estimator::parse_fusion_rules(args.fusion);
    if (!rules) return report_error(*streams.err, "--fusion: " + rules.error().message, kExitUsage);
    info.fusion = *rules;
    auto precision = ir::precision_from_name(args.precision);
    if (!precision) return report_error(*streams.err, "--precision '" + args.precision + "' is not a precision", kExitUsage);
    info.activation_precision = *precision;
  }
  estimator::TrainOptions options;
  options.ensemble = args.ensemble;
  options.threads = args.threads;
  options.seed = args.seed;
  auto fitted = estimator::fit_estimator(info, *data, options);
  if (!fitted) return report_error(*streams.err, fitted.error().message);
  print_training(fitted->metadata(), *streams.out);
  const std::string path = args.output.empty() ? info.name + ".estimator.json" : args.output;
  if (Status s = estimator::save_estimator(*fitted, path); !s) return report_error(*streams.err, s.error().message);
  *streams.out << "wrote " << path << "\n";
  return kExitSuccess;
}

// ---- eval ----------------------------------------------------------------------------------

struct EvalArgs {
  std::string estimator;
  std::string target;
  size_t networks = 200;
  uint64_t seed = 12345;
  bool zoo = true;
  bool json = false;
};

int run_eval(const EvalArgs& args, Streams streams) {
  auto resolved = resolve_target(args.target, false);
  if (!resolved) return report_error(*streams.err, resolved.error().message);
  auto loaded = estimator::load_estimator_for(args.estimator, resolved->info);
  if (!loaded) return report_error(*streams.err, loaded.error().message);
  std::vector<estimator::NetworkSource> sources = estimator::sampled_sources(args.seed, args.networks);
  if (args.zoo)
    for (estimator::NetworkSource& s : estimator::zoo_sources({1.0}, {224})) sources.push_back(std::move(s));
  std::vector<double> predicted, measured, flops;
  Progress progress(*streams.err, Progress::mode_for(streams, args.json), "networks");
  for (size_t i = 0; i < sources.size(); ++i) {
    progress.update(static_cast<int64_t>(i), static_cast<int64_t>(sources.size()), "measuring " + sources[i].name());
    auto graph = sources[i].build();
    if (!graph) return report_error(*streams.err, graph.error().message);
    auto m = resolved->target->measure_network(*graph);
    if (!m) return report_error(*streams.err, m.error().message);
    measured.push_back(m->latency_us);
    predicted.push_back(loaded->predict(*graph).latency_us);
    flops.push_back(static_cast<double>(analysis::analyze_cost(*graph).flops));
  }
  progress.update(static_cast<int64_t>(sources.size()), static_cast<int64_t>(sources.size()), "measured");
  progress.finish();
  const double scale = estimator::fit_relative_scale(flops, measured);
  for (double& f : flops) f *= scale;
  const estimator::AccuracyReport ours = estimator::accuracy(predicted, measured);
  const estimator::AccuracyReport baseline = estimator::accuracy(flops, measured);
  if (args.json) {
    auto report = [](const estimator::AccuracyReport& r) {
      return Json{{"within_10", r.within_10}, {"within_5", r.within_5}, {"rmspe", r.rmspe},
                  {"mean_abs_percentage_error", r.mean_abs_percentage_error},
                  {"max_abs_percentage_error", r.max_abs_percentage_error}, {"spearman", r.spearman}};
    };
    Json j{{"target", resolved->info.name}, {"networks", ours.count}, {"estimator", report(ours)},
           {"flops_scaled", report(baseline)}};
    *streams.out << j.dump(2) << '\n';
    return kExitSuccess;
  }
  std::ostream& out = *streams.out;
  out << args.estimator << " on " << resolved->info.name << ": " << ours.count << " networks (" << args.networks
      << " sampled, seed " << args.seed << (args.zoo ? ", and the zoo at 224" : "") << ")\n\n";
  using Align = TextTable::Align;
  TextTable table;
  table.add_column("predictor", Align::Left);
  for (const char* h : {"within 10%", "within 5%", "RMSPE", "mean |err|", "max |err|", "Spearman"})
    table.add_column(h, Align::Right);
  for (const auto& [name, r] : {std::pair{"estimator", ours}, {"FLOPs x best scale", baseline}})
    table.add_row({name, percent(r.within_10), percent(r.within_5), percent(r.rmspe),
                   fixed(r.mean_abs_percentage_error, 2) + "%", fixed(r.max_abs_percentage_error, 1) + "%",
                   fixed(r.spearman, 4)});
  table.print(out);
  out << "\nThe FLOPs scale is fitted on these same networks, which flatters the baseline.\n";
  return kExitSuccess;
}

// ---- estimate ------------------------------------------------------------------------------

struct EstimateArgs {
  std::string estimator;
  std::string model;
  ModelOptions model_options;
  bool json = false;
};

int run_estimate(const EstimateArgs& args, Streams streams) {
  if (args.model_options.zoo_options_given && is_model_file(args.model))
    return report_error(*streams.err,
                        "--width, --resolution and --classes apply to zoo models, not to the file '" + args.model + "'",
                        kExitUsage);
  auto loaded = estimator::load_estimator(args.estimator);
  if (!loaded) return report_error(*streams.err, loaded.error().message);
  auto model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  const ir::Graph& graph = model->graph;
  const estimator::NetworkPrediction p = loaded->predict(graph, {.breakdown = true, .peak_memory = true});
  const estimator::TargetInfo& target = loaded->metadata().target;
  const bool energy = loaded->has_energy();
  if (args.json) {
    Json kernels = Json::array();
    for (const estimator::KernelPrediction& k : p.kernels) {
      Json nodes = Json::array();
      for (ir::NodeId id : k.kernel.nodes) nodes.push_back(graph.node(id).name);
      kernels.push_back(Json{{"label", k.label}, {"nodes", nodes}, {"latency_us", k.latency_us},
                             {"latency_std_us", k.latency_std_us}, {"energy_uj", energy ? Json(k.energy_uj) : Json(nullptr)},
                             {"shared_only", k.shared_only}});
    }
    Json j{{"model", graph.name()},
           {"source", model->source},
           {"target", target.name},
           {"latency_us", p.latency_us},
           {"latency_std_us", p.latency_std_us},
           {"energy_uj", energy ? Json(p.energy_uj) : Json(nullptr)},
           {"params", p.params},
           {"peak_activation_bytes", p.peak_activation_bytes},
           {"activation_precision", std::string(ir::precision_name(target.activation_precision))},
           {"kernels", kernels}};
    *streams.out << j.dump(2) << '\n';
    return kExitSuccess;
  }
  std::ostream& out = *streams.out;
  out << graph.name() << " (" << model->source << ") on " << target.name << ", estimated by " << args.estimator << "\n\n";
  using Align = TextTable::Align;
  TextTable table;
  table.add_column("#", Align::Right);
  table.add_column("kernel", Align::Left);
  table.add_column("first node", Align::Left);
  table.add_column("latency us", Align::Right);
  table.add_column("+-", Align::Right);
  table.add_column("share", Align::Right);
  if (energy) table.add_column("energy uJ", Align::Right);
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const estimator::KernelPrediction& k = p.kernels[i];
    std::vector<std::string> row{std::to_string(i), k.label + (k.shared_only ? " *" : ""),
                                 graph.node(k.kernel.nodes.front()).name, fixed(k.latency_us, 2),
                                 fixed(k.latency_std_us, 2), percent(p.latency_us > 0 ? k.latency_us / p.latency_us : 0)};
    if (energy) row.push_back(fixed(k.energy_uj, 3));
    table.add_row(std::move(row));
  }
  table.print(out);
  out << "\nlatency: " << fixed(p.latency_us, 2) << " us +- " << fixed(p.latency_std_us, 2) << " (" << fixed(p.latency_us / 1000, 3)
      << " ms, spread of " << loaded->regressors().latency.members.size() << " ensemble members)\n";
  if (energy) out << "energy: " << fixed(p.energy_uj, 3) << " uJ\n";
  out << "params: " << human_count(p.params) << " (" << with_thousands(p.params) << ")\n";
  out << "peak activation memory: " << human_bytes(p.peak_activation_bytes) << " ("
      << ir::precision_name(target.activation_precision) << ", graph order)\n";
  bool any_shared = false;
  for (const estimator::KernelPrediction& k : p.kernels) any_shared = any_shared || k.shared_only;
  if (any_shared) out << "* a kernel type the estimator saw too rarely to have a model of its own (less reliable)\n";
  return kExitSuccess;
}

}  // namespace

void register_estimator(CLI::App& app, Streams streams) {
  CLI::App* group = app.add_subcommand("estimator", "build, fit and check latency estimators of a hardware target");
  group->require_subcommand(1);
  const std::string target_help =
      "a target name (see 'hwnas targets'), an accelerator spec NAME.yaml, or command:'<cmd {onnx}>'";

  auto build = std::make_shared<BuildArgs>();
  CLI::App* b = group->add_subcommand("build", "sample networks, measure them on a target, fit an estimator");
  b->add_option("--target,-t", build->target, target_help)->required();
  b->add_option("--samples", build->samples, "sampled networks of the prior (default 1000; the zoo is added)")
      ->check(CLI::PositiveNumber);
  b->add_option("--rounds", build->rounds, "adaptive resampling rounds (default 3)")->check(CLI::NonNegativeNumber);
  b->add_option("--seed", build->seed, "seed of the sampling and the fit (default 1)");
  b->add_option("--ensemble", build->ensemble, "ensemble members, for the uncertainty (default 3)")
      ->check(CLI::Range(1, 16));
  b->add_option("--threads", build->threads, "XGBoost threads (default 1)")->check(CLI::PositiveNumber);
  b->add_option("-o,--output", build->output, "the estimator file (default TARGET.estimator.json)");
  b->add_option("--save-measurements", build->measurements, "also write the measurements as CSV");
  b->add_flag("--quiet,-q", build->quiet, "no progress line");
  b->callback([build, streams] { finish(run_build(*build, streams)); });

  auto fit = std::make_shared<FitArgs>();
  CLI::App* f = group->add_subcommand("fit", "fit an estimator from a measurement CSV (docs/estimator.md)");
  f->add_option("--measurements,-m", fit->measurements, "the measurement CSV")->required();
  f->add_option("-o,--output", fit->output, "the estimator file (default TARGET.estimator.json)");
  f->add_option("--target,-t", fit->target,
                "a known target the CSV was measured on (its rules and memory plan are recorded); "
                "otherwise the CSV's target with the options below");
  f->add_option("--channel-multiple", fit->channel_multiple,
                "the channel multiple P the CSV's channel-block features were computed with (default 1)")
      ->check(CLI::PositiveNumber);
  f->add_option("--fusion", fit->fusion, "fusion rules: comma-separated batch_norm, activation, residual_add, "
                                         "elementwise_chains, cascade, or none (default batch_norm,activation)");
  f->add_option("--precision", fit->precision, "activation precision of the byte features (default int8)")
      ->check(CLI::IsMember({"int8", "int16", "fp16", "fp32"}));
  f->add_option("--ensemble", fit->ensemble, "ensemble members (default 3)")->check(CLI::Range(1, 16));
  f->add_option("--threads", fit->threads, "XGBoost threads (default 1)")->check(CLI::PositiveNumber);
  f->add_option("--seed", fit->seed, "seed of the fit (default 1)");
  f->callback([fit, streams] { finish(run_fit(*fit, streams)); });

  auto eval = std::make_shared<EvalArgs>();
  CLI::App* e = group->add_subcommand("eval", "accuracy of an estimator on fresh networks measured on its target");
  e->add_option("--estimator,-e", eval->estimator, "the estimator file")->required();
  e->add_option("--target,-t", eval->target, target_help)->required();
  e->add_option("--networks", eval->networks, "sampled networks to measure (default 200)")->check(CLI::PositiveNumber);
  e->add_option("--seed", eval->seed, "seed of the sampled networks (default 12345)");
  e->add_flag("!--no-zoo", eval->zoo, "leave the zoo models out");
  e->add_flag("--json", eval->json, "print JSON");
  e->callback([eval, streams] { finish(run_eval(*eval, streams)); });

  auto estimate = std::make_shared<EstimateArgs>();
  CLI::App* s = app.add_subcommand(
      "estimate", "a model's latency (with uncertainty), energy, parameters and peak memory from an estimator");
  s->add_option("--estimator,-e", estimate->estimator, "the estimator file (hwnas estimator build)")->required();
  s->add_option("model", estimate->model, "a zoo name (see 'hwnas zoo'), a .yaml/.yml file or a .onnx file")
      ->type_name("MODEL")
      ->required();
  add_model_options(*s, estimate->model_options);
  s->add_flag("--json", estimate->json, "print JSON");
  s->callback([estimate, streams] { finish(run_estimate(*estimate, streams)); });
}

}  // namespace hwnas::cli
