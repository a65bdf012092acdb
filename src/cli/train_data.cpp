// Opening the training and held-out data sets named by --data (see train_data.h).
#include "train_data.h"

#ifdef HWNAS_WITH_TORCH  // the data part is linked with the train part, which needs libtorch

#include <filesystem>

#include "hwnas/data/composite.h"
#include "hwnas/data/fashion_mnist.h"
#include "hwnas/data/image_folder.h"
#include "hwnas/data/subset.h"

namespace hwnas::cli {
namespace {

Result<std::shared_ptr<const data::Dataset>> open_folder(const std::string& root, const DataRequest& r) {
  auto folder = data::ImageFolder::open({.root = root, .height = r.resolution, .width = r.resolution,
                                         .channels = r.channels});
  if (!folder) return folder.error();
  return std::shared_ptr<const data::Dataset>(std::move(*folder));
}

}  // namespace

Result<data::Task> task_from_name(const std::string& name) {
  for (data::Task task : {data::Task::Classification, data::Task::Segmentation, data::Task::Detection})
    if (name == data::task_name(task)) return task;
  return Error{"--task '" + name + "' is unknown (classification, segmentation, detection)"};
}

std::string default_data_for(data::Task task) {
  return task == data::Task::Classification ? "fashion-mnist" : "composite";
}

InputDataRequest data_request_for_input(const std::string& data_name, const std::string& directory, data::Task task,
                                        const ir::Shape& input, uint64_t seed) {
  InputDataRequest out;
  out.request.data = data_name.empty() ? default_data_for(task) : data_name;
  out.request.directory = directory;
  out.request.task = task;
  out.request.resolution = input[2];
  out.request.channels = input[1];
  out.request.seed = seed;
  if (out.request.data == "composite" && input[2] < data::kMinCompositeCanvas) {
    out.request.resolution = data::kMinCompositeCanvas;
    out.resize_to = input[2];
  }
  return out;
}

Result<TrainData> open_train_data(const DataRequest& r) {
  TrainData out;
  if (r.data == "fashion-mnist") {
    if (r.task != data::Task::Classification)
      return Error{"--data fashion-mnist is a classification set; --task " + std::string(data::task_name(r.task)) +
                   " needs --data composite"};
    for (data::Split split : {data::Split::Train, data::Split::Test}) {
      auto set = data::open_fashion_mnist({.directory = r.directory, .split = split, .seed = r.seed,
                                           .resolution = r.resolution, .channels = r.channels});
      if (!set) return set.error();
      (split == data::Split::Train ? out.train : out.held_out) = std::move(*set);
    }
    return out;
  }
  if (r.data == "composite") {
    if (r.task == data::Task::Classification)
      return Error{"--data composite holds segmentation and detection scenes; use --task segmentation or detection"};
    for (data::Split split : {data::Split::Train, data::Split::Test}) {
      data::CompositeOptions options;
      options.task = r.task;
      options.directory = r.directory;
      options.split = split;
      options.canvas = r.resolution;
      options.channels = r.channels;
      options.seed = r.seed;
      auto set = data::open_composite(options);
      if (!set) return set.error();
      (split == data::Split::Train ? out.train : out.held_out) = std::move(*set);
    }
    return out;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(r.data, ec))
    return Error{"--data '" + r.data + "' is neither fashion-mnist, composite nor a directory"};
  if (r.task != data::Task::Classification)
    return Error{"--data '" + r.data + "': an image folder holds classification data, not " +
                 std::string(data::task_name(r.task))};
  const std::filesystem::path root(r.data);
  if (std::filesystem::is_directory(root / "train", ec)) {
    for (const char* held : {"val", "test"})
      if (std::filesystem::is_directory(root / held, ec)) {
        auto train = open_folder((root / "train").string(), r);
        if (!train) return train.error();
        auto held_out = open_folder((root / held).string(), r);
        if (!held_out) return held_out.error();
        return TrainData{*train, *held_out};
      }
  }
  auto all = open_folder(r.data, r);
  if (!all) return all.error();
  const auto labels = (*all)->labels();
  auto held_indices = data::fraction_indices((*all)->size(), labels, r.holdout, r.seed);
  if (!held_indices) return held_indices.error();
  std::vector<bool> held(static_cast<size_t>((*all)->size()), false);
  for (int64_t i : *held_indices) held[static_cast<size_t>(i)] = true;
  std::vector<int64_t> train_indices;
  for (int64_t i = 0; i < (*all)->size(); ++i)
    if (!held[static_cast<size_t>(i)]) train_indices.push_back(i);
  if (train_indices.empty())
    return Error{"--data '" + r.data + "': too few images to hold some out; give DIR/train and DIR/val"};
  auto train = data::SubsetDataset::make(*all, std::move(train_indices));
  if (!train) return train.error();
  auto held_out = data::SubsetDataset::make(*all, std::move(*held_indices));
  if (!held_out) return held_out.error();
  return TrainData{std::move(*train), std::move(*held_out)};
}

}  // namespace hwnas::cli

#endif  // HWNAS_WITH_TORCH
