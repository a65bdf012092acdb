// Reads the search-space YAML (docs/search.md) into a SearchSpace; every error names file, line and field.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "hwnas/space/space.h"
#include "hwnas/text/strict_yaml.h"
#include "hwnas/text/yaml_format.h"
#include "space_detail.h"

namespace hwnas::space {
namespace {

using Reader = text::StrictYaml;
// Integers in a space (channels, strides, counts) stay far below int overflow in shape arithmetic.
constexpr double kMaxSpaceInteger = 1e9;

// Numeric choices: a scalar, a list, {min, max, step}, or {aligned: P|n, min, max | values, max_options}.
struct NumericRule {
  bool integer = true;
  double min_value = 0;      // smallest allowed value (exclusive when min_exclusive)
  bool min_exclusive = false;
  bool odd = false;
  bool allow_ranges = true;  // {min, max, ...} forms
};

std::string number_label(double value, const std::string& written) {
  if (!written.empty()) return written;
  if (value == std::floor(value) && std::fabs(value) < 1e15) return std::to_string(static_cast<int64_t>(value));
  std::ostringstream out;
  out << value;
  return out.str();
}

Result<Decision> numeric_decision(const Reader& r, const YAML::Node& node, const std::string& field,
                                  const NumericRule& rule, const SpaceContext& context) {
  Decision d;
  d.name = field;
  d.numeric = true;
  std::vector<std::pair<double, std::string>> values;  // value, written label
  auto add_value = [&](const YAML::Node& item) -> Status {
    auto v = rule.integer ? Result<double>(0.0) : r.number(item, field);
    if (rule.integer) {
      auto i = r.integer(item, field, kMaxSpaceInteger);
      if (!i) return i.error();
      v = static_cast<double>(*i);
    }
    if (!v) return v.error();
    values.push_back({*v, rule.integer ? "" : item.Scalar()});
    return {};
  };
  if (!node.IsDefined() || node.IsNull()) return r.error_at(node, field, "missing");
  if (node.IsScalar()) {
    if (Status s = add_value(node); !s) return s.error();
  } else if (node.IsSequence()) {
    for (const auto& item : node)
      if (Status s = add_value(item); !s) return s.error();
  } else if (node.IsMap() && rule.allow_ranges) {
    if (Status s = r.check_fields(node, field, {"aligned", "min", "max", "step", "values", "max_options"}); !s)
      return s.error();
    int64_t step = 1;
    bool aligned = false;
    if (node["aligned"]) {
      aligned = true;
      const YAML::Node a = node["aligned"];
      if (a.IsScalar() && a.Scalar() == "P") {
        step = std::max<int64_t>(1, context.channel_multiple);
      } else {
        auto n = r.integer(a, field + ".aligned", kMaxSpaceInteger);
        if (!n) return n.error();
        if (*n < 1) return r.error_at(a, field + ".aligned", "must be P (the target's parallelism factor) or a positive integer");
        step = *n;
      }
      if (node["step"]) return r.error_at(node["step"], field + ".step", "give either aligned or step, not both");
    } else if (node["step"]) {
      auto s = r.integer(node["step"], field + ".step", kMaxSpaceInteger);
      if (!s) return s.error();
      if (*s < 1) return r.error_at(node["step"], field + ".step", "must be a positive integer");
      step = *s;
    }
    if (node["values"]) {
      if (node["min"] || node["max"]) return r.error_at(node, field, "give either values or min and max, not both");
      if (!node["values"].IsSequence()) return r.error_at(node["values"], field + ".values", "expected a list");
      for (const auto& item : node["values"]) {
        auto i = r.integer(item, field + ".values", kMaxSpaceInteger);
        if (!i) return i.error();
        if (*i % step != 0)
          return r.error_at(item, field + ".values",
                            std::to_string(*i) + " is not a multiple of the alignment " + std::to_string(step) +
                                (aligned ? " (the target's parallelism factor)" : ""));
        values.push_back({static_cast<double>(*i), ""});
      }
    } else {
      if (!node["min"] || !node["max"]) return r.error_at(node, field, "a range needs min and max");
      auto lo = r.integer(node["min"], field + ".min", kMaxSpaceInteger);
      if (!lo) return lo.error();
      auto hi = r.integer(node["max"], field + ".max", kMaxSpaceInteger);
      if (!hi) return hi.error();
      if (*lo > *hi) return r.error_at(node, field, "min " + std::to_string(*lo) + " is above max " + std::to_string(*hi));
      if (*hi - *lo > 100000) return r.error_at(node, field, "range too large");
      const int64_t first = aligned ? ((*lo + step - 1) / step) * step : *lo;
      for (int64_t v = first; v <= *hi; v += step) values.push_back({static_cast<double>(v), ""});
      if (values.empty())
        return r.error_at(node, field,
                          "no multiple of " + std::to_string(step) + " in [" + std::to_string(*lo) + ", " +
                              std::to_string(*hi) + "]");
    }
    if (node["max_options"]) {
      auto m = r.integer(node["max_options"], field + ".max_options", kMaxSpaceInteger);
      if (!m) return m.error();
      if (*m < 1) return r.error_at(node["max_options"], field + ".max_options", "must be at least 1");
      // Few, far-apart options: keep max_options values evenly spread, the ends included.
      if (static_cast<int64_t>(values.size()) > *m) {
        std::vector<std::pair<double, std::string>> kept;
        const size_t n = values.size();
        for (int64_t k = 0; k < *m; ++k) {
          const size_t index = *m == 1 ? 0 : static_cast<size_t>(std::llround(static_cast<double>(k) * (n - 1) / (*m - 1)));
          if (kept.empty() || kept.back().first != values[index].first) kept.push_back(values[index]);
        }
        values = kept;
      }
    }
  } else {
    return r.error_at(node, field, "expected a value, a list of values or a range");
  }
  if (values.empty()) return r.error_at(node, field, "empty list of choices");
  std::set<double> seen;
  for (const auto& [v, written] : values) {
    if (!seen.insert(v).second) return r.error_at(node, field, "choice " + number_label(v, written) + " appears twice");
    if (rule.min_exclusive ? v <= rule.min_value : v < rule.min_value)
      return r.error_at(node, field,
                        "choice " + number_label(v, written) + " must be " + (rule.min_exclusive ? "above " : "at least ") +
                            number_label(rule.min_value, ""));
    if (rule.odd && static_cast<int64_t>(v) % 2 == 0)
      return r.error_at(node, field, "choice " + number_label(v, written) + " must be odd");
    d.choices.push_back({number_label(v, written), v});
  }
  return d;
}

// A categorical decision: one label or a list of labels, each one of `names`; `what` names the
// kind of choice in errors ("block", "precision").
Result<Decision> categorical_decision(const Reader& r, const YAML::Node& node, const std::string& field,
                                      const std::vector<std::string>& names, const std::string& what) {
  Decision d;
  d.name = field;
  d.numeric = false;
  std::vector<YAML::Node> items;
  if (node.IsScalar()) {
    items.push_back(node);
  } else if (node.IsSequence()) {
    for (const auto& item : node) items.push_back(item);
  } else {
    return r.error_at(node, field, "expected a " + what + " or a list of them");
  }
  if (items.empty()) return r.error_at(node, field, "empty list of choices");
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  for (const auto& item : items) {
    auto t = r.text(item, field);
    if (!t) return t.error();
    if (std::find(names.begin(), names.end(), *t) == names.end())
      return r.error_at(item, field, "unknown " + what + " '" + *t + "'" + detail::did_you_mean(*t, names) + " (" + what + "s: " + listed + ")");
    for (const auto& c : d.choices)
      if (c.label == *t) return r.error_at(item, field, what + " '" + *t + "' appears twice");
    d.choices.push_back({*t, static_cast<double>(d.choices.size())});
  }
  return d;
}

// The space's `fixed:` map: each name's text-format graph (docs/text-format.md). Weights written
// there are never used: decode builds the region's layers afresh.
Result<std::vector<FixedRegion>> fixed_regions(const Reader& r, const YAML::Node& node) {
  std::vector<FixedRegion> regions;
  if (!node) return regions;
  if (!node.IsMap()) return r.error_at(node, "fixed", "expected a map of names to networks in the text format");
  for (const auto& item : node) {
    auto name = r.text(item.first, "fixed");
    if (!name) return name.error();
    const std::string field = "fixed." + *name;
    auto text = r.text(item.second, field);
    if (!text) return text.error();
    auto graph = text::from_yaml(*text, r.source() + ": " + field);
    if (!graph) return graph.error();
    if (graph->inputs().empty()) return r.error_at(item.second, field, "a fixed region needs at least one input node");
    regions.push_back({*name, std::move(*graph), *text, 1});
  }
  return regions;
}

// The index of the fixed region `name`, checked to read one [N, C, H, W] tensor and return one
// (a stem or a stage), with its stride set.
Result<int> fixed_stage(const Reader& r, const YAML::Node& node, const std::string& field, std::vector<FixedRegion>& regions) {
  auto name = r.text(node, field);
  if (!name) return name.error();
  for (size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].name != *name) continue;
    const ir::Graph& g = regions[i].graph;
    if (g.inputs().size() != 1 || g.outputs().size() != 1)
      return r.error_at(node, field, "fixed region '" + *name + "' has " + std::to_string(g.inputs().size()) + " inputs and " +
                                         std::to_string(g.outputs().size()) + " outputs; a stem or stage reads one and returns one");
    const ir::Shape& in = g.node(g.inputs()[0]).shape;
    const ir::Shape& out = g.node(g.outputs()[0]).shape;
    if (in.rank() != 4 || out.rank() != 4 || out.h() < 1 || out.h() > in.h())
      return r.error_at(node, field, "fixed region '" + *name + "' maps [" + in.to_string() + "] to [" + out.to_string() +
                                         "]; a stem or stage maps [N, C, H, W] to [N, C', ceil(H / s), ceil(W / s)]");
    regions[i].stride = (in.h() + out.h() - 1) / out.h();
    return static_cast<int>(i);
  }
  std::vector<std::string> names;
  for (const FixedRegion& f : regions) names.push_back(f.name);
  return r.error_at(node, field, "no fixed region '" + *name + "' under fixed:" + detail::did_you_mean(*name, names));
}

// head: {fixed: NAME, inputs: [stem | stageK | stageK.expansion, ...]}: the fixed region's Input
// nodes, in order, read those tensors.
Status fixed_head(const Reader& r, const YAML::Node& head, MacroSpec& macro) {
  if (!head["fixed"]) {
    if (head["inputs"]) return r.error_at(head["inputs"], "head.inputs", "is a field of a fixed head (head.fixed)");
    return {};
  }
  for (const char* key : {"conv_channels", "hidden", "channels", "extra_channels", "anchors", "tap", "output_stride", "low"})
    if (head[key]) return r.error_at(head[key], std::string("head.") + key, "a fixed head has its own layers; give only type, classes, fixed and inputs");
  auto name = r.text(head["fixed"], "head.fixed");
  if (!name) return name.error();
  for (size_t i = 0; i < macro.fixed.size(); ++i)
    if (macro.fixed[i].name == *name) macro.head_fixed = static_cast<int>(i);
  if (macro.head_fixed < 0) return r.error_at(head["fixed"], "head.fixed", "no fixed region '" + *name + "' under fixed:");
  const YAML::Node inputs = head["inputs"];
  if (!inputs || !inputs.IsSequence()) return r.error_at(head, "head.inputs", "a fixed head needs the list of tensors its inputs read");
  const size_t wanted = macro.fixed[static_cast<size_t>(macro.head_fixed)].graph.inputs().size();
  if (inputs.size() != wanted)
    return r.error_at(inputs, "head.inputs", "lists " + std::to_string(inputs.size()) + " tensors; fixed region '" + *name +
                                                 "' has " + std::to_string(wanted) + " input nodes");
  for (const auto& item : inputs) {
    auto tap = r.text(item, "head.inputs");
    if (!tap) return tap.error();
    bool known = *tap == "stem";
    for (size_t k = 1; k <= macro.stages.size() && !known; ++k)
      known = *tap == "stage" + std::to_string(k) || *tap == "stage" + std::to_string(k) + ".expansion";
    if (!known)
      return r.error_at(item, "head.inputs", "'" + *tap + "' is not stem, stageK or stageK.expansion for K in 1.." +
                                                 std::to_string(macro.stages.size()));
    macro.head_inputs.push_back(*tap);
  }
  return {};
}

Result<SearchSpace> parse_custom(const Reader& r, const YAML::Node& root, SearchSpace space,
                                 std::vector<Decision>& decisions) {
  const YAML::Node list = root["decisions"];
  if (!list) return r.error_at(root, "decisions", "a custom space needs a list of decisions");
  if (!list.IsSequence() || list.size() == 0) return r.error_at(list, "decisions", "expected a non-empty list");
  std::set<std::string> names;
  for (const auto& item : list) {
    if (Status s = r.check_fields(item, "decisions[]", {"name", "choices"}); !s) return s.error();
    auto name = r.text(item["name"], "decisions[].name");
    if (!name) return name.error();
    if (!names.insert(*name).second) return r.error_at(item, "decisions." + *name, "decision appears twice");
    const YAML::Node choices = item["choices"];
    const std::string field = "decisions." + *name + ".choices";
    if (!choices || !choices.IsSequence()) return r.error_at(item, field, "expected a list of choices");
    if (choices.size() == 0) return r.error_at(choices, field, "empty list of choices");
    Decision d;
    d.name = *name;
    d.numeric = true;
    for (const auto& c : choices) {
      if (!c.IsScalar()) return r.error_at(c, field, "a choice must be a scalar");
      char* end = nullptr;
      const double v = std::strtod(c.Scalar().c_str(), &end);
      const bool is_number = !c.Scalar().empty() && end == c.Scalar().c_str() + c.Scalar().size() && std::isfinite(v);
      if (!is_number) d.numeric = false;
      for (const auto& seen : d.choices)
        if (seen.label == c.Scalar()) return r.error_at(c, field, "choice '" + c.Scalar() + "' appears twice");
      d.choices.push_back({c.Scalar(), is_number ? v : static_cast<double>(d.choices.size())});
    }
    if (!d.numeric)
      for (size_t i = 0; i < d.choices.size(); ++i) d.choices[i].value = static_cast<double>(i);
    decisions.push_back(std::move(d));
  }
  return space;
}

}  // namespace

Result<SearchSpace> parse_space(std::string_view text, std::string_view source_name, const SpaceContext& context) {
  Reader r{std::string(source_name)};
  auto loaded = text::load_yaml_text(text, r.source());
  if (!loaded) return loaded.error();
  const YAML::Node root = *loaded;
  if (!root.IsMap()) return Error{r.source() + ": expected a map with name, input, stages and head"};
  try {
    SearchSpace space;
    std::vector<Decision> decisions;
    auto add = [&](Decision d) {
      decisions.push_back(std::move(d));
      return static_cast<int>(decisions.size()) - 1;
    };
    std::string kind = "macro";
    if (root["kind"]) {
      auto k = r.text(root["kind"], "kind");
      if (!k) return k.error();
      if (*k != "macro" && *k != "custom") return r.error_at(root["kind"], "kind", "'" + *k + "' is not macro or custom");
      kind = *k;
    }
    if (!root["name"]) return r.error_at(root, "name", "missing");
    auto name = r.text(root["name"], "name");
    if (!name) return name.error();
    space.name_ = *name;

    if (kind == "custom") {
      if (Status s = r.check_fields(root, "", {"name", "kind", "decisions"}); !s) return s.error();
      auto custom = parse_custom(r, root, space, decisions);
      if (!custom) return custom.error();
      space = std::move(*custom);
      space.decisions_ = std::move(decisions);
      space.version_ = detail::space_version(space);
      return space;
    }

    if (Status s = r.check_fields(root, "", {"name", "kind", "input", "depth_multiplier", "activation", "stem", "stages", "head", "fixed"}); !s)
      return s.error();
    MacroSpec macro;
    auto regions = fixed_regions(r, root["fixed"]);
    if (!regions) return regions.error();
    macro.fixed = std::move(*regions);
    // input
    const YAML::Node input = root["input"];
    if (!input) return r.error_at(root, "input", "missing (input: {resolution: [...], channels: 3})");
    if (Status s = r.check_fields(input, "input", {"resolution", "channels"}); !s) return s.error();
    auto resolution = numeric_decision(r, input["resolution"], "resolution", {.min_value = 8}, context);
    if (!resolution) return resolution.error();
    macro.resolution = add(std::move(*resolution));
    if (input["channels"]) {
      auto c = r.integer(input["channels"], "input.channels", kMaxSpaceInteger);
      if (!c) return c.error();
      if (*c < 1) return r.error_at(input["channels"], "input.channels", "must be at least 1");
      macro.input_channels = *c;
    }
    // depth multiplier
    if (root["depth_multiplier"]) {
      auto m = numeric_decision(r, root["depth_multiplier"], "depth_multiplier",
                                {.integer = false, .min_value = 0, .min_exclusive = true, .allow_ranges = false}, context);
      if (!m) return m.error();
      macro.depth_multiplier = add(std::move(*m));
    }
    if (root["activation"]) {
      auto a = r.text(root["activation"], "activation");
      if (!a) return a.error();
      auto act = blocks::activation_from_name(*a);
      if (!act) return r.error_at(root["activation"], "activation", "unknown activation '" + *a + "'");
      macro.activation = *act;
    }
    // stem
    const YAML::Node stem = root["stem"];
    if (!stem) return r.error_at(root, "stem", "missing (stem: {channels: ..., stride: 2})");
    if (Status s = r.check_fields(stem, "stem", {"channels", "stride", "fixed"}); !s) return s.error();
    if (stem["fixed"]) {
      if (stem["channels"] || stem["stride"])
        return r.error_at(stem, "stem", "a fixed stem has no channels or stride: they are its graph's");
      auto f = fixed_stage(r, stem["fixed"], "stem.fixed", macro.fixed);
      if (!f) return f.error();
      macro.stem_fixed = *f;
      macro.stem_stride = macro.fixed[static_cast<size_t>(*f)].stride;
    } else {
    auto stem_channels = numeric_decision(r, stem["channels"], "stem.channels", {.min_value = 1}, context);
    if (!stem_channels) return stem_channels.error();
    macro.stem_channels = add(std::move(*stem_channels));
    if (stem["stride"]) {
      auto s = r.integer(stem["stride"], "stem.stride", kMaxSpaceInteger);
      if (!s) return s.error();
      if (*s != 1 && *s != 2) return r.error_at(stem["stride"], "stem.stride", "must be 1 or 2");
      macro.stem_stride = *s;
    }
    }
    // stages
    const YAML::Node stages = root["stages"];
    if (!stages) return r.error_at(root, "stages", "missing");
    if (!stages.IsSequence() || (stages.size() == 0 && macro.stem_fixed < 0))
      return r.error_at(stages, "stages", "expected a non-empty list of stages (an empty one only after a fixed stem)");
    int index = 0;
    for (const auto& stage_node : stages) {
      ++index;
      StageSpec stage;
      stage.name = "stage" + std::to_string(index);
      const std::string& p = stage.name;
      if (stage_node.IsMap() && stage_node["fixed"]) {
        if (Status s = r.check_fields(stage_node, p, {"fixed"}); !s) return s.error();
        auto f = fixed_stage(r, stage_node["fixed"], p + ".fixed", macro.fixed);
        if (!f) return f.error();
        stage.fixed = *f;
        stage.stride = macro.fixed[static_cast<size_t>(*f)].stride;
        macro.stages.push_back(stage);
        continue;
      }
      if (Status s = r.check_fields(stage_node, p, {"block", "kernel", "expansion", "depth", "channels", "stride", "groups", "squeeze_excite", "activation", "precision"}); !s)
        return s.error();
      auto block = categorical_decision(r, stage_node["block"] ? stage_node["block"] : YAML::Node("ibn"), p + ".block",
                                        {"ibn", "fused_ibn", "grouped_ibn", "conv"}, "block");
      if (!block) return block.error();
      stage.block_type = add(std::move(*block));
      auto kernel = numeric_decision(r, stage_node["kernel"] ? stage_node["kernel"] : YAML::Node(3), p + ".kernel",
                                     {.min_value = 1, .odd = true}, context);
      if (!kernel) return kernel.error();
      stage.kernel = add(std::move(*kernel));
      auto expansion = numeric_decision(r, stage_node["expansion"] ? stage_node["expansion"] : YAML::Node(6), p + ".expansion",
                                        {.integer = false, .min_value = 0, .min_exclusive = true, .allow_ranges = false}, context);
      if (!expansion) return expansion.error();
      stage.expansion = add(std::move(*expansion));
      auto depth = numeric_decision(r, stage_node["depth"] ? stage_node["depth"] : YAML::Node(1), p + ".depth", {.min_value = 1}, context);
      if (!depth) return depth.error();
      stage.depth = add(std::move(*depth));
      if (!stage_node["channels"]) return r.error_at(stage_node, p + ".channels", "missing");
      auto channels = numeric_decision(r, stage_node["channels"], p + ".channels", {.min_value = 1}, context);
      if (!channels) return channels.error();
      stage.channels = add(std::move(*channels));
      if (stage_node["stride"]) {
        auto s = r.integer(stage_node["stride"], p + ".stride", kMaxSpaceInteger);
        if (!s) return s.error();
        if (*s != 1 && *s != 2) return r.error_at(stage_node["stride"], p + ".stride", "must be 1 or 2");
        stage.stride = *s;
      }
      if (stage_node["groups"]) {
        auto g = r.integer(stage_node["groups"], p + ".groups", kMaxSpaceInteger);
        if (!g) return g.error();
        if (*g < 1) return r.error_at(stage_node["groups"], p + ".groups", "must be at least 1");
        stage.groups = *g;
      }
      if (stage_node["squeeze_excite"]) {
        const YAML::Node se = stage_node["squeeze_excite"];
        const std::string v = se.IsScalar() ? se.Scalar() : "";
        if (v != "true" && v != "false" && v != "mobilenet_v3" && v != "efficientnet" && v != "mnasnet")
          return r.error_at(se, p + ".squeeze_excite",
                            "expected true or false, or the kind: mobilenet_v3 (true), efficientnet or mnasnet");
        stage.squeeze_excite = v != "false";
        if (v != "true" && v != "false") stage.squeeze_excite_kind = v;
      }
      if (stage_node["activation"]) {
        auto a = r.text(stage_node["activation"], p + ".activation");
        if (!a) return a.error();
        auto act = blocks::activation_from_name(*a);
        if (!act || *act == blocks::Activation::None)
          return r.error_at(stage_node["activation"], p + ".activation", "unknown activation '" + *a + "'");
        stage.activation = *act;
      }
      if (stage_node["precision"]) {  // mixed precision: the stage's layers at int8 or int16
        auto precision = categorical_decision(r, stage_node["precision"], p + ".precision", {"int8", "int16"}, "precision");
        if (!precision) return precision.error();
        stage.precision = add(std::move(*precision));
      }
      macro.stages.push_back(stage);
    }
    // head
    const YAML::Node head = root["head"];
    if (head) {
      if (Status s = r.check_fields(head, "head", {"type", "classes", "conv_channels", "hidden", "channels", "extra_channels", "anchors", "tap", "fixed", "inputs",
                                           "output_stride", "low"}); !s)
        return s.error();
      if (head["type"]) {
        auto t = r.text(head["type"], "head.type");
        if (!t) return t.error();
        const std::vector<std::string> kinds{"classification", "segmentation", "detection"};
        if (*t == "classification") macro.head = HeadKind::Classification;
        else if (*t == "segmentation") macro.head = HeadKind::Segmentation;
        else if (*t == "detection") macro.head = HeadKind::Detection;
        else return r.error_at(head["type"], "head.type", "unknown head '" + *t + "'" + detail::did_you_mean(*t, kinds) + " (heads: classification, segmentation, detection)");
      }
      auto positive = [&](const char* key, int64_t& out) -> Status {
        if (!head[key]) return {};
        auto v = r.integer(head[key], std::string("head.") + key, kMaxSpaceInteger);
        if (!v) return v.error();
        if (*v < 0 || (*v == 0 && std::string(key) != "conv_channels" && std::string(key) != "hidden"))
          return r.error_at(head[key], std::string("head.") + key, "must be positive");
        out = *v;
        return {};
      };
      if (Status s = positive("classes", macro.num_classes); !s) return s.error();
      if (Status s = positive("conv_channels", macro.head_conv_channels); !s) return s.error();
      if (Status s = positive("hidden", macro.head_hidden); !s) return s.error();
      if (macro.head_hidden > 0 && macro.head != HeadKind::Classification)
        return r.error_at(head["hidden"], "head.hidden", "is a field of the classification head");
      if (head["channels"] && (head["channels"].IsSequence() || head["channels"].IsMap())) {
        if (macro.head != HeadKind::Segmentation)
          return r.error_at(head["channels"], "head.channels", "a list of widths is a decision of the segmentation head only");
        auto d = numeric_decision(r, head["channels"], "head.channels", {.min_value = 1}, context);
        if (!d) return d.error();
        macro.head_channels = static_cast<int64_t>(d->choices.front().value);
        macro.head_channels_decision = add(std::move(*d));
      } else if (Status s = positive("channels", macro.head_channels); !s) {
        return s.error();
      }
      if (head["output_stride"]) {
        if (macro.head != HeadKind::Segmentation)
          return r.error_at(head["output_stride"], "head.output_stride", "is a field of the segmentation head");
        auto d = numeric_decision(r, head["output_stride"], "head.output_stride", {.min_value = 16}, context);
        if (!d) return d.error();
        for (const Choice& c : d->choices) {
          const auto v = static_cast<int64_t>(c.value);
          if ((v & (v - 1)) != 0)
            return r.error_at(head["output_stride"], "head.output_stride", "choice " + c.label + " is not a power of two");
        }
        macro.output_stride = add(std::move(*d));
      }
      if (head["low"]) {
        if (macro.head != HeadKind::Segmentation) return r.error_at(head["low"], "head.low", "is a field of the segmentation head");
        auto low = r.text(head["low"], "head.low");
        if (!low) return low.error();
        bool known = false;
        for (size_t k = 1; k <= macro.stages.size(); ++k) known = known || *low == "stage" + std::to_string(k);
        if (!known)
          return r.error_at(head["low"], "head.low", "'" + *low + "' is not stageK for K in 1.." + std::to_string(macro.stages.size()));
        macro.low_stage = *low;
      }
      if (head["extra_channels"]) {
        const YAML::Node extra = head["extra_channels"];
        if (!extra.IsSequence()) return r.error_at(extra, "head.extra_channels", "expected a list");
        macro.extra_channels.clear();
        bool any_decision = false;
        std::vector<int> decisions_of_extras;
        for (const auto& e : extra) {
          if (e.IsSequence() || e.IsMap()) {  // this layer's width is a decision
            if (macro.head != HeadKind::Detection)
              return r.error_at(e, "head.extra_channels", "a list of widths is a decision of the detection head only");
            const std::string name = "head.extra" + std::to_string(macro.extra_channels.size() + 1) + ".channels";
            auto d = numeric_decision(r, e, name, {.min_value = 2}, context);
            if (!d) return d.error();
            macro.extra_channels.push_back(static_cast<int64_t>(d->choices.front().value));
            decisions_of_extras.push_back(add(std::move(*d)));
            any_decision = true;
            continue;
          }
          auto v = r.integer(e, "head.extra_channels", kMaxSpaceInteger);
          if (!v) return v.error();
          if (*v < 2) return r.error_at(e, "head.extra_channels", "must be at least 2");
          macro.extra_channels.push_back(*v);
          decisions_of_extras.push_back(-1);
        }
        if (any_decision) macro.extra_channel_decisions = decisions_of_extras;
      }
      if (head["anchors"]) {
        const YAML::Node anchors = head["anchors"];
        if (!anchors.IsSequence()) return r.error_at(anchors, "head.anchors", "expected a list (anchors per location of each map)");
        for (const auto& a : anchors) {
          auto v = r.integer(a, "head.anchors", kMaxSpaceInteger);
          if (!v) return v.error();
          if (*v < 1) return r.error_at(a, "head.anchors", "must be at least 1");
          macro.anchors.push_back(*v);
        }
        if (macro.anchors.size() != macro.extra_channels.size() + 2)
          return r.error_at(anchors, "head.anchors",
                            "lists " + std::to_string(macro.anchors.size()) + " maps; the head has " +
                                std::to_string(macro.extra_channels.size() + 2) + " (two backbone maps + extra_channels)");
      }
      if (head["tap"]) {
        auto tap = r.text(head["tap"], "head.tap");
        if (!tap) return tap.error();
        if (*tap != "stage_output" && *tap != "expansion")
          return r.error_at(head["tap"], "head.tap", "unknown tap '" + *tap + "' (stage_output or expansion)");
        macro.tap_expansion = *tap == "expansion";
      }
      if ((head["anchors"] || head["tap"]) && macro.head != HeadKind::Detection)
        return r.error_at(head, "head", "anchors and tap are fields of the detection head");
      if (Status s = fixed_head(r, head, macro); !s) return s.error();
    }
    for (size_t i = 0; i < macro.fixed.size(); ++i) {
      bool used = macro.stem_fixed == static_cast<int>(i) || macro.head_fixed == static_cast<int>(i);
      for (const StageSpec& st : macro.stages) used = used || st.fixed == static_cast<int>(i);
      if (!used) return r.error_at(root["fixed"], "fixed." + macro.fixed[i].name, "is used by no stem, stage or head");
    }
    space.decisions_ = std::move(decisions);
    space.macro_ = std::move(macro);
    space.version_ = detail::space_version(space);
    return space;
  } catch (const YAML::Exception& e) {
    return Error{r.source() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

Result<SearchSpace> load_space(const std::string& path, const SpaceContext& context) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot open the search-space file"};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_space(buffer.str(), path, context);
}

}  // namespace hwnas::space
