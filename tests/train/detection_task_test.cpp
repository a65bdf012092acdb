// Tests of SSD anchors and the detection task: default boxes, matching, coding, decoding + NMS + mAP, the mined loss, training.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <cmath>

#include "hwnas/blocks/conv_block.h"
#include "hwnas/blocks/heads.h"
#include "hwnas/ir/builder.h"
#include "hwnas/metrics/detection.h"
#include "hwnas/torch/module.h"
#include "hwnas/train/anchors.h"
#include "hwnas/train/task.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::train {
namespace {

void expect_anchor(const Anchor& got, float x0, float y0, float x1, float y1) {
  EXPECT_NEAR(got.x0, x0, 1e-3);
  EXPECT_NEAR(got.y0, y0, 1e-3);
  EXPECT_NEAR(got.x1, x1, 1e-3);
  EXPECT_NEAR(got.y1, y1, 1e-3);
}

// Two maps (2x2 with ratios {2, 3}, 1x1 with {2}) on a 100 x 80 (h x w) image. Scales 0.2, 0.95,
// then 1. Expected boxes by hand (they agree with torchvision 0.14's DefaultBoxGenerator([[2, 3],
// [2]], 0.2, 0.95) on the same sizes): the first location's centre is (20, 25);
//  (s, s) = 0.2 -> 16 x 20;  s' = sqrt(0.2 x 0.95) = 0.43589 -> 34.871 x 43.589;
//  ratio 2: 0.2 sqrt 2 = 0.28284 wide, 0.14142 tall -> 22.627 x 14.142; and transposed, ...
// The 1x1 map: 0.95 -> 76 x 95; sqrt(0.95) = 0.97468 -> 77.974 x 97.468; ratio 2 clipped to the image.
TEST(DefaultBoxes, MatchHandComputedBoxesInHeadOrder) {
  std::vector<FeatureMap> maps{{.height = 2, .width = 2, .anchors_per_location = 6},
                               {.height = 1, .width = 1, .anchors_per_location = 4}};
  auto anchors = default_boxes(maps, 100, 80, {});
  ASSERT_TRUE(anchors.ok()) << anchors.error().message;
  ASSERT_EQ(anchors->size(), 2u * 2u * 6u + 4u);
  const std::vector<Anchor>& a = *anchors;
  expect_anchor(a[0], 12, 15, 28, 35);
  expect_anchor(a[1], 2.5644f, 3.2055f, 37.4356f, 46.7945f);
  expect_anchor(a[2], 8.6863f, 17.9289f, 31.3137f, 32.0711f);
  expect_anchor(a[3], 14.3431f, 10.8579f, 25.6569f, 39.1421f);
  expect_anchor(a[4], 6.1436f, 19.2265f, 33.8564f, 30.7735f);
  expect_anchor(a[5], 15.3812f, 7.6795f, 24.6188f, 42.3205f);
  expect_anchor(a[6], 52, 15, 68, 35);   // location (y 0, x 1): centre (60, 25)
  expect_anchor(a[12], 12, 65, 28, 85);  // location (y 1, x 0): centre (20, 75)
  expect_anchor(a[24], 2, 2.5f, 78, 97.5f);
  expect_anchor(a[25], 1.0128f, 1.2660f, 78.9872f, 98.7340f);
  expect_anchor(a[26], 0, 16.4124f, 80, 83.5876f);
  expect_anchor(a[27], 13.1299f, 0, 66.8701f, 100);
}

TEST(DefaultBoxes, RejectAspectRatiosThatDisagreeWithTheHead) {
  std::vector<FeatureMap> maps{{.height = 2, .width = 2, .anchors_per_location = 6}};
  auto odd = default_boxes(std::vector<FeatureMap>{{.height = 1, .width = 1, .anchors_per_location = 3}}, 10, 10, {});
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->size(), 3u);  // the square and ratio 2 both ways, no interpolated square
  DefaultBoxOptions options;
  options.aspect_ratios = {{2.0}};
  auto wrong = default_boxes(maps, 10, 10, options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("feature map 0"), std::string::npos) << wrong.error().message;
  options.aspect_ratios = {{2.0, -1.0}};
  EXPECT_FALSE(default_boxes(maps, 10, 10, options).ok());
  options.aspect_ratios = {{2.0, 3.0}};
  EXPECT_TRUE(default_boxes(maps, 10, 10, options).ok());
}

// A0 overlaps T0 by IoU 100/120; T1 overlaps A2 by only 64/360 but A2 is its best anchor, so
// T1 takes it anyway (SSD's forced match); A1 (IoU 25/195 with T0) and A3 stay background.
TEST(MatchAnchors, ThresholdAndForcedBestAnchor) {
  std::vector<Anchor> anchors{{0, 0, 10, 10}, {5, 5, 15, 15}, {20, 20, 30, 30}, {50, 50, 60, 60}};
  std::vector<data::Box> truth{{.x0 = 0, .y0 = 0, .x1 = 10, .y1 = 12, .label = 1},
                               {.x0 = 22, .y0 = 22, .x1 = 40, .y1 = 40, .label = 2}};
  EXPECT_EQ(match_anchors(anchors, truth), (std::vector<int64_t>{0, -1, 1, -1}));
  EXPECT_EQ(match_anchors(anchors, {}), (std::vector<int64_t>(4, -1)));
  // Lowering the threshold below 25/195 lets A1 take T0 too.
  EXPECT_EQ(match_anchors(anchors, truth, 0.1), (std::vector<int64_t>{0, 0, 1, -1}));
}

// Anchor centre (20, 40), 20 x 40; truth centre (24, 40), 24 x 30:
// dx = (24 - 20) / 20 / 0.1 = 2, dy = 0, dw = ln(24/20) / 0.2, dh = ln(30/40) / 0.2.
TEST(BoxCoding, EncodesByHandAndDecodesBack) {
  Anchor anchor{10, 20, 30, 60};
  data::Box truth{.x0 = 12, .y0 = 25, .x1 = 36, .y1 = 55, .label = 4};
  std::array<float, 4> code = encode_box(anchor, truth, {});
  EXPECT_NEAR(code[0], 2.0, 1e-5);
  EXPECT_NEAR(code[1], 0.0, 1e-5);
  EXPECT_NEAR(code[2], std::log(1.2) / 0.2, 1e-5);
  EXPECT_NEAR(code[3], std::log(0.75) / 0.2, 1e-5);
  data::Box back = decode_box(anchor, code, {});
  EXPECT_NEAR(back.x0, 12, 1e-4);
  EXPECT_NEAR(back.y0, 25, 1e-4);
  EXPECT_NEAR(back.x1, 36, 1e-4);
  EXPECT_NEAR(back.y1, 55, 1e-4);
  // Other variances scale the code inversely.
  std::array<float, 4> coarse = encode_box(anchor, truth, {.center_variance = 0.2, .size_variance = 0.4});
  EXPECT_NEAR(coarse[0], 1.0, 1e-5);
  EXPECT_NEAR(coarse[2], std::log(1.2) / 0.4, 1e-5);
  // A huge size code is clamped at ln(1000/16): the box grows at most 62.5 times.
  const float huge[] = {0, 0, 100, 0};
  data::Box clamped = decode_box(anchor, huge, {});
  EXPECT_NEAR(clamped.x1 - clamped.x0, 20 * 62.5, 1e-2);
}

// Zero codes decode to the anchors. Class 1: A0 (0.8) suppresses A1 (0.7, IoU 90/110 > 0.55),
// A2 (0.1) stays; class 2: A2 (0.6), A0 (0.1) suppresses A1 (0.1). Against ground truth
// T(0,0,10,10) class 1, T(20,20,30,30) and T(40,40,50,50) class 2:
// AP(1) = 1 (its one box found first); AP(2): 0.6 TP at recall 1/2, then FPs -> 0.5. mAP 0.75.
TEST(DecodeDetections, NmsAndMeanAveragePrecisionByHand) {
  std::vector<Anchor> anchors{{0, 0, 10, 10}, {1, 0, 11, 10}, {20, 20, 30, 30}};
  std::vector<float> codes(12, 0.0f);
  std::vector<float> probabilities{0.1f, 0.8f, 0.1f, 0.2f, 0.7f, 0.1f, 0.3f, 0.1f, 0.6f};
  auto detections = decode_detections(anchors, codes, probabilities, 3, 64, 64, {}, {});
  ASSERT_EQ(detections.size(), 4u);
  EXPECT_EQ(detections[0].label, 1);
  EXPECT_FLOAT_EQ(detections[0].score, 0.8f);
  EXPECT_FLOAT_EQ(detections[0].x1, 10.0f);
  EXPECT_EQ(detections[1].label, 2);
  EXPECT_FLOAT_EQ(detections[1].x0, 20.0f);
  EXPECT_FLOAT_EQ(detections[2].score, 0.1f);
  EXPECT_FLOAT_EQ(detections[3].score, 0.1f);
  metrics::MeanAveragePrecision map;
  std::vector<metrics::GroundTruthBox> truth{{0, 0, 10, 10, 1}, {20, 20, 30, 30, 2}, {40, 40, 50, 50, 2}};
  ASSERT_TRUE(map.add_image(detections, truth).ok());
  EXPECT_NEAR(map.compute().mean_average_precision, 0.75, 1e-12);
  // A score threshold of 0.5 keeps the two confident ones only; at most one detection keeps the best.
  EXPECT_EQ(decode_detections(anchors, codes, probabilities, 3, 64, 64, {}, {.score_threshold = 0.5f}).size(), 2u);
  EXPECT_EQ(decode_detections(anchors, codes, probabilities, 3, 64, 64, {}, {.max_detections = 1}).size(), 1u);
  // Boxes are clipped to the image.
  const float shift[] = {-1.0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // A0 moved 1 px left
  auto clipped = decode_detections(anchors, shift, probabilities, 3, 64, 64, {}, {.max_detections = 1});
  EXPECT_FLOAT_EQ(clipped[0].x0, 0.0f);
  EXPECT_FLOAT_EQ(clipped[0].x1, 9.0f);
}

TEST(DetectionTask, ChecksTheGraphOutputs) {
  auto graph = zoo::build_model("mobilenet_v2_ssdlite", {.width_multiplier = 0.35, .resolution = 96,
                                                        .num_classes = 11, .in_channels = 1});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  auto task = make_task(data::Task::Detection, {.num_classes = 11});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ((*task)->metric_name(), "map50");
  EXPECT_TRUE((*task)->check_graph(*graph).ok());
  auto wrong = make_task(data::Task::Detection, {.num_classes = 10});
  Status s = (*wrong)->check_graph(*graph);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("head0.cls"), std::string::npos) << s.error().message;
  TaskOptions ratios{.num_classes = 11};
  ratios.detection.default_boxes.aspect_ratios = std::vector<std::vector<double>>(6, {2.0, 3.0});
  s = (*make_task(data::Task::Detection, ratios))->check_graph(*graph);
  ASSERT_FALSE(s.ok());  // the first map has 3 boxes per location
  EXPECT_NE(s.error().message.find("feature map 0"), std::string::npos) << s.error().message;
  auto segmenter = zoo::build_model("mobilenet_v3_large_lraspp", {.resolution = 64, .num_classes = 11});
  ASSERT_TRUE(segmenter.ok());
  EXPECT_FALSE((*task)->check_graph(*segmenter).ok());
}

// Head outputs written by hand from the anchors: the codes of each ground-truth box's matched
// anchors at their place in [N, 4 A, H, W], a confident class there and background elsewhere.
// Decoding must find every box (mAP 1) and the loss must be nearly 0 — so the task reads the
// head's layout in the anchors' order, in the loss and in the metric.
TEST(DetectionTask, HandWrittenHeadOutputsGivePerfectScores) {
  std::vector<FeatureMap> maps{{.height = 2, .width = 2, .anchors_per_location = 4},
                               {.height = 1, .width = 1, .anchors_per_location = 1}};
  const int64_t classes = 3, side = 64;
  auto anchors = default_boxes(maps, side, side, {});
  ASSERT_TRUE(anchors.ok());
  data::Batch batch;
  batch.size = 1;
  batch.channels = 1;
  batch.height = batch.width = side;
  batch.boxes = {{{.x0 = 5, .y0 = 5, .x1 = 25, .y1 = 30, .label = 1}, {.x0 = 36, .y0 = 40, .x1 = 60, .y1 = 60, .label = 2}}};
  std::vector<int64_t> matched = match_anchors(*anchors, batch.boxes[0]);
  std::vector<at::Tensor> outputs;
  int64_t first = 0;
  for (const FeatureMap& map : maps) {
    int64_t a_count = map.anchors_per_location;
    at::Tensor box = at::zeros({1, 4 * a_count, map.height, map.width});
    at::Tensor cls = at::zeros({1, classes * a_count, map.height, map.width});
    for (int64_t y = 0; y < map.height; ++y)
      for (int64_t x = 0; x < map.width; ++x)
        for (int64_t a = 0; a < a_count; ++a) {
          size_t index = static_cast<size_t>(first + (y * map.width + x) * a_count + a);
          int64_t label = 0;
          if (matched[index] >= 0) {
            const data::Box& truth = batch.boxes[0][static_cast<size_t>(matched[index])];
            label = truth.label;
            std::array<float, 4> code = encode_box((*anchors)[index], truth, {});
            for (int64_t k = 0; k < 4; ++k) box[0][a * 4 + k][y][x] = code[static_cast<size_t>(k)];
          }
          cls[0][a * classes + label][y][x] = 12.0;
        }
    outputs.push_back(box);
    outputs.push_back(cls);
    first += map.height * map.width * a_count;
  }
  int64_t foreground = std::count_if(matched.begin(), matched.end(), [](int64_t m) { return m >= 0; });
  ASSERT_GE(foreground, 2);

  auto task = make_task(data::Task::Detection, {.num_classes = classes});
  ASSERT_TRUE(task.ok());
  (*task)->reset_metric();
  (*task)->update_metric(outputs, batch);
  EXPECT_NEAR((*task)->metric(), 1.0, 1e-12);
  EXPECT_LT((*task)->loss(outputs, batch).item<double>(), 1e-3);
  // Moving every code to zero (the anchors themselves) costs box loss.
  std::vector<at::Tensor> no_codes = outputs;
  no_codes[0] = at::zeros_like(outputs[0]);
  no_codes[2] = at::zeros_like(outputs[2]);
  EXPECT_GT((*task)->loss(no_codes, batch).item<double>(), 0.01);
  // The same outputs with the labels swapped find nothing of the right class.
  std::swap(batch.boxes[0][0].label, batch.boxes[0][1].label);
  (*task)->reset_metric();
  (*task)->update_metric(outputs, batch);
  EXPECT_NEAR((*task)->metric(), 0.0, 1e-12);
}

// One map of 1 x 4 locations, one square anchor each (scale 0.25 of a 16 x 64 image: 16 x 4 px at
// x = 0, 16, 32, 48). The ground truth (1, 6, 15, 10) matches anchor 0 only (IoU 0.875). The loss
// is (smooth-L1 of anchor 0's code error + CE(anchor 0, class 1) + the `ratio` largest CE(a, 0)
// of anchors 1..3) / 1.
TEST(DetectionTask, LossMinesTheHardestNegatives) {
  const float codes[4][4] = {{0.5f, -0.2f, 0.1f, 0.3f}, {1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}};
  const float logits[4][2] = {{0.3f, -0.4f}, {0.2f, 1.1f}, {1.5f, -0.5f}, {-0.3f, 0.9f}};
  at::Tensor box = at::zeros({1, 4, 1, 4}), cls = at::zeros({1, 2, 1, 4});
  for (int64_t a = 0; a < 4; ++a) {
    for (int64_t k = 0; k < 4; ++k) box[0][k][0][a] = codes[a][k];
    for (int64_t c = 0; c < 2; ++c) cls[0][c][0][a] = logits[a][c];
  }
  data::Batch batch;
  batch.size = 1;
  batch.height = 16;
  batch.width = 64;
  batch.boxes = {{{.x0 = 1, .y0 = 6, .x1 = 15, .y1 = 10, .label = 1}}};

  auto smooth_l1 = [](double d) { return std::abs(d) < 1 ? 0.5 * d * d : std::abs(d) - 0.5; };
  auto cross_entropy = [&](int64_t a, int64_t label) {
    return std::log(std::exp(logits[a][0]) + std::exp(logits[a][1])) - logits[a][label];
  };
  const double target_dw = std::log(14.0 / 16.0) / 0.2;  // centre and height agree exactly
  double box_loss = smooth_l1(0.5) + smooth_l1(-0.2) + smooth_l1(0.1 - target_dw) + smooth_l1(0.3);
  std::vector<double> negatives{cross_entropy(1, 0), cross_entropy(2, 0), cross_entropy(3, 0)};
  std::sort(negatives.rbegin(), negatives.rend());
  for (int ratio = 0; ratio <= 3; ++ratio) {
    TaskOptions options{.num_classes = 2};
    options.detection.default_boxes.min_scale = 0.25;
    options.detection.default_boxes.max_scale = 0.25;
    options.detection.negatives_per_positive = ratio;
    auto task = make_task(data::Task::Detection, options);
    ASSERT_TRUE(task.ok());
    double expected = box_loss + cross_entropy(0, 1);
    for (int i = 0; i < ratio; ++i) expected += negatives[static_cast<size_t>(i)];
    EXPECT_NEAR((*task)->loss({box, cls}, batch).item<double>(), expected, 1e-5) << "ratio " << ratio;
  }
}

// A tiny SSD (two maps, 8x8 and 4x4, of a 32 x 32 image) trained on one batch of two squares
// per image lowers its loss.
TEST(DetectionTask, LossDecreasesWhileTraining) {
  const int64_t side = 32, classes = 3;
  ir::Graph graph("tiny_ssd");
  ir::Builder b(graph);
  ir::NodeId x = b.input({2, 1, side, side});
  auto y = blocks::conv_bn_act(b, x, {.out_channels = 16, .kernel = 3, .stride = 2}, "conv1");
  ASSERT_TRUE(y.ok());
  y = blocks::conv_bn_act(b, *y, {.out_channels = 16, .kernel = 3, .stride = 2}, "conv2");
  ASSERT_TRUE(y.ok());
  auto extra = blocks::ssdlite_extra_layers(b, *y, {16});
  ASSERT_TRUE(extra.ok()) << extra.error().message;
  auto head = blocks::ssdlite_head(b, {*y, extra->front()}, {.num_classes = classes, .anchors_per_location = {4, 6}});
  ASSERT_TRUE(head.ok()) << head.error().message;

  data::Batch batch;
  batch.size = 2;
  batch.channels = 1;
  batch.height = batch.width = side;
  batch.images.assign(static_cast<size_t>(2 * side * side), 0.0f);
  batch.boxes = {{{.x0 = 2, .y0 = 3, .x1 = 14, .y1 = 13, .label = 1}, {.x0 = 18, .y0 = 16, .x1 = 30, .y1 = 30, .label = 2}},
                 {{.x0 = 12, .y0 = 10, .x1 = 26, .y1 = 24, .label = 2}}};
  for (int64_t n = 0; n < 2; ++n)
    for (const data::Box& box : batch.boxes[static_cast<size_t>(n)])
      for (int64_t py = static_cast<int64_t>(box.y0); py < static_cast<int64_t>(box.y1); ++py)
        for (int64_t px = static_cast<int64_t>(box.x0); px < static_cast<int64_t>(box.x1); ++px)
          batch.images[static_cast<size_t>((n * side + py) * side + px)] = box.label == 1 ? 1.0f : 0.5f;

  auto task = make_task(data::Task::Detection, {.num_classes = classes});
  ASSERT_TRUE(task.ok());
  ASSERT_TRUE((*task)->check_graph(graph).ok());
  auto module = libtorch::make_graph_module(graph, {.seed = 5});
  ASSERT_TRUE(module.ok()) << module.error().message;
  torch::optim::Adam adam((*module)->parameters(), torch::optim::AdamOptions(0.01));
  at::Tensor images = at::from_blob(batch.images.data(), {2, 1, side, side}, at::kFloat).clone();
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    adam.zero_grad();
    at::Tensor loss = (*task)->loss((*module)->forward_all({images}), batch);
    ASSERT_TRUE(std::isfinite(loss.item<double>()));
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
    loss.backward();
    adam.step();
  }
  EXPECT_LT(last, 0.5 * first);
  (*module)->eval();
  (*task)->reset_metric();
  (*task)->update_metric((*module)->forward_all({images}), batch);
  double map = (*task)->metric();
  EXPECT_GE(map, 0.0);
  EXPECT_LE(map, 1.0);
}

}  // namespace
}  // namespace hwnas::train
