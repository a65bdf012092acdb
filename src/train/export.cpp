// Export of a trained network: ONNX and YAML from the IR graph, TorchScript by tracing the libtorch module.
#include "hwnas/train/export.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>

#include <cctype>
#include <filesystem>
#include <set>

#include "hwnas/onnx/onnx_export.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::train {
namespace {

// A TorchScript attribute name from a parameter name: an identifier not starting with a digit.
std::string attribute_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "p_" + out;
  return out;
}

}  // namespace

Status export_torchscript(libtorch::GraphModule& module, const std::string& path) {
  const ir::Graph& graph = module->graph();
  const std::string where = "TorchScript '" + path + "' of graph '" + graph.name() + "'";
  if (graph.inputs().empty()) return Error{where + ": the graph has no input"};
  try {
    module->eval();
    torch::jit::Module script("__torch__.hwnas.GraphModule");
    // The same tensors as the module's: the tracer maps reads of them to attribute reads.
    std::set<std::string> used;
    auto unique = [&](std::string name) {
      while (used.count(name)) name += "_";
      used.insert(name);
      return name;
    };
    for (const auto& item : module->named_parameters(/*recurse=*/false))
      script.register_parameter(unique(attribute_name(item.key())), item.value(), /*is_buffer=*/false);
    for (const auto& item : module->named_buffers(/*recurse=*/false))
      script.register_buffer(unique(attribute_name(item.key())), item.value());

    torch::jit::Stack inputs;
    for (ir::NodeId id : graph.inputs()) {
      // At the graph's own input shape: flatten and reshape record their sizes, batch included.
      inputs.emplace_back(torch::zeros(graph.node(id).shape.dims));
    }
    auto traced = [&module](torch::jit::Stack stack) -> torch::jit::Stack {
      std::vector<torch::Tensor> tensors;
      for (const c10::IValue& value : stack) tensors.push_back(value.toTensor());
      std::vector<torch::Tensor> outputs = module->forward_all(tensors);
      if (outputs.size() == 1) return {outputs.front()};
      std::vector<c10::IValue> values(outputs.begin(), outputs.end());
      return {c10::ivalue::Tuple::create(std::move(values))};
    };
    auto traced_graph = torch::jit::tracer::trace(
                            std::move(inputs), traced, [](const torch::autograd::Variable&) { return std::string(); },
                            /*strict=*/true, /*force_outplace=*/false, &script)
                            .first->graph;
    auto function = script._ivalue()->compilation_unit()->create_function(
        c10::QualifiedName(*script.type()->name(), "forward"), traced_graph);
    script.type()->addMethod(function);
    script.save(path);
  } catch (const c10::Error& e) {
    torch::jit::tracer::abandon();
    return Error{where + ": " + e.what_without_backtrace()};
  } catch (const std::exception& e) {
    return Error{where + ": " + e.what()};
  }
  return {};
}

Result<ExportedFiles> export_trained(const ir::Graph& trained, libtorch::GraphModule& module,
                                     const std::string& directory, const ExportOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Error{"export directory '" + directory + "': " + ec.message()};
  const std::string base =
      (std::filesystem::path(directory) / (options.basename.empty() ? trained.name() : options.basename)).string();
  ExportedFiles files;
  if (options.onnx) {
    files.onnx = base + ".onnx";
    if (Status s = onnx_io::export_onnx_file(trained, files.onnx); !s) return s.error();
  }
  if (options.yaml) {
    files.yaml = base + ".yaml";
    if (Status s = text::save_yaml(trained, files.yaml); !s) return s.error();
  }
  if (options.torchscript) {
    files.torchscript = base + ".pt";
    if (Status s = export_torchscript(module, files.torchscript); !s) return s.error();
  }
  return files;
}

}  // namespace hwnas::train
