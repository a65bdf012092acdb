// Weight bytes as a palette weight decoder stores them: a layer whose weights take few distinct values
// (after weight clustering) keeps a palette of those values and an index per weight.
//
//   analysis::PaletteBytes b = analysis::palettized_weight_bytes(clustered_graph);
//   b.plain;       // conv / linear weights at one byte each (int8)
//   b.palettized;  // each layer with at most 256 distinct values: ceil(n x ceil(log2 d) / 8) + d bytes
//
// Ethos-U's weight decoder, for one, reads a palette of up to 32 entries (Vela's weight encoding)
// and Apple's Neural Engine palettised weights of 1 to 8 bits; clustering to 16 or 32 values per
// layer is what makes a layer's palette small. The count is of distinct float values, so it is a
// property of the weights themselves: an unclustered trained layer has about as many values as
// weights and stays at its plain size.
#pragma once

#include <cstdint>

#include "hwnas/ir/graph.h"

namespace hwnas::analysis {

struct PaletteBytes {
  int64_t plain = 0;       // conv, conv_transpose and linear weights at one byte each
  int64_t palettized = 0;  // the same layers with a palette where it is smaller
  int64_t layers = 0, palettized_layers = 0;
};

// Layers without weight data count at their plain size. `max_palette`: the largest palette a
// decoder reads (256 at most: an index of up to 8 bits).
PaletteBytes palettized_weight_bytes(const ir::Graph& graph, int64_t max_palette = 256);

}  // namespace hwnas::analysis
