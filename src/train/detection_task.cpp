// The detection task: SSD's loss (matched default boxes, smooth-L1 regression, cross-entropy with 3:1 hard-negative mining); mAP@0.5.
//
// The graph's outputs are box0, cls0, box1, cls1, ... ([N, 4 A, H, W] and [N, classes A, H, W]
// per scale, as blocks::ssdlite_head builds them). Loss, as torchvision's SSD.compute_loss:
//   N_fg = foreground anchors of the batch (at least 1);
//   loss = (sum over foreground anchors of smooth-L1(code, target code)            (beta 1)
//           + sum over foreground anchors of CE(logits, label)
//           + sum over the 3 N_fg(image) background anchors of highest CE per image of CE(logits, 0)) / N_fg.
// (Unlike torchvision, a foreground anchor is never counted a second time as a mined negative
// when an image has fewer background anchors than 3 N_fg.) The metric decodes every image
// (anchors.h: decode_detections) and feeds metrics::MeanAveragePrecision at options.metric_iou.
#include <ATen/ATen.h>

#include <limits>
#include <map>
#include <tuple>

#include "hwnas/metrics/detection.h"
#include "hwnas/train/task.h"

namespace hwnas::train {
namespace {

class DetectionTask : public Task {
 public:
  explicit DetectionTask(const TaskOptions& options)
      : options_(options), average_precision_(options.detection.metric_iou) {}

  data::Task kind() const override { return data::Task::Detection; }
  std::string metric_name() const override { return "map50"; }

  Status check_graph(const ir::Graph& graph) const override {
    const std::string where = "detection of graph '" + graph.name() + "'";
    auto maps = detection_feature_maps(graph, options_.num_classes);
    if (!maps) return Error{where + ": " + maps.error().message};
    std::vector<ir::NodeId> inputs = graph.inputs();
    if (inputs.size() != 1 || graph.node(inputs.front()).shape.rank() != 4)
      return Error{where + ": needs one image input [N, C, H, W]"};
    const ir::Shape& image = graph.node(inputs.front()).shape;
    auto anchors = default_boxes(*maps, image.h(), image.w(), options_.detection.default_boxes);
    if (!anchors) return Error{where + ": " + anchors.error().message};
    return {};
  }

  at::Tensor loss(const std::vector<at::Tensor>& outputs, const data::Batch& batch) override {
    Predictions predictions = flatten(outputs);
    const std::vector<Anchor>& anchors = anchors_for(predictions.maps, batch);
    int64_t n = predictions.codes.size(0), count = predictions.codes.size(1);
    TORCH_CHECK(static_cast<int64_t>(batch.boxes.size()) == n, "detection loss: the batch holds boxes of ",
                batch.boxes.size(), " images for ", n, " predictions (not a detection batch?)");
    TORCH_CHECK(count == static_cast<int64_t>(anchors.size()), "detection loss: ", count, " predictions for ",
                anchors.size(), " anchors");

    at::Tensor target_codes = at::zeros({n, count, 4}, at::kFloat);
    at::Tensor target_labels = at::zeros({n, count}, at::kLong);
    float* codes = target_codes.data_ptr<float>();
    int64_t* labels = target_labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      const std::vector<data::Box>& truth = batch.boxes[static_cast<size_t>(i)];
      std::vector<int64_t> matched = match_anchors(anchors, truth, options_.detection.match_iou);
      for (int64_t a = 0; a < count; ++a) {
        int64_t m = matched[static_cast<size_t>(a)];
        if (m < 0) continue;
        const data::Box& box = truth[static_cast<size_t>(m)];
        TORCH_CHECK(box.label > 0 && box.label < options_.num_classes, "detection loss: image ", i,
                    " has a box of label ", box.label, " outside 1..", options_.num_classes - 1);
        labels[i * count + a] = box.label;
        std::array<float, 4> code = encode_box(anchors[static_cast<size_t>(a)], box, options_.detection.coding);
        std::copy(code.begin(), code.end(), codes + (i * count + a) * 4);
      }
    }
    at::Device device = predictions.codes.device();
    target_codes = target_codes.to(device);
    target_labels = target_labels.to(device);

    at::Tensor foreground = target_labels.gt(0);
    at::Tensor foreground_float = foreground.to(predictions.codes.scalar_type());
    at::Tensor box_loss =
        (at::smooth_l1_loss(predictions.codes, target_codes, at::Reduction::None).sum(-1) * foreground_float).sum();
    at::Tensor class_loss =
        at::cross_entropy_loss(predictions.logits.reshape({n * count, options_.num_classes}),
                               target_labels.reshape({n * count}), {}, at::Reduction::None)
            .view({n, count});
    // Hard-negative mining: per image, the background anchors of highest loss, ratio x foreground.
    at::Tensor negatives_wanted =
        foreground.sum(1, /*keepdim=*/true).to(at::kDouble) * options_.detection.negatives_per_positive;
    at::Tensor negative_loss =
        class_loss.detach().masked_fill(foreground, -std::numeric_limits<double>::infinity());
    at::Tensor order = std::get<1>(at::sort(negative_loss, /*stable=*/true, /*dim=*/1, /*descending=*/true));
    at::Tensor rank = std::get<1>(at::sort(order, /*stable=*/true, /*dim=*/1, /*descending=*/false));
    at::Tensor mined = rank.to(at::kDouble).lt(negatives_wanted).logical_and(foreground.logical_not());
    at::Tensor kept = foreground_float + mined.to(foreground_float.scalar_type());
    at::Tensor foreground_count = foreground_float.sum().clamp_min(1.0);
    return (box_loss + (class_loss * kept).sum()) / foreground_count;
  }

  void reset_metric() override {
    average_precision_ = metrics::MeanAveragePrecision(options_.detection.metric_iou);
    failure_.clear();
  }

  void update_metric(const std::vector<at::Tensor>& outputs, const data::Batch& batch) override {
    std::vector<at::Tensor> detached;
    for (const at::Tensor& output : outputs) detached.push_back(output.detach());
    Predictions predictions = flatten(detached);
    const std::vector<Anchor>& anchors = anchors_for(predictions.maps, batch);
    at::Tensor codes = predictions.codes.to(at::kCPU, at::kFloat).contiguous();
    at::Tensor probabilities = predictions.logits.softmax(-1).to(at::kCPU, at::kFloat).contiguous();
    int64_t n = codes.size(0), count = codes.size(1), classes = options_.num_classes;
    for (int64_t i = 0; i < n && i < static_cast<int64_t>(batch.boxes.size()); ++i) {
      std::span<const float> image_codes(codes.data_ptr<float>() + i * count * 4, static_cast<size_t>(count * 4));
      std::span<const float> image_probabilities(probabilities.data_ptr<float>() + i * count * classes,
                                                 static_cast<size_t>(count * classes));
      std::vector<metrics::Detection> detections =
          decode_detections(anchors, image_codes, image_probabilities, classes, batch.height, batch.width,
                            options_.detection.coding, options_.detection.decode);
      std::vector<metrics::GroundTruthBox> truth;
      for (const data::Box& box : batch.boxes[static_cast<size_t>(i)])
        truth.push_back({.x0 = box.x0, .y0 = box.y0, .x1 = box.x1, .y1 = box.y1, .label = box.label});
      if (auto s = average_precision_.add_image(detections, truth); !s && failure_.empty())
        failure_ = s.error().message;
    }
  }

  // mAP at options.detection.metric_iou; NaN when an image could not be added or there was no ground truth.
  double metric() const override {
    if (!failure_.empty()) return std::numeric_limits<double>::quiet_NaN();
    return average_precision_.compute().mean_average_precision;
  }

 private:
  // Every scale's predictions in anchor order: codes [N, anchors, 4], logits [N, anchors, classes].
  struct Predictions {
    at::Tensor codes, logits;
    std::vector<FeatureMap> maps;
  };

  Predictions flatten(const std::vector<at::Tensor>& outputs) const {
    TORCH_CHECK(!outputs.empty() && outputs.size() % 2 == 0, "detection: expected outputs box0, cls0, box1, cls1, ..., got ",
                outputs.size(), " tensors");
    std::vector<at::Tensor> codes, logits;
    Predictions predictions;
    int64_t classes = options_.num_classes;
    for (size_t i = 0; i < outputs.size(); i += 2) {
      const at::Tensor& box = outputs[i];
      const at::Tensor& cls = outputs[i + 1];
      TORCH_CHECK(box.dim() == 4 && cls.dim() == 4 && box.size(1) % 4 == 0, "detection: output pair ", i / 2,
                  " is not [N, 4 A, H, W] and [N, classes A, H, W]");
      int64_t n = box.size(0), anchors = box.size(1) / 4, h = box.size(2), w = box.size(3);
      TORCH_CHECK(cls.size(0) == n && cls.size(1) == classes * anchors && cls.size(2) == h && cls.size(3) == w,
                  "detection: class output ", i / 2, " does not have ", classes, " x ", anchors,
                  " channels at the box output's size");
      codes.push_back(box.view({n, anchors, 4, h, w}).permute({0, 3, 4, 1, 2}).reshape({n, -1, 4}));
      logits.push_back(cls.view({n, anchors, classes, h, w}).permute({0, 3, 4, 1, 2}).reshape({n, -1, classes}));
      predictions.maps.push_back({.height = h, .width = w, .anchors_per_location = anchors});
    }
    predictions.codes = at::cat(codes, 1);
    predictions.logits = at::cat(logits, 1);
    return predictions;
  }

  // The default boxes of these maps on the batch's image size, made once per layout.
  const std::vector<Anchor>& anchors_for(const std::vector<FeatureMap>& maps, const data::Batch& batch) {
    std::vector<int64_t> key{batch.height, batch.width};
    for (const FeatureMap& map : maps) key.insert(key.end(), {map.height, map.width, map.anchors_per_location});
    auto found = anchors_.find(key);
    if (found != anchors_.end()) return found->second;
    auto anchors = default_boxes(maps, batch.height, batch.width, options_.detection.default_boxes);
    TORCH_CHECK(anchors.ok(), "detection: ", anchors.ok() ? std::string() : anchors.error().message);
    return anchors_.emplace(std::move(key), std::move(*anchors)).first->second;
  }

  TaskOptions options_;
  std::map<std::vector<int64_t>, std::vector<Anchor>> anchors_;
  metrics::MeanAveragePrecision average_precision_;
  std::string failure_;
};

}  // namespace

std::unique_ptr<Task> make_detection_task(const TaskOptions& options) {
  return std::make_unique<DetectionTask>(options);
}

}  // namespace hwnas::train
