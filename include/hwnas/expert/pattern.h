// Pattern: one hardware-aware rewrite of a network, with a name, a precondition that says why it
// does not apply, and an apply that returns the rewritten graph. Patterns are made by name with
// string parameters (make_pattern), so a rewrite log or a rule file can name them.
//
//   auto fuse = expert::make_pattern("ibn_to_fused_ibn");
//   auto match = (*fuse)->match(graph, *graph.find("stage2.block0.expand"));
//   if (!match) std::cout << match.error().message;    // the reason it does not apply
//   auto fused = (*fuse)->apply(graph, *match, seed);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::expert {

// Named string parameters of a pattern, in the order given ("multiple" -> "8").
class PatternParams {
 public:
  PatternParams() = default;
  PatternParams(std::initializer_list<std::pair<std::string, std::string>> entries) : entries_(entries) {}
  void set(const std::string& key, const std::string& value);
  bool has(const std::string& key) const;
  std::string get(const std::string& key, const std::string& fallback = "") const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  // "multiple=8,round=down"; "" when empty.
  std::string to_string() const;
  // Inverse of to_string; an Error names the bad entry.
  static Result<PatternParams> parse(const std::string& text);
  bool operator==(const PatternParams&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Where a pattern applies: the anchor node (kNoNode for the whole model) and the nodes it reads
// or replaces.
struct Match {
  ir::NodeId anchor = ir::kNoNode;
  std::vector<ir::NodeId> nodes;
};

class Pattern {
 public:
  virtual ~Pattern() = default;
  // e.g. "ibn_to_fused_ibn".
  virtual std::string name() const = 0;
  // One line for `hwnas expert patterns` and the docs.
  virtual std::string summary() const = 0;
  // The parameters the pattern was made with (all of them, defaults filled in).
  virtual PatternParams params() const { return {}; }
  // True when the pattern's anchor is the whole model (kNoNode) rather than a node.
  virtual bool whole_model() const { return false; }
  // The anchors worth trying on `graph` (each still has to match).
  virtual std::vector<ir::NodeId> anchors(const ir::Graph& graph) const;
  // The precondition: the match, or an Error whose message is the reason it does not apply.
  virtual Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const = 0;
  // The rewritten graph; `seed` initialises the weights of changed layers.
  virtual Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const = 0;
};

// The names make_pattern accepts, in a fixed order.
const std::vector<std::string>& pattern_names();
// A pattern by name; unknown names and unknown or bad parameters are Errors naming them.
Result<std::unique_ptr<Pattern>> make_pattern(const std::string& name, const PatternParams& params = {});

// Every (anchor, match) of `pattern` on `graph`, in anchor order.
std::vector<Match> find_matches(const Pattern& pattern, const ir::Graph& graph);

// The factories, one per pattern file (params checked by each).
Result<std::unique_ptr<Pattern>> make_ibn_to_fused_ibn(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_fused_ibn_to_ibn(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_depthwise_pointwise_to_conv(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_align_channels(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_even_channels(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_depth_multiplier(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_remove_squeeze_excite(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_add_squeeze_excite(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_drop_block(const PatternParams& params);
Result<std::unique_ptr<Pattern>> make_scale_channels(const PatternParams& params);

// Parameter helpers for the factories: an Error names the pattern and the key.
Status check_param_keys(const std::string& pattern, const PatternParams& params, const std::vector<std::string>& allowed);
Result<int64_t> int_param(const std::string& pattern, const PatternParams& params, const std::string& key,
                          int64_t fallback, int64_t min_value);
Result<double> double_param(const std::string& pattern, const PatternParams& params, const std::string& key,
                            double fallback, double min_exclusive, double max_inclusive);

}  // namespace hwnas::expert
