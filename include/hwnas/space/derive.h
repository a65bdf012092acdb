// Deriving a search space from an existing network: its baseline point is the network itself.
//
//   auto graph = onnx_io::import_onnx_file("mobilenet_v2.onnx");
//   auto derived = space::derive_space(*graph, {.channel_multiple = 32, .name = "mobilenet_v2"});
//   if (!derived) std::cerr << derived.error().message;   // names the node the matcher stopped at
//   std::ofstream("mobilenet_v2_space.yaml") << derived->yaml;
//   // derived->baseline_key decodes to a network with the input's parameters and MACs
//
// The matcher walks the network from its input: a stem (3x3 conv + activation), then blocks —
// inverted bottlenecks (1x1 expand + act, kxk depthwise + act, 1x1 linear project; without the
// expand when the expansion is 1), fused IBNs (kxk conv + act, 1x1 linear project; at expansion 1
// a kxk conv + act added to its input), standard
// convs (kxk conv + act) — each with the residual add when it has one, then a classification
// head ([1x1 conv + act], global average pool, flatten, linear) or an SSDLite head (the graph's
// outputs are per-map box and class predictor convs after a depthwise conv; extra layers after the
// backbone; the stride-16 map a stage output or an IBN's expansion output). Batch norms may be folded into
// the convs or not. Consecutive blocks of one type, kernel, expansion and width form a stage
// (a new stage starts at a stride); so do blocks of another activation or with MobileNetV3's
// squeeze-excite (the stage's own activation and squeeze_excite fields). The stem's activation is
// the space's, which the head shares.
//
// The space it writes (docs/search.md's macro format) searches what the article searched around
// a product network: per stage the block type (IBN <-> fused IBN), the kernel, the expansion, the
// depth and the width (the baseline's width and the multiples of the target's parallelism factor
// P between half and one and a half times it), the stem width, a global depth multiplier and the
// input resolution. Each decision lists the baseline's own value, so the baseline is a point of
// the space; derive_space decodes it and checks that it has the input's parameters (batch norms
// folded) and MACs.
//
// What the matcher does not recognise is kept as it is: the network is cut where nothing passes
// over (no skip edge), and each run of unrecognised layers between cuts (ResNet's 7x7 stem and max
// pool, a branchy block, a dilated one) becomes a fixed stage, written in the text format under
// the space's `fixed:` and spliced in at decode; a head other than the two above (LR-ASPP,
// DeepLab's ASPP, heads that reshape and concatenate) becomes a fixed head reading the stage
// outputs it reads (it starts after the last block the matcher recognises). The widths a fixed
// part reads are held at the network's, and the resolutions kept are those at which every output
// still scales with the input. DerivedSpace::fixed_parts lists the fixed parts and why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/space/space.h"

namespace hwnas::space {

struct DeriveOptions {
  int64_t channel_multiple = 1;  // the target's parallelism factor P; 1: widths in steps of 8
  std::string name = "derived";  // the space's name
  std::string source;            // where the network came from, for the file's header comment
  int max_width_options = 5;     // width choices per stage at most (the baseline's always kept)
};

struct DerivedStage {
  std::string block;  // "ibn", "fused_ibn", "conv"
  int64_t kernel = 3, stride = 1, depth = 1, channels = 0;
  double expansion = 1;
  std::string activation;       // "relu6", "hard_swish", ...
  std::string squeeze_excite;  // "" (none), "mobilenet_v3", "efficientnet" or "mnasnet"
  bool width_fixed = false;    // a fixed region or head reads its output: one width
  bool type_fixed = false;     // the head reads its first block's expansion output: it stays that IBN
  std::string fixed;  // a fixed stage (block "fixed"): its region's name, listed in DerivedSpace::fixed_parts
};

// A part of the network kept as it is: the stem, a stage or the head.
struct FixedPart {
  std::string name;  // "stem", "stage3", "head"
  int64_t nodes = 0;
  std::string ops;   // "add, batch_norm x2, conv2d x2, relu x2"
  std::string first, last;  // the network's names of its first and last node
  std::string reason;       // what the matcher expected where it stopped
};

struct DerivedSpace {
  std::string yaml;          // the space, in the macro format of docs/search.md
  std::string baseline_key;  // the canonical key of the input network in that space
  std::vector<DerivedStage> stages;
  std::vector<FixedPart> fixed_parts;  // in network order
  int64_t params = 0, macs = 0;  // of the input network (batch norms folded), equal to the baseline's
};

Result<DerivedSpace> derive_space(const ir::Graph& graph, const DeriveOptions& options = {});

// The baseline point of a derived space with `network`'s trained weights: `arch` decoded, its
// batch norms folded into the convs (as an exporter folds them), and every layer with weights (conv,
// linear, a batch norm left unfolded, a fixed region's layers) given those of the network's (also
// folded) layer at the same position in node order.
// Its layer names are the space's ("stage2.block0.expand"), so expert::transfer_weights can hand
// these weights on to any other point of the space wherever a layer keeps its name and shape: a
// search's winner fine-tunes from the network it was derived from instead of training from scratch.
// Errors: the network has no weights, or a layer's weight shape differs (not the space's baseline).
Result<ir::Graph> baseline_with_weights(const ir::Graph& network, const SearchSpace& space, const Architecture& arch);

}  // namespace hwnas::space
