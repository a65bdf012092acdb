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
#include "hwnas/ir/subgraph.h"
#include "hwnas/space/derive.h"
#include "hwnas/space/space.h"
#include "hwnas/text/yaml_format.h"

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

  // The readers of `id`, less those the head owns.
  std::vector<NodeId> readers(NodeId id) const {
    std::vector<NodeId> r;
    for (NodeId reader : readers_[static_cast<size_t>(id)])
      if (!ignored_.count(reader) && !excluded(reader)) r.push_back(reader);
    return r;
  }
  // The nodes the head owns, which the backbone walk leaves out (empty: none).
  void set_head_nodes(std::vector<bool> head) { head_ = std::move(head); }
  // The head owns every node after `last` (in node order), as an exporter writes a head after its backbone.
  void set_head_after(NodeId last) {
    head_.assign(g_.size(), false);
    for (size_t i = static_cast<size_t>(last) + 1; i < head_.size(); ++i) head_[i] = true;
  }
  bool excluded(NodeId id) const { return static_cast<size_t>(id) < head_.size() && head_[static_cast<size_t>(id)]; }
  // The head's nodes when the detection head's readers are ignored: every node they lead to.
  std::vector<bool> ignored_closure() const {
    std::vector<bool> head(g_.size(), false);
    for (const ir::Node& n : g_.nodes()) {
      bool owned = ignored_.count(n.id) > 0;
      for (NodeId i : n.inputs) owned = owned || head[static_cast<size_t>(i)];
      head[static_cast<size_t>(n.id)] = owned;
    }
    return head;
  }
  void forget_ignored() { ignored_.clear(); }
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
      // fused IBN: kxk expand, 1x1 project (at expansion 1 the macro space's fused IBN is one kxk conv)
      if (u2 && a1.kernel_h > 1 && a1.out_channels != in) {
        b.type = "fused_ibn";
        b.expansion = static_cast<double>(a1.out_channels) / static_cast<double>(in);
        b.out_channels = u2->attrs.out_channels;
        out = u2->out;
      } else {
        // A kxk conv + act added to the block's input is the macro space's fused IBN of expansion 1
        // (EfficientNetV2's first stage); without the add it is a conv.
        const NodeId add = n;
        const bool residual = a1.kernel_h > 1 && a1.stride_h == 1 && a1.out_channels == in && add != ir::kNoNode &&
                              node(add).kind == OpKind::Add && node(add).inputs.size() == 2 &&
                              (node(add).inputs[0] == x || node(add).inputs[1] == x);
        b.type = residual ? "fused_ibn" : "conv";
        b.expansion = 1;
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
  std::vector<bool> head_;
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


// A piece of the backbone: a block the matcher recognised, or a run of nodes kept as they are.
struct Piece {
  std::optional<Block> block;                    // empty: a fixed region
  NodeId from = ir::kNoNode, to = ir::kNoNode;   // the tensor it reads and the tensor it returns
  NodeId expansion = ir::kNoNode;                // a block whose expansion output the head reads
  std::string reason;                            // a fixed region: why its first block was not recognised
};

struct Walk {
  std::optional<Unit> stem;  // recognised; otherwise the first piece reads the input (a fixed stem)
  std::vector<Piece> pieces;
  int recognised = 0;        // the MAC ops (convs, linears) in the stem and the blocks recognised
};

// cut[i]: no edge between the backbone's nodes (those up to `end` the head does not own) passes
// over node i, so the network splits there into what comes before and what comes after.
std::vector<bool> backbone_cuts(const ir::Graph& g, const Matcher& m, NodeId end) {
  std::vector<bool> cut(g.size(), false);
  NodeId reach = 0;
  for (NodeId i = 0; i <= end; ++i) {
    if (m.excluded(i)) continue;
    cut[static_cast<size_t>(i)] = reach <= i;
    for (NodeId r : m.readers(i)) reach = std::max(reach, r);
  }
  return cut;
}

// The backbone from `input` to `end`: recognised blocks where the matcher finds them, the rest
// fixed regions between cut points. A fixed region ends at a tensor the head reads (`taps`), and
// where it holds a MAC op and two layers read on (a block's input and its skip, shortcut or
// concat; not a squeeze-excite's), so each unrecognised residual or dense block is listed as its own.
// A recognised block may hold a tap only as the expansion output its depthwise conv reads.
Result<Walk> walk_backbone(const ir::Graph& g, Matcher& m, NodeId input, NodeId end, const std::set<NodeId>& taps) {
  const std::vector<bool> cut = backbone_cuts(g, m, end);
  if (!cut[static_cast<size_t>(end)])
    return m.stop(end, "a tensor the whole backbone passes through before the head (an edge passes over it)");
  auto is_cut = [&](NodeId id) { return id <= end && cut[static_cast<size_t>(id)]; };
  // Read by two layers or more, as a block's input with its skip, shortcut or concat is (not a
  // squeeze-excite's input, which its pool and its gating mul read).
  auto block_input = [&](NodeId id) {
    const auto readers = m.readers(id);
    if (readers.size() < 2) return false;
    const bool excite = readers.size() == 2 && std::any_of(readers.begin(), readers.end(), [&](NodeId r) {
      return g.node(r).kind == OpKind::GlobalAvgPool;
    }) && std::any_of(readers.begin(), readers.end(), [&](NodeId r) { return g.node(r).kind == OpKind::Mul; });
    return !excite;
  };
  auto holds_mac = [&](NodeId from, NodeId to) {
    for (NodeId i = from + 1; i <= to; ++i)
      if (!m.excluded(i) && ir::is_mac(g.node(i).kind)) return true;
    return false;
  };
  // Every node strictly between `from` and `to` leads on inside: none is read only by the head
  // (a shortcut the head adds) or by nobody, so the piece returns `to` alone.
  auto self_contained = [&](NodeId from, NodeId to) {
    for (NodeId i = from + 1; i < to; ++i)
      if (!m.excluded(i) && m.readers(i).empty()) return false;
    return true;
  };
  Walk w;
  NodeId x = input;
  std::optional<Piece> open;
  // Ends the open fixed region at `at`; false when it cannot end there (it is not self-contained).
  auto close = [&](NodeId at) {
    if (!open || open->from == at) return true;
    if (!self_contained(open->from, at)) return false;
    open->to = at;
    w.pieces.push_back(*open);
    open.reset();
    return true;
  };
  const NodeId first = m.sole_reader(input);
  std::string stem_reason = "the stem: one 3x3 conv of stride 1 or 2 with an activation reading the input";
  if (first != ir::kNoNode) {
    auto u = m.unit_at(first);
    bool inside = false;
    if (u)
      for (NodeId i = first; i < u->out; ++i) inside = inside || taps.count(i) > 0;
    if (u && u->attrs.kernel_h == 3 && u->attrs.groups == 1 && u->activation && u->attrs.stride_h <= 2 && is_cut(u->out) &&
        !inside && self_contained(input, u->out)) {
      w.stem = *u;
      x = u->out;
      w.recognised += 1;
    } else if (!u) {
      stem_reason = u.error().message;
    } else {
      const int64_t k = u->attrs.kernel_h;
      stem_reason = m.stop(first, stem_reason + "; this one is " + std::to_string(k) + "x" + std::to_string(k) + ", stride " +
                                      std::to_string(u->attrs.stride_h) + ", groups " + std::to_string(u->attrs.groups) +
                                      (u->activation ? "" : ", without an activation"))
                        .message;
    }
  }
  auto open_at = [&](NodeId from, const std::string& reason) {
    Piece p;
    p.from = from;
    p.reason = reason;
    open = p;
  };
  if (!w.stem) open_at(input, stem_reason);
  while (x != end) {
    std::string why;
    // Without a recognised stem the input starts a fixed stem: the macro space's first block reads a stem.
    auto block = x == input ? Result<std::optional<Block>>(std::optional<Block>{}) : m.block_at(x);
    if (x == input) why = stem_reason;
    else if (block && *block) {
      const NodeId out = m.last_output();
      NodeId expansion = ir::kNoNode;
      bool whole = is_cut(out) && self_contained(x, out);
      for (NodeId i = x + 1; whole && i < out; ++i) {
        if (m.excluded(i) || !taps.count(i)) continue;
        const auto readers = m.readers(i);
        const bool depthwise_input = (*block)->type == "ibn" && std::any_of(readers.begin(), readers.end(), [&](NodeId r) {
          const ir::Node& n = g.node(r);
          return n.kind == OpKind::Conv2d && n.attr<ir::Conv2dAttrs>().groups > 1;
        });
        if (depthwise_input && expansion == ir::kNoNode) expansion = i;
        else whole = false;
      }
      if (whole && close(x)) {
        w.pieces.push_back({*block, x, out, expansion, ""});
        for (NodeId i = x + 1; i <= out; ++i) w.recognised += !m.excluded(i) && ir::is_mac(g.node(i).kind);
        x = out;
        continue;
      }
      why = "a block from " + g.node(x).describe() + " whose inside other layers read (a branch or a tap)";
    } else if (!block) {
      why = block.error().message;
    } else {
      why = "a block (no conv reads " + g.node(x).describe() + ")";
    }
    if (!open) open_at(x, why);
    NodeId y = x + 1;
    while (y <= end && (m.excluded(y) || !cut[static_cast<size_t>(y)])) ++y;
    if (y > end) return m.stop(x, "a way on to the head");
    x = y;
    if (x != end && (taps.count(x) || (holds_mac(open->from, x) && block_input(x)))) close(x);
  }
  close(end);
  if (open) return m.stop(end, "the backbone's last tensor, with no layer before it read only by the head");
  return w;
}

// The non-input nodes in (from, to] the backbone owns.
std::vector<NodeId> nodes_between(const ir::Graph& g, const Matcher& m, NodeId from, NodeId to) {
  std::vector<NodeId> nodes;
  for (NodeId i = from + 1; i <= to; ++i)
    if (!m.excluded(i) && g.node(i).kind != OpKind::Input) nodes.push_back(i);
  return nodes;
}

// `nodes` of `g` as a fixed region's text: a standalone graph without weights whose Input nodes
// are `reads` (in that order) and whose outputs are `returns`.
Result<std::string> region_text(const ir::Graph& g, const std::vector<NodeId>& nodes, const std::string& name,
                                const std::vector<NodeId>& reads, const std::vector<NodeId>& returns) {
  auto sub = ir::extract_subgraph(g, nodes);
  if (!sub) return sub.error();
  sub->set_name(name);
  const std::vector<NodeId> ins = sub->inputs();
  bool same = ins.size() == reads.size();
  for (size_t i = 0; same && i < ins.size(); ++i) same = sub->node(ins[i]).name == g.node(reads[i]).name;
  if (!same) return Error{"space derive: internal: fixed region " + name + " reads other tensors than its stage's"};
  std::vector<NodeId> outs;
  for (NodeId o : returns) {
    auto id = sub->find(g.node(o).name);
    if (!id) return Error{"space derive: internal: fixed region " + name + " does not hold " + g.node(o).describe()};
    outs.push_back(*id);
  }
  if (Status st = sub->set_outputs(outs); !st) return st.error();
  for (const ir::Node& n : sub->nodes())
    for (size_t p = 0; p < n.params.size(); ++p) sub->param(n.id, p).data.clear();
  return text::to_yaml(*sub);
}

std::string op_summary(const ir::Graph& g, const std::vector<NodeId>& nodes);

// A part kept fixed: its region's text (kept in `regions` under `name`) and its listing.
Result<FixedPart> fixed_part(const ir::Graph& g, const std::string& name, const std::vector<NodeId>& nodes,
                             const std::vector<NodeId>& reads, const std::vector<NodeId>& returns, const std::string& reason,
                             std::vector<std::pair<std::string, std::string>>& regions) {
  auto text = region_text(g, nodes, name, reads, returns);
  if (!text) return text.error().within("space derive: fixed region " + name);
  regions.push_back({name, *text});
  return FixedPart{name, static_cast<int64_t>(nodes.size()), op_summary(g, nodes), g.node(nodes.front()).name,
                   g.node(nodes.back()).name, reason};
}

// ceil(the height of `from` / that of `to`): a fixed part's stride, as parse_space counts it.
int64_t ceil_stride(const ir::Graph& g, NodeId from, NodeId to) {
  const int64_t out_h = std::max<int64_t>(1, g.node(to).shape.h());
  return (g.node(from).shape.h() + out_h - 1) / out_h;
}

std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += indent + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// The classification head from `x`: [1x1 conv + act], global average pool, flatten, linear
// [+ act + linear], the network's only output.
struct ClassificationHead {
  int64_t conv = 0, hidden = 0, classes = 0;
  std::optional<OpKind> activation;  // the head's own (1x1 conv's or hidden layer's)
};

Result<ClassificationHead> classification_head(const ir::Graph& graph, Matcher& m, NodeId x) {
  ClassificationHead head;
  NodeId y = m.sole_reader(x);
  if (y != ir::kNoNode && graph.node(y).kind == OpKind::Conv2d) {
    auto u = m.unit_at(y);
    if (!u) return u.error();
    if (u->attrs.kernel_h != 1 || u->attrs.stride_h != 1 || u->attrs.groups != 1 || !u->activation)
      return m.stop(y, "the head's 1x1 conv + activation");
    head.conv = u->attrs.out_channels;
    head.activation = *u->activation;
    y = m.sole_reader(u->out);
  }
  if (y == ir::kNoNode || graph.node(y).kind != OpKind::GlobalAvgPool)
    return m.stop(y == ir::kNoNode ? x : y, "the classification head's global average pool");
  NodeId flat = m.sole_reader(y);
  if (flat == ir::kNoNode || (graph.node(flat).kind != OpKind::Flatten && graph.node(flat).kind != OpKind::Reshape))
    return m.stop(flat == ir::kNoNode ? y : flat, "a flatten after the global average pool");
  NodeId fc = m.sole_reader(flat);
  if (fc == ir::kNoNode || graph.node(fc).kind != OpKind::Linear || !graph.node(fc).attr<ir::LinearAttrs>().bias)
    return m.stop(fc == ir::kNoNode ? flat : fc, "the classifier: a linear layer with a bias");
  // MobileNetV3's hidden layer: linear + activation, then the classifier.
  const NodeId hidden_act = m.sole_reader(fc);
  if (hidden_act != ir::kNoNode && ir::is_activation(graph.node(hidden_act).kind)) {
    if (head.activation && graph.node(hidden_act).kind != *head.activation)
      return m.stop(hidden_act, "the head conv's activation after the head's hidden linear layer too");
    const NodeId last = m.sole_reader(hidden_act);
    if (last == ir::kNoNode || graph.node(last).kind != OpKind::Linear || !graph.node(last).attr<ir::LinearAttrs>().bias)
      return m.stop(hidden_act, "the classifier after the hidden layer: a linear layer with a bias");
    head.hidden = graph.node(fc).attr<ir::LinearAttrs>().out_features;
    head.activation = graph.node(hidden_act).kind;
    fc = last;
  }
  if (graph.outputs() != std::vector<NodeId>{fc}) return m.stop(fc, "the classifier as the network's only output");
  head.classes = graph.node(fc).attr<ir::LinearAttrs>().out_features;
  return head;
}

// Where a classification head can start: the input of the global average pool the single output
// is reached from (through flatten and linear layers), and before that the input of a 1x1 conv +
// act that feeds the pool (the head's conv), when there is one: that one first.
std::vector<NodeId> classification_head_starts(const ir::Graph& graph) {
  if (graph.outputs().size() != 1) return {};
  NodeId y = graph.outputs()[0];
  for (int step = 0; step < 6 && graph.node(y).kind != OpKind::GlobalAvgPool; ++step) {
    if (graph.node(y).inputs.size() != 1) return {};
    y = graph.node(y).inputs[0];
  }
  if (graph.node(y).kind != OpKind::GlobalAvgPool) return {};
  const NodeId x = graph.node(y).inputs[0];
  const NodeId c = conv_before(graph, x);
  if (c != ir::kNoNode && c != x) {
    const auto& a = graph.node(c).attr<ir::Conv2dAttrs>();
    if (a.kernel_h == 1 && a.stride_h == 1 && a.groups == 1) return {graph.node(c).inputs[0], x};
  }
  return {x};
}

// An LR-ASPP head as blocks::lraspp_head builds it (torchvision's LRASPPHead and final resize):
// cbr = 1x1 conv [+ bn] + relu on high; gate = global pool, 1x1 conv (no bias) + sigmoid on high;
// cbr x gate, bilinear resize to low's size; 1x1 classifiers (with bias) on low and on that, added,
// and resized (bilinear) to the input's size as the only output.
struct SegmentationHead {
  NodeId low = ir::kNoNode, high = ir::kNoNode;
  int64_t channels = 0, classes = 0;
};

std::optional<SegmentationHead> lraspp_head(const ir::Graph& g, const ir::Shape& input) {
  if (g.outputs().size() != 1) return std::nullopt;
  auto is = [&](NodeId id, OpKind kind) { return id != ir::kNoNode && g.node(id).kind == kind; };
  auto conv1x1 = [&](NodeId id, bool bias) {
    if (!is(id, OpKind::Conv2d)) return false;
    const auto& a = g.node(id).attr<ir::Conv2dAttrs>();
    return a.kernel_h == 1 && a.kernel_w == 1 && a.stride_h == 1 && a.groups == 1 && a.bias == bias &&
           a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
  };
  auto bilinear = [&](NodeId id) {
    return is(id, OpKind::Resize) && g.node(id).attr<ir::ResizeAttrs>().mode == ir::ResizeMode::Bilinear &&
           !g.node(id).attr<ir::ResizeAttrs>().align_corners;
  };
  const NodeId out = g.outputs()[0];
  if (!bilinear(out) || g.node(out).shape.h() != input.h() || g.node(out).shape.w() != input.w()) return std::nullopt;
  const NodeId sum = g.node(out).inputs[0];
  if (!is(sum, OpKind::Add)) return std::nullopt;
  for (int order = 0; order < 2; ++order) {
    const NodeId low_logits = g.node(sum).inputs[static_cast<size_t>(order)];
    const NodeId high_logits = g.node(sum).inputs[static_cast<size_t>(1 - order)];
    if (!conv1x1(low_logits, true) || !conv1x1(high_logits, true)) continue;
    const NodeId up = g.node(high_logits).inputs[0];
    if (!bilinear(up)) continue;
    const NodeId scaled = g.node(up).inputs[0];
    if (!is(scaled, OpKind::Mul)) continue;
    for (int side = 0; side < 2; ++side) {
      NodeId cbr = g.node(scaled).inputs[static_cast<size_t>(side)];
      const NodeId gate = g.node(scaled).inputs[static_cast<size_t>(1 - side)];
      if (!is(cbr, OpKind::Relu) || !is(gate, OpKind::Sigmoid)) continue;
      cbr = conv_before(g, cbr);
      const NodeId gate_conv = g.node(gate).inputs[0];
      if (cbr == ir::kNoNode || !conv1x1(gate_conv, false)) continue;
      const auto& ca = g.node(cbr).attr<ir::Conv2dAttrs>();
      if (ca.kernel_h != 1 || ca.stride_h != 1 || ca.groups != 1) continue;
      const NodeId pool = g.node(gate_conv).inputs[0];
      const NodeId high = g.node(cbr).inputs[0];
      if (!is(pool, OpKind::GlobalAvgPool) || g.node(pool).inputs[0] != high) continue;
      const NodeId low = g.node(low_logits).inputs[0];
      const ir::Shape& up_shape = g.node(up).shape;
      if (up_shape.h() != g.node(low).shape.h() || up_shape.w() != g.node(low).shape.w()) continue;
      return SegmentationHead{low, high, ca.out_channels, g.node(low_logits).attr<ir::Conv2dAttrs>().out_channels};
    }
  }
  return std::nullopt;
}

// A head the matcher does not recognise, kept fixed: every node after `last_backbone`.
struct FixedHead {
  NodeId last_backbone = ir::kNoNode;
  std::vector<NodeId> taps;  // the backbone tensors it reads, in order of first use
  Walk walk;
};

// The taps of a head made of the nodes after `s`, or nullopt when the head does not read `s`.
std::optional<std::vector<NodeId>> head_taps(const ir::Graph& g, NodeId s) {
  std::vector<NodeId> taps;
  std::set<NodeId> seen;
  for (NodeId i = s + 1; i < static_cast<NodeId>(g.size()); ++i)
    for (NodeId in : g.node(i).inputs)
      if (in <= s && seen.insert(in).second) taps.push_back(in);
  for (NodeId o : g.outputs())
    if (o <= s) return std::nullopt;  // an output in the backbone
  if (!seen.count(s)) return std::nullopt;
  return taps;
}

// Every tap is a tensor a stage can give: the stem's output, a piece's output or a block's expansion.
bool taps_bound(const Walk& w, NodeId input, const std::vector<NodeId>& taps) {
  std::set<NodeId> given;
  if (w.stem) given.insert(w.stem->out);
  for (const Piece& p : w.pieces) {
    given.insert(p.to);
    if (p.expansion != ir::kNoNode) given.insert(p.expansion);
  }
  for (NodeId t : taps)
    if (t == input || !given.count(t)) return false;
  return true;
}

// The split into backbone and head that lets the walk recognise the most: over every node s the
// head could start after (it reads s; not between a conv and its batch norm or activation), the
// walk with the nodes after s left to the head; the s with the most convs in recognised blocks (a
// whole IBN counts more than its expand conv alone), and among those the last one right after a
// recognised block, so the head starts right after the last recognised block
// (with none recognised, only the graph's last layers form the head). A split whose last block
// has stride 1 and reads a tensor the head reads too is not one: that block is a head branch
// (LR-ASPP's 1x1 conv beside its pooled gate, one of ASPP's branches).
Result<FixedHead> fixed_head(const ir::Graph& g, Matcher& m, NodeId input) {
  std::optional<FixedHead> best;
  bool best_ends_block = false;
  const auto n = static_cast<NodeId>(g.size());
  const auto consumers = g.consumers();
  for (NodeId s = input + 1; s + 1 < n; ++s) {
    if (g.node(s).shape.rank() != 4) continue;
    // not between a conv and its batch norm or activation
    const auto& next = consumers[static_cast<size_t>(s)];
    if (next.size() == 1 && (g.node(next[0]).kind == OpKind::BatchNorm || ir::is_activation(g.node(next[0]).kind))) continue;
    auto taps = head_taps(g, s);
    if (!taps) continue;
    m.set_head_after(s);
    const std::set<NodeId> tap_set(taps->begin(), taps->end());
    auto w = walk_backbone(g, m, input, s, tap_set);
    if (!w || !taps_bound(*w, input, *taps)) continue;
    // A last block of stride 1 whose input the head reads too is one of the head's branches.
    const Piece* last = w->pieces.empty() ? nullptr : &w->pieces.back();
    if (last && last->block && last->block->stride == 1 && tap_set.count(last->from)) continue;
    // the most recognised; among those, a split right after a recognised block (or the stem), the latest
    const bool ends_block = w->pieces.empty() ? w->stem.has_value() : w->pieces.back().block.has_value();
    const bool better = !best || w->recognised > best->walk.recognised ||
                        (w->recognised == best->walk.recognised && (ends_block || !best_ends_block));
    if (better) {
      best = FixedHead{s, *taps, std::move(*w)};
      best_ends_block = ends_block;
    }
  }
  if (!best) return Error{"space derive: found no point where the network splits into a backbone and a head that reads it"};
  m.set_head_after(best->last_backbone);
  return *best;
}

// The task a fixed head's outputs are for: one [N, K] -> classification; one [N, K, H, W] at the
// input's size -> segmentation; otherwise detection. And its classes.
std::pair<std::string, int64_t> fixed_head_task(const ir::Graph& g, const ir::Shape& input) {
  const auto outputs = g.outputs();
  if (outputs.size() == 1) {
    const ir::Shape& o = g.node(outputs[0]).shape;
    if (o.rank() == 2) return {"classification", o[1]};
    if (o.rank() == 4 && o.h() == input.h() && o.w() == input.w()) return {"segmentation", o.c()};
  }
  int64_t classes = 1;
  for (NodeId o : outputs) {
    const ir::Shape& s = g.node(o).shape;
    if (s.rank() >= 2 && s[s.rank() - 1] != 4) classes = std::max(classes, s[s.rank() - 1]);
  }
  return {"detection", classes};
}

std::string op_summary(const ir::Graph& g, const std::vector<NodeId>& nodes) {
  std::map<std::string, int> counts;
  for (NodeId id : nodes) ++counts[std::string(ir::op_name(g.node(id).kind))];
  std::string out;
  for (const auto& [op, count] : counts) out += (out.empty() ? "" : ", ") + op + (count > 1 ? " x" + std::to_string(count) : "");
  return out;
}

// The first layer with MACs at which `a` and `b` differ in parameters or MACs, in node order.
std::string first_difference(const ir::Graph& a, const ir::Graph& b) {
  auto layers = [](const ir::Graph& g) {
    std::vector<analysis::LayerCost> out;
    for (const ir::Node& n : g.nodes()) {
      const analysis::LayerCost c = analysis::layer_cost(g, n.id);
      if (c.macs > 0 || c.params > 0) out.push_back(c);
    }
    return out;
  };
  const auto la = layers(a), lb = layers(b);
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    if (i < la.size() && i < lb.size() && la[i].params == lb[i].params && la[i].macs == lb[i].macs) continue;
    auto describe = [](const ir::Graph& g, const std::vector<analysis::LayerCost>& l, size_t k) {
      return k < l.size() ? g.node(l[k].node).describe() + " (" + std::to_string(l[k].params) + " parameters, " +
                                std::to_string(l[k].macs) + " MACs)"
                          : std::string("nothing");
    };
    return "layer " + std::to_string(i + 1) + " is " + describe(a, la, i) + " in the space, " + describe(b, lb, i) + " in the network";
  }
  return "no layer differs";
}

}  // namespace

Result<DerivedSpace> derive_space(const ir::Graph& graph, const DeriveOptions& options) {
  const std::vector<NodeId> inputs = graph.inputs();
  if (inputs.size() != 1) return Error{"space derive: the network has " + std::to_string(inputs.size()) + " inputs, expected 1"};
  const NodeId input = inputs[0];
  const ir::Shape& in_shape = graph.node(input).shape;
  if (in_shape.rank() != 4 || in_shape.h() != in_shape.w())
    return Error{"space derive: the input is [" + in_shape.to_string() + "]; expected a square image [N, C, H, H]"};
  Matcher m(graph);

  // The head: SSDLite's as blocks::ssdlite_head builds it, LR-ASPP, a classification head, or else a
  // fixed one; each with the backbone walk that ends where it starts.
  std::optional<DetectionHead> detection;
  std::optional<ClassificationHead> classification;
  std::optional<FixedHead> fixed;
  Walk walk;
  if (graph.outputs().size() >= 4 && graph.outputs().size() % 2 == 0) {
    auto head = detection_head(graph, m);
    if (head) {
      m.set_head_nodes(m.ignored_closure());
      auto w = walk_backbone(graph, m, input, head->maps[1], {head->maps[0], head->maps[1]});
      if (!w) return w.error();
      walk = std::move(*w);
      detection = std::move(*head);
    } else {
      m.forget_ignored();
    }
  }
  std::optional<SegmentationHead> segmentation;
  if (!detection) {
    if (auto head = lraspp_head(graph, in_shape)) {
      m.set_head_after(head->high);
      auto w = walk_backbone(graph, m, input, head->high, {head->low});
      if (w && head->low < head->high) {
        walk = std::move(*w);
        segmentation = *head;
      } else {
        m.set_head_nodes({});
      }
    }
  }
  if (!detection && !segmentation) {
    for (NodeId start : classification_head_starts(graph)) {
      m.set_head_after(start);
      auto w = walk_backbone(graph, m, input, start, {});
      m.set_head_nodes({});  // the head matcher reads the head's nodes
      if (!w) continue;
      auto c = classification_head(graph, m, start);
      // the macro space's stem and head share one activation
      if (c && (!w->stem || !c->activation || *c->activation == *w->stem->activation)) {
        classification = *c;
        walk = std::move(*w);
        m.set_head_after(start);
        break;
      }
    }
  }
  if (!detection && !segmentation && !classification) {
    auto f = fixed_head(graph, m, input);
    if (!f) return f.error();
    fixed = std::move(*f);
    walk = fixed->walk;
  }

  // The space's activation: the stem's, else the head's, else the first block's.
  OpKind space_act = OpKind::Relu;
  if (walk.stem) space_act = *walk.stem->activation;
  else if (classification && classification->activation) space_act = *classification->activation;
  else
    for (const Piece& p : walk.pieces)
      if (p.block) {
        space_act = p.block->activation;
        break;
      }
  const std::string activation = activation_name_of(space_act);

  // The tensors whose widths the rest of the network needs as they are: what a fixed region or a
  // fixed head reads.
  std::set<NodeId> pinned;
  if (fixed) pinned.insert(fixed->taps.begin(), fixed->taps.end());
  for (const Piece& p : walk.pieces)
    if (!p.block) pinned.insert(p.from);
  if (fixed)  // a fixed head reading an expansion output needs its width, which follows the block's input's
    for (const Piece& p : walk.pieces)
      if (p.expansion != ir::kNoNode) pinned.insert(p.from);
  std::set<NodeId> stage_ends = pinned;  // tensors a stage ends at: what a head reads
  if (segmentation) stage_ends.insert(segmentation->low);

  // stages: consecutive blocks alike form one; a fixed region is one of its own
  DerivedSpace derived;
  std::vector<std::pair<std::string, std::string>> regions;  // the fixed regions: name, text
  std::vector<NodeId> stage_out;   // each stage's output tensor
  std::vector<NodeId> stage_expansion;
  std::optional<Piece> fixed_stem;
  size_t first_piece = 0;
  if (!walk.stem && !walk.pieces.empty() && !walk.pieces.front().block) {
    fixed_stem = walk.pieces.front();
    first_piece = 1;
    auto part = fixed_part(graph, "stem", nodes_between(graph, m, fixed_stem->from, fixed_stem->to), {input}, {fixed_stem->to},
                           fixed_stem->reason, regions);
    if (!part) return part.error();
    derived.fixed_parts.push_back(*part);
  }
  for (size_t k = first_piece; k < walk.pieces.size(); ++k) {
    const Piece& p = walk.pieces[k];
    if (!p.block) {
      DerivedStage stage;
      stage.block = "fixed";
      stage.fixed = "stage" + std::to_string(derived.stages.size() + 1);
      auto part = fixed_part(graph, stage.fixed, nodes_between(graph, m, p.from, p.to), {p.from}, {p.to}, p.reason, regions);
      if (!part) return part.error();
      derived.fixed_parts.push_back(*part);
      stage.stride = ceil_stride(graph, p.from, p.to);
      stage.channels = graph.node(p.to).shape.c();
      derived.stages.push_back(stage);
      stage_out.push_back(p.to);
      stage_expansion.push_back(ir::kNoNode);
      continue;
    }
    const Block& b = *p.block;
    const std::string act = activation_name_of(b.activation);
    const bool same = !derived.stages.empty() && derived.stages.back().fixed.empty() && b.stride == 1 &&
                      b.type == derived.stages.back().block && b.kernel == derived.stages.back().kernel &&
                      b.expansion == derived.stages.back().expansion && b.out_channels == derived.stages.back().channels &&
                      act == derived.stages.back().activation && b.squeeze_excite == derived.stages.back().squeeze_excite &&
                      !stage_ends.count(p.from) && p.expansion == ir::kNoNode;
    if (same) {
      ++derived.stages.back().depth;
      stage_out.back() = p.to;
      continue;
    }
    DerivedStage stage;
    stage.block = b.type;
    stage.kernel = b.kernel;
    stage.stride = b.stride;
    stage.channels = b.out_channels;
    stage.expansion = b.expansion;
    stage.activation = act;
    stage.squeeze_excite = b.squeeze_excite;
    derived.stages.push_back(stage);
    stage_out.push_back(p.to);
    stage_expansion.push_back(p.expansion);
  }
  const NodeId stem_out = walk.stem ? walk.stem->out : fixed_stem ? fixed_stem->to : input;
  // The widths held: a stage (or the stem) whose output a fixed region or head reads.
  auto held = [&](NodeId tensor) { return pinned.count(tensor) > 0; };
  for (size_t i = 0; i < derived.stages.size(); ++i) {
    DerivedStage& s = derived.stages[i];
    if (!s.fixed.empty()) continue;
    s.width_fixed = held(stage_out[i]);
    s.type_fixed = fixed && stage_expansion[i] != ir::kNoNode;  // a fixed head reads its expansion: it stays that IBN
  }

  int64_t total_stride = walk.stem ? walk.stem->attrs.stride_h : fixed_stem ? ceil_stride(graph, input, fixed_stem->to) : 1;
  const int64_t stem_stride = total_stride;
  for (const DerivedStage& s : derived.stages) total_stride *= s.stride;
  if (std::any_of(derived.stages.begin(), derived.stages.end(), [](const DerivedStage& s) { return s.fixed.empty() && s.stride > 2; }))
    return Error{"space derive: a stage stride above 2 (the macro space's stages have stride 1 or 2)"};

  int64_t classes = 0;
  bool tap_expansion = false;
  if (detection) {
    classes = detection->classes;
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
  if (classification) classes = classification->classes;
  std::string low_stage;
  std::vector<double> output_strides;
  if (segmentation) {
    classes = segmentation->classes;
    for (size_t i = 0; i < derived.stages.size(); ++i)
      if (stage_out[i] == segmentation->low) low_stage = "stage" + std::to_string(i + 1);
    if (low_stage.empty()) return m.stop(segmentation->low, "a stage's output as the LR-ASPP head's low-level map");
    // An output stride of 16 instead of 32: the stages past stride 16 keep stride 1 (fixed ones cannot).
    if (total_stride == 32) {
      bool can = true;
      int64_t st = stem_stride;
      for (const DerivedStage& s : derived.stages) {
        if (st * s.stride > 16 && s.stride > 1 && !s.fixed.empty()) can = false;
        st *= s.stride;
      }
      if (can) output_strides = {16, 32};
    }
  }

  // the fixed head's inputs and text
  std::vector<std::string> head_inputs;
  std::string head_task;
  if (fixed) {
    for (NodeId t : fixed->taps) {
      std::string name = t == stem_out ? "stem" : "";
      for (size_t i = 0; i < derived.stages.size() && name.empty(); ++i) {
        if (stage_out[i] == t) name = "stage" + std::to_string(i + 1);
        else if (stage_expansion[i] == t) name = "stage" + std::to_string(i + 1) + ".expansion";
      }
      if (name.empty()) return m.stop(t, "a stage's output or expansion output where the head reads it");
      head_inputs.push_back(name);
    }
    std::vector<NodeId> head_nodes;
    for (NodeId i = fixed->last_backbone + 1; i < static_cast<NodeId>(graph.size()); ++i) head_nodes.push_back(i);
    auto part = fixed_part(graph, "head", head_nodes, fixed->taps, graph.outputs(),
                           "a head other than a classification, LR-ASPP or blocks::ssdlite_head's", regions);
    if (!part) return part.error();
    derived.fixed_parts.push_back(*part);
    auto task = fixed_head_task(graph, in_shape);
    head_task = task.first;
    classes = task.second;
  }

  // the space
  const int64_t resolution = in_shape.h();
  std::vector<double> resolutions;
  for (int64_t k = -2; k <= 1; ++k)
    if (k == 0 || resolution + k * total_stride >= total_stride) resolutions.push_back(static_cast<double>(resolution + k * total_stride));
  resolutions = sorted_unique(resolutions);
  std::map<std::string, std::string> baseline;  // decision name -> the baseline's choice label
  auto space_yaml = [&](const std::vector<double>& resolution_choices) {
    baseline.clear();
    std::ostringstream yaml;
    yaml << "# Derived by `hwnas space derive`" << (options.source.empty() ? "" : " from " + options.source)
         << (options.channel_multiple > 1 ? ", widths curated to multiples of P = " + std::to_string(options.channel_multiple) : "")
         << ".\n# Its baseline point is the network itself; every decision lists the network's own value.\n";
    if (!regions.empty())
      yaml << "# The parts the matcher did not recognise are kept as they are, under fixed: (text format, docs/text-format.md).\n";
    yaml << "name: " << options.name << "\nkind: macro\n";
    yaml << "input: {channels: " << in_shape.c() << ", resolution: " << list(resolution_choices) << "}\n";
    baseline["resolution"] = number(static_cast<double>(resolution));
    yaml << "depth_multiplier: [0.5, 0.75, 1.0]\n";
    baseline["depth_multiplier"] = "1";
    yaml << "activation: " << activation << "\n";
    if (fixed_stem) {
      yaml << "stem: {fixed: stem}\n";
    } else {
      const int64_t width = walk.stem->attrs.out_channels;
      const std::vector<double> widths = held(stem_out) ? std::vector<double>{static_cast<double>(width)}
                                                        : width_choices(width, options.channel_multiple, options.max_width_options);
      yaml << "stem: {channels: " << list(widths) << ", stride: " << stem_stride << "}\n";
      baseline["stem.channels"] = number(static_cast<double>(width));
    }
    yaml << "stages:\n";
    for (size_t i = 0; i < derived.stages.size(); ++i) {
      const DerivedStage& s = derived.stages[i];
      const std::string p = "stage" + std::to_string(i + 1);
      if (!s.fixed.empty()) {
        yaml << "  - {fixed: " << s.fixed << "}\n";
        continue;
      }
      std::vector<std::string> types{s.block};
      if (!s.type_fixed && s.block == "ibn") types.push_back("fused_ibn");
      if (!s.type_fixed && s.block == "fused_ibn") types.push_back("ibn");
      std::vector<double> kernels = sorted_unique({3, 5, static_cast<double>(s.kernel)});
      std::vector<double> expansions{s.expansion};
      if (!s.type_fixed && s.block != "conv" && s.expansion > 1) expansions = sorted_unique({s.expansion, 3, 6});
      std::vector<double> depths = sorted_unique({std::max(1.0, s.depth - 1.0), double(s.depth), s.depth + 1.0});
      const std::vector<double> widths = s.width_fixed ? std::vector<double>{static_cast<double>(s.channels)}
                                                       : width_choices(s.channels, options.channel_multiple, options.max_width_options);
      yaml << "  - {block: [";
      for (size_t t = 0; t < types.size(); ++t) yaml << (t ? ", " : "") << types[t];
      yaml << "], kernel: " << list(kernels) << ", expansion: " << list(expansions) << ", depth: " << list(depths)
           << ", channels: " << list(widths) << ", stride: " << s.stride
           << (s.activation != activation ? ", activation: " + s.activation : "")
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
    if (fixed) {
      yaml << "head: {type: " << head_task << ", classes: " << classes << ", fixed: head, inputs: [";
      for (size_t i = 0; i < head_inputs.size(); ++i) yaml << (i ? ", " : "") << head_inputs[i];
      yaml << "]}\n";
    } else if (segmentation) {
      yaml << "head: {type: segmentation, classes: " << classes << ", channels: "
           << list(width_choices(segmentation->channels, options.channel_multiple, options.max_width_options))
           << ", low: " << low_stage << (output_strides.empty() ? "" : ", output_stride: " + list(output_strides)) << "}\n";
      baseline["head.channels"] = number(static_cast<double>(segmentation->channels));
      if (!output_strides.empty()) baseline["head.output_stride"] = number(static_cast<double>(total_stride));
    } else if (detection) {
      // each extra layer's width a decision: its own and the multiples of P around it
      std::string extras = "[";
      for (size_t k = 0; k < detection->extra_channels.size(); ++k) {
        const int64_t width = detection->extra_channels[k];
        extras += (k ? ", " : "") + list(width_choices(width, options.channel_multiple, options.max_width_options));
        baseline["head.extra" + std::to_string(k + 1) + ".channels"] = number(static_cast<double>(width));
      }
      extras += "]";
      std::vector<double> anchors(detection->anchors.begin(), detection->anchors.end());
      yaml << "head: {type: detection, classes: " << classes << ", extra_channels: " << extras
           << ", anchors: " << list(anchors) << ", tap: " << (tap_expansion ? "expansion" : "stage_output") << "}\n";
    } else {
      yaml << "head: {type: classification, classes: " << classes << ", conv_channels: " << classification->conv
           << (classification->hidden > 0 ? ", hidden: " + std::to_string(classification->hidden) : "") << "}\n";
    }
    if (!regions.empty()) {
      yaml << "fixed:\n";
      for (const auto& [name, text] : regions) yaml << "  " << name << ": |\n" << indented(text, "    ");
    }
    return yaml.str();
  };

  // the baseline point of a space text
  auto baseline_of = [&](const SearchSpace& space) -> Result<Architecture> {
    Architecture arch;
    for (const Decision& d : space.decisions()) {
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
    return arch;
  };
  derived.yaml = space_yaml(resolutions);
  auto space = parse_space(derived.yaml, options.name + " (derived)", SpaceContext{options.channel_multiple});
  if (!space) return space.error().within("space derive: internal: the derived space does not parse");
  auto arch = baseline_of(*space);
  if (!arch) return arch.error();
  auto decoded = space->decode(*arch);
  if (!decoded) return decoded.error().within("space derive: the baseline point does not decode");

  // Fixed regions follow the resolution only where their ops allow (a reshape or a resize to a
  // given size does not): keep the resolutions at which every output scales with the input.
  if (!regions.empty()) {
    std::vector<double> kept;
    for (size_t c = 0; c < resolutions.size(); ++c) {
      const double r = resolutions[c];
      if (r == static_cast<double>(resolution)) {
        kept.push_back(r);
        continue;
      }
      Architecture other = *arch;
      other[static_cast<size_t>(space->macro()->resolution)] = static_cast<int>(c);
      auto g = space->decode(other);
      bool scales = g.ok() && g->outputs().size() == decoded->outputs().size();
      for (size_t o = 0; scales && o < g->outputs().size(); ++o) {
        const ir::Shape& want = decoded->node(decoded->outputs()[o]).shape;
        const ir::Shape& got = g->node(g->outputs()[o]).shape;
        if (want.rank() == 4)
          scales = got.rank() == 4 && got.c() == want.c() && got.h() * resolution == want.h() * static_cast<int64_t>(r) &&
                   got.w() * resolution == want.w() * static_cast<int64_t>(r);
        else
          scales = got == want;
      }
      if (scales) kept.push_back(r);
    }
    if (kept.size() != resolutions.size()) {
      derived.yaml = space_yaml(kept);
      space = parse_space(derived.yaml, options.name + " (derived)", SpaceContext{options.channel_multiple});
      if (!space) return space.error().within("space derive: internal: the derived space does not parse");
      arch = baseline_of(*space);
      if (!arch) return arch.error();
      decoded = space->decode(*arch);
      if (!decoded) return decoded.error().within("space derive: the baseline point does not decode");
    }
  }
  derived.baseline_key = space->canonical_key(*arch);
  const analysis::CostSummary mine = analysis::analyze_cost(ir::fold_batch_norm(*decoded));
  const analysis::CostSummary theirs = analysis::analyze_cost(ir::fold_batch_norm(graph));
  derived.params = theirs.params;
  derived.macs = theirs.macs;
  if (mine.params != theirs.params || mine.macs != theirs.macs)
    return Error{"space derive: the baseline point decodes to " + std::to_string(mine.params) + " parameters and " +
                 std::to_string(mine.macs) + " MACs, the network has " + std::to_string(theirs.params) + " and " +
                 std::to_string(theirs.macs) + " (a block the space builds differently: " +
                 first_difference(ir::fold_batch_norm(*decoded), ir::fold_batch_norm(graph)) + ")"};
  return derived;
}

}  // namespace hwnas::space
