// Evaluators: what turns an architecture into metrics (hardware latency and memory, a user's
// training script; the estimator in estimator_evaluator.h), and a cache keyed by architecture.
//
//   auto target = hw::make_target("ethos-u55-256");
//   search::HardwareEvaluator hardware(std::move(*target));
//   auto metrics = hardware.evaluate({.space = space, .arch = arch});
//   // latency_us, energy_uj, params, macs, weight_bytes, peak_memory_bytes, memory_bytes
//
// Extension point: an evaluator is anything implementing Evaluator. A libtorch training
// evaluator reads request.fidelity (the fraction of the full training budget: epochs, data,
// resolution) and reports "accuracy"; successive halving calls it at rising fidelities.
// CompositeEvaluator merges the metrics of several (e.g. hardware + training).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/hw/target.h"
#include "hwnas/ir/precision.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

struct EvaluationRequest {
  const space::SearchSpace& space;
  space::Architecture arch;
  double fidelity = 1.0;  // (0, 1]: the share of a full evaluation (training epochs, data)
  uint64_t seed = 0;      // for evaluators with randomness (training)
  // false: every metric, even over budget (a baseline); a gated CompositeEvaluator then runs
  // all its parts.
  bool gate = true;
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // e.g. "hardware:ethos-u55-256", "command:./train.sh"
  virtual std::string name() const = 0;
  // What the results depend on besides the architecture (target version, script hash...),
  // recorded in the experiment store; "" when nothing.
  virtual std::string version() const { return ""; }
  // The metrics of one architecture; an Error (with the reason) when it cannot be evaluated.
  virtual Result<Metrics> evaluate(const EvaluationRequest& request) = 0;
};

// Latency and energy from any hw::Target (simulator, measured, command), plus the analyses:
// params, macs, weight_bytes and peak_memory_bytes at `precision`, memory_bytes = their sum.
class HardwareEvaluator : public Evaluator {
 public:
  struct Options {
    ir::Precision precision = ir::Precision::Int8;  // of weights and activations for memory
    bool measure_latency = true;                    // false: analyses only (no target call)
  };
  HardwareEvaluator(std::unique_ptr<hw::Target> target, Options options);
  explicit HardwareEvaluator(std::unique_ptr<hw::Target> target) : HardwareEvaluator(std::move(target), Options{}) {}
  std::string name() const override;
  std::string version() const override;
  Result<Metrics> evaluate(const EvaluationRequest& request) override;
  hw::Target& target() { return *target_; }

 private:
  std::unique_ptr<hw::Target> target_;
  Options options_;
};

// The metrics of a graph without a target: params, macs, weight_bytes, peak_memory_bytes, memory_bytes.
Metrics analysis_metrics(const ir::Graph& graph, ir::Precision precision);

// A user's command (e.g. a training script). The template's placeholders, each substituted as
// one single-quoted shell word: {arch} a file with the architecture's decisions (docs/search.md,
// "The {arch} file": space, space_version, key and a `choices:` map of decision name to the
// chosen label), {yaml} the network in hwnas's YAML text format and {onnx} the network as ONNX
// (each only written when the template uses it, and only for spaces with a network),
// {fidelity}, {seed} (the trial's, search::trial_seed), {dir} a fresh directory for this run
// (removed after it). The files live in one directory per evaluator, made at the first
// evaluation and removed with the evaluator. The command runs through posix_spawn of /bin/sh
// and prints one JSON object of numbers (the last stdout line that is one), e.g.
// {"accuracy": 0.91}; every key of `required` must be present; all values finite numbers, and
// fractions (accuracy, top1, miou, map50, ...) in [0, 1].
class ExternalCommandEvaluator : public Evaluator {
 public:
  struct Options {
    double timeout_s = 3600;
    std::vector<std::string> required{"accuracy"};
  };
  ExternalCommandEvaluator(std::string command_template, Options options);
  explicit ExternalCommandEvaluator(std::string command_template)
      : ExternalCommandEvaluator(std::move(command_template), Options{}) {}
  ~ExternalCommandEvaluator() override;
  ExternalCommandEvaluator(const ExternalCommandEvaluator&) = delete;
  ExternalCommandEvaluator& operator=(const ExternalCommandEvaluator&) = delete;
  std::string name() const override { return "command:" + template_; }
  std::string version() const override { return template_; }
  Result<Metrics> evaluate(const EvaluationRequest& request) override;
  // The evaluator's directory; "" before the first evaluation.
  const std::string& work_dir() const { return work_dir_; }

 private:
  std::string template_;
  Options options_;
  std::string work_dir_;
  int64_t runs_ = 0;
};

// Parses and validates what an external command printed; `command` names it in errors.
Result<Metrics> parse_metrics_json(const std::string& stdout_text, const std::vector<std::string>& required,
                                   const std::string& command);

// Runs several evaluators on the same request and merges their metrics (a later one's metric of
// the same name wins). Fails with the first error. With `gate` budgets, the later (expensive)
// parts are skipped once the metrics so far break one of them: an architecture over its latency
// budget is not trained. The partial metrics then carry "skipped_evaluators" (how many parts were
// skipped), and CostModel::score rates them infeasible by the budgets they break.
class CompositeEvaluator : public Evaluator {
 public:
  explicit CompositeEvaluator(std::vector<std::unique_ptr<Evaluator>> parts, std::vector<Budget> gate = {})
      : parts_(std::move(parts)), gate_(std::move(gate)) {}
  std::string name() const override;
  std::string version() const override;
  Result<Metrics> evaluate(const EvaluationRequest& request) override;

 private:
  std::vector<std::unique_ptr<Evaluator>> parts_;
  std::vector<Budget> gate_;
};

// Results (and errors) by canonical architecture key and fidelity: an architecture that
// decodes to the same network is evaluated once.
class EvaluationCache {
 public:
  struct Entry {
    bool ok = true;
    Metrics metrics;
    std::string error;
  };
  const Entry* find(const std::string& key, double fidelity) const;
  void insert(const std::string& key, double fidelity, Entry entry);
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::pair<std::string, double>, Entry> entries_;
};

}  // namespace hwnas::search
