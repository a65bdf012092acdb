// prepare_experiment and open_store: a SearchConfig made into space, evaluators, algorithm and store.
#include "hwnas/search/experiment.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hwnas/hw/presets.h"
#include "hwnas/hw/registry.h"
#include "hwnas/ir/stable_hash.h"
#include "hwnas/search/estimator_evaluator.h"

namespace hwnas::search {

namespace {

// A hash of what defines the target: a preset's or a spec file's YAML text, else its name.
std::string target_version(const std::string& target) {
  std::string text = target;
  if (auto preset = hw::preset_yaml(target)) {
    text = std::string(*preset);
  } else if (std::ifstream in(target); in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  return stable_hash_hex(text);
}

}  // namespace

SearchOptions Experiment::search_options() const {
  SearchOptions options;
  options.trials = config.trials;
  options.seed = config.seed;
  options.fidelity = config.fidelity;
  return options;
}

Result<Experiment> prepare_experiment(const SearchConfig& config, std::unique_ptr<Evaluator> evaluator_override,
                                      const estimator::Progress& estimator_progress,
                                      std::vector<std::unique_ptr<Evaluator>> caller_evaluators) {
  Experiment e;
  e.config = config;
  auto target = hw::make_target(config.target);
  if (!target) return target.error().within(config.source + ": target");
  e.channel_multiple = (*target)->channel_multiple();
  auto space = space::load_space_by_name(config.space, {.channel_multiple = e.channel_multiple});
  if (!space) return space.error();
  e.space = std::make_unique<space::SearchSpace>(std::move(*space));
  // A custom space decodes to no network: nothing is curated for a target or run on one.
  const bool uses_target = e.space->has_network();
  if (!uses_target) {
    if (config.target_given)
      return Error{config.source + ": target: set, but space '" + e.space->name() +
                   "' is custom (no network): its evaluators are commands, which no target runs; remove target:"};
    e.channel_multiple = 1;
  }
  std::string estimator_version = kNoEstimator;
  if (evaluator_override) {
    e.evaluator = std::move(evaluator_override);
  } else {
    if (config.hardware && config.use_estimator)
      return Error{config.source + ": evaluators: hardware and estimator both give latency and energy; use one"};
    if (config.use_training) {  // checked first: building an estimator can take minutes
      if (caller_evaluators.empty())
        return Error{config.source + ": evaluators: training needs hwnas built with libtorch (HWNAS_WITH_TORCH; Debian's libtorch-dev)"};
      if (!e.space->has_network())
        return Error{config.source + ": the training evaluator needs a space with a network; '" + e.space->name() + "' is custom"};
    }
    std::vector<std::unique_ptr<Evaluator>> parts;
    if (config.hardware) {
      if (!e.space->has_network())
        return Error{config.source + ": the hardware evaluator needs a space with a network; '" + e.space->name() + "' is custom"};
      parts.push_back(std::make_unique<HardwareEvaluator>(std::move(*target)));
      e.cheap_evaluator = parts.back().get();
    }
    if (config.use_estimator) {
      if (!e.space->has_network())
        return Error{config.source + ": the estimator evaluator needs a space with a network; '" + e.space->name() + "' is custom"};
      EstimatorSource source;
      source.file = config.estimator.file.empty() ? (*target)->name() + ".estimator.json" : config.estimator.file;
      source.build.samples = config.estimator.samples;
      source.build.adaptive_rounds = config.estimator.rounds;
      source.build.seed = config.estimator.seed;
      source.build.train.ensemble = config.estimator.ensemble;
      source.build.train.seed = config.estimator.seed;
      source.build.resample.seed = config.estimator.seed;
      auto loaded = load_or_build_estimator(**target, source, estimator_progress);
      if (!loaded) return loaded.error().within(config.source + ": estimator");
      e.estimator_file = source.file;
      e.estimator_built = loaded->built;
      e.estimator_build_seconds = loaded->build_seconds;
      auto evaluator = std::make_unique<EstimatorEvaluator>(std::move(loaded->estimator));
      estimator_version = evaluator->version();
      parts.push_back(std::move(evaluator));
      e.cheap_evaluator = parts.back().get();
    }
    for (const CommandEvaluatorConfig& c : config.commands)
      parts.push_back(std::make_unique<ExternalCommandEvaluator>(c.command, ExternalCommandEvaluator::Options{c.timeout_s, c.required}));
    for (auto& evaluator : caller_evaluators) parts.push_back(std::move(evaluator));
    if (parts.size() == 1) e.evaluator = std::move(parts.front());
    else e.evaluator = std::make_unique<CompositeEvaluator>(std::move(parts), config.cost_model.budgets);  // gated
  }
  if (config.baseline) {
    auto baseline = prepare_baseline(*config.baseline, *e.space, {.channel_multiple = e.channel_multiple});
    if (!baseline) return baseline.error().within(config.source);
    e.baseline = std::move(*baseline);
  }
  auto algorithm = make_algorithm(config.algorithm, *e.space);
  if (!algorithm) return algorithm.error().within(config.source);
  e.algorithm = std::move(*algorithm);
  e.meta = {
      {"space", e.space->name()},
      {"space_version", e.space->version()},
      {"target", uses_target ? config.target : "none"},
      {"target_version", uses_target ? target_version(config.target) : "none"},
      {"channel_multiple", std::to_string(e.channel_multiple)},
      {"evaluator", e.evaluator->name()},
      {"evaluator_version", e.evaluator->version()},
      {"estimator_version", estimator_version},
      {"algorithm", config.algorithm.name},
      {"seed", std::to_string(config.seed)},
      {"fidelity", std::to_string(config.fidelity)},
      {"config_fingerprint", config.fingerprint()},
      {"objectives", format_stored_objectives(config.cost_model.objectives)},
      // What `hwnas report` rebuilds the space, target and baseline from (not checked on resume).
      {"config_source", config.source},
      {"config_dir", config.base_dir.empty() ? "" : std::filesystem::absolute(config.base_dir).string()},
      {"config", mask_password(config.text)},  // a store URL written in it keeps its password out
  };
  return e;
}

Result<ExperimentStore> open_store(const Experiment& experiment, bool resume) {
  return open_store(experiment, resume, experiment.config.store);
}

Result<ExperimentStore> open_store(const Experiment& experiment, bool resume, const std::string& path) {
  auto exists = ExperimentStore::exists(path, experiment.config.study);
  if (!exists) return exists.error();
  if (!resume || !*exists) return ExperimentStore::create(path, experiment.meta, experiment.config.study);
  auto store = ExperimentStore::open(path, ExperimentStore::Access::ReadWrite, experiment.config.study);
  if (!store) return store.error();
  if (Status s = check_store_matches(experiment, *store, "resume"); !s) return s.error();
  return store;
}

Status check_store_matches(const Experiment& experiment, const ExperimentStore& store, const std::string& what) {
  for (const char* key : {"space_version", "target_version", "config_fingerprint", "seed", "evaluator_version", "estimator_version"}) {
    auto it = store.meta().find(key);
    const std::string stored = it == store.meta().end() ? "(none)" : it->second;
    const std::string wanted = experiment.meta.at(key);
    if (stored != wanted)
      return Error{store.path() + ": cannot " + what + ": its " + key + " is '" + stored + "' but this search's is '" + wanted +
                   "' (the space, target, evaluators, objectives, algorithm or seed changed" +
                   (what == "resume" ? "; start a new store)" : ", or this hwnas is another version)")};
  }
  return {};
}

}  // namespace hwnas::search
