// palettized_weight_bytes: each layer's weight bytes with a palette of its distinct values and an index per weight.
#include "hwnas/analysis/weight_palette.h"

#include <algorithm>
#include <vector>

namespace hwnas::analysis {

PaletteBytes palettized_weight_bytes(const ir::Graph& graph, int64_t max_palette) {
  PaletteBytes bytes;
  for (const ir::Node& node : graph.nodes()) {
    if (node.kind != ir::OpKind::Conv2d && node.kind != ir::OpKind::ConvTranspose2d && node.kind != ir::OpKind::Linear) continue;
    if (node.params.empty()) continue;
    const ir::Param& weight = node.params[0];
    const int64_t n = weight.shape.numel();
    ++bytes.layers;
    bytes.plain += n;
    int64_t layer = n;
    if (!weight.data.empty()) {
      std::vector<float> values = weight.data;
      std::sort(values.begin(), values.end());
      const auto distinct = static_cast<int64_t>(std::unique(values.begin(), values.end()) - values.begin());
      if (distinct <= std::min<int64_t>(max_palette, 256)) {
        int64_t bits = 1;
        while ((int64_t{1} << bits) < distinct) ++bits;
        const int64_t palettized = (n * bits + 7) / 8 + distinct;
        if (palettized < layer) {
          layer = palettized;
          ++bytes.palettized_layers;
        }
      }
    }
    bytes.palettized += layer;
  }
  return bytes;
}

}  // namespace hwnas::analysis
