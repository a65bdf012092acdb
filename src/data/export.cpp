// Writing detection sets as COCO instances files and segmentation sets in VOC layout; the composite scenes
// through both.
#include "hwnas/data/export.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hwnas/data/composite.h"
#include "hwnas/data/image_io.h"

namespace hwnas::data {
namespace fs = std::filesystem;
using nlohmann::json;
namespace {

std::string six_digits(int64_t index) {
  char text[32];
  std::snprintf(text, sizeof text, "%06lld", static_cast<long long>(index));
  return text;
}

Status make_directories(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{dir.string() + ": cannot create directory: " + ec.message()};
  return {};
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{path.string() + ": cannot create: " + std::strerror(errno)};
  out << text;
  out.close();
  if (!out) return Error{path.string() + ": cannot write: " + std::strerror(errno)};
  return {};
}

Status check_task(const Dataset& set, Task task, const char* format) {
  if (set.task() != task)
    return Error{std::string(format) + " export of " + set.describe() + ": needs a " + task_name(task) +
                 " set, not " + task_name(set.task())};
  return {};
}

}  // namespace

Status write_coco(const Dataset& set, const std::string& annotations, const std::string& image_directory) {
  if (Status task = check_task(set, Task::Detection, "COCO"); !task) return task;
  if (Status made = make_directories(image_directory); !made) return made;
  if (Status made = make_directories(
          fs::path(annotations).parent_path().empty() ? fs::path(".") : fs::path(annotations).parent_path());
      !made)
    return made;
  json images = json::array(), boxes = json::array(), categories = json::array();
  const std::vector<std::string> names = set.class_names();
  for (size_t k = 1; k < names.size(); ++k) categories.push_back({{"id", k}, {"name", names[k]}});
  int64_t annotation_id = 0;
  for (int64_t i = 0; i < set.size(); ++i) {
    auto example = set.get(i);
    if (!example) return example.error();
    const std::string file_name = six_digits(i) + ".png";
    if (Status written = write_png_file((fs::path(image_directory) / file_name).string(), example->image);
        !written)
      return written;
    images.push_back({{"id", i + 1},
                      {"file_name", file_name},
                      {"width", example->image.width},
                      {"height", example->image.height}});
    for (const Box& box : example->boxes) {
      const float w = box.x1 - box.x0, h = box.y1 - box.y0;
      boxes.push_back({{"id", ++annotation_id},
                       {"image_id", i + 1},
                       {"category_id", box.label},
                       {"bbox", {box.x0, box.y0, w, h}},
                       {"area", w * h},
                       {"iscrowd", 0}});
    }
  }
  json root = {{"info", {{"description", set.describe()}}},
               {"images", std::move(images)},
               {"annotations", std::move(boxes)},
               {"categories", std::move(categories)}};
  return write_text(annotations, root.dump(1) + "\n");
}

Status write_voc(const Dataset& set, const std::string& root, const std::string& split) {
  if (Status task = check_task(set, Task::Segmentation, "VOC"); !task) return task;
  const fs::path base(root);
  for (const char* dir : {"JPEGImages", "SegmentationClass", "ImageSets/Segmentation"})
    if (Status made = make_directories(base / dir); !made) return made;
  std::string list, labels;
  for (const std::string& name : set.class_names()) labels += name + "\n";
  for (int64_t i = 0; i < set.size(); ++i) {
    auto example = set.get(i);
    if (!example) return example.error();
    const std::string id = split + "_" + six_digits(i);
    if (Status written = write_png_file((base / "JPEGImages" / (id + ".png")).string(), example->image);
        !written)
      return written;
    if (Status written =
            write_mask_png_file((base / "SegmentationClass" / (id + ".png")).string(), example->mask);
        !written)
      return written;
    list += id + "\n";
  }
  if (Status written = write_text(base / "ImageSets" / "Segmentation" / (split + ".txt"), list); !written)
    return written;
  return write_text(base / "labels.txt", labels);
}

Status export_composite(const CompositeExportOptions& options) {
  if (options.out.empty()) return Error{"composite export: no output directory given"};
  if (options.count < 1)
    return Error{"composite export: count must be at least 1, not " + std::to_string(options.count)};
  const fs::path out(options.out);
  for (Split split : {Split::Train, Split::Test}) {
    CompositeOptions scenes;
    scenes.task = options.format == ExportFormat::Coco ? Task::Detection : Task::Segmentation;
    scenes.directory = options.directory;
    scenes.split = split;
    scenes.size = options.count;
    scenes.canvas = options.size;
    scenes.channels = options.channels;
    scenes.seed = options.seed;
    auto set = open_composite(scenes);
    if (!set) return set.error();
    const std::string name = split == Split::Train ? "train" : "val";
    Status written = options.format == ExportFormat::Coco
                         ? write_coco(**set, (out / "annotations" / ("instances_" + name + ".json")).string(),
                                      (out / name).string())
                         : write_voc(**set, out.string(), name);
    if (!written) return written;
  }
  return {};
}

}  // namespace hwnas::data
