// Reads the search configuration YAML (docs/search.md) into a SearchConfig.
#include "hwnas/search/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../hw/run_command.h"
#include "hwnas/ir/stable_hash.h"
#include "hwnas/search/metrics.h"
#include "hwnas/space/space.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::search {
namespace {

constexpr std::string_view kFashionMnistConfig = R"yaml(# The built-in default search (scripts/demo): the most accurate Fashion-MNIST classifier whose
# latency on a simulated Arm Ethos-U55-256, predicted by the estimator, is at most about half
# that of the MobileNetV2-style baseline (1.38 ms), with weights and activations within 1 MB.
# Every candidate and the baseline are trained the same way (SGD, 2 epochs on a tenth of the
# training set at full fidelity, batch 32 so that even the 1/9 rung takes about 40 steps and
# ranks its candidates); successive halving trains 27 candidates at 1/9 of that, the best 9 at
# 1/3 and the best 3 fully. The 27 are drawn among the proposals whose predicted latency
# and memory meet the budgets (the others are told to the algorithm as infeasible, never trained).
space: fashion_mnist_curated
target: ethos-u55-256
evaluators: [estimator, training]
training: {data: fashion-mnist, epochs: 2, data_fraction: 0.1, batch_size: 32, learning_rate: 0.05, held_out_examples: 2000}
objectives: [{metric: accuracy, direction: maximize}]
budgets:
  latency_us: {max: 700}
  memory_bytes: {max: 1000000}
algorithm: {name: evolution, population: 10, sample: 3}
multi_fidelity: {candidates: 27, eta: 3, min_fidelity: 0.111}
seed: 0
baseline:
  space: fashion_mnist_uncurated
  architecture: "resolution=32;depth_multiplier=1.0;stem.channels=32;stage1.block=ibn;stage1.kernel=3;stage1.expansion=1;stage1.depth=1;stage1.channels=16;stage2.block=ibn;stage2.kernel=3;stage2.expansion=6;stage2.depth=2;stage2.channels=24;stage3.block=ibn;stage3.kernel=3;stage3.expansion=6;stage3.depth=3;stage3.channels=32;stage4.block=ibn;stage4.kernel=3;stage4.expansion=6;stage4.depth=4;stage4.channels=64;stage5.block=ibn;stage5.kernel=3;stage5.expansion=6;stage5.depth=3;stage5.channels=96"
store: hwnas-search.db
output: hwnas-search-out
)yaml";

constexpr std::string_view kU55LatencyConfig = R"yaml(# The built-in `u55-latency` search (no training): the fastest network on an Arm Ethos-U55-256 (simulated) with
# at least 100 M MACs (a capacity floor standing in for accuracy until training is plugged in)
# whose weights and peak activations fit in 2 MB.
space: mobilenet_curated
target: ethos-u55-256
evaluators: [hardware]
objectives: [latency_us]
budgets:
  memory_bytes: {max: 2000000}
  macs: {min: 100000000}
algorithm: {name: evolution, population: 20, sample: 5}
trials: 200
seed: 0
store: hwnas-search.db
output: hwnas-search-out
)yaml";

using Reader = text::StrictYaml;

// Every form ([accuracy], [{metric: accuracy}], [{metric: m, direction: d}]) goes through one
// rule: an explicit direction wins, else the metric's own from the table of metrics.
Result<Objective> parse_objective(const Reader& r, const YAML::Node& node) {
  Objective o;
  if (!node.IsScalar())
    if (Status s = r.check_fields(node, "objectives[]", {"metric", "direction"}); !s) return s.error();
  // (One initialisation: assigning to a YAML::Node would overwrite the node it refers to.)
  const YAML::Node metric_node = node.IsScalar() ? node : node["metric"];
  auto metric = r.text(metric_node, "objectives[].metric");
  if (!metric) return metric.error();
  o.metric = *metric;
  if (!node.IsScalar() && node["direction"]) {
    auto d = r.text(node["direction"], "objectives[].direction");
    if (!d) return d.error();
    if (*d == "minimize") o.direction = Direction::Minimize;
    else if (*d == "maximize") o.direction = Direction::Maximize;
    else return r.error_at(node["direction"], "objectives[].direction", "'" + *d + "' is not minimize or maximize");
    return o;
  }
  auto direction = default_direction(o.metric);
  if (!direction) return r.error_at(metric_node, "objectives[]", direction.error().message);
  o.direction = *direction;
  return o;
}

// What the configured evaluators report, for the error of a config without objectives.
std::vector<std::string> provided_metrics(const SearchConfig& c) {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  if (c.use_training)
    for (const char* n : {"accuracy", c.training.task == "segmentation" ? "miou" : c.training.task == "detection" ? "map50" : "top1",
                          "eval_loss", "train_loss", "train_seconds"})
      add(n);
  if (c.use_training && c.training.int8)
    for (const char* n : {"accuracy_int8", "int8_drop"}) add(n);
  if (c.hardware || c.use_estimator) {
    add("latency_us");
    if (c.use_estimator) add("latency_std_us");
    for (const char* n : {"energy_uj", "memory_bytes", "weight_bytes", "peak_memory_bytes", "params", "macs"}) add(n);
  }
  for (const CommandEvaluatorConfig& command : c.commands)
    for (const std::string& n : command.required) add(n);
  return names;
}

}  // namespace

std::string_view default_search_config_yaml() { return kFashionMnistConfig; }

std::vector<std::string> builtin_search_config_names() { return {"fashion-mnist", "u55-latency"}; }

std::optional<std::string_view> builtin_search_config_yaml(std::string_view name) {
  if (name == "fashion-mnist") return kFashionMnistConfig;
  if (name == "u55-latency") return kU55LatencyConfig;
  return std::nullopt;
}

std::string SearchConfig::fingerprint() const {
  std::ostringstream text;
  text.precision(17);
  text << "space=" << space << "\ntarget=" << target << "\nhardware=" << hardware << "\n";
  if (use_estimator) text << "estimator=1\n";  // which estimator: the store's estimator_version
  if (use_training) text << training.fingerprint();
  for (const auto& c : commands) {
    text << "command=" << c.command << " timeout=" << c.timeout_s << " required=";
    for (const auto& k : c.required) text << k << ",";
    text << "\n";
  }
  for (const auto& o : cost_model.objectives) text << "objective=" << o.metric << ":" << (o.direction == Direction::Minimize ? "min" : "max") << "\n";
  for (const auto& b : cost_model.budgets) text << "budget=" << b.metric << ":" << b.min << ":" << b.max << "\n";
  if (cost_model.reward)
    text << "reward=" << cost_model.reward->accuracy_metric << ":" << cost_model.reward->latency_metric << ":"
         << cost_model.reward->target << ":" << cost_model.reward->w << "\n";
  const AlgorithmOptions& a = algorithm;
  text << "algorithm=" << a.name << ":" << a.population << ":" << a.sample << ":" << a.mutations << ":" << a.learning_rate << ":"
       << a.baseline_decay << ":" << a.nsga_population << ":" << a.crossover_probability << ":" << a.mutation_probability << "\n";
  text << "seed=" << seed << "\nfidelity=" << fidelity << "\n";
  // The first rung is drawn among budget-feasible proposals (successive_halving's screen).
  if (halving)
    text << "halving=" << halving->candidates << ":" << halving->eta << ":" << halving->min_fidelity << ":screened"
         << (halving->asynchronous ? ":asynchronous" : "") << "\n";
  if (strategy != Strategy::Multishot) {
    text << "strategy=" << strategy_name(strategy) << "\n";
    if (uses_zero_shot() || strategy == Strategy::ZeroShot)
      text << "zero_shot=" << zero_shot.proxy << ":" << zero_shot.batch_size << ":" << zero_shot.top_k << "\n";
    if (uses_supernet()) text << supernet.fingerprint();
    if (strategy == Strategy::Hybrid) text << "hybrid=" << hybrid.screen << ":" << hybrid.pool << "\n";
  }
  return stable_hash_hex(text.str());
}

bool SearchConfig::uses_supernet() const {
  return strategy == Strategy::Supernet ||
         (strategy == Strategy::Hybrid && (hybrid.screen == "supernet" || supernet.warm_start > 0));
}

bool SearchConfig::uses_zero_shot() const {
  return strategy == Strategy::ZeroShot || (strategy == Strategy::Hybrid && hybrid.screen == "zero-shot");
}

namespace {

// The strategy's sections and what it needs of the rest of the config.
Status check_strategy(const Reader& r, const YAML::Node& root, const SearchConfig& c) {
  const std::string name(strategy_name(c.strategy));
  const YAML::Node at = root["strategy"] ? root["strategy"] : root;
  if (root["zero_shot"] && !(c.strategy == Strategy::ZeroShot || c.strategy == Strategy::Hybrid))
    return r.error_at(root["zero_shot"], "zero_shot", "set, but strategy " + name + " scores no zero-shot proxy (strategy: zero-shot or hybrid)");
  if (root["supernet"] && !(c.strategy == Strategy::Supernet || c.strategy == Strategy::Hybrid))
    return r.error_at(root["supernet"], "supernet", "set, but strategy " + name + " trains no supernet (strategy: supernet or hybrid)");
  if (root["hybrid"] && c.strategy != Strategy::Hybrid)
    return r.error_at(root["hybrid"], "hybrid", "set, but the strategy is " + name + " (strategy: hybrid)");
  if (c.strategy == Strategy::Supernet && c.supernet.warm_start > 0)
    return r.error_at(root["supernet"]["warm_start"], "supernet.warm_start",
                      "only the hybrid strategy warm-starts a search from the supernet's subnets");
  if ((c.strategy == Strategy::ZeroShot || c.strategy == Strategy::Supernet) && c.halving)
    return r.error_at(root["multi_fidelity"], "multi_fidelity",
                      "strategy " + name + " evaluates no fidelities (successive halving is multishot or hybrid)");
  if (c.uses_supernet() && !c.use_training)
    return r.error_at(at, "strategy",
                      name + " trains a supernet on the data of the training evaluator: add training to evaluators and a training section");
  if (c.uses_supernet() && c.training.task != "classification")
    return r.error_at(at, "strategy", "the supernet holds classification networks only; training.task is " + c.training.task);
  return {};
}

}  // namespace

Result<SearchConfig> parse_search_config(std::string_view text, std::string_view source_name, const std::string& base_dir) {
  Reader r{std::string(source_name)};
  auto loaded = text::load_yaml_text(text, r.source());
  if (!loaded) return loaded.error();
  const YAML::Node root = *loaded;
  if (!root.IsMap()) return Error{r.source() + ": expected a map (space, target, objectives, budgets, algorithm, trials, ...)"};
  try {
    if (Status s = r.check_fields(root, "", {"space", "target", "evaluators", "objectives", "budgets", "reward", "algorithm", "trials", "seed",
                                       "fidelity", "store", "study", "output", "multi_fidelity", "estimator", "training", "baseline",
                                       "strategy", "zero_shot", "supernet", "hybrid"});
        !s)
      return s.error();
    SearchConfig c;
    c.source = r.source();
    c.text = std::string(text);
    c.base_dir = base_dir;
    if (root["space"]) {
      auto v = r.text(root["space"], "space");
      if (!v) return v.error();
      c.space = *v;
      if (!space::builtin_space_yaml(c.space) && !base_dir.empty() && std::filesystem::path(c.space).is_relative()) {
        std::error_code ec;
        const auto candidate = std::filesystem::path(base_dir) / c.space;
        if (std::filesystem::exists(candidate, ec)) c.space = candidate.string();
      }
    }
    if (root["target"]) {
      auto v = r.text(root["target"], "target");
      if (!v) return v.error();
      c.target = *v;
      c.target_given = true;
    }
    if (root["evaluators"]) {
      const YAML::Node list = root["evaluators"];
      if (!list.IsSequence() || list.size() == 0) return r.error_at(list, "evaluators", "expected a non-empty list");
      c.hardware = false;
      for (const auto& e : list) {
        if (e.IsScalar()) {
          if (e.Scalar() == "estimator") {
            c.use_estimator = true;
            continue;
          }
          if (e.Scalar() == "training") {
            c.use_training = true;
            continue;
          }
          if (e.Scalar() != "hardware")
            return r.error_at(e, "evaluators", "unknown evaluator '" + e.Scalar() + "'" + text::did_you_mean(e.Scalar(), {"hardware", "estimator", "training"}) +
                                                   " (evaluators: hardware, estimator, training, {command: ...})");
          c.hardware = true;
          continue;
        }
        if (Status s = r.check_fields(e, "evaluators[]", {"command", "required", "timeout_s"}); !s) return s.error();
        CommandEvaluatorConfig command;
        auto t = r.text(e["command"], "evaluators[].command");
        if (!t) return t.error();
        command.command = *t;
        // {config_dir}: the config file's folder, so a config can name its script beside it.
        for (size_t at = command.command.find("{config_dir}"); at != std::string::npos; at = command.command.find("{config_dir}", at)) {
          const std::string quoted = hw::detail::shell_quote(base_dir.empty() ? std::string(".") : base_dir);
          command.command.replace(at, 12, quoted);
          at += quoted.size();
        }
        if (e["required"]) {
          if (!e["required"].IsSequence()) return r.error_at(e["required"], "evaluators[].required", "expected a list of metric names");
          command.required.clear();
          for (const auto& k : e["required"]) command.required.push_back(k.Scalar());
        }
        if (e["timeout_s"]) {
          auto v = r.number(e["timeout_s"], "evaluators[].timeout_s");
          if (!v) return v.error();
          if (*v <= 0) return r.error_at(e["timeout_s"], "evaluators[].timeout_s", "must be positive");
          command.timeout_s = *v;
        }
        c.commands.push_back(command);
      }
    }
    if (c.hardware && c.use_estimator)
      return r.error_at(root["evaluators"], "evaluators",
                        "hardware and estimator both give latency and energy; use one (estimator: predicted, hardware: measured)");
    if (root["estimator"]) {
      const YAML::Node node = root["estimator"];
      // `estimator:` without `evaluators:` means the estimator alone.
      if (!root["evaluators"]) {
        c.hardware = false;
        c.use_estimator = true;
      }
      if (!c.use_estimator) return r.error_at(node, "estimator", "set, but 'estimator' is not in evaluators");
      const YAML::Node file = node.IsScalar() ? node : node["file"];
      if (!node.IsScalar()) {
        if (Status s = r.check_fields(node, "estimator", {"file", "samples", "rounds", "ensemble", "seed"}); !s) return s.error();
        auto read = [&](const char* key, int64_t lo, int64_t hi, auto& out) -> Status {
          if (!node[key]) return {};
          auto v = r.integer(node[key], std::string("estimator.") + key);
          if (!v) return v.error();
          if (*v < lo || *v > hi)
            return r.error_at(node[key], std::string("estimator.") + key,
                              "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
          out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
          return {};
        };
        if (Status s = read("samples", 1, 1000000, c.estimator.samples); !s) return s.error();
        if (Status s = read("rounds", 0, 100, c.estimator.rounds); !s) return s.error();
        if (Status s = read("ensemble", 1, 100, c.estimator.ensemble); !s) return s.error();
        if (Status s = read("seed", 0, int64_t{1} << 53, c.estimator.seed); !s) return s.error();
      }
      if (file) {
        auto v = r.text(file, "estimator.file");
        if (!v) return v.error();
        if (v->empty()) return r.error_at(file, "estimator.file", "empty path");
        c.estimator.file = *v;
        // Like the space: relative to the config's folder when the file is there.
        if (!base_dir.empty() && std::filesystem::path(c.estimator.file).is_relative()) {
          std::error_code ec;
          const auto candidate = std::filesystem::path(base_dir) / c.estimator.file;
          if (std::filesystem::exists(candidate, ec)) c.estimator.file = candidate.string();
        }
      }
    }
    if (root["training"]) {
      if (!c.use_training) return r.error_at(root["training"], "training", "set, but 'training' is not in evaluators");
      if (Status s = parse_training_config(r, root["training"], c.training); !s) return s.error();
    }
    if (root["baseline"]) {
      BaselineConfig baseline;
      if (Status s = parse_baseline_config(r, root["baseline"], base_dir, baseline); !s) return s.error();
      c.baseline = baseline;
    }
    if (root["objectives"]) {
      const YAML::Node list = root["objectives"];
      if (!list.IsSequence() || list.size() == 0) return r.error_at(list, "objectives", "expected a non-empty list");
      for (const auto& o : list) {
        auto objective = parse_objective(r, o);
        if (!objective) return objective.error();
        c.cost_model.objectives.push_back(*objective);
      }
    }
    if (root["budgets"]) {
      const YAML::Node map = root["budgets"];
      if (!map.IsMap()) return r.error_at(map, "budgets", "expected a map such as {latency_us: 5000, memory_bytes: {max: 2000000}}");
      for (const auto& entry : map) {
        Budget b;
        b.metric = entry.first.Scalar();
        const std::string field = "budgets." + b.metric;
        if (entry.second.IsScalar()) {
          auto v = r.number(entry.second, field);
          if (!v) return v.error();
          b.max = *v;
        } else {
          if (Status s = r.check_fields(entry.second, field, {"max", "min"}); !s) return s.error();
          if (entry.second["max"]) {
            auto v = r.number(entry.second["max"], field + ".max");
            if (!v) return v.error();
            b.max = *v;
          }
          if (entry.second["min"]) {
            auto v = r.number(entry.second["min"], field + ".min");
            if (!v) return v.error();
            b.min = *v;
          }
        }
        c.cost_model.budgets.push_back(b);
      }
    }
    if (root["reward"]) {
      const YAML::Node node = root["reward"];
      if (Status s = r.check_fields(node, "reward", {"target_latency_us", "target", "w", "accuracy", "latency"}); !s) return s.error();
      MnasReward reward;
      const YAML::Node target = node["target_latency_us"] ? node["target_latency_us"] : node["target"];
      if (!target) return r.error_at(node, "reward.target_latency_us", "missing");
      auto t = r.number(target, "reward.target_latency_us");
      if (!t) return t.error();
      reward.target = *t;
      if (node["w"]) {
        auto w = r.number(node["w"], "reward.w");
        if (!w) return w.error();
        reward.w = *w;
      }
      if (node["accuracy"]) reward.accuracy_metric = node["accuracy"].Scalar();
      if (node["latency"]) reward.latency_metric = node["latency"].Scalar();
      c.cost_model.reward = reward;
    }
    // (No objectives: the error at the end lists what the evaluators report.)
    if (Status s = c.cost_model.validate_budgets(); !s) return Error{r.source() + ": " + s.error().message};
    if (root["algorithm"]) {
      const YAML::Node node = root["algorithm"];
      if (node.IsScalar()) {
        c.algorithm.name = node.Scalar();
      } else {
        if (Status s = r.check_fields(node, "algorithm", {"name", "population", "sample", "mutations", "learning_rate", "baseline_decay",
                                                   "crossover_probability", "mutation_probability"});
            !s)
          return s.error();
        auto n = r.text(node["name"], "algorithm.name");
        if (!n) return n.error();
        c.algorithm.name = *n;
        auto set_int = [&](const char* key, int& out) -> Status {
          if (!node[key]) return {};
          auto v = r.integer(node[key], std::string("algorithm.") + key);
          if (!v) return v.error();
          if (*v < 1 || *v > 1000000) return r.error_at(node[key], std::string("algorithm.") + key, "must be in [1, 1000000]");
          out = static_cast<int>(*v);
          return {};
        };
        auto set_real = [&](const char* key, double& out) -> Status {
          if (!node[key]) return {};
          auto v = r.number(node[key], std::string("algorithm.") + key);
          if (!v) return v.error();
          out = *v;
          return {};
        };
        if (Status s = set_int("population", c.algorithm.name == "nsga2" ? c.algorithm.nsga_population : c.algorithm.population); !s) return s.error();
        if (Status s = set_int("sample", c.algorithm.sample); !s) return s.error();
        if (Status s = set_int("mutations", c.algorithm.mutations); !s) return s.error();
        if (Status s = set_real("learning_rate", c.algorithm.learning_rate); !s) return s.error();
        if (Status s = set_real("baseline_decay", c.algorithm.baseline_decay); !s) return s.error();
        if (Status s = set_real("crossover_probability", c.algorithm.crossover_probability); !s) return s.error();
        if (Status s = set_real("mutation_probability", c.algorithm.mutation_probability); !s) return s.error();
      }
      const auto names = algorithm_names();
      if (std::find(names.begin(), names.end(), c.algorithm.name) == names.end())
        return r.error_at(node.IsScalar() ? node : node["name"], "algorithm.name",
                          "unknown algorithm '" + c.algorithm.name + "'" + text::did_you_mean(c.algorithm.name, names) +
                              " (algorithms: random, evolution, reinforce, nsga2)");
    }
    if (root["trials"]) {
      auto v = r.integer(root["trials"], "trials");
      if (!v) return v.error();
      if (*v < 1 || *v > 10000000) return r.error_at(root["trials"], "trials", "must be in [1, 10000000]");
      c.trials = static_cast<int>(*v);
    }
    if (root["seed"]) {
      auto v = r.integer(root["seed"], "seed");
      if (!v) return v.error();
      if (*v < 0) return r.error_at(root["seed"], "seed", "must be non-negative");
      c.seed = static_cast<uint64_t>(*v);
    }
    if (root["fidelity"]) {
      auto v = r.number(root["fidelity"], "fidelity");
      if (!v) return v.error();
      if (!(*v > 0 && *v <= 1)) return r.error_at(root["fidelity"], "fidelity", "must be in (0, 1]");
      c.fidelity = *v;
    }
    if (root["store"]) {
      auto v = r.text(root["store"], "store");
      if (!v) return v.error();
      c.store = *v;
    }
    if (root["study"]) {
      auto v = r.text(root["study"], "study");
      if (!v) return v.error();
      c.study = *v;
    }
    if (root["output"]) {
      auto v = r.text(root["output"], "output");
      if (!v) return v.error();
      c.output = *v;
    }
    if (root["multi_fidelity"]) {
      const YAML::Node node = root["multi_fidelity"];
      if (Status s = r.check_fields(node, "multi_fidelity", {"candidates", "eta", "min_fidelity", "schedule"}); !s) return s.error();
      HalvingOptions halving;
      if (node["candidates"]) {
        auto v = r.integer(node["candidates"], "multi_fidelity.candidates");
        if (!v) return v.error();
        if (*v < 1 || *v > 1000000) return r.error_at(node["candidates"], "multi_fidelity.candidates", "must be in [1, 1000000]");
        halving.candidates = static_cast<int>(*v);
      }
      if (node["eta"]) {
        auto v = r.integer(node["eta"], "multi_fidelity.eta");
        if (!v) return v.error();
        if (*v < 2 || *v > 100) return r.error_at(node["eta"], "multi_fidelity.eta", "must be in [2, 100]");
        halving.eta = static_cast<int>(*v);
      }
      if (node["min_fidelity"]) {
        auto v = r.number(node["min_fidelity"], "multi_fidelity.min_fidelity");
        if (!v) return v.error();
        if (!(*v > 0 && *v <= 1)) return r.error_at(node["min_fidelity"], "multi_fidelity.min_fidelity", "must be in (0, 1]");
        halving.min_fidelity = *v;
      }
      if (node["schedule"]) {
        auto v = r.text(node["schedule"], "multi_fidelity.schedule");
        if (!v) return v.error();
        if (*v != "synchronous" && *v != "asynchronous")
          return r.error_at(node["schedule"], "multi_fidelity.schedule", "'" + *v + "' is not synchronous or asynchronous (ASHA, with workers)");
        halving.asynchronous = *v == "asynchronous";
      }
      c.halving = halving;
    }
    if (!c.hardware && !c.use_estimator && !c.use_training && c.commands.empty()) return Error{r.source() + ": evaluators: at least one evaluator is needed"};
    if (root["strategy"]) {
      auto v = r.text(root["strategy"], "strategy");
      if (!v) return v.error();
      const auto names = strategy_names();
      const auto it = std::find(names.begin(), names.end(), *v);
      if (it == names.end())
        return r.error_at(root["strategy"], "strategy",
                          "unknown strategy '" + *v + "'" + text::did_you_mean(*v, names) + " (one of: " + text::join_words(names) + ")");
      c.strategy = static_cast<Strategy>(it - names.begin());
    }
    if (root["zero_shot"])
      if (Status s = parse_zero_shot_config(r, root["zero_shot"], c.zero_shot); !s) return s.error();
    if (root["supernet"])
      if (Status s = parse_supernet_config(r, root["supernet"], c.supernet); !s) return s.error();
    if (root["hybrid"])
      if (Status s = parse_hybrid_config(r, root["hybrid"], c.hybrid); !s) return s.error();
    if (Status s = check_strategy(r, root, c); !s) return s.error();
    // Last, so that a typo elsewhere is reported first: without objectives nothing says what is best.
    if (c.cost_model.objectives.empty()) {
      std::string listed;
      for (const std::string& n : provided_metrics(c)) {
        const MetricInfo* m = find_metric(n);
        listed += (listed.empty() ? "" : ", ") + n + (m ? std::string(" (") + std::string(direction_name(m->direction)) + ")" : "");
      }
      return Error{r.source() + ": objectives: missing; say what the search optimises, e.g. objectives: [accuracy] or "
                   "[{metric: latency_us, direction: minimize}]. The evaluators report: " +
                   (listed.empty() ? std::string("(none named)") : listed) +
                   (c.commands.empty() ? "" : ", and whatever else the commands print")};
    }
    return c;
  } catch (const YAML::Exception& e) {
    return Error{r.source() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

Result<SearchConfig> load_search_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot open the search configuration"};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_search_config(buffer.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace hwnas::search
