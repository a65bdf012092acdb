// `hwnas analyze`: per-layer and total MACs, parameters, weight bytes and peak activation memory.
#include "analyze_command.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "format.h"
#include "hwnas/analysis/cost.h"
#include "hwnas/analysis/peak_memory.h"

namespace hwnas::cli {
namespace {

using Json = nlohmann::ordered_json;
constexpr ir::Precision kAllPrecisions[] = {ir::Precision::Int8, ir::Precision::Int16, ir::Precision::Fp16,
                                            ir::Precision::Fp32};
constexpr size_t kLiveNamesShown = 6;

// Everything the command reports about one model.
struct ModelReport {
  analysis::CostSummary cost;
  analysis::PeakMemory given;
  analysis::MinimalPeakMemory best;
};

ModelReport analyze_model(const ir::Graph& graph, ir::Precision precision, int64_t search_budget) {
  analysis::ScheduleSearchOptions search;
  search.max_states = search_budget;
  return ModelReport{analysis::analyze_cost(graph), analysis::peak_memory_in_graph_order(graph, precision),
                     analysis::minimal_peak_memory(graph, precision, search)};
}

// Fraction by which the best order's peak is below the graph order's.
double saving(const ModelReport& report) {
  if (report.given.peak_bytes == 0) return 0.0;
  return 1.0 -
         static_cast<double>(report.best.best.peak_bytes) / static_cast<double>(report.given.peak_bytes);
}

std::vector<std::string> names_of(const ir::Graph& graph, const std::vector<ir::NodeId>& ids) {
  std::vector<std::string> names;
  names.reserve(ids.size());
  for (ir::NodeId id : ids) names.push_back(graph.node(id).name);
  return names;
}

// "at step 12, node 'b1.conv' (conv2d); 3 tensors live: x, b0.add, b1.conv"
std::string where_peak(const ir::Graph& graph, const analysis::PeakMemory& peak) {
  if (peak.peak_step < 0) return "(empty graph)";
  std::string text = "at step " + std::to_string(peak.peak_step) + ", " +
                     graph.node(peak.peak_node).describe() + "; " + std::to_string(peak.peak_live.size()) +
                     " tensors live: ";
  for (size_t i = 0; i < peak.peak_live.size() && i < kLiveNamesShown; ++i)
    text += (i ? ", " : "") + graph.node(peak.peak_live[i]).name;
  if (peak.peak_live.size() > kLiveNamesShown) text += ", ...";
  return text;
}

Json peak_json(const ir::Graph& graph, const analysis::PeakMemory& peak) {
  Json j;
  j["bytes"] = peak.peak_bytes;
  j["step"] = peak.peak_step;
  j["node"] = peak.peak_step < 0 ? Json(nullptr) : Json(graph.node(peak.peak_node).name);
  j["live"] = names_of(graph, peak.peak_live);
  j["live_bytes_per_step"] = peak.live_bytes;
  return j;
}

Json weight_bytes_json(const ir::Graph& graph) {
  Json j;
  for (ir::Precision p : kAllPrecisions)
    j[std::string(ir::precision_name(p))] = analysis::weight_bytes(graph, p);
  return j;
}

void print_model_text(const LoadedModel& model, const ModelReport& report, ir::Precision precision,
                      std::ostream& out) {
  const ir::Graph& graph = model.graph;
  const std::string precision_text(ir::precision_name(precision));
  out << graph.name() << ": " << model.source << ", " << graph.size() << " nodes\n\n";

  TextTable layers;
  using Align = TextTable::Align;
  layers.add_column("#", Align::Right);
  layers.add_column("layer", Align::Left);
  layers.add_column("op", Align::Left);
  layers.add_column("output shape", Align::Left);
  layers.add_column("MACs", Align::Right);
  layers.add_column("params", Align::Right);
  layers.add_column("output (" + precision_text + ")", Align::Right);
  for (const analysis::LayerCost& layer : report.cost.layers) {
    const ir::Node& node = graph.node(layer.node);
    layers.add_row({std::to_string(node.id), node.name, std::string(ir::op_name(node.kind)),
                    node.shape.to_string(), human_count(layer.macs), human_count(layer.params),
                    human_bytes(analysis::tensor_bytes(graph, node.id, precision))});
  }
  layers.print(out);

  out << "\ntotals\n";
  TextTable totals;
  totals.add_column("", Align::Left);
  totals.add_column("", Align::Right);
  totals.add_column("", Align::Right);
  totals.add_row({"MACs", human_count(report.cost.macs), with_thousands(report.cost.macs)});
  totals.add_row({"FLOPs", human_count(report.cost.flops), with_thousands(report.cost.flops)});
  totals.add_row({"params", human_count(report.cost.params), with_thousands(report.cost.params)});
  totals.add_row(
      {"buffers (BN statistics)", human_count(report.cost.buffers), with_thousands(report.cost.buffers)});
  for (ir::Precision p : kAllPrecisions) {
    const int64_t bytes = analysis::weight_bytes(graph, p);
    totals.add_row(
        {"weights " + std::string(ir::precision_name(p)), human_bytes(bytes), with_thousands(bytes) + " B"});
  }
  totals.print(out, "  ", false);

  out << "\npeak activation memory, " << precision_text
      << " (whole tensors live from their producer to their last consumer, no in-place reuse)\n";
  out << "  graph order  " << human_bytes(report.given.peak_bytes) << "  " << where_peak(graph, report.given)
      << "\n";
  out << "  best order   " << human_bytes(report.best.best.peak_bytes) << "  "
      << where_peak(graph, report.best.best) << "\n";
  out << "  best order is " << percent(saving(report)) << " below the graph order; " << report.best.method;
  if (!report.best.exact) out << "; no order is below " << human_bytes(report.best.lower_bound_bytes);
  out << "\n";
}

Json model_json(const LoadedModel& model, const ModelReport& report, ir::Precision precision) {
  const ir::Graph& graph = model.graph;
  Json j;
  j["model"] = graph.name();
  j["source"] = model.source;
  j["precision"] = std::string(ir::precision_name(precision));
  Json layers = Json::array();
  for (const analysis::LayerCost& layer : report.cost.layers) {
    const ir::Node& node = graph.node(layer.node);
    Json l;
    l["index"] = node.id;
    l["name"] = node.name;
    l["op"] = std::string(ir::op_name(node.kind));
    l["inputs"] = names_of(graph, node.inputs);
    l["output_shape"] = node.shape.dims;
    l["macs"] = layer.macs;
    l["flops"] = layer.flops;
    l["params"] = layer.params;
    l["buffers"] = layer.buffers;
    l["output_bytes"] = analysis::tensor_bytes(graph, node.id, precision);
    layers.push_back(std::move(l));
  }
  j["layers"] = std::move(layers);
  j["totals"] = {{"macs", report.cost.macs},
                 {"flops", report.cost.flops},
                 {"params", report.cost.params},
                 {"buffers", report.cost.buffers},
                 {"weight_bytes", weight_bytes_json(graph)}};
  Json best = peak_json(graph, report.best.best);
  best["exact"] = report.best.exact;
  best["lower_bound_bytes"] = report.best.lower_bound_bytes;
  best["states_explored"] = report.best.states_explored;
  best["method"] = report.best.method;
  best["order"] = names_of(graph, report.best.best.order);
  j["peak_memory"] = {{"precision", std::string(ir::precision_name(precision))},
                      {"graph_order", peak_json(graph, report.given)},
                      {"best_order", std::move(best)}};
  return j;
}

int analyze_one(const AnalyzeArgs& args, ir::Precision precision, Streams streams) {
  Result<LoadedModel> model = load_model(args.model, args.model_options);
  if (!model) return report_error(*streams.err, model.error().message);
  const ModelReport report = analyze_model(model->graph, precision, args.search_budget);
  if (args.json)
    *streams.out << model_json(*model, report, precision).dump(2, ' ', false, Json::error_handler_t::replace)
                 << '\n';
  else
    print_model_text(*model, report, precision, *streams.out);
  return kExitSuccess;
}

int analyze_zoo(const AnalyzeArgs& args, ir::Precision precision, Streams streams) {
  const zoo::ZooOptions& options = args.model_options.zoo;
  const std::string precision_text(ir::precision_name(precision));
  using Align = TextTable::Align;
  TextTable table;
  table.add_column("model", Align::Left);
  table.add_column("params", Align::Right);
  table.add_column("MACs", Align::Right);
  table.add_column("FLOPs", Align::Right);
  table.add_column("weights", Align::Right);
  table.add_column("peak, graph order", Align::Right);
  table.add_column("peak, best order", Align::Right);
  table.add_column("saved", Align::Right);
  Json models = Json::array();
  int exit_code = kExitSuccess;
  bool any_heuristic = false;
  for (const std::string& name : zoo::model_names()) {
    Result<ir::Graph> graph = zoo::build_model(name, options);
    if (!graph) {
      exit_code = report_error(*streams.err, graph.error().message);
      continue;
    }
    const ModelReport report = analyze_model(*graph, precision, args.search_budget);
    any_heuristic = any_heuristic || !report.best.exact;
    table.add_row({name, human_count(report.cost.params), human_count(report.cost.macs),
                   human_count(report.cost.flops), human_bytes(analysis::weight_bytes(*graph, precision)),
                   human_bytes(report.given.peak_bytes),
                   human_bytes(report.best.best.peak_bytes) + (report.best.exact ? "" : " *"),
                   percent(saving(report))});
    Json m;
    m["model"] = name;
    m["nodes"] = graph->size();
    m["params"] = report.cost.params;
    m["buffers"] = report.cost.buffers;
    m["macs"] = report.cost.macs;
    m["flops"] = report.cost.flops;
    m["weight_bytes"] = weight_bytes_json(*graph);
    m["peak_bytes"] = {{"graph_order", report.given.peak_bytes},
                       {"best_order", report.best.best.peak_bytes},
                       {"exact", report.best.exact},
                       {"lower_bound", report.best.lower_bound_bytes}};
    models.push_back(std::move(m));
  }
  if (args.json) {
    Json j;
    j["zoo_options"] = {{"width", options.width_multiplier},
                        {"resolution", options.resolution},
                        {"classes", options.num_classes},
                        {"batch", options.batch}};
    j["precision"] = precision_text;
    j["models"] = std::move(models);
    *streams.out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
    return exit_code;
  }
  std::ostream& out = *streams.out;
  out << "hwnas model zoo: " << describe_zoo_options(options) << ", batch " << options.batch
      << "; weights and activations " << precision_text << "\n\n";
  table.print(out);
  out << "\npeak: the most activation memory live at once (whole tensors, no in-place reuse);\n"
         "graph order runs the layers as built, best order is the order of least peak";
  out << (any_heuristic ? " (* = heuristic: the exact search ran out of budget).\n"
                        : ", found by exact search.\n");
  out << "Per-layer detail: hwnas analyze MODEL\n";
  return exit_code;
}

}  // namespace

int run_analyze(const AnalyzeArgs& args, Streams streams) {
  if (args.whole_zoo && !args.model.empty())
    return report_error(*streams.err, "give either a MODEL or --zoo, not both", kExitUsage);
  if (!args.whole_zoo && args.model.empty())
    return report_error(*streams.err, "give a MODEL (a zoo name, a .yaml/.yml or .onnx file) or --zoo",
                        kExitUsage);
  const std::optional<ir::Precision> precision = ir::precision_from_name(args.precision);
  if (!precision)
    return report_error(*streams.err,
                        "--precision '" + args.precision + "' is not one of int8, int16, fp16, fp32",
                        kExitUsage);
  if (args.search_budget < 1)
    return report_error(*streams.err, "--search-budget must be at least 1", kExitUsage);
  if (!args.whole_zoo && args.model_options.zoo_options_given && is_model_file(args.model))
    return report_error(
        *streams.err,
        "--width, --resolution and --classes apply to zoo models, not to the file '" + args.model + "'",
        kExitUsage);
  return args.whole_zoo ? analyze_zoo(args, *precision, streams) : analyze_one(args, *precision, streams);
}

void register_analyze(CLI::App& app, Streams streams) {
  auto args = std::make_shared<AnalyzeArgs>();
  CLI::App* command = app.add_subcommand(
      "analyze", "MACs, FLOPs, parameters, weight bytes and peak activation memory of a model or of the zoo");
  command->add_option("model", args->model, "a zoo name (see 'hwnas zoo'), a .yaml/.yml file or a .onnx file")
      ->type_name("MODEL");
  command->add_flag("--zoo", args->whole_zoo, "one summary row per zoo model instead of one model");
  add_model_options(*command, args->model_options);
  command
      ->add_option("--precision", args->precision,
                   "activation precision for memory: int8 (default), int16, fp16, fp32")
      ->check(CLI::IsMember({"int8", "int16", "fp16", "fp32"}));
  command->add_flag("--json", args->json, "print JSON instead of tables");
  command
      ->add_option("--search-budget", args->search_budget,
                   "node sets the exact best-order search may store before it falls back to a heuristic "
                   "(default " +
                       std::to_string(args->search_budget) + ")")
      ->check(CLI::PositiveNumber);
  command->callback([args, streams] { finish(run_analyze(*args, streams)); });
}

}  // namespace hwnas::cli
