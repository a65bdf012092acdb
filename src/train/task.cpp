// make_task: the Task of a data set's kind (classification here; segmentation and detection in their files).
#include "hwnas/train/task.h"

namespace hwnas::train {

Result<std::unique_ptr<Task>> make_task(data::Task kind, const TaskOptions& options) {
  if (options.num_classes < 1)
    return Error{std::string("task ") + data::task_name(kind) + ": num_classes must be at least 1, got " +
                 std::to_string(options.num_classes)};
  if (options.label_smoothing < 0.0 || options.label_smoothing >= 1.0)
    return Error{std::string("task ") + data::task_name(kind) + ": label_smoothing must be in [0, 1), got " +
                 std::to_string(options.label_smoothing)};
  std::unique_ptr<Task> task;
  switch (kind) {
    case data::Task::Classification:
      task = make_classification_task(options);
      break;
    case data::Task::Segmentation:
      task = make_segmentation_task(options);
      break;
    case data::Task::Detection:
      task = make_detection_task(options);
      break;
  }
  if (!task) return Error{std::string("task ") + data::task_name(kind) + ": not implemented in this build"};
  return task;
}

}  // namespace hwnas::train
