// A training checkpoint opened with its data and task: shared by `hwnas evaluate` and `hwnas quantize`.
#include "checkpoint_data.h"

#ifdef HWNAS_WITH_TORCH
namespace hwnas::cli {

Result<CheckpointRun> open_checkpoint_run(const std::string& checkpoint, const std::string& data, const std::string& data_dir) {
  auto loaded = train::load_checkpoint(checkpoint);
  if (!loaded) return loaded.error();
  const std::string where = "checkpoint '" + checkpoint + "'";
  auto task_kind = task_from_name(loaded->info.task);
  if (!task_kind) return task_kind.error().within(where);
  const ir::Graph& graph = loaded->graph;
  if (graph.inputs().size() != 1 || graph.node(graph.inputs().front()).shape.rank() != 4)
    return Error{where + ": its network does not take one image input"};
  const ir::Shape& input = graph.node(graph.inputs().front()).shape;
  auto data_sets = open_train_data(data_request_for_input(data, data_dir, *task_kind, input, loaded->info.seed).request);
  if (!data_sets) return data_sets.error();
  if (data_sets->held_out->num_classes() != loaded->info.num_classes && *task_kind == data::Task::Classification)
    return Error{where + " has " + std::to_string(loaded->info.num_classes) + " classes, the data (" +
                 data_sets->held_out->describe() + ") " + std::to_string(data_sets->held_out->num_classes())};
  auto task = train::make_task(*task_kind, {.num_classes = loaded->info.num_classes});
  if (!task) return task.error();
  if (Status fits = (*task)->check_graph(graph); !fits) return fits.error().within(where);
  return CheckpointRun{std::move(*loaded), std::move(*data_sets), std::move(*task)};
}

}  // namespace hwnas::cli
#endif
