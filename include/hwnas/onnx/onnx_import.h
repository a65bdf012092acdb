// ONNX import: models from PyTorch's and TensorFlow's exporters (opset 11-17, static shapes) into the IR.
//
//   auto graph = hwnas::onnx_io::import_onnx_file("mobilenet_v2.onnx");
//   if (!graph) std::cerr << graph.error().message;
//   // e.g. "mobilenet_v2.onnx: node 'X' (op 'LSTM'): unsupported operator"
//
// What is read:
//  - Opsets 7 to 17 of the default domain (tested at 11, 13 and 17); newer opsets are refused,
//    because Pad, Resize and others changed meaning in opset 18.
//  - Graph inputs with static float shapes become ir Input nodes. A graph input that is used only
//    as a weight (Conv W/B, BatchNormalization scale/B/mean/var, Gemm B/C, MatMul B; directly or
//    through Identity nodes) is a shape-only param instead: this is how export_onnx writes a
//    graph without weights, and how torch.onnx.export(..., export_params=False) writes one, so
//    export -> import round-trips.
//  - Initializers (and Constant nodes) fill ir::Param data. Shape arithmetic that exporters emit
//    (Shape, Gather, Unsqueeze, Concat, Slice, Cast, ConstantOfShape, ...) is folded to constants
//    when the tensors' shapes are static; a Reshape shape or Resize size that stays computed at
//    run time is an error.
//  - Operators: Conv (2-D; pads, auto_pad, strides, dilations, group, bias), BatchNormalization,
//    Relu, Clip (0,6 -> relu6; 0,inf -> relu; else clip), HardSwish, HardSigmoid, Sigmoid, Add and
//    Mul of two tensors, Concat, GlobalAveragePool, AveragePool, MaxPool, Gemm, MatMul with a
//    constant weight (+ Add of a constant bias -> one linear), Flatten, Reshape, Resize (nearest;
//    linear with align_corners or (pytorch_)half_pixel), Pad (constant mode, H and W), Softmax,
//    Constant, Identity, Dropout (inference: identity).
//  - A Pad of all zeros, Identity and Dropout vanish (their readers read their input).
//  - Rewrites on the way in (each can be turned off): a Pad whose only consumer is a Conv (or a
//    pool it is equivalent for) becomes that op's padding; x * sigmoid(x) becomes swish and
//    x * hard_sigmoid(x) (alpha 1/6, beta 1/2) becomes hard_swish.
// Node names are the ONNX node names (the first output's name when a node has none), made unique
// with a "_<k>" suffix. Errors name the file, and the node and its operator type where there is one.
// Nothing here throws, aborts or reads out of bounds on a truncated or hostile file.
#pragma once

#include <string>
#include <string_view>

#include "hwnas/ir/graph.h"

namespace hwnas::onnx_io {

struct OnnxImportOptions {
  // A Pad (constant mode) whose only consumer is a Conv, an AveragePool (pad value 0) or a
  // MaxPool (pad value -inf) becomes that op's padding; otherwise it is an ir pad node.
  bool fold_pads = true;
  // x * Sigmoid(x) -> swish and x * HardSigmoid(x) with alpha 1/6, beta 1/2 -> hard_swish, when
  // the sigmoid feeds only that Mul.
  bool fuse_activations = true;
};

// Parses a serialized ModelProto; errors name `source_name` and the ONNX node and operator at fault.
Result<ir::Graph> import_onnx(std::string_view bytes, std::string_view source_name = "<bytes>",
                              const OnnxImportOptions& options = {});
Result<ir::Graph> import_onnx_file(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace hwnas::onnx_io
