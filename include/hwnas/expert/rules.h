// Rule files: expert knowledge as a human-editable YAML file of rewrites and where they apply
// (downsampling factor, stage, resolution, channel range), mined from a finished search (the
// winner against the baseline) and applied to models of other tasks, all together or judged
// rule by rule on a target. The format is documented in docs/expert.md.
//
//   auto rules = expert::load_rules("detector.rules.yaml");   // strict: errors give the line
//   auto applied = expert::apply_rules(classifier, *rules, /*seed=*/1);
//   auto judged = expert::apply_rules_judged(classifier, *rules, expert::target_latency(npu), 1);
//   std::cout << expert::rules_to_yaml(*rules);                // the same text back
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/expert/model_cost.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/rewriter.h"
#include "hwnas/ir/graph.h"

namespace hwnas::search {
class ExperimentStore;
}
namespace hwnas::space {
class SearchSpace;
}

namespace hwnas::expert {

// An inclusive range [min, max].
struct Range {
  int64_t min = 0, max = 0;
  bool contains(int64_t value) const { return value >= min && value <= max; }
  bool operator==(const Range&) const = default;
};

// Where a rule applies; a missing range is no restriction. For an anchor node: resolution is
// the height of the tensor it reads (where its block starts; its own output when it reads no
// 4-D tensor), downsample the model input's height divided by that resolution (1, 2, 4, 8 ...,
// rounded to the nearest integer: the position that carries across input sizes), stage the
// index (from 0) of that spatial size among the distinct sizes of the model's input and conv
// outputs in node order (1x1 excluded), channels its output channels.
struct RuleWhere {
  std::optional<Range> downsample;
  std::optional<Range> stage;
  std::optional<Range> resolution;
  std::optional<Range> channels;
  bool operator==(const RuleWhere&) const = default;

  // Every restriction with its key in a rule file, in the file's order: parsing, writing and
  // printing walk this list, so a new restriction is one line here.
  struct Field {
    const char* key;
    std::optional<Range> RuleWhere::*range;
  };
  static constexpr std::array<Field, 4> kFields = {{{"downsample", &RuleWhere::downsample},
                                                    {"stage", &RuleWhere::stage},
                                                    {"resolution", &RuleWhere::resolution},
                                                    {"channels", &RuleWhere::channels}}};
  // Whether any range is given (no restriction at all otherwise).
  bool restricts() const {
    for (const Field& f : kFields)
      if (this->*f.range) return true;
    return false;
  }
};

struct Rule {
  std::string pattern;
  PatternParams params;
  RuleWhere where;
  std::string note;  // why the rule exists (mined evidence, or the expert's words)
  bool operator==(const Rule&) const = default;
};

struct RuleFile {
  std::string description;
  std::string source;  // where the rules came from ("experiment run.db, trial 41 vs baseline")
  std::vector<Rule> rules;
  bool operator==(const RuleFile&) const = default;
};

// Strict parsing: unknown or repeated fields, wrong types, unknown patterns or parameters, and
// ranges with min > max are Errors naming `source_name` and the line.
Result<RuleFile> parse_rules(const std::string& text, const std::string& source_name = "<string>");
Result<RuleFile> load_rules(const std::string& path);
// Canonical text: parse_rules(rules_to_yaml(r)) == r.
std::string rules_to_yaml(const RuleFile& rules);
Status save_rules(const RuleFile& rules, const std::string& path);

// Where node `anchor` sits (stage, resolution, channels); whole-model anchors (kNoNode) match
// only rules without a `where`.
struct AnchorPlace {
  int64_t stage = -1, resolution = 0, channels = 0;
  int64_t downsample = 0;  // input height / resolution; 0 when either is unknown
};
AnchorPlace anchor_place(const ir::Graph& graph, ir::NodeId anchor);
bool rule_applies_at(const Rule& rule, const ir::Graph& graph, ir::NodeId anchor);

struct RuleApplication {
  ir::Graph graph;
  RewriteLog log;
  std::vector<int> applied_per_rule;  // rewrites each rule made
};

// Applies the rules in order; each rule takes the anchors that match its pattern and `where`
// on the graph as the rule starts, and rewrites each that still matches when its turn comes.
Result<RuleApplication> apply_rules(const ir::Graph& graph, const RuleFile& rules, uint64_t seed);

// What judging did with one rule.
struct RuleVerdict {
  std::string pattern;
  int rewrites = 0;             // rewrites the rule made on the network as it stood (0: no anchor matched)
  double before_us = 0;         // latency before the rule
  double after_us = 0;          // latency with its rewrites (= before_us when it made none)
  bool kept = false;            // its rewrites lowered the latency and were kept
  std::string reason;           // "no anchor matches", "lowers the latency", "does not lower the latency", an error
};

struct JudgedApplication {
  ir::Graph graph;
  RewriteLog log;                     // the kept rules' rewrites only: replay(graph, log) gives `graph`
  std::vector<RuleVerdict> verdicts;  // one per rule, in order
  double baseline_us = 0, final_us = 0;
  int kept() const;
};

// Applies the rules one by one, each (all its rewrites, as apply_rules makes them) to the network
// as it stands, and keeps a rule's rewrites only when they lower `latency`: the expert's
// judgement of the seed made mechanical. A rule whose rewrite fails is dropped with the error as
// its reason; an Error only for a rule file that names an unknown pattern, or a failed latency
// of the starting network.
Result<JudgedApplication> apply_rules_judged(const ir::Graph& graph, const RuleFile& rules, const LatencyFn& latency,
                                             uint64_t seed);

struct MineOptions {
  int64_t channel_multiple = 1;  // the target's parallelism factor, for alignment rules
};

// The rewrites `winner` applies relative to `baseline`, stage by stage (stages matched by their
// downsampling factor, which the rules name, so they carry to another input size): IBNs turned
// fused (or back), depthwise+pointwise merged, squeeze-excite removed or added, residual blocks
// dropped (drop_block), stages narrowed (scale_channels), widths aligned to the multiple. Each
// rule's note gives the evidence it was mined from.
RuleFile mine_rules(const ir::Graph& baseline, const ir::Graph& winner, const MineOptions& options = {});

// Mines from a finished experiment: the best done, feasible trial (lowest cost) of `store`,
// decoded by `space`, against `baseline`. Errors: no such trial, a space of another version.
Result<RuleFile> mine_rules_from_store(const search::ExperimentStore& store, const space::SearchSpace& space,
                                       const ir::Graph& baseline, const MineOptions& options = {});

}  // namespace hwnas::expert
