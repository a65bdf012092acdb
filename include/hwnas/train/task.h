// Task: what a network is trained for — its loss on a batch, its metric on held-out data.
//
//   auto task = train::make_task(data::Task::Classification, {.num_classes = 10});
//   auto outputs = module->forward_all({images});            // the graph's outputs
//   torch::Tensor loss = (*task)->loss(outputs, batch);      // scalar, differentiable
//   (*task)->reset_metric(); ... (*task)->update_metric(outputs, batch); ... (*task)->metric();
//
// One implementation per task: classification (cross-entropy with label smoothing; top-1),
// segmentation (per-pixel cross-entropy; mean IoU), detection (SSD-style anchor matching,
// smooth-L1 box regression and classification with hard-negative mining; mAP at IoU 0.5).
// The trainer (trainer.h) knows only this interface.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/batch.h"
#include "hwnas/data/dataset.h"
#include "hwnas/ir/graph.h"
#include "hwnas/ir/result.h"
#include "hwnas/train/anchors.h"

namespace hwnas::train {

struct SegmentationOptions {
  // Mask value left out of the loss and the mean IoU: data::kIgnoreLabel (255, VOC's borders) by
  // default, which the composite scenes never use; -1: none.
  int64_t ignore_label = data::kIgnoreLabel;
};

// SSD-style detection (anchors.h): default boxes, matching, coding, decoding for the metric.
struct DetectionOptions {
  DefaultBoxOptions default_boxes{};
  BoxCoding coding{};
  double match_iou = 0.5;              // an anchor is foreground from this IoU on
  double negatives_per_positive = 3;   // hard-negative mining: background anchors kept per foreground one
  DecodeOptions decode{};
  double metric_iou = 0.5;             // mAP at this IoU
};

struct TaskOptions {
  int64_t num_classes = 10;        // classes including the background for segmentation/detection
  double label_smoothing = 0.0;    // classification: share of the target spread over all classes
  SegmentationOptions segmentation{};
  DetectionOptions detection{};
};

class Task {
 public:
  virtual ~Task() = default;
  virtual data::Task kind() const = 0;
  // "top1", "miou" or "map50": the key of metric() in reports and the experiment store.
  virtual std::string metric_name() const = 0;
  // Checks that `graph`'s outputs fit the task (count, shapes, classes); an Error naming the
  // output otherwise. Called once before training.
  virtual Status check_graph(const ir::Graph& graph) const = 0;
  // The mean loss of `outputs` (the graph's outputs on batch.images) against the batch's labels,
  // masks or boxes. Tensors on the device of `outputs`.
  virtual torch::Tensor loss(const std::vector<torch::Tensor>& outputs, const data::Batch& batch) = 0;
  // Held-out metric, accumulated over batches (the module in eval mode).
  virtual void reset_metric() = 0;
  virtual void update_metric(const std::vector<torch::Tensor>& outputs, const data::Batch& batch) = 0;
  virtual double metric() const = 0;
};

// Dispatches on `kind` to one of the makers below (src/train/task.cpp).
Result<std::unique_ptr<Task>> make_task(data::Task kind, const TaskOptions& options);

std::unique_ptr<Task> make_classification_task(const TaskOptions& options);  // classification_task.cpp
std::unique_ptr<Task> make_segmentation_task(const TaskOptions& options);    // segmentation_task.cpp
std::unique_ptr<Task> make_detection_task(const TaskOptions& options);       // detection_task.cpp

}  // namespace hwnas::train
