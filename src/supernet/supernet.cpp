// SupernetImpl: the shared weights of a macro space, a subnet's plan, and its forward over weight slices.
#include "hwnas/supernet/supernet.h"

#include <ATen/ATen.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>

#include "hwnas/data/rng.h"

namespace hwnas::supernet {
namespace {

using ::torch::Tensor;

constexpr double kBatchNormEpsilon = 1e-5;  // blocks' default, which decode uses

Tensor apply_activation(const Tensor& x, blocks::Activation activation) {
  switch (activation) {
    case blocks::Activation::None: return x;
    case blocks::Activation::Relu: return at::relu(x);
    case blocks::Activation::Relu6: return at::hardtanh(x, 0.0, 6.0);
    case blocks::Activation::HardSwish: return at::hardswish(x);
    case blocks::Activation::Swish: return at::silu(x);
    case blocks::Activation::Sigmoid: return at::sigmoid(x);
    case blocks::Activation::HardSigmoid: return at::hardsigmoid(x);
  }
  TORCH_CHECK(false, "supernet: unknown activation");
}

// Centre k x k of a weight whose last two dims are the largest kernel.
Tensor centre_crop(const Tensor& weight, int64_t kernel) {
  const int64_t largest = weight.size(2);
  if (kernel == largest) return weight;
  const int64_t offset = (largest - kernel) / 2;
  return weight.narrow(2, offset, kernel).narrow(3, offset, kernel);
}

// Checks the space is one the supernet can hold; fills which choices it holds.
Result<std::vector<std::vector<bool>>> held_choices(const space::SearchSpace& space) {
  const std::string where = "supernet of space '" + space.name() + "'";
  if (!space.macro()) return Error{where + ": a custom space has no network to share weights over"};
  const space::MacroSpec& m = *space.macro();
  if (m.head != space::HeadKind::Classification)
    return Error{where + ": only a classification head is supported, the space has a " +
                 std::string(space::head_kind_name(m.head)) + " head"};
  if (!m.fixed.empty())
    return Error{where + ": the space has fixed regions (" + m.fixed.front().name +
                 ", ...: parts of a derived network kept as they are); search it with a multishot strategy"};
  if (m.resolution < 0 || m.stem_channels < 0) return Error{where + ": the space fixes no resolution or stem width"};
  std::vector<std::vector<bool>> held;
  for (const space::Decision& d : space.decisions()) held.emplace_back(d.choices.size(), true);
  for (const space::StageSpec& stage : m.stages) {
    if (stage.squeeze_excite) return Error{where + ": " + stage.name + ": squeeze-excite is not supported"};
    if (stage.block_type < 0 || stage.kernel < 0 || stage.expansion < 0 || stage.depth < 0 || stage.channels < 0)
      return Error{where + ": " + stage.name + ": a stage field without a decision"};
    const space::Decision& types = space.decisions()[stage.block_type];
    bool any = false;
    for (size_t c = 0; c < types.choices.size(); ++c) {
      auto type = blocks::block_type_from_name(types.choices[c].label);
      const bool shared = type && *type != blocks::BlockType::GroupedIbn;
      held[stage.block_type][c] = held[stage.block_type][c] && shared;
      any = any || shared;
    }
    if (!any)
      return Error{where + ": " + stage.name + ": no block type the supernet shares weights for (ibn, fused_ibn, conv)"};
  }
  return held;
}

}  // namespace

int64_t SupernetImpl::max_value(int decision) const {
  double best = 0;
  for (const space::Choice& c : space_.decisions()[decision].choices) best = std::max(best, c.value);
  return static_cast<int64_t>(best);
}

SupernetImpl::ConvBn SupernetImpl::make_conv_bn(const std::string& name, int64_t out, int64_t in_per_group,
                                                int64_t kernel) {
  // Each layer draws from its own stream, taken in construction order from the seed.
  ConvBn layer;
  const int64_t fan_in = in_per_group * kernel * kernel;
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  std::vector<float> values(static_cast<size_t>(out * fan_in));
  data::Rng rng(init_state_);
  init_state_ = data::splitmix64(init_state_);
  for (float& v : values) v = static_cast<float>(rng.uniform(-bound, bound));
  Tensor weight = at::from_blob(values.data(), {out, in_per_group, kernel, kernel}, at::kFloat).clone();
  layer.weight = register_parameter(name + "_weight", weight);
  layer.scale = register_parameter(name + "_bn_scale", at::ones({out}, at::kFloat));
  layer.bias = register_parameter(name + "_bn_bias", at::zeros({out}, at::kFloat));
  layer.mean = register_buffer(name + "_bn_mean", at::zeros({out}, at::kFloat));
  layer.var = register_buffer(name + "_bn_var", at::ones({out}, at::kFloat));
  return layer;
}

SupernetImpl::SupernetImpl(const space::SearchSpace& space, const SupernetOptions& options)
    : space_(space), init_state_(data::mix_seed({options.seed, 0x5375706572ull})) {
  auto held = held_choices(space_);
  TORCH_CHECK(held.ok(), held ? "" : held.error().message);
  held_ = std::move(*held);
  macro_ = *space_.macro();
  const space::MacroSpec& m = macro_;
  double largest_multiplier = 1.0;
  if (m.depth_multiplier >= 0) {
    largest_multiplier = 0;
    for (const auto& c : space_.decisions()[m.depth_multiplier].choices)
      largest_multiplier = std::max(largest_multiplier, c.value);
  }

  int64_t in_max = max_value(m.stem_channels);
  stem_ = make_conv_bn("stem", in_max, m.input_channels, 3);
  for (const space::StageSpec& stage : m.stages) {
    const space::Decision& types = space_.decisions()[stage.block_type];
    bool offers[3] = {false, false, false};  // ibn, fused_ibn, conv
    for (size_t c = 0; c < types.choices.size(); ++c) {
      if (!held_[stage.block_type][c]) continue;
      auto type = *blocks::block_type_from_name(types.choices[c].label);
      offers[type == blocks::BlockType::Ibn ? 0 : type == blocks::BlockType::FusedIbn ? 1 : 2] = true;
    }
    double largest_expansion = 0;
    for (const auto& c : space_.decisions()[stage.expansion].choices) largest_expansion = std::max(largest_expansion, c.value);
    const int64_t kernel = max_value(stage.kernel);
    const int64_t out_max = max_value(stage.channels);
    const int64_t depth = space::stage_depth(static_cast<double>(max_value(stage.depth)), largest_multiplier);
    std::vector<BlockWeights> positions;
    for (int64_t j = 0; j < depth; ++j) {
      const std::string name = stage.name + "_block" + std::to_string(j);
      const int64_t expanded_max =
          static_cast<int64_t>(std::llround(static_cast<double>(in_max) * largest_expansion));
      BlockWeights w;
      if (offers[0]) {
        w.ibn_expand = make_conv_bn(name + "_ibn_expand", expanded_max, in_max, 1);
        w.ibn_dw = make_conv_bn(name + "_ibn_dw", expanded_max, 1, kernel);
        w.ibn_project = make_conv_bn(name + "_ibn_project", out_max, expanded_max, 1);
      }
      if (offers[1]) {
        w.fused = make_conv_bn(name + "_fused", std::max(expanded_max, out_max), in_max, kernel);
        w.fused_project = make_conv_bn(name + "_fused_project", out_max, expanded_max, 1);
      }
      if (offers[2]) w.conv = make_conv_bn(name + "_conv", out_max, in_max, kernel);
      positions.push_back(std::move(w));
      in_max = out_max;
    }
    blocks_.push_back(std::move(positions));
  }
  if (m.head_conv_channels > 0) {
    head_conv_ = make_conv_bn("head_conv", m.head_conv_channels, in_max, 1);
    in_max = m.head_conv_channels;
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_max));
  std::vector<float> fc(static_cast<size_t>(m.num_classes * (in_max + 1)));
  data::Rng rng(init_state_);
  for (float& v : fc) v = static_cast<float>(rng.uniform(-bound, bound));
  fc_weight_ = register_parameter("fc_weight", at::from_blob(fc.data(), {m.num_classes, in_max}, at::kFloat).clone());
  fc_bias_ = register_parameter("fc_bias",
                                at::from_blob(fc.data() + m.num_classes * in_max, {m.num_classes}, at::kFloat).clone());
}

Status SupernetImpl::check(const space::Architecture& arch) const {
  if (Status s = space_.check(arch); !s) return s;
  for (size_t d = 0; d < arch.size(); ++d)
    if (!held_[d][static_cast<size_t>(arch[d])])
      return Error{"supernet: decision '" + space_.decisions()[d].name + "' choice '" +
                   space_.decisions()[d].choices[static_cast<size_t>(arch[d])].label +
                   "' has no shared weights (the supernet holds ibn, fused_ibn and conv blocks)"};
  return {};
}

Result<SubnetPlan> SupernetImpl::plan(const space::Architecture& arch) const {
  if (Status s = check(arch); !s) return s.error();
  const space::MacroSpec& m = macro_;
  auto value = [&](int d) { return space_.decisions()[d].choices[static_cast<size_t>(arch[d])].value; };
  auto label = [&](int d) -> const std::string& { return space_.decisions()[d].choices[static_cast<size_t>(arch[d])].label; };
  SubnetPlan plan;
  plan.resolution = static_cast<int64_t>(value(m.resolution));
  plan.stem_channels = static_cast<int64_t>(value(m.stem_channels));
  const double multiplier = m.depth_multiplier >= 0 ? value(m.depth_multiplier) : 1.0;
  int64_t in = plan.stem_channels;
  for (const space::StageSpec& stage : m.stages) {
    std::vector<BlockPlan> stage_plan;
    const int64_t depth = space::stage_depth(value(stage.depth), multiplier);
    for (int64_t j = 0; j < depth; ++j) {
      blocks::BlockSpec spec;
      spec.type = *blocks::block_type_from_name(label(stage.block_type));
      spec.out_channels = static_cast<int64_t>(value(stage.channels));
      spec.kernel = static_cast<int64_t>(value(stage.kernel));
      spec.stride = j == 0 ? stage.stride : 1;
      spec.expansion = value(stage.expansion);
      if (Status s = blocks::validate_block_spec(spec, in); !s)
        return s.error().within("invalid architecture: " + stage.name + ".block" + std::to_string(j));
      BlockPlan p;
      p.type = spec.type;
      p.in_channels = in;
      p.out_channels = spec.out_channels;
      p.kernel = spec.kernel;
      p.stride = spec.stride;
      p.expanded_channels = blocks::expanded_channels(spec, in);
      p.expand = spec.type == blocks::BlockType::Ibn && p.expanded_channels != in;
      p.project = spec.type == blocks::BlockType::Ibn ||
                  (spec.type == blocks::BlockType::FusedIbn && p.expanded_channels != in);
      p.residual = blocks::has_residual(spec, in);
      stage_plan.push_back(p);
      in = spec.out_channels;
    }
    plan.stages.push_back(std::move(stage_plan));
  }
  return plan;
}

std::vector<SupernetImpl::LayerUse> SupernetImpl::layers_of(const SubnetPlan& plan) const {
  std::vector<LayerUse> uses;
  uses.push_back({&stem_, plan.stem_channels, macro_.input_channels, 3});
  for (size_t s = 0; s < plan.stages.size(); ++s)
    for (size_t j = 0; j < plan.stages[s].size(); ++j) {
      const BlockPlan& p = plan.stages[s][j];
      const BlockWeights& w = blocks_[s][j];
      switch (p.type) {
        case blocks::BlockType::Ibn:
          if (p.expand) uses.push_back({&w.ibn_expand, p.expanded_channels, p.in_channels, 1});
          uses.push_back({&w.ibn_dw, p.expanded_channels, 1, p.kernel});
          uses.push_back({&w.ibn_project, p.out_channels, p.expanded_channels, 1});
          break;
        case blocks::BlockType::FusedIbn:
          uses.push_back({&w.fused, p.project ? p.expanded_channels : p.out_channels, p.in_channels, p.kernel});
          if (p.project) uses.push_back({&w.fused_project, p.out_channels, p.expanded_channels, 1});
          break;
        case blocks::BlockType::Conv:
        case blocks::BlockType::GroupedIbn:  // never planned: check() rejects it
          uses.push_back({&w.conv, p.out_channels, p.in_channels, p.kernel});
          break;
      }
    }
  if (macro_.head_conv_channels > 0)
    uses.push_back({&head_conv_, macro_.head_conv_channels,
                    plan.stages.empty() || plan.stages.back().empty() ? plan.stem_channels
                                                                      : plan.stages.back().back().out_channels,
                    1});
  return uses;
}

Tensor SupernetImpl::conv_bn_act(ConvBn& layer, const Tensor& x, int64_t out, int64_t kernel, int64_t stride,
                                 bool depthwise, bool activation) {
  const int64_t in = x.size(1);
  Tensor weight = layer.weight.narrow(0, 0, out);
  if (!depthwise) weight = weight.narrow(1, 0, in);
  weight = centre_crop(weight, kernel);
  const int64_t pad = (kernel - 1) / 2;
  Tensor y = at::conv2d(x, weight, {}, {stride, stride}, {pad, pad}, {1, 1}, depthwise ? out : 1);
  Tensor scale = layer.scale.narrow(0, 0, out), bias = layer.bias.narrow(0, 0, out);
  if (calibrating_) {
    // Recalibration: accumulate the exact statistics of the inputs, normalise with the batch's.
    Tensor values = y.detach().to(at::kDouble);
    Tensor sum = values.sum({0, 2, 3}), square_sum = (values * values).sum({0, 2, 3});
    layer.sum = layer.sum.defined() ? layer.sum + sum : sum;
    layer.square_sum = layer.square_sum.defined() ? layer.square_sum + square_sum : square_sum;
    layer.count += y.size(0) * y.size(2) * y.size(3);
    y = at::batch_norm(y, scale, bias, {}, {}, /*training=*/true, 0.1, kBatchNormEpsilon, true);
  } else if (is_training()) {
    y = at::batch_norm(y, scale, bias, {}, {}, /*training=*/true, 0.1, kBatchNormEpsilon, true);
  } else {
    y = at::batch_norm(y, scale, bias, layer.mean.narrow(0, 0, out), layer.var.narrow(0, 0, out),
                       /*training=*/false, 0.1, kBatchNormEpsilon, true);
  }
  return activation ? apply_activation(y, macro_.activation) : y;
}

Tensor SupernetImpl::forward(const space::Architecture& arch, const Tensor& images) {
  auto planned = plan(arch);
  TORCH_CHECK(planned.ok(), planned ? "" : planned.error().message);
  const SubnetPlan& p = *planned;
  TORCH_CHECK(images.dim() == 4 && images.size(1) == macro_.input_channels,
              "supernet: images must be [n, ", macro_.input_channels, ", h, w]");
  Tensor x = conv_bn_act(stem_, images, p.stem_channels, 3, macro_.stem_stride, false, true);
  for (size_t s = 0; s < p.stages.size(); ++s)
    for (size_t j = 0; j < p.stages[s].size(); ++j) {
      const BlockPlan& b = p.stages[s][j];
      BlockWeights& w = blocks_[s][j];
      Tensor y = x;
      switch (b.type) {
        case blocks::BlockType::Ibn:
          if (b.expand) y = conv_bn_act(w.ibn_expand, y, b.expanded_channels, 1, 1, false, true);
          y = conv_bn_act(w.ibn_dw, y, b.expanded_channels, b.kernel, b.stride, true, true);
          y = conv_bn_act(w.ibn_project, y, b.out_channels, 1, 1, false, false);
          break;
        case blocks::BlockType::FusedIbn:
          if (b.project) {
            y = conv_bn_act(w.fused, y, b.expanded_channels, b.kernel, b.stride, false, true);
            y = conv_bn_act(w.fused_project, y, b.out_channels, 1, 1, false, false);
          } else {
            y = conv_bn_act(w.fused, y, b.out_channels, b.kernel, b.stride, false, true);
          }
          break;
        case blocks::BlockType::Conv:
        case blocks::BlockType::GroupedIbn:
          y = conv_bn_act(w.conv, y, b.out_channels, b.kernel, b.stride, false, true);
          break;
      }
      x = b.residual ? at::add(y, x) : y;
    }
  if (macro_.head_conv_channels > 0) x = conv_bn_act(head_conv_, x, macro_.head_conv_channels, 1, 1, false, true);
  x = at::adaptive_avg_pool2d(x, {1, 1});
  x = x.reshape({x.size(0), x.size(1)});
  return at::linear(x, fc_weight_.narrow(1, 0, x.size(1)), fc_bias_);
}

Result<Tensor> SupernetImpl::run(const space::Architecture& arch, const Tensor& images) {
  if (Status s = check(arch); !s) return s.error();
  try {
    return forward(arch, images);
  } catch (const c10::Error& e) {
    return Error{"supernet forward: " + std::string(e.what_without_backtrace())};
  }
}

space::Architecture SupernetImpl::random_architecture(std::mt19937_64& rng) const {
  space::Architecture arch(space_.decisions().size(), 0);
  for (size_t d = 0; d < arch.size(); ++d) {
    std::vector<int> options;
    for (size_t c = 0; c < held_[d].size(); ++c)
      if (held_[d][c]) options.push_back(static_cast<int>(c));
    arch[d] = options[search::uniform_index(rng, options.size())];
  }
  return arch;
}

namespace {

// `arch` (random) with every numeric decision at its largest (or smallest) value.
space::Architecture extreme_architecture(const space::SearchSpace& space, space::Architecture arch, bool largest) {
  for (size_t d = 0; d < arch.size(); ++d) {
    const space::Decision& decision = space.decisions()[d];
    if (!decision.numeric) continue;
    int best = 0;
    for (size_t c = 1; c < decision.choices.size(); ++c) {
      const double v = decision.choices[c].value, b = decision.choices[static_cast<size_t>(best)].value;
      if (largest ? v > b : v < b) best = static_cast<int>(c);
    }
    arch[d] = best;
  }
  return arch;
}

}  // namespace

space::Architecture SupernetImpl::largest_architecture(std::mt19937_64& rng) const {
  return extreme_architecture(space_, random_architecture(rng), true);
}

space::Architecture SupernetImpl::smallest_architecture(std::mt19937_64& rng) const {
  return extreme_architecture(space_, random_architecture(rng), false);
}

Result<Supernet> make_supernet(const space::SearchSpace& space, const SupernetOptions& options) {
  auto held = held_choices(space);
  if (!held) return held.error();
  try {
    return Supernet(space, options);
  } catch (const c10::Error& e) {
    return Error{"supernet of space '" + space.name() + "': " + std::string(e.what_without_backtrace())};
  }
}

}  // namespace hwnas::supernet
