// Search spaces: discrete decision variables with ordered choices, and a MobileNet-family macro
// space that decodes an architecture (one choice index per decision) into an ir::Graph.
//
//   space::SpaceContext context{.channel_multiple = target->channel_multiple()};  // curation
//   auto space = space::load_space("spaces/mobilenet_curated.yaml", context);
//   space::Architecture arch = space->minimal_architecture();
//   std::string key = space->canonical_key(arch);     // "resolution=96;depth_multiplier=0.5;..."
//   auto graph = space->decode(arch);                  // an Error (with the reason) when invalid
//
// The YAML format is documented in docs/search.md. Curation is a property of the space:
// `channels: {aligned: P, min: 16, max: 96}` expands to the multiples of the target's
// parallelism factor P in [min, max]; `channels: {min: 16, max: 96}` is the uncurated range in
// steps of one. A space whose `kind` is `custom` has decision variables only (for a user's own
// training script through the external-command evaluator) and decodes to no graph.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/blocks/spec.h"
#include "hwnas/ir/graph.h"

namespace hwnas::space {

// One decision variable: a name ("stage2.kernel") and its ordered choices. Each choice has the
// text it is written as ("fused_ibn", "5", "0.75") and, for numeric choices, its value.
struct Choice {
  std::string label;
  double value = 0;  // numeric choices; categorical choices: their index
};

struct Decision {
  std::string name;
  std::vector<Choice> choices;
  bool numeric = true;  // false: categorical (block type, head)
};

// An architecture: for each decision of the space, the index of its choice.
using Architecture = std::vector<int>;

// What a space needs from the target it is curated for.
struct SpaceContext {
  int64_t channel_multiple = 1;  // the target's parallelism factor P (hw::Target::channel_multiple)
};

enum class HeadKind { Classification, Segmentation, Detection };
std::string_view head_kind_name(HeadKind kind);

// Where a stage field takes its value from: a decision of the space, or a fixed value.
struct FieldRef {
  int decision = -1;  // index into decisions(), or -1 when fixed
  double fixed = 0;
};

// A part of the network kept as it is, spliced in at decode: what `space derive` does not
// recognise (ResNet's 7x7 stem and max pool, branches, heads that reshape and concatenate). Its
// graph (the text format of docs/text-format.md, without weights) reads its Input nodes; its
// shapes are inferred again at every decode, so it follows the resolution where its ops allow.
struct FixedRegion {
  std::string name;  // its key under the space's `fixed:`
  ir::Graph graph;
  std::string text;  // the text it was read from: part of the space version
  // ceil(its input's height / its output's), at the shapes it was written with (a stage or stem's stride).
  int64_t stride = 1;
};

// One stage of the macro space. Every field is a decision (possibly with one choice), except in
// a fixed stage, which has no decisions: `fixed` indexes MacroSpec::fixed and the other fields are unset.
struct StageSpec {
  std::string name;             // "stage1"
  int block_type = -1;          // decision index (categorical: "ibn", "fused_ibn", ...)
  int kernel = -1, expansion = -1, depth = -1, channels = -1;
  // decision index (categorical: "int8", "int16"): the precision the accelerator runs the
  // stage's layers in (mixed precision); -1: the target's own precision
  int precision = -1;
  int64_t stride = 1;           // fixed per stage
  int64_t groups = 2;           // grouped_ibn's groups
  bool squeeze_excite = false;
  std::string squeeze_excite_kind = "mobilenet_v3";  // with squeeze_excite: mobilenet_v3, efficientnet or mnasnet
  std::optional<blocks::Activation> activation;  // the stage's own; unset: the macro's
  int fixed = -1;  // a fixed stage: index into MacroSpec::fixed
};

struct MacroSpec {
  int resolution = -1;          // decision index
  int depth_multiplier = -1;    // decision index
  int64_t input_channels = 3;
  int stem_channels = -1;       // decision index (-1 with a fixed stem)
  int64_t stem_stride = 2;
  int stem_fixed = -1;          // a fixed stem: index into `fixed`
  blocks::Activation activation = blocks::Activation::Relu6;
  std::vector<StageSpec> stages;
  HeadKind head = HeadKind::Classification;
  int64_t num_classes = 10;
  int64_t head_conv_channels = 0;  // classification: 1x1 conv before pooling (0: none)
  int64_t head_hidden = 0;         // classification: linear + activation after pooling (MobileNetV3; 0: none)
  int64_t head_channels = 128;     // segmentation: LR-ASPP inter channels
  int head_channels_decision = -1; // segmentation: a decision for them (head.channels as a list); -1: head_channels
  // segmentation: a decision of the output stride (head.output_stride): the stages that would
  // take the stride past it keep stride 1. -1: the stages' own strides.
  int output_stride = -1;
  std::string low_stage;           // segmentation: the stage whose output is the low-level map; "": the last at stride 8
  std::vector<int64_t> extra_channels{256, 128};  // detection: SSDLite extra layers
  // detection: per extra layer, a decision of its width (head.extraK.channels; extra_channels
  // written with a list for that layer), or -1: extra_channels' value. Empty: none are decisions.
  std::vector<int> extra_channel_decisions;
  std::vector<int64_t> anchors;    // detection: anchors per location of each map; empty: 6 on every map
  // detection: the stride-16 map is the expansion output of the IBN that downsamples to stride 32
  // (TF's ssdlite_mobilenet_v2, torchvision's SSDLite) rather than the last stride-16 stage's output.
  bool tap_expansion = false;
  // A fixed head: index into `fixed`, whose Input nodes read head_inputs in order: "stem",
  // "stageK" (stage K's output) or "stageK.expansion" (the depthwise input of stage K's first block).
  // `head` is then the task it is trained for; the outputs are the fixed graph's.
  int head_fixed = -1;
  std::vector<std::string> head_inputs;
  std::vector<FixedRegion> fixed;
};

class SearchSpace {
 public:
  SearchSpace() = default;

  const std::string& name() const { return name_; }
  const std::vector<Decision>& decisions() const { return decisions_; }
  bool has_network() const { return macro_.has_value(); }
  const std::optional<MacroSpec>& macro() const { return macro_; }
  // A hash of everything the space decodes with (decisions and macro structure), hex: stored
  // with every experiment so that a resumed run can check it searches the same space.
  const std::string& version() const { return version_; }
  // log10 of the number of architectures.
  double log10_size() const;

  // Checks the indices are in range; the error names the decision.
  Status check(const Architecture& arch) const;
  // `arch` with the choices that cannot change the network normalised (the expansion of a
  // standard conv stage reset to index 0; a stage depth replaced by the first choice that the
  // depth multiplier rounds to the same block count), so equal networks get equal keys.
  Architecture canonicalize(const Architecture& arch) const;
  // "name=label;name=label;..." of the canonical architecture, in decision order.
  std::string canonical_key(const Architecture& arch) const;
  // A 64-bit FNV-1a hash of canonical_key, as 16 hex digits.
  std::string canonical_hash(const Architecture& arch) const;
  // The inverse of canonical_key (also accepts a key of a non-canonical architecture).
  Result<Architecture> parse_key(std::string_view key) const;

  // The network of `arch`; an Error saying why when the architecture is invalid (an index out
  // of range, a resolution the strides cannot divide, a grouped conv whose groups do not divide
  // its width, a custom space without a network). Never crashes.
  Result<ir::Graph> decode(const Architecture& arch) const;

  // Every numeric decision at its smallest value, every categorical one at its first choice.
  Architecture minimal_architecture() const;
  // minimal_architecture with every stage's block type set to each of the block choices
  // common to all stages: the candidates among which the cheapest network of the space lies.
  std::vector<Architecture> minimal_architectures() const;

  // The decisions and the values of `arch`, as YAML ("stage1.kernel: 5" per line).
  std::string architecture_yaml(const Architecture& arch) const;

 private:
  friend Result<SearchSpace> parse_space(std::string_view, std::string_view, const SpaceContext&);
  std::string name_;
  std::vector<Decision> decisions_;
  std::optional<MacroSpec> macro_;
  std::string version_;
};

// Parses a space from YAML text; errors name `source_name`, the line and the field (an unknown
// field with a did-you-mean suggestion).
Result<SearchSpace> parse_space(std::string_view text, std::string_view source_name, const SpaceContext& context);
Result<SearchSpace> load_space(const std::string& path, const SpaceContext& context);

// The blocks of a stage of `depth` under the global depth multiplier: max(1, ceil(depth x multiplier)).
int64_t stage_depth(double depth, double depth_multiplier);

// The built-in spaces (mobilenet_, fashion_mnist_ and composite_segmentation_ curated and uncurated): their YAML text.
std::vector<std::string> builtin_space_names();
std::optional<std::string_view> builtin_space_yaml(std::string_view name);
// A built-in name, or a path to a YAML file.
Result<SearchSpace> load_space_by_name(const std::string& name_or_path, const SpaceContext& context);

}  // namespace hwnas::space
