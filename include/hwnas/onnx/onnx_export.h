// ONNX export: an IR graph as a ModelProto that passes the ONNX checker, with weights when it has them.
#pragma once

#include <cstdint>
#include <string>

#include "hwnas/ir/graph.h"

namespace hwnas::onnx_io {

struct OnnxExportOptions {
  int64_t opset = 13;
};

Result<std::string> export_onnx(const ir::Graph& graph, const OnnxExportOptions& options = {});
Status export_onnx_file(const ir::Graph& graph, const std::string& path, const OnnxExportOptions& options = {});

}  // namespace hwnas::onnx_io
