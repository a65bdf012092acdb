// QDQ export of a quantised graph: passes the full ONNX checker, with int8 weights, int32 biases and a Q/DQ pair per quantised tensor.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <map>

#include "hwnas/ir/builder.h"
#include "hwnas/ir/fold_batch_norm.h"
#include "hwnas/onnx/onnx_export.h"
#include "hwnas/quant/plan.h"
#include "hwnas/reference/random_weights.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::onnx_io {
namespace {

quant::QuantPlan plan_of(const ir::Graph& g, quant::WeightGranularity weights, ir::Precision activations = ir::Precision::Int8) {
  auto plan = quant::make_plan(g, std::vector<quant::Range>(g.size(), {-2.0, 6.0, 1}), {.weights = weights, .activations = activations});
  EXPECT_TRUE(plan) << plan.error().message;
  return *plan;
}

TEST(QdqExport, AZooModelPassesTheCheckerWithIntegerWeights) {
  auto model = zoo::build_model("mobilenet_v3_small", {.width_multiplier = 0.5, .resolution = 64, .num_classes = 10});
  ASSERT_TRUE(model) << model.error().message;
  reference::fill_random_weights(*model, 3);
  ir::Graph g = ir::fold_batch_norm(*model);
  for (auto weights : {quant::WeightGranularity::PerChannel, quant::WeightGranularity::PerTensor}) {
    quant::QuantPlan plan = plan_of(g, weights);
    auto bytes = export_onnx(g, {.quantization = &plan});
    ASSERT_TRUE(bytes) << bytes.error().message;
    ASSERT_TRUE(check_onnx(*bytes, "qdq")) << check_onnx(*bytes, "qdq").error().message;
    onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromString(*bytes));
    std::map<std::string, int> ops;
    for (const auto& node : proto.graph().node()) ++ops[node.op_type()];
    int64_t on_grid = 0, weighted = 0, biased = 0;
    for (const ir::Node& n : g.nodes()) {
      on_grid += plan.roles[static_cast<size_t>(n.id)] != quant::Role::Fused;
      if (n.kind == ir::OpKind::Conv2d || n.kind == ir::OpKind::Linear) {
        ++weighted;
        biased += n.params.size() > 1;
      }
    }
    EXPECT_EQ(ops["QuantizeLinear"], on_grid);
    EXPECT_EQ(ops["DequantizeLinear"], on_grid + weighted + biased);
    int int8_weights = 0, int32_biases = 0;
    for (const auto& t : proto.graph().initializer()) {
      if (t.data_type() == onnx::TensorProto::INT8 && t.dims_size() >= 2) ++int8_weights;
      if (t.data_type() == onnx::TensorProto::INT32 && t.name().find("bias_quantized") != std::string::npos) ++int32_biases;
      EXPECT_FALSE(t.data_type() == onnx::TensorProto::FLOAT && t.name().size() > 7 &&
                   t.name().compare(t.name().size() - 7, 7, ".weight") == 0)
          << "a float weight left: " << t.name();
    }
    EXPECT_EQ(int8_weights, weighted);
    EXPECT_EQ(int32_biases, biased);
  }
}

TEST(QdqExport, Int16ActivationsAndAForeignPlanAreErrors) {
  ir::Graph g;
  ir::Builder b(g);
  b.conv(b.input({1, 3, 8, 8}), ir::Conv2dAttrs::make(4, 3, 1, 1, true));
  ASSERT_TRUE(b.ok());
  reference::fill_random_weights(g, 1);
  quant::QuantPlan wide = plan_of(g, quant::WeightGranularity::PerChannel, ir::Precision::Int16);
  auto bytes = export_onnx(g, {.quantization = &wide});
  ASSERT_FALSE(bytes);
  EXPECT_NE(bytes.error().message.find("opset 21"), std::string::npos) << bytes.error().message;
  quant::QuantPlan other = plan_of(g, quant::WeightGranularity::PerChannel);
  other.roles.push_back(quant::Role::Quantised);
  EXPECT_FALSE(export_onnx(g, {.quantization = &other}));
  ir::Graph shapes_only;
  ir::Builder s(shapes_only);
  s.conv(s.input({1, 3, 8, 8}), ir::Conv2dAttrs::make(4, 3, 1, 1, true), "c");
  quant::QuantPlan plan = plan_of(shapes_only, quant::WeightGranularity::PerChannel);
  auto no_weights = export_onnx(shapes_only, {.quantization = &plan});
  ASSERT_FALSE(no_weights);
  EXPECT_NE(no_weights.error().message.find("node 'c'"), std::string::npos) << no_weights.error().message;
}

}  // namespace
}  // namespace hwnas::onnx_io
