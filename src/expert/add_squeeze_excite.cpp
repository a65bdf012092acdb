// Pattern add_squeeze_excite: inserts a squeeze-excite after the activation of a depthwise conv
// (MobileNetV3's placement): pool -> 1x1 reduce (bias) -> relu -> 1x1 expand (bias) ->
// hard_sigmoid -> mul. Parameters: ratio (0.25) and divisor (8) set the reduced width
// max(divisor, round(channels * ratio / divisor) * divisor).
#include <algorithm>
#include <cmath>
#include <memory>

#include "hwnas/expert/draft_graph.h"
#include "hwnas/expert/pattern.h"
#include "hwnas/expert/structure.h"

namespace hwnas::expert {
namespace {

class AddSqueezeExcite : public Pattern {
 public:
  AddSqueezeExcite(double ratio, int64_t divisor) : ratio_(ratio), divisor_(divisor) {}
  std::string name() const override { return "add_squeeze_excite"; }
  std::string summary() const override {
    return "add a squeeze-excite after a depthwise convolution's activation";
  }
  PatternParams params() const override {
    PatternParams p;
    p.set("ratio", format(ratio_));
    p.set("divisor", std::to_string(divisor_));
    return p;
  }

  Result<Match> match(const ir::Graph& graph, ir::NodeId anchor) const override {
    if (anchor == ir::kNoNode) return Error{"add_squeeze_excite needs a node (a depthwise's activation)"};
    GraphView view(graph);
    const ir::Node& node = graph.node(anchor);
    if (!ir::is_activation(node.kind) || node.shape.rank() != 4)
      return Error{node.describe() + " is not an activation of a 4-D tensor"};
    ir::NodeId producer = node.inputs[0];
    if (graph.node(producer).kind == ir::OpKind::BatchNorm) producer = graph.node(producer).inputs[0];
    if (!view.is_depthwise(producer)) return Error{node.describe() + " does not follow a depthwise convolution"};
    if (squeeze_excite_reading(view, anchor)) return Error{node.describe() + " already feeds a squeeze-excite"};
    if (node.shape[2] * node.shape[3] <= 1) return Error{node.describe() + " has a 1x1 spatial size"};
    return Match{anchor, {producer, anchor}};
  }

  Result<ir::Graph> apply(const ir::Graph& graph, const Match& match, uint64_t seed) const override {
    const ir::Node& node = graph.node(match.anchor);
    int64_t channels = node.shape[1];
    int64_t reduced = std::max<int64_t>(
        divisor_, static_cast<int64_t>(std::llround(static_cast<double>(channels) * ratio_ / divisor_)) * divisor_);
    DraftGraph draft(graph);
    std::string base = node.name + "_se";
    std::string pool = draft.unique_name(base + ".pool"), reduce = draft.unique_name(base + ".reduce");
    std::string relu = draft.unique_name(base + ".reduce_relu"), expand = draft.unique_name(base + ".expand");
    std::string gate = draft.unique_name(base + ".gate"), scale = draft.unique_name(base + ".scale");
    draft.redirect(node.name, scale);
    draft.insert_after(node.name, {
        {pool, ir::OpKind::GlobalAvgPool, ir::NoAttrs{}, {node.name}, {}},
        {reduce, ir::OpKind::Conv2d, ir::Conv2dAttrs::make(reduced, 1, 1, 1, true), {pool}, {}},
        {relu, ir::OpKind::Relu, ir::NoAttrs{}, {reduce}, {}},
        {expand, ir::OpKind::Conv2d, ir::Conv2dAttrs::make(channels, 1, 1, 1, true), {relu}, {}},
        {gate, ir::OpKind::HardSigmoid, ir::HardSigmoidAttrs{}, {expand}, {}},
        {scale, ir::OpKind::Mul, ir::NoAttrs{}, {node.name, gate}, {}},
    });
    return draft.build(seed);
  }

 private:
  static std::string format(double value) {
    std::string text = std::to_string(value);
    while (text.size() > 1 && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
  }
  double ratio_;
  int64_t divisor_;
};

}  // namespace

Result<std::unique_ptr<Pattern>> make_add_squeeze_excite(const PatternParams& params) {
  const std::string name = "add_squeeze_excite";
  if (Status s = check_param_keys(name, params, {"ratio", "divisor"}); !s) return s.error();
  auto ratio = double_param(name, params, "ratio", 0.25, 0.0, 1.0);
  if (!ratio) return ratio.error();
  auto divisor = int_param(name, params, "divisor", 8, 1);
  if (!divisor) return divisor.error();
  return std::unique_ptr<Pattern>(std::make_unique<AddSqueezeExcite>(*ratio, *divisor));
}

}  // namespace hwnas::expert
