// Tiny in-memory classification data and a tiny network for the trainer's tests.
#pragma once

#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/builder.h"
#include "hwnas/ir/graph.h"

namespace hwnas::train::testing {

// `size` grey `side` x `side` images of `classes` classes; class c lights the c-th horizontal band
// (plus a little deterministic noise), so a small convnet learns it in a few steps.
class BandsDataset : public data::Dataset {
 public:
  BandsDataset(int64_t size, int64_t classes, int64_t side = 8, int64_t channels = 1)
      : size_(size), classes_(classes), side_(side), channels_(channels) {}
  data::Task task() const override { return data::Task::Classification; }
  int64_t size() const override { return size_; }
  Result<data::Example> get(int64_t index) const override {
    if (index < 0 || index >= size_) return data::index_out_of_range("bands", index, size_);
    data::Example example;
    example.label = index % classes_;
    example.image = data::filled_image(channels_, side_, side_, 0.0f);
    const int64_t band = side_ / classes_;
    for (int64_t c = 0; c < channels_; ++c)
      for (int64_t y = 0; y < side_; ++y)
        for (int64_t x = 0; x < side_; ++x) {
          float noise = static_cast<float>((index * 7 + y * 13 + x * 5 + c) % 11) / 40.0f;
          bool lit = y / band == example.label;
          example.image.at(c, y, x) = (lit ? 0.8f : 0.1f) + noise;
        }
    return example;
  }
  std::vector<std::string> class_names() const override {
    std::vector<std::string> names;
    for (int64_t c = 0; c < classes_; ++c) names.push_back("band" + std::to_string(c));
    return names;
  }
  int64_t channels() const override { return channels_; }
  int64_t height() const override { return side_; }
  int64_t width() const override { return side_; }
  std::vector<int64_t> labels() const override {
    std::vector<int64_t> out;
    for (int64_t i = 0; i < size_; ++i) out.push_back(i % classes_);
    return out;
  }
  std::string describe() const override { return "bands (" + std::to_string(size_) + " examples)"; }

 private:
  int64_t size_, classes_, side_, channels_;
};

// input [1, channels, side, side] -> conv 3x3 + bn + relu -> conv 3x3 stride 2 + bn + relu ->
// global pool -> flatten -> linear(classes).
inline ir::Graph tiny_classifier(int64_t classes, int64_t side = 8, int64_t channels = 1) {
  ir::Graph graph("tiny");
  ir::Builder b(graph);
  ir::NodeId x = b.input(ir::Shape{1, channels, side, side});
  x = b.conv_bn_act(x, 8, 3, 1, ir::OpKind::Relu, 1, "conv1");
  x = b.conv_bn_act(x, 8, 3, 2, ir::OpKind::Relu, 1, "conv2");
  x = b.flatten(b.global_avg_pool(x));
  x = b.linear(x, classes, true, "fc");
  (void)graph.set_outputs({x});
  return graph;
}

}  // namespace hwnas::train::testing
