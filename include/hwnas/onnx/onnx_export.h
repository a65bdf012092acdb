// ONNX export: an IR graph as a ModelProto that passes the ONNX checker, with weights when it has them.
//
//   auto bytes = hwnas::onnx_io::export_onnx(graph);            // opset 17
//   if (!bytes) std::cerr << bytes.error().message;
//   auto checked = hwnas::onnx_io::check_onnx(*bytes);          // onnx::checker + strict shape inference
//
// Mapping (one ONNX node per IR node unless noted; tensor and node names are the IR node names):
//   input -> graph input; conv2d -> Conv; linear -> Gemm(transB=1); batch_norm -> BatchNormalization;
//   relu -> Relu; relu6 -> Clip(min 0, max 6 as initializers); clip -> Clip; sigmoid -> Sigmoid;
//   swish -> Sigmoid + Mul; hard_swish -> HardSwish (opset >= 14) or HardSigmoid(1/6, 1/2) + Mul;
//   hard_sigmoid -> HardSigmoid; add / mul -> Add / Mul; concat -> Concat; max_pool / avg_pool ->
//   MaxPool / AveragePool; global_avg_pool -> GlobalAveragePool; resize -> Resize with a sizes
//   initializer (nearest: asymmetric + floor; bilinear: align_corners or pytorch_half_pixel);
//   pad -> Pad (constant mode); flatten -> Flatten; reshape -> Reshape with a shape initializer;
//   softmax -> Softmax.
//
// Weights: a param with data becomes an initializer named "<node>.<role>" (e.g. "stem.weight").
// A param without data (a graph of shapes only) becomes a graph input of that name with its
// declared shape, after the real inputs: the model stays valid and complete, and import_onnx reads
// such weight-only inputs back as shape-only params, so export -> import round-trips either way.
// Every intermediate tensor gets a value_info with its shape, so the checker's strict shape
// inference compares the IR's shapes with ONNX's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hwnas/ir/graph.h"
#include "hwnas/quant/plan.h"

namespace hwnas::onnx_io {

struct OnnxExportOptions {
  int64_t opset = 17;  // 13 to 17
  // Write a value_info with the shape of every intermediate tensor.
  bool intermediate_shapes = true;
  // A QDQ model (the form ONNX Runtime, TensorRT and the vendors' int8 compilers read) of a graph
  // quantised under this plan (int8 activations; quant/plan.h): every tensor the plan quantises or
  // keeps on a grid goes through QuantizeLinear -> DequantizeLinear with its scale and zero point;
  // conv2d and linear weights are int8 initializers (zero point 0, per-channel scales on axis 0
  // or one per-tensor scale) through DequantizeLinear, their biases int32 at input scale x weight
  // scale. A fused node's activation carries the Q/DQ pair. Null: a float model.
  const quant::QuantPlan* quantization = nullptr;
};

// The serialized ModelProto, or an error naming the node that cannot be written.
Result<std::string> export_onnx(const ir::Graph& graph, const OnnxExportOptions& options = {});
Status export_onnx_file(const ir::Graph& graph, const std::string& path,
                        const OnnxExportOptions& options = {});

// onnx::checker::check_model plus strict shape inference with type checks (Python's
// check_model(full_check=True)) on a serialized model; the error names `source_name`.
Status check_onnx(std::string_view bytes, std::string_view source_name = "<bytes>");

}  // namespace hwnas::onnx_io
