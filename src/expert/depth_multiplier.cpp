// Pattern depth_multiplier: scales channel widths by a factor (the seed's depth-multiplier
// search), for one stage (scope=stage, anchor: a node of the stage) or the whole model
// (scope=model). Widths round like torchvision's make_divisible: the nearest multiple of
// `divisor`, at least `divisor`, never below 90 % of the scaled width.
#include <memory>

#include "channel_pattern_support.h"

namespace hwnas::expert {
namespace {

int64_t make_divisible(double value, int64_t divisor) {
  int64_t rounded = std::max<int64_t>(divisor, static_cast<int64_t>(value + static_cast<double>(divisor) / 2) /
                                                   divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

class DepthMultiplier : public detail::ChannelPattern {
 public:
  DepthMultiplier(double factor, int64_t divisor, bool model) : factor_(factor), divisor_(divisor), model_(model) {}
  std::string name() const override { return "depth_multiplier"; }
  std::string summary() const override {
    return "multiply the channel widths of a stage (scope=stage) or the model (scope=model) by a factor";
  }
  PatternParams params() const override {
    std::string factor = std::to_string(factor_);
    while (factor.size() > 1 && factor.back() == '0') factor.pop_back();
    if (factor.back() == '.') factor.pop_back();
    return {{"factor", factor}, {"divisor", std::to_string(divisor_)}, {"scope", model_ ? "model" : "stage"}};
  }
  bool whole_model() const override { return model_; }
  std::vector<ir::NodeId> anchors(const ir::Graph& graph) const override {
    if (model_) return {ir::kNoNode};
    return detail::stage_anchors(find_channel_groups(graph));
  }

 protected:
  Result<std::map<int, int64_t>> plan(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (model_ != (anchor == ir::kNoNode))
      return Error{model_ ? "depth_multiplier scope=model takes the whole model, not a node"
                          : "depth_multiplier scope=stage needs a node"};
    ChannelGroups groups = find_channel_groups(graph);
    int64_t height = 0, width = 0;
    if (!model_) {
      auto index = detail::group_of_anchor(graph, groups, anchor);
      if (!index) return index.error();
      const ChannelGroup& g = groups.groups[static_cast<size_t>(*index)];
      if (!g.alignable()) return Error{graph.node(anchor).describe() + " belongs to no changeable channel group"};
      height = g.height;
      width = g.width;
    }
    std::map<int, int64_t> change;
    for (size_t i = 0; i < groups.groups.size(); ++i) {
      const ChannelGroup& g = groups.groups[i];
      if (!g.alignable() || (!model_ && (g.height != height || g.width != width))) continue;
      int64_t scaled = make_divisible(static_cast<double>(g.channels) * factor_, divisor_);
      if (scaled != g.channels) change[static_cast<int>(i)] = scaled;
    }
    if (change.empty()) return Error{"a depth multiplier of " + params().get("factor") + " changes no width here"};
    return change;
  }

  double factor_;
  int64_t divisor_;
  bool model_;
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_depth_multiplier(const PatternParams& params) {
  const std::string name = "depth_multiplier";
  if (Status s = check_param_keys(name, params, {"factor", "divisor", "scope"}); !s) return s.error();
  auto factor = double_param(name, params, "factor", 0.75, 0.0, 8.0);
  if (!factor) return factor.error();
  auto divisor = int_param(name, params, "divisor", 8, 1);
  if (!divisor) return divisor.error();
  std::string scope = params.get("scope", "stage");
  if (scope != "stage" && scope != "model")
    return Error{"pattern 'depth_multiplier': parameter 'scope' must be stage or model, not '" + scope + "'"};
  return std::unique_ptr<Pattern>(std::make_unique<DepthMultiplier>(*factor, *divisor, scope == "model"));
}

}  // namespace hwnas::expert
