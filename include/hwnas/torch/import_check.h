// Checks an imported ONNX model against the framework that wrote it: parameters, MACs, outputs, re-export.
//
//   auto check = libtorch::check_import("resnet18.onnx", input, {expected_logits});
//   if (!check) std::cerr << check.error().message;            // the import itself failed
//   else if (check->worst_relative_error > 1e-4) ...            // hwnas computes something else
//
// The model is imported, run through libtorch (GraphModule, eval mode, batch norms unfolded) on
// `input`, and each output is compared with the framework's: max |hwnas - framework| over the
// largest |framework| value of that output (at least 1e-6). The graph is then exported again and
// the result passed through onnx::checker with strict shape inference (check_onnx).
#pragma once

#include <string>
#include <vector>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"

namespace hwnas::libtorch {

struct ImportCheck {
  ir::Graph graph;
  int64_t params = 0;  // trainable parameters of the imported graph (analysis::analyze_cost)
  int64_t macs = 0;
  std::vector<double> max_abs_error;   // per output
  std::vector<double> output_scale;    // per output: max |framework value|
  double worst_relative_error = 0.0;   // max over outputs of max_abs_error / output_scale
  Status reexport;                     // the re-exported model through check_onnx; ok when it passes
  std::string reexported;              // its bytes
};

// `graph` run through libtorch (eval mode, no grad) on `input` (flat, the input's shape): its
// outputs in graph-output order, each flat in row-major order. `where` starts the errors.
Result<std::vector<std::vector<float>>> run_graph(const ir::Graph& graph, const std::vector<float>& input,
                                                  const std::string& where);

struct OutputComparison {
  std::vector<double> max_abs_error, output_scale;  // per output (scale: max |expected value|)
  double worst_relative_error = 0.0;                // max over outputs of max_abs_error / output_scale
};
// run_graph's outputs against `expected` (the same layout). Errors: counts or sizes differ, libtorch failed.
Result<OutputComparison> compare_outputs(const ir::Graph& graph, const std::vector<float>& input,
                                         const std::vector<std::vector<float>>& expected, const std::string& where);

// Raw little-endian float32 values (as scripts/torchvision_fixtures.py writes them). Errors name
// a file that is missing or whose size is not a whole number of floats.
Result<std::vector<float>> read_f32_file(const std::string& path);

// `expected` holds the framework's outputs in graph-output order, each flat in row-major order.
// Errors: the import failed, the input or an output has the wrong element count, libtorch failed.
Result<ImportCheck> check_import(const std::string& onnx_path, const std::vector<float>& input,
                                 const std::vector<std::vector<float>>& expected);

// The same with the input and the framework's outputs read from raw little-endian float32 files
// (as scripts/torchvision_fixtures.py writes them). Errors also name a file that is missing or
// whose size is not a whole number of floats.
Result<ImportCheck> check_import_files(const std::string& onnx_path, const std::string& input_path,
                                       const std::vector<std::string>& output_paths);

}  // namespace hwnas::libtorch
