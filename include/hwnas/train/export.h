// Export of a trained network: ONNX with its weights, the YAML text format, and TorchScript.
//
//   auto files = train::export_trained(result->graph, result->module, "out/");
//   // out/<graph name>.onnx (onnx_io::export_onnx, opset 17, checked), out/<graph name>.yaml,
//   // out/<graph name>.pt (TorchScript: torch.jit.load in Python, torch::jit::load in C++)
//
// TorchScript is made by tracing: the module runs once under libtorch's tracer
// (torch::jit::tracer::trace, the engine of Python's torch.jit.trace) with its parameters and
// buffers registered on a torch::jit::Module, so the saved module holds the weights as
// attributes and the forward as the ATen graph the IR ops ran. The trace is of eval mode
// (batch norm with running statistics) and of the graph's input shape, batch size included:
// the module's flatten and reshape run as aten::reshape with the sizes they computed, which the
// tracer records as constants, so the TorchScript module takes that batch size only (build the
// graph with ZooOptions::batch for another).
#pragma once

#include <string>

#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/torch/module.h"

namespace hwnas::train {

// Writes `module` (put in eval mode) as a TorchScript file; errors name the file.
Status export_torchscript(libtorch::GraphModule& module, const std::string& path);

struct ExportOptions {
  bool onnx = true, yaml = true, torchscript = true;
  std::string basename{};  // file names without extension; empty: the graph's name
};
struct ExportedFiles {
  std::string onnx, yaml, torchscript;  // the paths written (empty when not asked for)
};

// Writes `trained` (a graph with weights, e.g. TrainResult::graph) as ONNX and YAML, and
// `module` as TorchScript, into `directory` (created when missing).
Result<ExportedFiles> export_trained(const ir::Graph& trained, libtorch::GraphModule& module,
                                     const std::string& directory, const ExportOptions& options = {});

}  // namespace hwnas::train
