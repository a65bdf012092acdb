// ONNX import: models from PyTorch's and TensorFlow's exporters (opset 11-17, static shapes) into the IR.
#pragma once

#include <string>
#include <string_view>

#include "hwnas/ir/graph.h"

namespace hwnas::onnx_io {

// Parses a serialized ModelProto; errors name `source_name` and the ONNX node and operator at fault.
Result<ir::Graph> import_onnx(std::string_view bytes, std::string_view source_name = "<bytes>");
Result<ir::Graph> import_onnx_file(const std::string& path);

}  // namespace hwnas::onnx_io
