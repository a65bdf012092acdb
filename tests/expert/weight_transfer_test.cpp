// Tests of weight transfer after rewrites (kept names and shapes copied, changed ones fresh) and of
// mining a successive-halving store (the winner is taken at the highest fidelity).
#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

#include <filesystem>

#include "expert_test_support.h"
#include "hwnas/expert/rewriter.h"
#include "hwnas/expert/rules.h"
#include "hwnas/expert/weight_transfer.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/search/store.h"
#include "hwnas/space/space.h"

namespace hwnas::expert {
namespace {

ir::Graph trained_ibn() {
  ir::Graph graph = testing::load("ibn.yaml");
  reference::fill_random_weights(graph, 11);
  EXPECT_TRUE(graph.has_weights());
  return graph;
}

// The structure of `trained` rewritten by `pattern` at `location`, without weights.
ir::Graph rewrite(const ir::Graph& trained, const std::string& pattern, const PatternParams& params,
                  const std::string& location) {
  auto made = make_pattern(pattern, params);
  EXPECT_TRUE(made.ok());
  Rewriter rewriter(strip_weights(trained), 3);
  Status applied = rewriter.apply(**made, location);
  EXPECT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_FALSE(rewriter.graph().has_weights());
  return rewriter.graph();
}

// Every param of `rewritten` is the original's when its node name, role and shape survived, else
// the fresh initialisation of `seed`; returns the names of the nodes with a fresh param.
std::vector<std::string> check_transfer(const ir::Graph& original, const ir::Graph& rewritten, uint64_t seed) {
  std::vector<std::string> fresh;
  for (const ir::Node& node : rewritten.nodes()) {
    auto old = original.find(node.name);
    bool node_fresh = false;
    for (const ir::Param& param : node.params) {
      const ir::Param* kept = nullptr;
      if (old)
        for (const ir::Param& p : original.node(*old).params)
          if (p.role == param.role && p.shape == param.shape) kept = &p;
      if (kept) {
        EXPECT_EQ(param.data, kept->data) << node.name << " " << param.role;
      } else {
        ir::Param expected = param;
        initialise_param(expected, node, seed);
        EXPECT_EQ(param.data, expected.data) << node.name << " " << param.role;
        node_fresh = true;
      }
    }
    if (node_fresh) fresh.push_back(node.name);
  }
  return fresh;
}

TEST(WeightTransfer, FusedIbnKeepsTheUnchangedLayersAndInitialisesTheNewConv) {
  ir::Graph trained = trained_ibn();
  ir::Graph rewritten = rewrite(trained, "ibn_to_fused_ibn", {}, "block.expand");
  auto transfer = transfer_weights(trained, rewritten, 5);
  ASSERT_TRUE(transfer.ok()) << transfer.error().message;
  EXPECT_TRUE(rewritten.has_weights());
  std::vector<std::string> fresh = check_transfer(trained, rewritten, 5);
  EXPECT_EQ(transfer->fresh_nodes, fresh);
  // Only the new full conv is fresh; the depthwise's batch norm and the projection keep their weights.
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(trained.find(fresh[0]), std::nullopt) << fresh[0] << " is a new node";
  const ir::Node& conv = rewritten.node(*rewritten.find(fresh[0]));
  EXPECT_EQ(conv.kind, ir::OpKind::Conv2d);
  EXPECT_EQ(transfer->fresh_params, static_cast<int64_t>(conv.params.size()));
  for (const char* kept : {"block.dw_bn", "block.project", "block.project_bn"})
    EXPECT_EQ(std::count(fresh.begin(), fresh.end(), kept), 0) << kept;
  int64_t params = 0, values = 0;
  for (const ir::Node& node : rewritten.nodes())
    for (const ir::Param& p : node.params) {
      params += 1;
      values += p.shape.numel();
    }
  EXPECT_EQ(transfer->kept_params + transfer->fresh_params, params);
  EXPECT_EQ(transfer->kept_values + transfer->fresh_values, values);
  EXPECT_GT(transfer->kept_params, 0);
}

TEST(WeightTransfer, ChangedWidthsAreFreshAndTheRestKept) {
  ir::Graph trained = trained_ibn();
  // The expanded width 64 -> 48: expand, its bn, the depthwise and its bn change shape, and so
  // does the projection's weight (its input channels); the projection's bn keeps its shape.
  ir::Graph rewritten = rewrite(trained, "align_channels", {{"multiple", "48"}, {"round", "down"}}, "block.expand");
  ASSERT_EQ(rewritten.node(*rewritten.find("block.expand")).shape[1], 48);
  auto transfer = transfer_weights(trained, rewritten, 9);
  ASSERT_TRUE(transfer.ok()) << transfer.error().message;
  std::vector<std::string> fresh = check_transfer(trained, rewritten, 9);
  EXPECT_EQ(transfer->fresh_nodes, fresh);
  for (const char* changed : {"block.expand", "block.expand_bn", "block.dw", "block.dw_bn", "block.project"})
    EXPECT_EQ(std::count(fresh.begin(), fresh.end(), changed), 1) << changed;
  EXPECT_EQ(std::count(fresh.begin(), fresh.end(), "block.project_bn"), 0);
  EXPECT_EQ(std::count(fresh.begin(), fresh.end(), "fc"), 0);
  EXPECT_EQ(transfer->kept_params, 6);  // the projection's batch norm (scale, bias, mean, var), fc's weight and bias
}

TEST(WeightTransfer, FreshWeightsFollowTheSeed) {
  ir::Graph trained = trained_ibn();
  ir::Graph a = rewrite(trained, "ibn_to_fused_ibn", {}, "block.expand");
  ir::Graph b = a, c = a;
  ASSERT_TRUE(transfer_weights(trained, a, 1).ok());
  ASSERT_TRUE(transfer_weights(trained, b, 1).ok());
  ASSERT_TRUE(transfer_weights(trained, c, 2).ok());
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
}

TEST(WeightTransfer, ASourceWithoutWeightsIsAnErrorAndLeavesTheTargetAlone) {
  ir::Graph structure = testing::load("ibn.yaml");
  ir::Graph target = structure;
  auto transfer = transfer_weights(structure, target, 0);
  ASSERT_FALSE(transfer.ok());
  EXPECT_NE(transfer.error().message.find("carries no weights"), std::string::npos) << transfer.error().message;
  EXPECT_EQ(target, structure);
}

TEST(WeightTransfer, StripWeightsKeepsTheStructure) {
  ir::Graph trained = trained_ibn();
  ir::Graph stripped = strip_weights(trained);
  EXPECT_FALSE(stripped.has_weights());
  ASSERT_EQ(stripped.size(), trained.size());
  for (const ir::Node& node : stripped.nodes()) {
    EXPECT_EQ(node.shape, trained.node(node.id).shape);
    for (const ir::Param& p : node.params) EXPECT_TRUE(p.data.empty());
  }
  EXPECT_EQ(stripped, strip_weights(testing::load("ibn.yaml")));
}

// A store of a successive-halving run: a cheap low-fidelity trial with a lower cost than the
// full-fidelity one must not be mined (costs at different fidelities do not compare).
TEST(RuleMining, FromAStoreTakesTheWinnerAtTheHighestFidelity) {
  auto space = space::load_space_by_name("fashion_mnist_uncurated", {});
  ASSERT_TRUE(space.ok()) << space.error().message;
  const std::string path =
      (std::filesystem::temp_directory_path() / ("hwnas_mine_fidelity_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  {
    auto store = search::ExperimentStore::create(path, {{"space_version", space->version()}});
    ASSERT_TRUE(store.ok()) << store.error().message;
    space::Architecture small = space->minimal_architecture();
    space::Architecture other = small;
    for (size_t d = 0; d < other.size(); ++d)  // a different choice of the first decision that has one
      if (space->decisions()[d].choices.size() > 1) {
        other[d] = 1;
        break;
      }
    ASSERT_NE(other, small);
    auto add = [&](int64_t id, const space::Architecture& arch, double fidelity, double cost) {
      search::TrialRecord t;
      t.id = id;
      t.arch = search::format_arch(arch);
      t.key = space->canonical_key(arch);
      t.status = "done";
      t.feasible = true;
      t.fidelity = fidelity;
      t.cost = cost;
      t.metrics = {{"accuracy", -cost}};
      ASSERT_TRUE(store->begin_trial(t).ok());
      ASSERT_TRUE(store->finish_trial(t).ok());
    };
    add(0, other, 1.0 / 3, -0.9);  // looks best, but at a third of the training
    add(1, small, 1.0, -0.8);
  }
  auto store = search::ExperimentStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto baseline = space->decode(space->minimal_architecture());
  ASSERT_TRUE(baseline.ok());
  auto rules = mine_rules_from_store(*store, *space, *baseline);
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  EXPECT_NE(rules->source.find("trial 1 "), std::string::npos) << rules->source;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace hwnas::expert
