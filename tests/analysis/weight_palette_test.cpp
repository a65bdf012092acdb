// Palettised weight bytes: by hand on a layer with few values, and plain size for layers without data or with many values.
#include "hwnas/analysis/weight_palette.h"

#include <gtest/gtest.h>

#include "hwnas/ir/builder.h"

namespace hwnas::analysis {
namespace {

TEST(WeightPalette, ALayerOfFewValuesStoresIndicesAndAPalette) {
  ir::Graph g("two");
  ir::Builder b(g);
  auto x = b.input({1, 8, 4, 4});
  auto few = b.conv(x, ir::Conv2dAttrs::make(16, 3), "few");    // 16 x 8 x 9 = 1152 weights
  b.conv(few, ir::Conv2dAttrs::make(4, 1), "many");             // 64 weights
  ASSERT_TRUE(b.ok());
  const PaletteBytes no_data = palettized_weight_bytes(g);
  EXPECT_EQ(no_data.plain, 1152 + 64);
  EXPECT_EQ(no_data.palettized, 1152 + 64);
  EXPECT_EQ(no_data.palettized_layers, 0);
  std::vector<float>& w = g.param(*g.find("few"), 0).data;
  w.resize(1152);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 5) * 0.25f;  // 5 values: 3-bit indices
  std::vector<float>& v = g.param(*g.find("many"), 0).data;
  v.resize(64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);  // 64 values: a palette would not pay
  const PaletteBytes bytes = palettized_weight_bytes(g);
  EXPECT_EQ(bytes.layers, 2);
  EXPECT_EQ(bytes.palettized_layers, 1);
  EXPECT_EQ(bytes.palettized, (1152 * 3 + 7) / 8 + 5 + 64);
  // a decoder with a palette of 4 entries cannot hold 5 values
  EXPECT_EQ(palettized_weight_bytes(g, 4).palettized, 1152 + 64);
}

}  // namespace
}  // namespace hwnas::analysis
