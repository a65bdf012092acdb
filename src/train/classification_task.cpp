// The classification task: cross-entropy with label smoothing on [batch, classes] logits; top-1 accuracy.
#include <ATen/ATen.h>

#include "hwnas/train/task.h"

namespace hwnas::train {
namespace {

class ClassificationTask : public Task {
 public:
  explicit ClassificationTask(const TaskOptions& options) : options_(options) {}

  data::Task kind() const override { return data::Task::Classification; }
  std::string metric_name() const override { return "top1"; }

  Status check_graph(const ir::Graph& graph) const override {
    const std::string where = "classification of graph '" + graph.name() + "'";
    if (graph.outputs().size() != 1)
      return Error{where + ": needs exactly one output (the logits), the graph has " +
                   std::to_string(graph.outputs().size())};
    const ir::Node& output = graph.node(graph.outputs().front());
    const ir::Shape& shape = output.shape;
    if (shape.rank() != 2 || shape[1] != options_.num_classes)
      return Error{where + ": output " + output.describe() + " has shape [" + shape.to_string() +
                   "]; expected [batch, " + std::to_string(options_.num_classes) + "] (one logit per class)"};
    if (output.kind == ir::OpKind::Softmax)
      return Error{where + ": output " + output.describe() +
                   " is a softmax; the loss needs the logits (drop the softmax node)"};
    return {};
  }

  at::Tensor loss(const std::vector<at::Tensor>& outputs, const data::Batch& batch) override {
    const at::Tensor& logits = outputs.front();
    return at::cross_entropy_loss(logits, labels_of(batch, logits.device()), {}, at::Reduction::Mean,
                                  /*ignore_index=*/-100, options_.label_smoothing);
  }

  void reset_metric() override { correct_ = total_ = 0; }

  void update_metric(const std::vector<at::Tensor>& outputs, const data::Batch& batch) override {
    const at::Tensor& logits = outputs.front();
    at::Tensor predicted = logits.detach().argmax(1);
    correct_ += predicted.eq(labels_of(batch, logits.device())).sum().item<int64_t>();
    total_ += batch.size;
  }

  double metric() const override { return total_ ? static_cast<double>(correct_) / static_cast<double>(total_) : 0.0; }

 private:
  static at::Tensor labels_of(const data::Batch& batch, at::Device device) {
    at::Tensor labels = at::empty({batch.size}, at::kLong);
    std::copy(batch.labels.begin(), batch.labels.end(), labels.data_ptr<int64_t>());
    return labels.to(device);
  }

  TaskOptions options_;
  int64_t correct_ = 0, total_ = 0;
};

}  // namespace

std::unique_ptr<Task> make_classification_task(const TaskOptions& options) {
  return std::make_unique<ClassificationTask>(options);
}

}  // namespace hwnas::train
