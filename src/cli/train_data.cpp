// Opening the training and held-out data sets named by --data (see train_data.h).
#include "train_data.h"

#ifdef HWNAS_WITH_TORCH  // the data part is linked with the train part, which needs libtorch

#include <filesystem>

#include "hwnas/data/coco.h"
#include "hwnas/data/composite.h"
#include "hwnas/data/csv_list.h"
#include "hwnas/data/fashion_mnist.h"
#include "hwnas/data/image_folder.h"
#include "hwnas/data/subset.h"
#include "hwnas/data/voc.h"

namespace hwnas::cli {
namespace {

Result<std::shared_ptr<const data::Dataset>> open_folder(const std::string& root, const DataRequest& r) {
  auto folder = data::ImageFolder::open({.root = root, .height = r.resolution, .width = r.resolution,
                                         .channels = r.channels});
  if (!folder) return folder.error();
  return std::shared_ptr<const data::Dataset>(std::move(*folder));
}

// `all` split into a training set and a held-out `holdout` share (stratified when it has labels).
Result<TrainData> hold_out(std::shared_ptr<const data::Dataset> all, const DataRequest& r, const std::string& give) {
  const auto labels = all->labels();
  auto held_indices = data::fraction_indices(all->size(), labels, r.holdout, r.seed);
  if (!held_indices) return held_indices.error();
  std::vector<bool> held(static_cast<size_t>(all->size()), false);
  for (int64_t i : *held_indices) held[static_cast<size_t>(i)] = true;
  std::vector<int64_t> train_indices;
  for (int64_t i = 0; i < all->size(); ++i)
    if (!held[static_cast<size_t>(i)]) train_indices.push_back(i);
  if (train_indices.empty())
    return Error{"--data '" + r.data + "': too few images to hold some out; give " + give};
  auto train = data::SubsetDataset::make(all, std::move(train_indices));
  if (!train) return train.error();
  auto held_out = data::SubsetDataset::make(all, std::move(*held_indices));
  if (!held_out) return held_out.error();
  return TrainData{std::move(*train), std::move(*held_out)};
}

// The training and held-out sets must number their classes alike.
Status same_classes(const data::Dataset& train, const data::Dataset& held_out) {
  if (train.class_names() == held_out.class_names()) return {};
  return Error{held_out.describe() + " has other classes than " + train.describe() +
               "; the held-out set must use the training set's classes"};
}

Status task_fits(const DataRequest& r, data::Task holds) {
  if (r.task == holds) return {};
  return Error{"--data '" + r.data + "' holds " + data::task_name(holds) + " data; use --task " +
               data::task_name(holds) + " (not " + data::task_name(r.task) + ")"};
}

// csv:TRAIN.csv[,VAL.csv]: the lists, or a stratified holdout of one.
Result<TrainData> open_csv(const std::string& spec, const DataRequest& r) {
  const size_t comma = spec.rfind(',');
  const std::string train_file = comma == std::string::npos ? spec : spec.substr(0, comma);
  data::CsvListOptions options{
      .path = train_file, .height = r.resolution, .width = r.resolution, .channels = r.channels};
  auto train = data::CsvImageList::open(options);
  if (!train) return train.error();
  std::shared_ptr<const data::Dataset> all(std::move(*train));
  if (comma == std::string::npos) return hold_out(all, r, "csv:TRAIN.csv,VAL.csv");
  options.path = spec.substr(comma + 1);
  options.class_names = all->class_names();
  auto val = data::CsvImageList::open(options);
  if (!val) return val.error();
  return TrainData{all, std::move(*val)};
}

// voc:ROOT: the train and val lists, or a holdout of train when there is no val list.
Result<TrainData> open_voc(const std::string& root, const DataRequest& r) {
  data::VocOptions options{
      .root = root, .split = "train", .height = r.resolution, .width = r.resolution, .channels = r.channels};
  auto train = data::VocSegmentation::open(options);
  if (!train) return train.error();
  std::shared_ptr<const data::Dataset> all(std::move(*train));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(
          std::filesystem::path(root) / "ImageSets" / "Segmentation" / "val.txt", ec))
    return hold_out(all, r, "ImageSets/Segmentation/val.txt");
  options.split = "val";
  auto val = data::VocSegmentation::open(options);
  if (!val) return val.error();
  return TrainData{all, std::move(*val)};
}

// coco:JSON[:IMAGEDIR]: the instances file, and as held-out set the file whose name has "val" for
// the last "train" when it exists (instances_train2017.json -> instances_val2017.json), else a holdout.
Result<TrainData> open_coco(const std::string& spec, const DataRequest& r) {
  std::string json = spec, images;
  if (size_t at = spec.find(".json:"); at != std::string::npos) {
    json = spec.substr(0, at + 5);
    images = spec.substr(at + 6);
  }
  std::error_code ec;
  if (images.empty() && std::filesystem::is_regular_file(json, ec)) {
    auto beside = data::default_coco_image_directory(json);
    if (!beside) return Error{beside.error().message + " as coco:JSON:IMAGEDIR"};
    images = *beside;
  }
  data::CocoOptions options{.annotations = json,
                            .images = images,
                            .height = r.resolution,
                            .width = r.resolution,
                            .channels = r.channels};
  auto train = data::CocoDetection::open(options);
  if (!train) return train.error();
  std::shared_ptr<const data::Dataset> all(std::move(*train));
  const std::filesystem::path path(json);
  std::string name = path.filename().string();
  const size_t train_at = name.rfind("train");
  if (train_at == std::string::npos) return hold_out(all, r, "a held-out instances file");
  name.replace(train_at, 5, "val");
  const std::filesystem::path val_json = path.parent_path() / name;
  if (!std::filesystem::is_regular_file(val_json, ec)) return hold_out(all, r, val_json.string());
  options.annotations = val_json.string();
  options.images.clear();
  if (!images.empty() && !data::default_coco_image_directory(options.annotations).ok())
    options.images = images;
  auto val = data::CocoDetection::open(options);
  if (!val) return val.error();
  if (Status same = same_classes(*all, **val); !same) return same.error();
  return TrainData{all, std::move(*val)};
}

}  // namespace

std::optional<data::Task> task_of_data(const std::string& data) {
  if (data.starts_with("csv:")) return data::Task::Classification;
  if (data.starts_with("voc:")) return data::Task::Segmentation;
  if (data.starts_with("coco:")) return data::Task::Detection;
  return std::nullopt;
}

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
  if (std::optional<data::Task> holds = task_of_data(r.data)) {
    if (Status fits = task_fits(r, *holds); !fits) return fits.error();
    const std::string spec = r.data.substr(r.data.find(':') + 1);
    if (spec.empty()) return Error{"--data '" + r.data + "': no file or directory after the colon"};
    if (*holds == data::Task::Classification) return open_csv(spec, r);
    if (*holds == data::Task::Segmentation) return open_voc(spec, r);
    return open_coco(spec, r);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(r.data, ec))
    return Error{"--data '" + r.data +
                 "' is neither fashion-mnist, composite, csv:FILE, voc:ROOT, coco:JSON nor a directory"};
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
  return hold_out(*all, r, "DIR/train and DIR/val");
}

}  // namespace hwnas::cli

#endif  // HWNAS_WITH_TORCH
