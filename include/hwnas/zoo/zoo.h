// The built-in model zoo: published networks rebuilt from hwnas blocks at any width and resolution.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::zoo {

struct ZooOptions {
  double width_multiplier = 1.0;  // scales every channel count (rounded as the paper does)
  int64_t resolution = 224;       // input height and width
  int64_t num_classes = 1000;
  int64_t batch = 1;
  int64_t in_channels = 3;
};

// Names accepted by build_model, e.g. "mobilenet_v2", "resnet18".
const std::vector<std::string>& model_names();

// The named network as an IR graph (shapes only, no weights), or an error naming the model.
Result<ir::Graph> build_model(std::string_view name, const ZooOptions& options = {});

}  // namespace hwnas::zoo
