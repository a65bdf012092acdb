// The segmentation task: per-pixel cross-entropy on [batch, classes, H, W] logits; mean IoU over all classes.
//
// Logits at another size than the masks are resized bilinearly to the masks' (torchvision's
// segmentation reference does the same in the model). The metric is metrics::ConfusionMatrix's
// mean IoU over every class, background included (the PASCAL VOC convention).
#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "hwnas/metrics/segmentation.h"
#include "hwnas/train/task.h"

namespace hwnas::train {
namespace {

class SegmentationTask : public Task {
 public:
  explicit SegmentationTask(const TaskOptions& options)
      : options_(options), confusion_(options.num_classes, options.segmentation.ignore_label) {}

  data::Task kind() const override { return data::Task::Segmentation; }
  std::string metric_name() const override { return "miou"; }

  Status check_graph(const ir::Graph& graph) const override {
    const std::string where = "segmentation of graph '" + graph.name() + "'";
    if (graph.outputs().size() != 1)
      return Error{where + ": needs exactly one output (the per-pixel logits), the graph has " +
                   std::to_string(graph.outputs().size())};
    const ir::Node& output = graph.node(graph.outputs().front());
    const ir::Shape& shape = output.shape;
    if (shape.rank() != 4 || shape.c() != options_.num_classes)
      return Error{where + ": output " + output.describe() + " has shape [" + shape.to_string() +
                   "]; expected [batch, " + std::to_string(options_.num_classes) + ", height, width]"};
    if (output.kind == ir::OpKind::Softmax)
      return Error{where + ": output " + output.describe() +
                   " is a softmax; the loss needs the logits (drop the softmax node)"};
    return {};
  }

  at::Tensor loss(const std::vector<at::Tensor>& outputs, const data::Batch& batch) override {
    at::Tensor logits = at_mask_size(outputs.front(), batch);
    int64_t ignore = options_.segmentation.ignore_label >= 0 ? options_.segmentation.ignore_label : -100;
    return at::cross_entropy_loss(logits, masks_of(batch, logits.device()), {}, at::Reduction::Mean, ignore);
  }

  void reset_metric() override {
    confusion_ = metrics::ConfusionMatrix(options_.num_classes, options_.segmentation.ignore_label);
    failure_.clear();
  }

  void update_metric(const std::vector<at::Tensor>& outputs, const data::Batch& batch) override {
    at::Tensor predicted = at_mask_size(outputs.front().detach(), batch).argmax(1).to(at::kCPU).contiguous();
    std::span<const int64_t> prediction(predicted.data_ptr<int64_t>(), static_cast<size_t>(predicted.numel()));
    if (auto s = confusion_.add(batch.masks, prediction); !s && failure_.empty()) failure_ = s.error().message;
  }

  // NaN when a batch could not be counted (a mask value outside the classes) or nothing was.
  double metric() const override {
    if (!failure_.empty()) return std::numeric_limits<double>::quiet_NaN();
    return confusion_.mean_iou();
  }

 private:
  // The logits resized to the masks' height and width when they differ.
  static at::Tensor at_mask_size(const at::Tensor& logits, const data::Batch& batch) {
    if (logits.size(2) == batch.height && logits.size(3) == batch.width) return logits;
    return at::upsample_bilinear2d(logits, {batch.height, batch.width}, /*align_corners=*/false);
  }

  static at::Tensor masks_of(const data::Batch& batch, at::Device device) {
    TORCH_CHECK(static_cast<int64_t>(batch.masks.size()) == batch.size * batch.height * batch.width,
                "segmentation loss: the batch holds ", batch.masks.size(), " mask pixels, not ", batch.size, " x ",
                batch.height, " x ", batch.width, " (not a segmentation batch?)");
    at::Tensor masks = at::empty({batch.size, batch.height, batch.width}, at::kLong);
    std::copy(batch.masks.begin(), batch.masks.end(), masks.data_ptr<int64_t>());
    return masks.to(device);
  }

  TaskOptions options_;
  metrics::ConfusionMatrix confusion_;
  std::string failure_;
};

}  // namespace

std::unique_ptr<Task> make_segmentation_task(const TaskOptions& options) {
  return std::make_unique<SegmentationTask>(options);
}

}  // namespace hwnas::train
