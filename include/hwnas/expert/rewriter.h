// Rewriter: every expert edit goes through it. It checks a pattern's precondition, applies it,
// and logs the edit (pattern, parameters, location, the nodes before and after with their
// shapes), so a change can be shown, saved, and replayed on the original model.
//
//   expert::Rewriter rewriter(graph, /*seed=*/7);
//   auto fuse = expert::make_pattern("ibn_to_fused_ibn");
//   if (Status s = rewriter.apply(**fuse, "stage1.block0.expand"); !s) std::cerr << s.error().message;
//   auto again = expert::replay(graph, rewriter.log(), 7);   // *again == rewriter.graph()
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/expert/pattern.h"
#include "hwnas/ir/graph.h"

namespace hwnas::expert {

inline constexpr const char* kWholeModel = "model";

struct RewriteRecord {
  std::string pattern;
  PatternParams params;
  std::string location;             // the anchor node's name, or "model"
  std::vector<std::string> before;  // "b1.expand conv2d [1, 96, 28, 28]": nodes removed or changed
  std::vector<std::string> after;   // nodes added or changed, in the rewritten graph
  bool operator==(const RewriteRecord& other) const {
    return pattern == other.pattern && params == other.params && location == other.location &&
           before == other.before && after == other.after;
  }
};

struct RewriteLog {
  std::string model;  // the name of the graph the log starts from
  uint64_t seed = 0;
  std::vector<RewriteRecord> records;
  bool operator==(const RewriteLog&) const = default;
};

// The nodes that differ between two graphs, named and with kind and shape ("before" lists
// removed or changed nodes of `old_graph`, "after" added or changed nodes of `new_graph`).
void diff_graphs(const ir::Graph& old_graph, const ir::Graph& new_graph, std::vector<std::string>& before,
                 std::vector<std::string>& after);

class Rewriter {
 public:
  // `seed` initialises the weights of changed layers: step k uses a seed mixed from (seed, k).
  Rewriter(ir::Graph graph, uint64_t seed);

  const ir::Graph& graph() const { return graph_; }
  const RewriteLog& log() const { return log_; }

  // Applies `pattern` at `location` (a node name, or "model"): its precondition's reason, an
  // unknown node, or a failed rebuild is an Error and leaves the graph as it was.
  Status apply(const Pattern& pattern, const std::string& location);
  // Applies at an already found match.
  Status apply(const Pattern& pattern, const Match& match);

 private:
  ir::Graph graph_;
  RewriteLog log_;
};

// The seed of step `step` of a log with base `seed`.
uint64_t step_seed(uint64_t seed, size_t step);

// Applies the log's records in order to `original` (by pattern name, parameters and location,
// with the log's seed) and checks that each step changes the same nodes as logged.
Result<ir::Graph> replay(const ir::Graph& original, const RewriteLog& log);

// The log as YAML text, and back (strict: unknown fields are Errors with their line).
std::string rewrite_log_to_yaml(const RewriteLog& log);
Result<RewriteLog> rewrite_log_from_yaml(const std::string& text, const std::string& source_name = "<string>");

}  // namespace hwnas::expert
