// Shape inference and parameter shapes of every operator kind.
#pragma once

#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::ir {

// The output shape of `kind` applied to inputs of `input_shapes`, or why it is invalid.
// The message does not name the node; Graph::add prefixes that.
Result<Shape> infer_shape(OpKind kind, const Attrs& attrs, const std::vector<Shape>& input_shapes);

// The params (shapes only, no data) the op owns, given valid input shapes.
std::vector<Param> make_params(OpKind kind, const Attrs& attrs,
                               const std::vector<Shape>& input_shapes);

}  // namespace hwnas::ir
