// The execution order of least peak activation memory: heuristic orders, lower bounds and an exact A* search.
#include "hwnas/analysis/memory_schedule.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace hwnas::analysis {
namespace {

// A set of node ids as bits: `words` 64-bit words, read through a pointer so that sets can live
// in one arena (the search) or in their own vectors (the heuristics).
using NodeSet = std::vector<uint64_t>;

bool contains(const uint64_t* set, ir::NodeId id) {
  return (set[static_cast<size_t>(id) / 64] >> (static_cast<size_t>(id) % 64)) & 1U;
}
void insert(uint64_t* set, ir::NodeId id) {
  set[static_cast<size_t>(id) / 64] |= uint64_t{1} << (static_cast<size_t>(id) % 64);
}

uint64_t hash_words(const uint64_t* words, size_t count) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < count; ++i) {  // splitmix64's finaliser over each word
    uint64_t z = h ^ words[i];
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    h = z ^ (z >> 31);
  }
  return h;
}

struct NodeSetHash {
  size_t operator()(const NodeSet& set) const {
    return static_cast<size_t>(hash_words(set.data(), set.size()));
  }
};

// Lower-bound terms computed per search state only for this many remaining nodes (the ones
// with the largest footprints), and only on graphs small enough for descendant sets.
constexpr int kBoundCandidates = 6;
constexpr size_t kMaxNodesForDescendants = 4096;

// The graph reduced to what a schedule's memory depends on; sizes in bytes, each tensor at its
// node's precision (analysis::tensor_bytes).
struct ScheduleProblem {
  size_t node_count = 0;
  size_t words = 0;                             // of a NodeSet
  std::vector<int64_t> bytes;                // of each node's output
  std::vector<std::vector<ir::NodeId>> inputs;  // distinct inputs of each node
  std::vector<std::vector<ir::NodeId>> users;   // distinct consumers of each node
  std::vector<bool> is_output;
  std::vector<ir::NodeId> graph_inputs;   // Input nodes, ascending: they always run first
  std::vector<ir::NodeId> operators;      // every other node, ascending
  int64_t input_step_bytes = 0;        // live during the Input steps: every Input tensor
  int64_t resident_after_inputs = 0;      // live once the Inputs ran: the ones still needed
  int64_t outputs_after_inputs = 0;       // of those, the graph outputs
  std::vector<int64_t> footprint;         // a node's output plus its distinct inputs
  std::vector<int64_t> output_key;        // footprint less the inputs that are graph outputs
  std::vector<ir::NodeId> by_output_key;  // operators, largest output_key first
  std::vector<ir::NodeId> by_footprint;   // operators, largest footprint first
  std::vector<NodeSet> descendants;       // nodes reachable from each node, itself included

  ScheduleProblem(const ir::Graph& graph, ir::Precision precision)
      : node_count(graph.size()), words((graph.size() + 63) / 64) {
    bytes.resize(node_count);
    inputs.resize(node_count);
    is_output.assign(node_count, false);
    users = graph.consumers();
    for (const ir::Node& node : graph.nodes()) {
      const auto i = static_cast<size_t>(node.id);
      bytes[i] = tensor_bytes(graph, node.id, precision);
      for (ir::NodeId input : node.inputs)
        if (std::find(inputs[i].begin(), inputs[i].end(), input) == inputs[i].end())
          inputs[i].push_back(input);
      (node.kind == ir::OpKind::Input ? graph_inputs : operators).push_back(node.id);
    }
    for (ir::NodeId output : graph.outputs()) is_output[static_cast<size_t>(output)] = true;
    for (ir::NodeId input : graph_inputs) {
      const auto i = static_cast<size_t>(input);
      input_step_bytes += bytes[i];
      if (is_output[i] || !users[i].empty()) resident_after_inputs += bytes[i];
      if (is_output[i]) outputs_after_inputs += bytes[i];
    }
    footprint.assign(node_count, 0);
    output_key.assign(node_count, 0);
    for (size_t i = 0; i < node_count; ++i) {
      footprint[i] = output_key[i] = bytes[i];
      for (ir::NodeId input : inputs[i]) {
        footprint[i] += bytes[static_cast<size_t>(input)];
        if (!is_output[static_cast<size_t>(input)]) output_key[i] += bytes[static_cast<size_t>(input)];
      }
    }
    by_output_key = by_footprint = operators;
    auto descending = [](const std::vector<int64_t>& key) {
      return [&key](ir::NodeId a, ir::NodeId b) {
        const int64_t ka = key[static_cast<size_t>(a)], kb = key[static_cast<size_t>(b)];
        return ka != kb ? ka > kb : a < b;
      };
    };
    std::sort(by_output_key.begin(), by_output_key.end(), descending(output_key));
    std::sort(by_footprint.begin(), by_footprint.end(), descending(footprint));
    if (node_count <= kMaxNodesForDescendants) {
      // Node order is topological, so consumers have larger ids: fill from the back.
      descendants.assign(node_count, NodeSet(words, 0));
      for (size_t i = node_count; i-- > 0;) {
        insert(descendants[i].data(), static_cast<ir::NodeId>(i));
        for (ir::NodeId user : users[i])
          for (size_t w = 0; w < words; ++w) descendants[i][w] |= descendants[static_cast<size_t>(user)][w];
      }
    }
  }

  NodeSet inputs_done() const {
    NodeSet done(words, 0);
    for (ir::NodeId input : graph_inputs) insert(done.data(), input);
    return done;
  }

  bool ready(const uint64_t* done, ir::NodeId id) const {
    if (contains(done, id)) return false;
    for (ir::NodeId input : inputs[static_cast<size_t>(id)])
      if (!contains(done, input)) return false;
    return true;
  }

  // A tensor done in `done` stays live after it when it is an output or a consumer is still to run.
  bool stays_live(const uint64_t* done, ir::NodeId id) const {
    if (is_output[static_cast<size_t>(id)]) return true;
    for (ir::NodeId user : users[static_cast<size_t>(id)])
      if (!contains(done, user)) return true;
    return false;
  }

  // Live bytes during the step that runs `id` when `resident` were live before it.
  int64_t step_bytes(int64_t resident, ir::NodeId id) const {
    return resident + bytes[static_cast<size_t>(id)];
  }

  // Live bytes after the step that runs `id`; `done_after` already contains `id`.
  int64_t resident_after(const uint64_t* done_after, int64_t resident, ir::NodeId id) const {
    int64_t after = resident + (stays_live(done_after, id) ? bytes[static_cast<size_t>(id)] : 0);
    for (ir::NodeId input : inputs[static_cast<size_t>(id)])
      if (!stays_live(done_after, input)) after -= bytes[static_cast<size_t>(input)];
    return after;
  }

  // A bound no order can beat: the Input steps; every node's own footprint; and the last step,
  // which runs a node nobody reads while every graph output is live.
  int64_t lower_bound() const {
    int64_t bound = input_step_bytes;
    for (ir::NodeId id : operators) bound = std::max(bound, footprint[static_cast<size_t>(id)]);
    int64_t outputs = 0;
    for (size_t i = 0; i < node_count; ++i)
      if (is_output[i]) outputs += bytes[i];
    int64_t least_last_step_extra = -1;
    for (size_t i = 0; i < node_count; ++i) {
      if (!users[i].empty()) continue;  // only a node nobody reads can run last
      int64_t extra = is_output[i] ? 0 : bytes[i];
      for (ir::NodeId input : inputs[i])
        if (!is_output[static_cast<size_t>(input)]) extra += bytes[static_cast<size_t>(input)];
      if (least_last_step_extra < 0 || extra < least_last_step_extra) least_last_step_extra = extra;
    }
    if (least_last_step_extra >= 0) bound = std::max(bound, outputs + least_last_step_extra);
    return bound;
  }

  // Bounds on the peak of the steps still to run from `done`, where graph outputs of
  // `outputs_done` bytes are made. Cheap one: at a remaining node's step its footprint and
  // the graph outputs already made are live.
  int64_t output_bound(const uint64_t* done, int64_t outputs_done) const {
    for (ir::NodeId id : by_output_key)
      if (!contains(done, id)) return outputs_done + output_key[static_cast<size_t>(id)];
    return 0;
  }

  // Stronger one, for the remaining nodes of largest footprint: at a node's step, also every
  // tensor already made that the node's descendants still read (or that is a graph output).
  int64_t descendant_bound(const uint64_t* done, std::vector<ir::NodeId>& live) const {
    int64_t bound = 0;
    if (descendants.empty()) return bound;
    live.clear();
    for (size_t t = 0; t < node_count; ++t)
      if (contains(done, static_cast<ir::NodeId>(t)) && stays_live(done, static_cast<ir::NodeId>(t)))
        live.push_back(static_cast<ir::NodeId>(t));
    int candidates = 0;
    for (ir::NodeId id : by_footprint) {
      if (contains(done, id)) continue;
      if (++candidates > kBoundCandidates) break;
      const auto& own_inputs = inputs[static_cast<size_t>(id)];
      const uint64_t* after = descendants[static_cast<size_t>(id)].data();
      int64_t at_step = footprint[static_cast<size_t>(id)];
      for (ir::NodeId t : live) {
        if (std::find(own_inputs.begin(), own_inputs.end(), t) != own_inputs.end()) continue;
        bool still_read = is_output[static_cast<size_t>(t)];
        for (size_t u = 0; !still_read && u < users[static_cast<size_t>(t)].size(); ++u) {
          const ir::NodeId user = users[static_cast<size_t>(t)][u];
          still_read = !contains(done, user) && contains(after, user);
        }
        if (still_read) at_step += bytes[static_cast<size_t>(t)];
      }
      bound = std::max(bound, at_step);
    }
    return bound;
  }
};

// Peak bytes of `order`, each tensor at its node's precision or `precision`.
int64_t peak_bytes_of(const ir::Graph& graph, const std::vector<ir::NodeId>& order, ir::Precision precision) {
  return peak_memory(graph, order, precision).value().peak_bytes;
}

// Greedy order; `frees_first` ranks ready nodes by the memory left after them, then by their
// step; otherwise by their step, then by the memory left.
std::vector<ir::NodeId> greedy_order(const ScheduleProblem& problem, bool frees_first) {
  std::vector<ir::NodeId> order = problem.graph_inputs;
  NodeSet done = problem.inputs_done();
  NodeSet after;
  int64_t resident = problem.resident_after_inputs;
  while (order.size() < problem.node_count) {
    std::tuple<int64_t, int64_t, ir::NodeId> best{0, 0, ir::kNoNode};
    int64_t best_resident = 0;
    for (ir::NodeId id : problem.operators) {
      if (!problem.ready(done.data(), id)) continue;
      after = done;
      insert(after.data(), id);
      const int64_t left = problem.resident_after(after.data(), resident, id);
      const int64_t step = problem.step_bytes(resident, id);
      std::tuple<int64_t, int64_t, ir::NodeId> key =
          frees_first ? std::tuple{left, step, id} : std::tuple{step, left, id};
      if (std::get<2>(best) == ir::kNoNode || key < best) {
        best = key;
        best_resident = left;
      }
    }
    const ir::NodeId chosen = std::get<2>(best);
    insert(done.data(), chosen);
    resident = best_resident;
    order.push_back(chosen);
  }
  return order;
}

// Beam search: keeps the `width` partial orders of least (running peak, memory left live) at
// each depth, merging orders that ran the same set of nodes.
std::vector<ir::NodeId> beam_order(const ScheduleProblem& problem, size_t width) {
  // The orders share their prefixes: each partial order is its last step in `trail`.
  struct Step {
    int32_t previous = -1;
    ir::NodeId node = ir::kNoNode;
  };
  std::vector<Step> trail;
  struct Partial {
    NodeSet done;
    int64_t peak = 0;
    int64_t resident = 0;
    int32_t last_step = -1;
  };
  auto better = [](const Partial& a, const Partial& b) {
    return std::tie(a.peak, a.resident, a.done) < std::tie(b.peak, b.resident, b.done);
  };
  std::vector<Partial> beam(1);
  beam[0].done = problem.inputs_done();
  beam[0].peak = problem.input_step_bytes;
  beam[0].resident = problem.resident_after_inputs;
  std::unordered_map<NodeSet, Partial, NodeSetHash> next;
  for (size_t depth = 0; depth < problem.operators.size(); ++depth) {
    next.clear();
    for (const Partial& partial : beam)
      for (ir::NodeId id : problem.operators) {
        if (!problem.ready(partial.done.data(), id)) continue;
        Partial child;
        child.done = partial.done;
        insert(child.done.data(), id);
        child.peak = std::max(partial.peak, problem.step_bytes(partial.resident, id));
        child.resident = problem.resident_after(child.done.data(), partial.resident, id);
        auto found = next.find(child.done);
        if (found != next.end() && !better(child, found->second)) continue;
        child.last_step = static_cast<int32_t>(trail.size());
        trail.push_back(Step{partial.last_step, id});
        if (found != next.end())
          found->second = std::move(child);
        else
          next.emplace(child.done, std::move(child));
      }
    beam.clear();
    for (auto& [set, partial] : next) beam.push_back(std::move(partial));
    std::sort(beam.begin(), beam.end(), better);  // a total order: the result does not depend on hashing
    if (beam.size() > width) beam.resize(width);
  }
  std::vector<ir::NodeId> order;
  for (int32_t step = beam.front().last_step; step >= 0; step = trail[static_cast<size_t>(step)].previous)
    order.push_back(trail[static_cast<size_t>(step)].node);
  order.insert(order.end(), problem.graph_inputs.rbegin(), problem.graph_inputs.rend());
  std::reverse(order.begin(), order.end());
  return order;
}

// The node sets of the search's states, back to back in one arena, and a hash set of state ids
// over them. The slot after the last state is scratch space where a candidate set is built.
class StateSets {
 public:
  explicit StateSets(size_t words) : words_(words), arena_(words, 0), ids_(64, Hash{this}, Equal{this}) {}
  StateSets(const StateSets&) = delete;  // the hash set's functors point at this object
  StateSets& operator=(const StateSets&) = delete;

  const uint64_t* set(int32_t id) const { return arena_.data() + static_cast<size_t>(id) * words_; }
  int32_t size() const { return count_; }

  // The scratch slot, filled with a copy of state `from`'s set.
  uint64_t* scratch_from(int32_t from) {
    std::copy_n(set(from), words_, arena_.data() + static_cast<size_t>(count_) * words_);
    return arena_.data() + static_cast<size_t>(count_) * words_;
  }
  uint64_t* scratch() { return arena_.data() + static_cast<size_t>(count_) * words_; }
  // The state whose set equals the scratch slot, or -1.
  int32_t find_scratch() const {
    auto it = ids_.find(count_);
    return it == ids_.end() ? -1 : *it;
  }
  // Stores the scratch slot as a new state; returns its id.
  int32_t add_scratch() {
    const int32_t id = count_++;
    ids_.insert(id);
    arena_.resize(static_cast<size_t>(count_ + 1) * words_, 0);
    return id;
  }

 private:
  struct Hash {
    const StateSets* sets;
    size_t operator()(int32_t id) const {
      return static_cast<size_t>(hash_words(sets->set(id), sets->words_));
    }
  };
  struct Equal {
    const StateSets* sets;
    bool operator()(int32_t a, int32_t b) const {
      return std::equal(sets->set(a), sets->set(a) + sets->words_, sets->set(b));
    }
  };
  size_t words_;
  std::vector<uint64_t> arena_;
  int32_t count_ = 0;
  std::unordered_set<int32_t, Hash, Equal> ids_;
};

// One set of executed nodes reached by the search.
struct SearchState {
  int32_t parent = -1;            // state it was reached from on its best path
  ir::NodeId last = ir::kNoNode;  // node run to get here from `parent`
  int32_t depth = 0;              // operators executed
  int64_t resident = 0;           // live bytes after the last step
  int64_t outputs_done = 0;       // of those, graph outputs
  int64_t peak = 0;               // least running maximum found to reach this set (g)
  int64_t remaining = 0;          // lower bound on the steps still to run (h)
  int64_t estimate() const { return std::max(peak, remaining); }
};

enum class SearchEnd { Found, NothingBeatsBound, OutOfBudget };

struct SearchOutcome {
  SearchEnd end = SearchEnd::NothingBeatsBound;
  std::vector<ir::NodeId> order;  // when Found
  int64_t lower_bound = 0;        // bytes; proven for every outcome
  int64_t states = 0;
};

// A* on the running maximum: best-first on max(g, h) with h admissible, states reopened when
// reached more cheaply, only states whose estimate is below `upper_bound` stored.
SearchOutcome bottleneck_search(const ScheduleProblem& problem, int64_t upper_bound, int64_t max_states) {
  SearchOutcome outcome;
  StateSets sets(problem.words);
  std::vector<SearchState> states;
  std::vector<ir::NodeId> live_scratch;
  // Lowest estimate first; among equals the deepest, so ties run to the end at once.
  using Entry = std::tuple<int64_t, int32_t, int64_t, int32_t>;  // estimate, -depth, peak, state
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> frontier;

  const NodeSet start_set = problem.inputs_done();
  std::copy(start_set.begin(), start_set.end(), sets.scratch());
  SearchState start;
  start.resident = problem.resident_after_inputs;
  start.outputs_done = problem.outputs_after_inputs;
  start.peak = problem.input_step_bytes;
  start.remaining = std::max(problem.output_bound(start_set.data(), start.outputs_done),
                             problem.descendant_bound(start_set.data(), live_scratch));
  states.push_back(start);
  sets.add_scratch();
  frontier.emplace(start.estimate(), 0, start.peak, 0);
  const auto operator_count = static_cast<int32_t>(problem.operators.size());
  // Least estimate of a state that the budget kept out of the store: no order through it beats it.
  int64_t least_dropped = upper_bound;
  std::vector<ir::NodeId> ready;

  while (!frontier.empty()) {
    const auto [estimate, negative_depth, peak, current] = frontier.top();
    if (peak != states[static_cast<size_t>(current)].peak) {  // reached more cheaply since
      frontier.pop();
      continue;
    }
    if (-negative_depth == operator_count) {
      outcome.end = SearchEnd::Found;
      outcome.lower_bound = peak;
      for (int32_t s = current; states[static_cast<size_t>(s)].parent >= 0;
           s = states[static_cast<size_t>(s)].parent)
        outcome.order.push_back(states[static_cast<size_t>(s)].last);
      std::reverse(outcome.order.begin(), outcome.order.end());
      outcome.order.insert(outcome.order.begin(), problem.graph_inputs.begin(), problem.graph_inputs.end());
      break;
    }
    if (sets.size() >= max_states) {
      // Every order passes through a stored state still to expand (the queue's least estimate
      // bounds those) or through one the budget dropped.
      outcome.end = SearchEnd::OutOfBudget;
      outcome.lower_bound = std::min({upper_bound, estimate, least_dropped});
      break;
    }
    frontier.pop();
    const SearchState here = states[static_cast<size_t>(current)];
    ready.clear();
    for (ir::NodeId id : problem.operators)
      if (problem.ready(sets.set(current), id)) ready.push_back(id);
    // Dominance: a ready node that leaves no more memory live than now, and whose own step
    // stays within this state's estimate, may run first in some best completion (moving it
    // forward lowers every step it passes by the same amount), so it is the only move tried.
    for (ir::NodeId id : ready) {
      if (problem.step_bytes(here.resident, id) > std::max(peak, here.remaining)) continue;
      uint64_t* next = sets.scratch_from(current);
      insert(next, id);
      if (problem.resident_after(next, here.resident, id) <= here.resident) {
        ready = {id};
        break;
      }
    }
    for (ir::NodeId id : ready) {
      const int64_t next_peak = std::max(peak, problem.step_bytes(here.resident, id));
      if (next_peak >= upper_bound) continue;  // cannot beat the order already known
      uint64_t* next = sets.scratch_from(current);
      insert(next, id);
      if (const int32_t seen_id = sets.find_scratch(); seen_id >= 0) {
        SearchState& seen = states[static_cast<size_t>(seen_id)];
        if (seen.peak <= next_peak) continue;
        seen.peak = next_peak;
        seen.parent = current;
        seen.last = id;
        frontier.emplace(seen.estimate(), -seen.depth, next_peak, seen_id);
        continue;
      }
      SearchState reached;
      reached.parent = current;
      reached.last = id;
      reached.depth = here.depth + 1;
      reached.resident = problem.resident_after(next, here.resident, id);
      reached.outputs_done =
          here.outputs_done +
          (problem.is_output[static_cast<size_t>(id)] ? problem.bytes[static_cast<size_t>(id)] : 0);
      reached.peak = next_peak;
      reached.remaining = problem.output_bound(next, reached.outputs_done);
      if (reached.estimate() >= upper_bound) continue;
      reached.remaining = std::max(reached.remaining, problem.descendant_bound(next, live_scratch));
      if (reached.estimate() >= upper_bound) continue;
      if (sets.size() >= max_states) {
        least_dropped = std::min(least_dropped, reached.estimate());
        continue;
      }
      const int32_t state_id = sets.add_scratch();
      states.push_back(reached);
      frontier.emplace(reached.estimate(), -reached.depth, next_peak, state_id);
    }
  }
  outcome.states = sets.size();
  if (outcome.end == SearchEnd::NothingBeatsBound) outcome.lower_bound = upper_bound;
  return outcome;
}

}  // namespace

std::vector<ir::NodeId> greedy_memory_order(const ir::Graph& graph, ir::Precision precision) {
  const ScheduleProblem problem(graph, precision);
  std::vector<ir::NodeId> frees_first = greedy_order(problem, true);
  std::vector<ir::NodeId> smallest_step = greedy_order(problem, false);
  return peak_bytes_of(graph, smallest_step, precision) < peak_bytes_of(graph, frees_first, precision) ? smallest_step
                                                                                 : frees_first;
}

MinimalPeakMemory minimal_peak_memory(const ir::Graph& graph, ir::Precision precision,
                                      const ScheduleSearchOptions& options) {
  const ScheduleProblem problem(graph, precision);
  const int64_t lower_bound = problem.lower_bound();
  MinimalPeakMemory result;

  // Upper bound: the best of the graph's own order and the heuristic orders, tried from the
  // cheapest; the search starts only when none of them meets the lower bound.
  std::vector<ir::NodeId> best_order(graph.size());
  for (size_t i = 0; i < best_order.size(); ++i) best_order[i] = static_cast<ir::NodeId>(i);
  int64_t upper_bound = peak_bytes_of(graph, best_order, precision);
  std::string heuristic = "graph order";
  auto consider = [&](std::vector<ir::NodeId> order, const char* name) {
    const int64_t peak = peak_bytes_of(graph, order, precision);
    if (peak >= upper_bound) return;
    upper_bound = peak;
    best_order = std::move(order);
    heuristic = name;
  };
  if (upper_bound > lower_bound) consider(greedy_memory_order(graph, precision), "greedy order");
  if (upper_bound > lower_bound && options.beam_width > 0)
    consider(beam_order(problem, options.beam_width), "beam-search order");

  if (graph.empty() || (upper_bound <= lower_bound && !options.search_always)) {
    result.exact = true;
    result.lower_bound_bytes = upper_bound;
    result.method = "exact: the " + heuristic + " meets a lower bound";
  } else {
    SearchOutcome outcome =
        bottleneck_search(problem, options.search_always ? upper_bound + 1 : upper_bound, options.max_states);
    result.states_explored = outcome.states;
    switch (outcome.end) {
      case SearchEnd::Found:
        best_order = std::move(outcome.order);
        result.exact = true;
        result.lower_bound_bytes = outcome.lower_bound;
        result.method = "exact: A* search over " + std::to_string(outcome.states) + " node sets";
        break;
      case SearchEnd::NothingBeatsBound:
        result.exact = true;
        result.lower_bound_bytes = upper_bound;
        result.method = "exact: A* search over " + std::to_string(outcome.states) + " node sets proved the " +
                        heuristic + " optimal";
        break;
      case SearchEnd::OutOfBudget:
        result.exact = false;
        result.lower_bound_bytes = std::max(lower_bound, outcome.lower_bound);
        result.method = "heuristic: " + heuristic + "; the exact search stopped at its budget of " +
                        std::to_string(options.max_states) + " node sets";
        break;
    }
  }
  result.best = std::move(peak_memory(graph, best_order, precision).value());
  return result;
}

}  // namespace hwnas::analysis
