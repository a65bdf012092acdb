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
//  - Operators: Conv and ConvTranspose (2-D; pads, auto_pad, strides, dilations, group, bias;
//    ConvTranspose's output_padding and output_shape), BatchNormalization (folded into a preceding
//    conv by the trainer and exporter, else its own op), Relu, LeakyRelu, Clip (0,6 -> relu6;
//    0,inf -> relu; else clip), HardSwish, HardSigmoid, Sigmoid, Add / Mul / Sub / Div of two
//    tensors (NumPy broadcasting), Concat, GlobalAveragePool, GlobalMaxPool, ReduceMean over H and W
//    (-> global_avg_pool, + flatten without keepdims), AveragePool, MaxPool, Gemm, MatMul with a
//    constant weight (+ Add of a constant bias -> one linear), Flatten, Reshape, Squeeze / Unsqueeze
//    (-> reshape), Transpose (any rank), Slice (step 1, any axes) and Split (-> one slice per
//    output), Resize (nearest; linear with align_corners or (pytorch_)half_pixel), Upsample
//    (nearest), Pad (constant mode, H and W), Softmax, Constant, Identity, Dropout (inference:
//    identity). Any other operator is an error naming the node, its type and the opset.
//  - A Pad of all zeros, Identity and Dropout vanish (their readers read their input).
//  - Rewrites on the way in (each can be turned off): a Pad whose only consumer is a Conv (or a
//    pool it is equivalent for) becomes that op's padding; x * sigmoid(x) becomes swish and
//    x * hard_sigmoid(x) (alpha 1/6, beta 1/2) becomes hard_swish; Reshape [N,C,H,W] -> [N,g,C/g,H,W],
//    Transpose (0,2,1,3,4), Reshape back (ShuffleNet's channel shuffle) becomes one channel_shuffle.
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
