// Helpers for the ONNX tests: fixture files, a small ModelProto builder for hand-made models, op counts.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hwnas/ir/graph.h"

namespace hwnas::onnx_io::testing {

inline std::string fixture_path(const std::string& file) {
  return std::string(HWNAS_TEST_DATA) + "/onnx/" + file;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A raw little-endian float32 file, as make_fixtures.py writes them.
inline std::vector<float> read_f32(const std::string& path) {
  std::string bytes = read_bytes(path);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

// tests/data/onnx/manifest.json, written by make_fixtures.py.
inline const nlohmann::json& manifest() {
  static const nlohmann::json m = nlohmann::json::parse(read_bytes(fixture_path("manifest.json")));
  return m;
}

// How many nodes of each IR op name the graph has.
inline std::map<std::string, int> op_counts(const ir::Graph& graph) {
  std::map<std::string, int> counts;
  for (const ir::Node& n : graph.nodes()) ++counts[std::string(ir::op_name(n.kind))];
  return counts;
}

inline int count_of(const std::map<std::string, int>& counts, const std::string& op) {
  auto it = counts.find(op);
  return it == counts.end() ? 0 : it->second;
}

// Builds small ModelProtos for hand-made test models.
class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(8);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("hand_made");
  }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }
  onnx::ModelProto& model() { return model_; }

  onnx::ValueInfoProto& input(const std::string& name, const std::vector<int64_t>& dims) {
    return value_info(*graph().add_input(), name, dims);
  }
  onnx::ValueInfoProto& output(const std::string& name, const std::vector<int64_t>& dims) {
    return value_info(*graph().add_output(), name, dims);
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto& n = *graph().add_node();
    n.set_op_type(op);
    n.set_name(name);
    for (const auto& i : inputs) n.add_input(i);
    for (const auto& o : outputs) n.add_output(o);
    return n;
  }
  void floats(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
    auto& t = *graph().add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.add_dims(d);
    for (float v : values) t.add_float_data(v);
  }
  // A float initializer of `dims` filled with value, value+step, ...
  void ramp(const std::string& name, const std::vector<int64_t>& dims, float value = 0.1f,
            float step = 0.01f) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> values;
    for (int64_t i = 0; i < n; ++i) values.push_back(value + step * static_cast<float>(i % 17));
    floats(name, dims, values);
  }
  void ints(const std::string& name, const std::vector<int64_t>& values) {
    auto& t = *graph().add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t.add_int64_data(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void attr_float(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  std::string bytes() const { return model_.SerializeAsString(); }

 private:
  static onnx::ValueInfoProto& value_info(onnx::ValueInfoProto& info, const std::string& name,
                                          const std::vector<int64_t>& dims) {
    info.set_name(name);
    auto* t = info.mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = t->mutable_shape();
    for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    return info;
  }
  onnx::ModelProto model_;
};

}  // namespace hwnas::onnx_io::testing
