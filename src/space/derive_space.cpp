// derive_space: matching a network's stem, blocks and head, and writing the macro space around it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "hwnas/analysis/cost.h"
#include "hwnas/blocks/spec.h"
#include "hwnas/ir/fold_batch_norm.h"
#include "hwnas/space/derive.h"
#include "hwnas/space/space.h"

namespace hwnas::space {
namespace {

using ir::NodeId;
using ir::OpKind;

// A conv with what follows it alone: an optional batch norm, then an optional activation.
struct Unit {
  NodeId conv = ir::kNoNode;
  ir::Conv2dAttrs attrs;
  int64_t in_channels = 0;
  std::optional<OpKind> activation;
  NodeId out = ir::kNoNode;
};

struct Block {
  std::string type;  // "ibn", "fused_ibn", "conv"
  int64_t kernel = 3, stride = 1, out_channels = 0, in_channels = 0;
  double expansion = 1;
  bool residual = false;
  std::string squeeze_excite;  // "" (none), "mobilenet_v3", "efficientnet" or "mnasnet"
  OpKind activation = OpKind::Relu;
};

std::string number(double v) {
  char text[40];
  if (v == std::floor(v) && std::abs(v) < 1e15) std::snprintf(text, sizeof text, "%lld", static_cast<long long>(v));
  else std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

std::string list(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + number(values[i]);
  return out + "]";
}

std::vector<double> sorted_unique(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

class Matcher {
 public:
  explicit Matcher(const ir::Graph& graph) : g_(graph), readers_(graph.consumers()) {
    for (NodeId id : graph.outputs()) outputs_.insert(id);
  }

  // The readers of `id`, less those the detection head owns.
  std::vector<NodeId> readers(NodeId id) const {
    std::vector<NodeId> r;
    for (NodeId reader : readers_[static_cast<size_t>(id)])
      if (!ignored_.count(reader)) r.push_back(reader);
    return r;
  }
  // The one reader of `id` when it has exactly one and is not a graph output, else kNoNode.
  NodeId sole_reader(NodeId id) const {
    const auto r = readers(id);
    return r.size() == 1 && !outputs_.count(id) ? r[0] : ir::kNoNode;
  }
  // Readers the backbone walk skips: the head's predictors and extra layers.
  void ignore(NodeId reader) { ignored_.insert(reader); }
  const ir::Node& node(NodeId id) const { return g_.node(id); }

  Error stop(NodeId id, const std::string& expected) const {
    return Error{"space derive: stopped at " + (id == ir::kNoNode ? std::string("the end of a chain") : node(id).describe()) +
                 ": expected " + expected + " (what the matcher recognises: docs/search.md, 'Deriving a space')"};
  }

  Result<Unit> unit_at(NodeId conv) {
    const ir::Node& c = node(conv);
    if (c.kind != OpKind::Conv2d) return stop(conv, "a conv2d");
    Unit u;
    u.conv = conv;
    u.attrs = c.attr<ir::Conv2dAttrs>();
    u.in_channels = node(c.inputs[0]).shape.c();
    const auto& a = u.attrs;
    const int64_t same = (a.kernel_h - 1) / 2;
    if (a.kernel_h != a.kernel_w || a.kernel_h % 2 == 0 || a.stride_h != a.stride_w || a.dilation_h != 1 ||
        a.dilation_w != 1 || a.pad_top != same || a.pad_left != same || a.pad_bottom != same || a.pad_right != same)
      return stop(conv, "a square, odd, undilated kernel with 'same' padding (k - 1) / 2 on every side");
    u.out = conv;
    NodeId next = sole_reader(u.out);
    if (next != ir::kNoNode && node(next).kind == OpKind::BatchNorm) {
      u.out = next;
      next = sole_reader(u.out);
    }
    if (next != ir::kNoNode && ir::is_activation(node(next).kind)) {
      if (node(next).kind == OpKind::Clip || node(next).kind == OpKind::LeakyRelu)
        return stop(next, "relu, relu6, hard_swish, swish, sigmoid or hard_sigmoid");
      u.activation = node(next).kind;
      u.out = next;
    }
    return u;
  }

  // A squeeze-excite on `x` (`expanded` channels of a block reading `block_in`), as one of
  // blocks::SqueezeExciteConfig's builds it: global average pool, 1x1 reduce conv + act, 1x1 conv
  // back + gate, times x. MobileNetV3: make_divisible(expanded / 4, 8), relu, hard_sigmoid;
  // EfficientNet: max(1, block_in / 4), swish, sigmoid; MnasNet: the same with relu. The Mul
  // (and `kind` set), or kNoNode when x feeds no squeeze-excite.
  Result<NodeId> squeeze_excite(NodeId x, int64_t expanded, int64_t block_in, std::string& kind) {
    const auto rs = readers(x);
    if (rs.size() != 2) return ir::kNoNode;
    NodeId pool = ir::kNoNode, mul = ir::kNoNode;
    for (NodeId r : rs) {
      if (node(r).kind == OpKind::GlobalAvgPool) pool = r;
      if (node(r).kind == OpKind::Mul) mul = r;
    }
    if (pool == ir::kNoNode || mul == ir::kNoNode) return ir::kNoNode;
    const NodeId reduce = sole_reader(pool);
    if (reduce == ir::kNoNode || node(reduce).kind != OpKind::Conv2d) return stop(pool, "the squeeze-excite's 1x1 reduce conv");
    const NodeId relu = sole_reader(reduce);
    const NodeId grow = relu == ir::kNoNode ? ir::kNoNode : sole_reader(relu);
    const NodeId gate = grow == ir::kNoNode ? ir::kNoNode : sole_reader(grow);
    if (relu == ir::kNoNode || grow == ir::kNoNode || node(grow).kind != OpKind::Conv2d || gate == ir::kNoNode ||
        sole_reader(gate) != mul)
      return stop(reduce, "a squeeze-excite: 1x1 conv + activation, 1x1 conv + gate, times the input");
    const OpKind act = node(relu).kind, gating = node(gate).kind;
    const int64_t reduced = node(reduce).attr<ir::Conv2dAttrs>().out_channels;
    struct Kind {
      const char* name;
      blocks::SqueezeExciteConfig config;
      OpKind act, gate;
    };
    const Kind kinds[] = {{"mobilenet_v3", blocks::SqueezeExciteConfig::mobilenet_v3(), OpKind::Relu, OpKind::HardSigmoid},
                          {"efficientnet", blocks::SqueezeExciteConfig::efficientnet(), OpKind::Swish, OpKind::Sigmoid},
                          {"mnasnet", blocks::SqueezeExciteConfig::mnasnet(), OpKind::Relu, OpKind::Sigmoid}};
    for (const Kind& k : kinds)
      if (act == k.act && gating == k.gate && reduced == blocks::se_reduce_channels(k.config, block_in, expanded)) {
        kind = k.name;
        return mul;
      }
    return stop(reduce, "a squeeze-excite of MobileNetV3 (make_divisible(expanded / 4, 8), relu, hard_sigmoid), "
                        "EfficientNet (max(1, block_in / 4), swish, sigmoid) or MnasNet (the same with relu); this one "
                        "reduces " + std::to_string(expanded) + " channels to " + std::to_string(reduced) + " with " +
                        std::string(ir::op_name(act)) + " and " + std::string(ir::op_name(gating)));
  }

  // A 1x1 linear projection: stride 1, no groups, no activation.
  static bool is_projection(const Unit& u) {
    return u.attrs.kernel_h == 1 && u.attrs.stride_h == 1 && u.attrs.groups == 1 && !u.activation;
  }

  // What follows an IBN's depthwise unit: [squeeze-excite], then the 1x1 linear projection.
  Result<Unit> projection_after(const Unit& dw, int64_t block_in, std::string& se) {
    auto excite = squeeze_excite(dw.out, dw.attrs.out_channels, block_in, se);
    if (!excite) return excite.error();
    const NodeId from = *excite != ir::kNoNode ? *excite : dw.out;
    const NodeId n = sole_reader(from);
    if (n == ir::kNoNode) return stop(from, "one reader: the 1x1 linear projection of an inverted bottleneck");
    auto project = unit_at(n);
    if (!project) return project.error();
    if (!is_projection(*project)) return stop(project->conv, "the 1x1 linear projection of an inverted bottleneck");
    return project;
  }

  // The block that reads `x`, or nullopt when what reads it is not a block (the head).
  Result<std::optional<Block>> block_at(NodeId x) {
    const auto readers = this->readers(x);
    NodeId body = ir::kNoNode;
    for (NodeId r : readers) {
      if (node(r).kind == OpKind::Conv2d) {
        if (body != ir::kNoNode) return stop(r, "one conv reading " + node(x).describe() + ", not two (a branch)");
        body = r;
      } else if (!ir::is_elementwise_binary(node(r).kind) && readers.size() > 1) {
        return stop(r, "a conv or a residual add reading " + node(x).describe());
      }
    }
    if (body == ir::kNoNode) return std::optional<Block>{};
    const int64_t in = node(x).shape.c();
    auto u1 = unit_at(body);
    if (!u1) return u1.error();
    Block b;
    b.in_channels = in;
    NodeId out = ir::kNoNode;
    const auto& a1 = u1->attrs;
    auto next_unit = [&](const Unit& u) -> Result<Unit> {
      NodeId n = sole_reader(u.out);
      if (n == ir::kNoNode) return stop(u.out, "one reader");
      return unit_at(n);
    };
    if (a1.groups == in && a1.out_channels == in && a1.kernel_h > 1 && u1->activation) {  // IBN, expansion 1
      auto u2 = projection_after(*u1, in, b.squeeze_excite);
      if (!u2) return u2.error();
      b.activation = *u1->activation;
      b.type = "ibn";
      b.kernel = a1.kernel_h;
      b.stride = a1.stride_h;
      b.expansion = 1;
      b.out_channels = u2->attrs.out_channels;
      out = u2->out;
    } else if (a1.kernel_h == 1 && a1.groups == 1 && a1.stride_h == 1 && u1->activation &&
               [&] {
                 NodeId n = sole_reader(u1->out);
                 return n != ir::kNoNode && node(n).kind == OpKind::Conv2d &&
                        node(n).attr<ir::Conv2dAttrs>().groups == a1.out_channels && a1.out_channels > 1;
               }()) {  // IBN: 1x1 expand, depthwise, project
      auto u2 = next_unit(*u1);
      if (!u2) return u2.error();
      if (u2->attrs.out_channels != a1.out_channels || !u2->activation)
        return stop(u2->conv, "the kxk depthwise conv + activation of an inverted bottleneck");
      if (*u2->activation != *u1->activation)
        return stop(u2->out, "the expansion's activation (" + std::string(ir::op_name(*u1->activation)) + ") after the depthwise conv too");
      auto u3 = projection_after(*u2, in, b.squeeze_excite);
      if (!u3) return u3.error();
      b.activation = *u1->activation;
      b.type = "ibn";
      b.kernel = u2->attrs.kernel_h;
      b.stride = u2->attrs.stride_h;
      b.expansion = static_cast<double>(a1.out_channels) / static_cast<double>(in);
      b.out_channels = u3->attrs.out_channels;
      out = u3->out;
    } else if (a1.groups == 1 && u1->activation) {
      NodeId n = sole_reader(u1->out);
      if (a1.kernel_h == 1 && n != ir::kNoNode && node(n).kind == OpKind::GlobalAvgPool)
        return std::optional<Block>{};  // the head's 1x1 conv
      std::optional<Unit> u2;
      if (n != ir::kNoNode && node(n).kind == OpKind::Conv2d) {
        auto next = unit_at(n);
        if (!next) return next.error();
        if (is_projection(*next)) u2 = *next;
      }
      b.kernel = a1.kernel_h;
      b.stride = a1.stride_h;
      b.activation = *u1->activation;
      if (u2 && a1.kernel_h > 1) {  // fused IBN: kxk expand, 1x1 project
        b.type = "fused_ibn";
        b.expansion = static_cast<double>(a1.out_channels) / static_cast<double>(in);
        b.out_channels = u2->attrs.out_channels;
        out = u2->out;
      } else {
        b.type = "conv";
        b.out_channels = a1.out_channels;
        out = u1->out;
      }
    } else {
      return stop(body, "the first conv of a block (an inverted bottleneck, a fused IBN or a conv + activation)");
    }
    NodeId add = sole_reader(out);
    if (add != ir::kNoNode && node(add).kind == OpKind::Add) {
      const auto& inputs = node(add).inputs;
      if (!(inputs.size() == 2 && ((inputs[0] == out && inputs[1] == x) || (inputs[1] == out && inputs[0] == x))))
        return stop(add, "a residual add of the block's input and output");
      b.residual = true;
      out = add;
    }
    // The macro space's rule (blocks::has_residual): IBN-family blocks that keep stride and width add their input.
    const bool expected = b.type != "conv" && b.stride == 1 && b.in_channels == b.out_channels;
    if (b.residual != expected)
      return stop(out, std::string("a residual add exactly when an IBN-family block keeps its stride and width "
                                   "(the macro space's rule); this block ") + (b.residual ? "has one" : "has none"));
    output_ = out;
    return std::optional<Block>{b};
  }

  NodeId last_output() const { return output_; }

 private:
  const ir::Graph& g_;
  std::vector<std::vector<NodeId>> readers_;
  std::set<NodeId> outputs_;
  std::set<NodeId> ignored_;
  NodeId output_ = ir::kNoNode;
};

// An SSDLite head as blocks::ssdlite_head and ssdlite_extra_layers build it: per map a kxk
// depthwise conv + act and a 1x1 box and a 1x1 class predictor (the graph's outputs box0, cls0,
// box1, ...); maps 2.. are extra layers (1x1 reduce, 3x3 depthwise stride 2, 1x1 expand, each + act).
struct DetectionHead {
  std::vector<NodeId> maps;
  std::vector<int64_t> anchors, extra_channels;
  int64_t classes = 0;
};

// The conv `id` (skipping back over an activation and a batch norm) or kNoNode.
NodeId conv_before(const ir::Graph& g, NodeId id) {
  if (ir::is_activation(g.node(id).kind)) id = g.node(id).inputs[0];
  if (g.node(id).kind == OpKind::BatchNorm) id = g.node(id).inputs[0];
  return g.node(id).kind == OpKind::Conv2d ? id : ir::kNoNode;
}

Result<DetectionHead> detection_head(const ir::Graph& g, Matcher& m) {
  const std::vector<NodeId> outputs = g.outputs();
  DetectionHead head;
  for (size_t k = 0; k + 1 < outputs.size(); k += 2) {
    NodeId map = ir::kNoNode;
    int64_t predicted[2] = {0, 0};
    for (int p = 0; p < 2; ++p) {
      const NodeId out = outputs[k + static_cast<size_t>(p)];
      const ir::Node& predictor = g.node(out);
      if (predictor.kind != OpKind::Conv2d || predictor.attr<ir::Conv2dAttrs>().kernel_h != 1)
        return m.stop(out, "an SSDLite predictor: a 1x1 conv as graph output " + std::to_string(k + p));
      const NodeId dw = conv_before(g, predictor.inputs[0]);
      if (dw == ir::kNoNode || g.node(dw).attr<ir::Conv2dAttrs>().groups != g.node(dw).shape.c())
        return m.stop(predictor.inputs[0], "the depthwise conv + activation before an SSDLite predictor");
      const NodeId source = g.node(dw).inputs[0];
      if (map != ir::kNoNode && source != map) return m.stop(out, "the box and class predictors of one map reading it");
      map = source;
      m.ignore(dw);
      predicted[p] = predictor.attr<ir::Conv2dAttrs>().out_channels;
    }
    if (predicted[0] % 4 != 0) return m.stop(outputs[k], "a box predictor of 4 values per anchor");
    const int64_t anchors = predicted[0] / 4;
    if (predicted[1] % anchors != 0) return m.stop(outputs[k + 1], "a class predictor of the box predictor's anchors");
    if (head.classes != 0 && predicted[1] / anchors != head.classes)
      return m.stop(outputs[k + 1], "the same classes on every map");
    head.classes = predicted[1] / anchors;
    head.anchors.push_back(anchors);
    head.maps.push_back(map);
  }
  if (head.maps.size() < 2) return Error{"space derive: a detection network needs at least two maps"};
  for (size_t i = 2; i < head.maps.size(); ++i) {  // extra layer i - 2: expand <- depthwise s2 <- reduce <- map i - 1
    const NodeId expand = conv_before(g, head.maps[i]);
    const NodeId dw = expand == ir::kNoNode ? ir::kNoNode : conv_before(g, g.node(expand).inputs[0]);
    const NodeId reduce = dw == ir::kNoNode ? ir::kNoNode : conv_before(g, g.node(dw).inputs[0]);
    if (reduce == ir::kNoNode || g.node(reduce).inputs[0] != head.maps[i - 1])
      return m.stop(head.maps[i], "an SSDLite extra layer (1x1, 3x3 depthwise stride 2, 1x1) on the map before it");
    m.ignore(reduce);
    head.extra_channels.push_back(g.node(expand).attr<ir::Conv2dAttrs>().out_channels);
  }
  return head;
}

// The baseline's width and the multiples of `multiple` in [width / 2, 3 width / 2], at most `most` of them.
std::vector<double> width_choices(int64_t width, int64_t multiple, int most) {
  const int64_t step = multiple > 1 ? multiple : 8;
  std::vector<double> aligned;
  for (int64_t v = (width / 2 + step - 1) / step * step; v <= width * 3 / 2; v += step)
    if (v > 0) aligned.push_back(static_cast<double>(v));
  if (static_cast<int>(aligned.size()) > most && most > 1) {
    std::vector<double> spread;
    for (int i = 0; i < most; ++i)
      spread.push_back(aligned[static_cast<size_t>(std::lround(i * (aligned.size() - 1) / double(most - 1)))]);
    aligned = spread;
  }
  aligned.push_back(static_cast<double>(width));
  return sorted_unique(aligned);
}

std::string activation_name_of(OpKind kind) {
  switch (kind) {
    case OpKind::Relu: return "relu";
    case OpKind::Relu6: return "relu6";
    case OpKind::HardSwish: return "hard_swish";
    case OpKind::Swish: return "swish";
    case OpKind::Sigmoid: return "sigmoid";
    case OpKind::HardSigmoid: return "hard_sigmoid";
    default: return std::string(ir::op_name(kind));
  }
}

}  // namespace

Result<DerivedSpace> derive_space(const ir::Graph& graph, const DeriveOptions& options) {
  const std::vector<NodeId> inputs = graph.inputs();
  if (inputs.size() != 1) return Error{"space derive: the network has " + std::to_string(inputs.size()) + " inputs, expected 1"};
  const ir::Shape& in_shape = graph.node(inputs[0]).shape;
  if (in_shape.rank() != 4 || in_shape.h() != in_shape.w())
    return Error{"space derive: the input is [" + in_shape.to_string() + "]; expected a square image [N, C, H, H]"};
  Matcher m(graph);
  std::optional<DetectionHead> detection;
  if (graph.outputs().size() >= 4 && graph.outputs().size() % 2 == 0) {
    auto head = detection_head(graph, m);
    if (!head) return head.error();
    detection = std::move(*head);
  }

  // stem
  NodeId first = m.sole_reader(inputs[0]);
  if (first == ir::kNoNode) return m.stop(inputs[0], "one conv reading the input (the stem)");
  auto stem = m.unit_at(first);
  if (!stem) return stem.error();
  if (stem->attrs.kernel_h != 3 || stem->attrs.groups != 1 || !stem->activation || stem->attrs.stride_h > 2)
    return m.stop(first, "the stem: a 3x3 conv of stride 1 or 2 with an activation");

  // blocks
  std::vector<Block> blocks;
  NodeId x = stem->out;
  while (true) {
    auto block = m.block_at(x);
    if (!block) return block.error();
    if (!*block) break;
    blocks.push_back(**block);
    x = m.last_output();
  }
  if (blocks.empty()) return m.stop(x, "at least one block after the stem");
  int64_t head_conv = 0, head_hidden = 0, classes = 0;
  if (detection) {
    if (x != detection->maps[1])
      return m.stop(x, "the backbone's last output as the detection head's second map, " +
                           graph.node(detection->maps[1]).describe());
    classes = detection->classes;
  } else {

  // head: [1x1 conv + act] -> global average pool -> flatten / reshape -> linear
  NodeId y = m.sole_reader(x);
  if (y != ir::kNoNode && graph.node(y).kind == OpKind::Conv2d) {
    auto u = m.unit_at(y);
    if (!u) return u.error();
    if (u->attrs.kernel_h != 1 || u->attrs.stride_h != 1 || u->attrs.groups != 1 || !u->activation)
      return m.stop(y, "the head's 1x1 conv + activation");
    if (*u->activation != *stem->activation)
      return m.stop(u->out, std::string("the stem's activation (") + std::string(ir::op_name(*stem->activation)) +
                                ") in the head's 1x1 conv too: the macro space's stem and head share one");
    head_conv = u->attrs.out_channels;
    y = m.sole_reader(u->out);
  }
  if (y == ir::kNoNode || graph.node(y).kind != OpKind::GlobalAvgPool)
    return m.stop(y == ir::kNoNode ? x : y, "the classification head's global average pool (dense-task heads are not derived yet)");
  NodeId flat = m.sole_reader(y);
  if (flat == ir::kNoNode || (graph.node(flat).kind != OpKind::Flatten && graph.node(flat).kind != OpKind::Reshape))
    return m.stop(flat == ir::kNoNode ? y : flat, "a flatten after the global average pool");
  NodeId fc = m.sole_reader(flat);
  if (fc == ir::kNoNode || graph.node(fc).kind != OpKind::Linear || !graph.node(fc).attr<ir::LinearAttrs>().bias)
    return m.stop(fc == ir::kNoNode ? flat : fc, "the classifier: a linear layer with a bias");
  // MobileNetV3's hidden layer: linear + the stem's activation, then the classifier.
  const NodeId hidden_act = m.sole_reader(fc);
  if (hidden_act != ir::kNoNode && ir::is_activation(graph.node(hidden_act).kind)) {
    if (graph.node(hidden_act).kind != *stem->activation)
      return m.stop(hidden_act, "the stem's activation after the head's hidden linear layer");
    const NodeId last = m.sole_reader(hidden_act);
    if (last == ir::kNoNode || graph.node(last).kind != OpKind::Linear || !graph.node(last).attr<ir::LinearAttrs>().bias)
      return m.stop(hidden_act, "the classifier after the hidden layer: a linear layer with a bias");
    head_hidden = graph.node(fc).attr<ir::LinearAttrs>().out_features;
    fc = last;
  }
  if (graph.outputs() != std::vector<NodeId>{fc}) return m.stop(fc, "the classifier as the network's only output");
  classes = graph.node(fc).attr<ir::LinearAttrs>().out_features;
  }
  const std::string activation = activation_name_of(*stem->activation);

  // stages
  DerivedSpace derived;
  for (const Block& b : blocks) {
    const std::string act = activation_name_of(b.activation);
    const bool same = !derived.stages.empty() && b.stride == 1 && b.type == derived.stages.back().block &&
                      b.kernel == derived.stages.back().kernel && b.expansion == derived.stages.back().expansion &&
                      b.out_channels == derived.stages.back().channels && act == derived.stages.back().activation &&
                      b.squeeze_excite == derived.stages.back().squeeze_excite;
    if (same) {
      ++derived.stages.back().depth;
      continue;
    }
    derived.stages.push_back({b.type, b.kernel, b.stride, 1, b.out_channels, b.expansion, act, b.squeeze_excite});

  }
  int64_t total_stride = stem->attrs.stride_h;
  for (const DerivedStage& s : derived.stages) total_stride *= s.stride;
  bool tap_expansion = false;
  if (detection) {
    // The first map: the last stride-16 stage's output, or the expansion output of the IBN that
    // goes from stride 16 to 32 (its depthwise conv reads it).
    const NodeId tap = detection->maps[0];
    if (in_shape.h() / graph.node(tap).shape.h() != 16)
      return m.stop(tap, "the detection head's first map at output stride 16");
    const auto readers = m.readers(tap);  // the head's own readers left out
    tap_expansion = ir::is_activation(graph.node(tap).kind) &&
                    std::any_of(readers.begin(), readers.end(), [&](NodeId reader) {
                      const ir::Node& r = graph.node(reader);
                      return r.kind == OpKind::Conv2d && r.attr<ir::Conv2dAttrs>().groups == r.shape.c() &&
                             r.attr<ir::Conv2dAttrs>().stride_h == 2;
                    });
  }
  if (total_stride > 64 || std::any_of(derived.stages.begin(), derived.stages.end(), [](const DerivedStage& s) { return s.stride > 2; }))
    return Error{"space derive: a stage stride above 2 (the macro space's stages have stride 1 or 2)"};

  // the space
  const int64_t resolution = in_shape.h();
  std::vector<double> resolutions;
  for (int64_t k = -2; k <= 1; ++k)
    if (resolution + k * total_stride >= total_stride) resolutions.push_back(static_cast<double>(resolution + k * total_stride));
  resolutions = sorted_unique(resolutions);
  std::map<std::string, std::string> baseline;  // decision name -> the baseline's choice label
  std::ostringstream yaml;
  yaml << "# Derived by `hwnas space derive`" << (options.source.empty() ? "" : " from " + options.source)
       << (options.channel_multiple > 1 ? ", widths curated to multiples of P = " + std::to_string(options.channel_multiple) : "")
       << ".\n# Its baseline point is the network itself; every decision lists the network's own value.\n";
  yaml << "name: " << options.name << "\nkind: macro\n";
  yaml << "input: {channels: " << in_shape.c() << ", resolution: " << list(resolutions) << "}\n";
  baseline["resolution"] = number(static_cast<double>(resolution));
  yaml << "depth_multiplier: [0.5, 0.75, 1.0]\n";
  baseline["depth_multiplier"] = "1";
  yaml << "activation: " << activation << "\n";
  yaml << "stem: {channels: " << list(width_choices(stem->attrs.out_channels, options.channel_multiple, options.max_width_options))
       << ", stride: " << stem->attrs.stride_h << "}\n";
  baseline["stem.channels"] = number(static_cast<double>(stem->attrs.out_channels));
  yaml << "stages:\n";
  for (size_t i = 0; i < derived.stages.size(); ++i) {
    const DerivedStage& s = derived.stages[i];
    const std::string p = "stage" + std::to_string(i + 1);
    std::vector<std::string> types{s.block};
    if (s.block == "ibn") types.push_back("fused_ibn");
    if (s.block == "fused_ibn") types.push_back("ibn");
    std::vector<double> kernels = sorted_unique({3, 5, static_cast<double>(s.kernel)});
    std::vector<double> expansions{s.expansion};
    if (s.block != "conv" && s.expansion > 1) expansions = sorted_unique({s.expansion, 3, 6});
    std::vector<double> depths = sorted_unique({std::max(1.0, s.depth - 1.0), double(s.depth), s.depth + 1.0});
    yaml << "  - {block: [";
    for (size_t t = 0; t < types.size(); ++t) yaml << (t ? ", " : "") << types[t];
    yaml << "], kernel: " << list(kernels) << ", expansion: " << list(expansions) << ", depth: " << list(depths)
         << ", channels: " << list(width_choices(s.channels, options.channel_multiple, options.max_width_options))
         << ", stride: " << s.stride << (s.activation != activation ? ", activation: " + s.activation : "")
         << (s.squeeze_excite.empty() ? ""
             : s.squeeze_excite == "mobilenet_v3" ? ", squeeze_excite: true"
                                                  : ", squeeze_excite: " + s.squeeze_excite)
         << "}\n";
    baseline[p + ".block"] = s.block;
    baseline[p + ".kernel"] = number(static_cast<double>(s.kernel));
    baseline[p + ".expansion"] = number(s.expansion);
    baseline[p + ".depth"] = number(static_cast<double>(s.depth));
    baseline[p + ".channels"] = number(static_cast<double>(s.channels));
  }
  if (detection) {
    std::vector<double> extras(detection->extra_channels.begin(), detection->extra_channels.end());
    std::vector<double> anchors(detection->anchors.begin(), detection->anchors.end());
    yaml << "head: {type: detection, classes: " << classes << ", extra_channels: " << list(extras)
         << ", anchors: " << list(anchors) << ", tap: " << (tap_expansion ? "expansion" : "stage_output") << "}\n";
  } else {
    yaml << "head: {type: classification, classes: " << classes << ", conv_channels: " << head_conv
         << (head_hidden > 0 ? ", hidden: " + std::to_string(head_hidden) : "") << "}\n";
  }
  derived.yaml = yaml.str();

  // the baseline point, decoded and compared with the network
  auto space = parse_space(derived.yaml, options.name + " (derived)", SpaceContext{options.channel_multiple});
  if (!space) return space.error().within("space derive: internal: the derived space does not parse");
  Architecture arch;
  for (const Decision& d : space->decisions()) {
    auto want = baseline.find(d.name);
    if (want == baseline.end()) return Error{"space derive: internal: no baseline value for decision " + d.name};
    int index = -1;
    for (size_t c = 0; c < d.choices.size(); ++c) {
      const bool match = d.numeric ? std::abs(d.choices[c].value - std::stod(want->second)) < 1e-9
                                   : d.choices[c].label == want->second;
      if (match) index = static_cast<int>(c);
    }
    if (index < 0) return Error{"space derive: internal: decision " + d.name + " lacks the baseline's " + want->second};
    arch.push_back(index);
  }
  derived.baseline_key = space->canonical_key(arch);
  auto decoded = space->decode(arch);
  if (!decoded) return decoded.error().within("space derive: the baseline point does not decode");
  const analysis::CostSummary mine = analysis::analyze_cost(ir::fold_batch_norm(*decoded));
  const analysis::CostSummary theirs = analysis::analyze_cost(ir::fold_batch_norm(graph));
  derived.params = theirs.params;
  derived.macs = theirs.macs;
  if (mine.params != theirs.params || mine.macs != theirs.macs)
    return Error{"space derive: the baseline point decodes to " + std::to_string(mine.params) + " parameters and " +
                 std::to_string(mine.macs) + " MACs, the network has " + std::to_string(theirs.params) + " and " +
                 std::to_string(theirs.macs) + " (a block the space builds differently)"};
  return derived;
}

}  // namespace hwnas::space
