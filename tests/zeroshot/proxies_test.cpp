// Each zero-shot proxy on a tiny network against a naive double-precision reference computed here.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hwnas/ir/builder.h"
#include "hwnas/zeroshot/zeroshot.h"

namespace hwnas::zeroshot {
namespace {

using Matrix = std::vector<std::vector<double>>;

// input [N, in] -> linear(hidden) -> relu -> linear(classes), with the weights given.
ir::Graph two_layer_net(const Matrix& w1, const std::vector<double>& b1, const Matrix& w2,
                        const std::vector<double>& b2) {
  ir::Graph graph("two_layer");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, static_cast<int64_t>(w1[0].size())});
  ir::NodeId fc1 = b.linear(x, static_cast<int64_t>(w1.size()), true, "fc1");
  ir::NodeId h = b.act(fc1, ir::OpKind::Relu, "relu");
  ir::NodeId fc2 = b.linear(h, static_cast<int64_t>(w2.size()), true, "fc2");
  EXPECT_TRUE(b.ok());
  auto fill = [&](ir::NodeId id, const Matrix& w, const std::vector<double>& bias) {
    for (const auto& row : w)
      for (double v : row) graph.param(id, 0).data.push_back(static_cast<float>(v));
    for (double v : bias) graph.param(id, 1).data.push_back(static_cast<float>(v));
  };
  fill(fc1, w1, b1);
  fill(fc2, w2, b2);
  return graph;
}

const Matrix kW1{{0.5, -0.25, 0.75}, {-0.5, 1.0, 0.25}, {0.125, 0.5, -1.0}, {1.0, 0.25, 0.5}};
const std::vector<double> kB1{0.1, -0.2, 0.05, 0.0};
const Matrix kW2{{0.3, -0.6, 0.9, 0.2}, {-0.4, 0.5, 0.1, -0.7}};
const std::vector<double> kB2{0.05, -0.1};

std::vector<double> values(const at::Tensor& t) {
  at::Tensor c = t.to(at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

ScoreOptions graph_weights() {
  ScoreOptions options;
  options.use_graph_weights = true;
  return options;
}

TEST(SynflowTest, MatchesTheHandDerivedSaliencyOfATwoLayerNet) {
  // All weights |.|, input all ones: h = |W1| 1 + |b1| > 0 (relu passes it), R = sum |W2| h + |b2|.
  // dR/dW2[k][j] = h[j]; dR/dW1[j][i] = sum_k |W2[k][j]| (x = 1).
  std::vector<double> h(kW1.size());
  for (size_t j = 0; j < kW1.size(); ++j) {
    h[j] = std::abs(kB1[j]);
    for (double w : kW1[j]) h[j] += std::abs(w);
  }
  double expected = 0;
  for (size_t k = 0; k < kW2.size(); ++k)
    for (size_t j = 0; j < h.size(); ++j) expected += std::abs(kW2[k][j]) * h[j];
  for (size_t j = 0; j < kW1.size(); ++j) {
    double column = 0;
    for (const auto& row : kW2) column += std::abs(row[j]);
    for (double w : kW1[j]) expected += std::abs(w) * column;
  }
  auto score = synflow(two_layer_net(kW1, kB1, kW2, kB2), graph_weights());
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_NEAR(*score, expected, 1e-6 * expected);
}

// The gradients of the mean cross-entropy of the two-layer net by hand, per weight.
struct Gradients {
  Matrix w1, w2;
};
Gradients naive_cross_entropy_gradients(const Minibatch& batch) {
  const auto x = values(batch.images);
  const auto labels = values(batch.labels);
  const size_t n = labels.size(), in = kW1[0].size(), hidden = kW1.size(), classes = kW2.size();
  Gradients g{Matrix(hidden, std::vector<double>(in)), Matrix(classes, std::vector<double>(hidden))};
  for (size_t e = 0; e < n; ++e) {
    std::vector<double> z(hidden), h(hidden), y(classes);
    for (size_t j = 0; j < hidden; ++j) {
      z[j] = kB1[j];
      for (size_t i = 0; i < in; ++i) z[j] += kW1[j][i] * x[e * in + i];
      h[j] = std::max(0.0, z[j]);
    }
    double top = -1e300, total = 0;
    for (size_t k = 0; k < classes; ++k) {
      y[k] = kB2[k];
      for (size_t j = 0; j < hidden; ++j) y[k] += kW2[k][j] * h[j];
      top = std::max(top, y[k]);
    }
    for (size_t k = 0; k < classes; ++k) total += std::exp(y[k] - top);
    std::vector<double> dy(classes);
    for (size_t k = 0; k < classes; ++k)
      dy[k] = (std::exp(y[k] - top) / total - (static_cast<size_t>(labels[e]) == k ? 1.0 : 0.0)) / n;
    for (size_t k = 0; k < classes; ++k)
      for (size_t j = 0; j < hidden; ++j) g.w2[k][j] += dy[k] * h[j];
    for (size_t j = 0; j < hidden; ++j) {
      double dh = 0;
      for (size_t k = 0; k < classes; ++k) dh += kW2[k][j] * dy[k];
      if (z[j] <= 0) continue;
      for (size_t i = 0; i < in; ++i) g.w1[j][i] += dh * x[e * in + i];
    }
  }
  return g;
}

Minibatch gaussian_batch(const ir::Graph& graph) {
  ScoreOptions options = graph_weights();
  options.seed = 11;
  options.batch_size = 6;
  auto batch = make_minibatch(graph, options);
  EXPECT_TRUE(batch.ok());
  return *batch;
}

TEST(GradNormTest, IsTheSumOfTheLayersGradientNormsComputedByHand) {
  ir::Graph graph = two_layer_net(kW1, kB1, kW2, kB2);
  Minibatch batch = gaussian_batch(graph);
  Gradients g = naive_cross_entropy_gradients(batch);
  auto frobenius = [](const Matrix& m) {
    double s = 0;
    for (const auto& row : m)
      for (double v : row) s += v * v;
    return std::sqrt(s);
  };
  double expected = frobenius(g.w1) + frobenius(g.w2);
  auto score = grad_norm(graph, graph_weights(), batch);
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_GT(expected, 0);
  EXPECT_NEAR(*score, expected, 1e-4 * expected);
}

TEST(SnipTest, IsTheSumOfWeightTimesGradientComputedByHand) {
  ir::Graph graph = two_layer_net(kW1, kB1, kW2, kB2);
  Minibatch batch = gaussian_batch(graph);
  Gradients g = naive_cross_entropy_gradients(batch);
  double expected = 0;
  for (size_t j = 0; j < kW1.size(); ++j)
    for (size_t i = 0; i < kW1[j].size(); ++i) expected += std::abs(kW1[j][i] * g.w1[j][i]);
  for (size_t k = 0; k < kW2.size(); ++k)
    for (size_t j = 0; j < kW2[k].size(); ++j) expected += std::abs(kW2[k][j] * g.w2[k][j]);
  auto score = snip(graph, graph_weights(), batch);
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_GT(expected, 0);
  EXPECT_NEAR(*score, expected, 1e-4 * expected);
}

TEST(NaswotTest, IsTheLogDeterminantOfTheHandBuiltHammingKernel) {
  // fc1 = identity, so the codes are the signs of the inputs: a = 101, b = 001, c = 110.
  // K[i][j] = positions where codes i and j agree: [[3,2,1],[2,3,0],[1,0,3]], det 12.
  Matrix identity{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  ir::Graph graph = two_layer_net(identity, {0, 0, 0}, {{1, 1, 1}}, {0});
  Minibatch batch{at::tensor({1.0f, -1.0f, 2.0f, -0.5f, -2.0f, 0.5f, 3.0f, 1.0f, -1.0f}).reshape({3, 3}),
                  at::zeros({3}, at::kLong)};
  auto score = naswot(graph, graph_weights(), batch);
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_NEAR(*score, std::log(12.0), 1e-9);
}

TEST(NaswotTest, EqualCodesGiveASingularKernelAndMinusInfinity) {
  Matrix identity{{1, 0}, {0, 1}};
  ir::Graph graph = two_layer_net(identity, {0, 0}, {{1, 1}}, {0});
  Minibatch batch{at::tensor({1.0f, -1.0f, 2.0f, -3.0f}).reshape({2, 2}), at::zeros({2}, at::kLong)};
  auto score = naswot(graph, graph_weights(), batch);
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_TRUE(std::isinf(*score) && *score < 0);
}

TEST(ZenTest, MatchesANaiveConvBatchNormReluNetwork) {
  // input [N, 1, 2, 2] -> conv 1x1 to 2 channels -> batch norm (train) -> relu -> global pool -> fc.
  ir::Graph graph("conv_bn");
  ir::Builder b(graph);
  ir::NodeId x = b.input({1, 1, 2, 2});
  ir::NodeId conv = b.conv(x, ir::Conv2dAttrs::make(2, 1), "conv");
  ir::NodeId bn = b.batch_norm(conv, "bn");
  ir::NodeId relu = b.act(bn, ir::OpKind::Relu, "relu");
  ir::NodeId fc = b.linear(b.flatten(b.global_avg_pool(relu)), 3, true, "fc");
  ASSERT_TRUE(b.ok());
  const double w[2] = {0.8, -1.5}, scale[2] = {1.2, 0.7}, shift[2] = {0.1, -0.3};
  graph.param(conv, 0).data = {static_cast<float>(w[0]), static_cast<float>(w[1])};
  graph.param(bn, 0).data = {static_cast<float>(scale[0]), static_cast<float>(scale[1])};
  graph.param(bn, 1).data = {static_cast<float>(shift[0]), static_cast<float>(shift[1])};
  graph.param(bn, 2).data = {0.0f, 0.0f};
  graph.param(bn, 3).data = {1.0f, 1.0f};
  graph.param(fc, 0).data.assign(6, 0.5f);
  graph.param(fc, 1).data.assign(3, 0.0f);

  at::Generator generator = at::detail::createCPUGenerator(5);
  at::Tensor images = at::randn({4, 1, 2, 2}, generator, at::kFloat);
  at::Tensor noise = at::randn({4, 1, 2, 2}, generator, at::kFloat);
  ScoreOptions options = graph_weights();
  options.zen_perturbation = 0.1;

  // Naive: per channel c, z = w[c] x; batch norm with the batch's mean and biased variance.
  const size_t n = 4, pixels = 4;
  auto features = [&](const std::vector<double>& input, std::vector<double>* variances) {
    std::vector<double> out(n * 2 * pixels);
    for (size_t c = 0; c < 2; ++c) {
      double mean = 0, var = 0;
      for (size_t i = 0; i < n * pixels; ++i) mean += w[c] * input[i];
      mean /= n * pixels;
      for (size_t i = 0; i < n * pixels; ++i) var += (w[c] * input[i] - mean) * (w[c] * input[i] - mean);
      var /= n * pixels;
      if (variances) variances->push_back(var);
      for (size_t e = 0; e < n; ++e)
        for (size_t p = 0; p < pixels; ++p) {
          double z = (w[c] * input[e * pixels + p] - mean) / std::sqrt(var + 1e-5) * scale[c] + shift[c];
          out[(e * 2 + c) * pixels + p] = std::max(0.0, z);
        }
    }
    return out;
  };
  std::vector<double> clean_input = values(images), noisy_input = clean_input, eps = values(noise);
  for (size_t i = 0; i < noisy_input.size(); ++i) noisy_input[i] += 0.1 * eps[i];
  std::vector<double> variances;
  std::vector<double> clean = features(clean_input, &variances), noisy = features(noisy_input, nullptr);
  double response = 0;
  for (size_t i = 0; i < clean.size(); ++i) response += std::abs(clean[i] - noisy[i]);
  response /= n;
  double expected = std::log(response) + std::log(std::sqrt((variances[0] + variances[1]) / 2));

  auto score = zen(graph, options, images, noise);
  ASSERT_TRUE(score.ok()) << score.error().message;
  EXPECT_NEAR(*score, expected, 1e-4);
}

}  // namespace
}  // namespace hwnas::zeroshot
