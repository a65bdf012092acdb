// check_import: an imported ONNX model's counts, libtorch outputs against the framework's, and its re-export.
#include "hwnas/torch/import_check.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "hwnas/analysis/cost.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/onnx/onnx_import.h"
#include "hwnas/torch/module.h"

namespace hwnas::libtorch {

Result<std::vector<std::vector<float>>> run_graph(const ir::Graph& graph, const std::vector<float>& input,
                                                  const std::string& where) {
  const std::vector<ir::NodeId> inputs = graph.inputs();
  if (inputs.size() != 1) return Error{where + ": has " + std::to_string(inputs.size()) + " inputs, expected 1"};
  const ir::Shape& in_shape = graph.node(inputs[0]).shape;
  if (static_cast<int64_t>(input.size()) != in_shape.numel())
    return Error{where + ": the input has " + std::to_string(input.size()) + " values, the model's input [" +
                 in_shape.to_string() + "] needs " + std::to_string(in_shape.numel())};
  auto module = make_graph_module(graph);
  if (!module) return module.error();
  (*module)->eval();
  ::torch::NoGradGuard no_grad;
  ::torch::Tensor x = ::torch::from_blob(const_cast<float*>(input.data()), in_shape.dims, ::torch::kFloat).clone();
  auto y = (*module)->run({x});
  if (!y) return y.error();
  std::vector<std::vector<float>> outputs;
  for (const ::torch::Tensor& t : *y) {
    ::torch::Tensor flat = t.contiguous();
    outputs.emplace_back(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  }
  return outputs;
}

Result<OutputComparison> compare_outputs(const ir::Graph& graph, const std::vector<float>& input,
                                         const std::vector<std::vector<float>>& expected, const std::string& where) {
  const std::vector<ir::NodeId> outputs = graph.outputs();
  if (expected.size() != outputs.size())
    return Error{where + ": " + std::to_string(expected.size()) + " expected outputs for " + std::to_string(outputs.size()) +
                 " graph outputs"};
  auto actual = run_graph(graph, input, where);
  if (!actual) return actual.error();
  OutputComparison c;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::vector<float>& a = (*actual)[k];
    if (a.size() != expected[k].size())
      return Error{where + ": output " + std::to_string(k) + " ('" + graph.node(outputs[k]).name + "') has " +
                   std::to_string(a.size()) + " values, the expected one " + std::to_string(expected[k].size())};
    double worst = 0.0, scale = 1e-6;
    for (size_t i = 0; i < expected[k].size(); ++i) {
      const double e = expected[k][i];
      const double d = std::abs(e - static_cast<double>(a[i]));
      worst = std::isnan(d) ? INFINITY : std::max(worst, d);
      scale = std::max(scale, std::abs(e));
    }
    c.max_abs_error.push_back(worst);
    c.output_scale.push_back(scale);
    c.worst_relative_error = std::max(c.worst_relative_error, worst / scale);
  }
  return c;
}

Result<ImportCheck> check_import(const std::string& onnx_path, const std::vector<float>& input,
                                 const std::vector<std::vector<float>>& expected) {
  auto graph = onnx_io::import_onnx_file(onnx_path);
  if (!graph) return graph.error();
  ImportCheck check;
  check.graph = std::move(graph.value());
  const analysis::CostSummary cost = analysis::analyze_cost(check.graph);
  check.params = cost.params;
  check.macs = cost.macs;
  auto compared = compare_outputs(check.graph, input, expected, onnx_path);
  if (!compared) return compared.error();
  check.max_abs_error = compared->max_abs_error;
  check.output_scale = compared->output_scale;
  check.worst_relative_error = compared->worst_relative_error;

  auto bytes = onnx_io::export_onnx(check.graph);
  if (!bytes) {
    check.reexport = bytes.error();
  } else {
    check.reexported = std::move(bytes.value());
    check.reexport = onnx_io::check_onnx(check.reexported, onnx_path + " (re-exported)");
  }
  return check;
}

Result<std::vector<float>> read_f32_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open the file"};
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() % sizeof(float) != 0)
    return Error{path + ": " + std::to_string(bytes.size()) + " bytes, not a whole number of float32 values"};
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

Result<ImportCheck> check_import_files(const std::string& onnx_path, const std::string& input_path,
                                       const std::vector<std::string>& output_paths) {
  auto input = read_f32_file(input_path);
  if (!input) return input.error();
  std::vector<std::vector<float>> expected;
  for (const std::string& path : output_paths) {
    auto output = read_f32_file(path);
    if (!output) return output.error();
    expected.push_back(std::move(output.value()));
  }
  return check_import(onnx_path, *input, expected);
}

}  // namespace hwnas::libtorch
