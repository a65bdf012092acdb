// CocoDetection: parsing and checking a COCO instances file, category remapping, decoding and box scaling on
// get().
#include "hwnas/data/coco.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "file_reading.h"
#include "hwnas/data/image_io.h"
#include "hwnas/data/image_ops.h"

namespace hwnas::data {
namespace fs = std::filesystem;
using nlohmann::json;
namespace {

constexpr float kBoxTolerance = 1.0f;  // px a box may reach past its image

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// The array `key` of the top-level object.
Result<const json*> array_field(const json& root, const char* key, const std::string& path) {
  auto it = root.find(key);
  if (it == root.end()) return Error{path + ": has no \"" + std::string(key) + "\" array"};
  if (!it->is_array()) return Error{path + ": \"" + std::string(key) + "\" is not an array"};
  return &*it;
}

// An integer field of a record (a float with an integral value is accepted).
Result<int64_t> integer_field(const json& record, const char* key, const std::string& where) {
  auto it = record.find(key);
  if (it == record.end()) return Error{where + ": has no \"" + std::string(key) + "\""};
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9e15)
      return static_cast<int64_t>(value);
  }
  return Error{where + ": \"" + std::string(key) + "\" is not an integer: " + it->dump()};
}

Result<std::string> string_field(const json& record, const char* key, const std::string& where) {
  auto it = record.find(key);
  if (it == record.end()) return Error{where + ": has no \"" + std::string(key) + "\""};
  if (!it->is_string()) return Error{where + ": \"" + std::string(key) + "\" is not a string: " + it->dump()};
  std::string value = it->get<std::string>();
  if (value.empty()) return Error{where + ": \"" + std::string(key) + "\" is empty"};
  return value;
}

std::string record_name(const char* array, size_t index) {
  return std::string(array) + "[" + std::to_string(index) + "]";
}

bool is_crowd(const json& annotation) {
  auto it = annotation.find("iscrowd");
  if (it == annotation.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number()) return it->get<double>() != 0.0;
  return false;
}

struct Parsed {
  std::vector<std::string> class_names;
  std::vector<int64_t> category_ids;
  std::map<int64_t, int64_t> class_of_category;
};

Result<Parsed> parse_categories(const json& root, const std::string& path) {
  auto categories = array_field(root, "categories", path);
  if (!categories) return categories.error();
  if ((*categories)->empty()) return Error{path + ": \"categories\" is empty (no class)"};
  std::map<int64_t, std::pair<std::string, size_t>> by_id;  // sorted by id
  for (size_t i = 0; i < (*categories)->size(); ++i) {
    const json& category = (**categories)[i];
    const std::string where = path + ": " + record_name("categories", i);
    if (!category.is_object()) return Error{where + ": not an object"};
    auto id = integer_field(category, "id", where);
    if (!id) return id.error();
    auto name = string_field(category, "name", where);
    if (!name) return name.error();
    auto [it, inserted] = by_id.emplace(*id, std::make_pair(*name, i));
    if (!inserted)
      return Error{where + ": category id " + std::to_string(*id) + " is listed twice (also " +
                   record_name("categories", it->second.second) + ")"};
  }
  Parsed parsed;
  parsed.class_names.push_back("background");
  for (const auto& [id, entry] : by_id) {
    parsed.class_of_category[id] = static_cast<int64_t>(parsed.category_ids.size()) + 1;
    parsed.category_ids.push_back(id);
    parsed.class_names.push_back(entry.first);
  }
  return parsed;
}

}  // namespace

Result<std::string> default_coco_image_directory(const std::string& annotations) {
  const fs::path file(annotations);
  fs::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  std::string name = file.stem().string();
  if (name.starts_with("instances_")) name = name.substr(std::string("instances_").size());
  std::vector<fs::path> candidates = {dir / name, dir / ".." / name, dir / "images"};
  std::error_code ec;
  for (const fs::path& candidate : candidates)
    if (!name.empty() && fs::is_directory(candidate, ec)) return candidate.lexically_normal().string();
  return Error{annotations + ": no image directory found beside it (looked for " +
               candidates[0].lexically_normal().string() + ", " + candidates[1].lexically_normal().string() +
               " and " + candidates[2].lexically_normal().string() + "); name the image directory"};
}

Result<std::unique_ptr<CocoDetection>> CocoDetection::open(const CocoOptions& options) {
  const std::string& path = options.annotations;
  if (path.empty()) return Error{"COCO detection: no annotation file given"};
  if (Status valid =
          check_image_options("COCO detection " + path, options.height, options.width, options.channels);
      !valid)
    return valid.error();
  std::unique_ptr<CocoDetection> set(new CocoDetection());
  set->options_ = options;
  if (set->options_.images.empty()) {
    auto images = default_coco_image_directory(path);
    if (!images) return images.error();
    set->options_.images = *images;
  }
  std::error_code ec;
  if (!fs::is_directory(set->options_.images, ec))
    return Error{path + ": image directory " + set->options_.images + " does not exist"};
  auto text = read_file_bytes(path);
  if (!text) return text.error();

  // nlohmann throws; nothing of it leaves this function.
  try {
    json root;
    try {
      root = json::parse(*text);
    } catch (const json::parse_error& e) {
      std::string what = e.what();
      if (size_t end = what.find("] "); what.starts_with("[json.exception") && end != std::string::npos)
        what = what.substr(end + 2);
      return Error{path + ": not valid JSON (byte " + std::to_string(e.byte) + "): " + what};
    }
    if (!root.is_object()) return Error{path + ": not a COCO instances file: the top level is not an object"};

    auto categories = parse_categories(root, path);
    if (!categories) return categories.error();
    set->class_names_ = std::move(categories->class_names);
    set->category_ids_ = std::move(categories->category_ids);

    auto images = array_field(root, "images", path);
    if (!images) return images.error();
    if ((*images)->empty()) return Error{path + ": \"images\" is empty (no image)"};
    std::map<int64_t, size_t> entry_of_id;
    for (size_t i = 0; i < (*images)->size(); ++i) {
      const json& image = (**images)[i];
      const std::string where = path + ": " + record_name("images", i);
      if (!image.is_object()) return Error{where + ": not an object"};
      auto id = integer_field(image, "id", where);
      if (!id) return id.error();
      const std::string named = where + " (id " + std::to_string(*id) + ")";
      auto file_name = string_field(image, "file_name", named);
      if (!file_name) return file_name.error();
      auto width = integer_field(image, "width", named);
      if (!width) return width.error();
      auto height = integer_field(image, "height", named);
      if (!height) return height.error();
      if (*width < 1 || *height < 1)
        return Error{named + ": width and height must be positive, not " + std::to_string(*width) + "x" +
                     std::to_string(*height)};
      auto [it, inserted] = entry_of_id.emplace(*id, set->images_.size());
      if (!inserted)
        return Error{named + ": image id " + std::to_string(*id) + " is listed twice (also " +
                     record_name("images", static_cast<size_t>(set->images_[it->second].record)) + ")"};
      const fs::path file = fs::path(set->options_.images) / *file_name;
      if (!fs::is_regular_file(file, ec))
        return Error{named + ": image file " + file.string() + " does not exist"};
      set->images_.push_back({file.string(), *id, *width, *height, static_cast<int64_t>(i), {}});
    }

    auto annotations = array_field(root, "annotations", path);
    if (!annotations) return annotations.error();
    for (size_t i = 0; i < (*annotations)->size(); ++i) {
      const json& annotation = (**annotations)[i];
      std::string where = path + ": " + record_name("annotations", i);
      if (!annotation.is_object()) return Error{where + ": not an object"};
      if (auto id = annotation.find("id"); id != annotation.end() && id->is_number())
        where += " (id " + id->dump() + ")";
      auto image_id = integer_field(annotation, "image_id", where);
      if (!image_id) return image_id.error();
      auto entry = entry_of_id.find(*image_id);
      if (entry == entry_of_id.end())
        return Error{where + ": image_id " + std::to_string(*image_id) + " is not listed in \"images\""};
      auto category_id = integer_field(annotation, "category_id", where);
      if (!category_id) return category_id.error();
      auto label = categories->class_of_category.find(*category_id);
      if (label == categories->class_of_category.end())
        return Error{where + ": category_id " + std::to_string(*category_id) +
                     " is not listed in \"categories\""};
      if (is_crowd(annotation)) continue;

      auto bbox = annotation.find("bbox");
      if (bbox == annotation.end()) return Error{where + ": has no \"bbox\""};
      if (!bbox->is_array() || bbox->size() != 4 ||
          !std::all_of(bbox->begin(), bbox->end(), [](const json& v) { return v.is_number(); }))
        return Error{where + ": \"bbox\" is not [x, y, width, height] in numbers: " + bbox->dump()};
      const double x = (*bbox)[0].get<double>(), y = (*bbox)[1].get<double>();
      const double w = (*bbox)[2].get<double>(), h = (*bbox)[3].get<double>();
      Entry& image = set->images_[entry->second];
      const std::string box_text = "bbox [" + number_text(x) + ", " + number_text(y) + ", " + number_text(w) +
                                   ", " + number_text(h) + "]";
      if (!(w > 0.0) || !(h > 0.0)) return Error{where + ": " + box_text + " has a non-positive size"};
      if (!(x >= -kBoxTolerance) || !(y >= -kBoxTolerance) ||
          !(x + w <= static_cast<double>(image.width) + kBoxTolerance) ||
          !(y + h <= static_cast<double>(image.height) + kBoxTolerance))
        return Error{where + ": " + box_text + " lies outside its image (id " + std::to_string(image.id) +
                     ", " + image.file + ", " + std::to_string(image.width) + "x" +
                     std::to_string(image.height) + ") by more than 1 px"};
      const auto clip = [](double v, int64_t side) {
        return static_cast<float>(std::clamp(v, 0.0, static_cast<double>(side)));
      };
      image.boxes.push_back({clip(x, image.width), clip(y, image.height), clip(x + w, image.width),
                             clip(y + h, image.height), label->second});
    }
  } catch (const json::exception& e) {
    return Error{path + ": " + e.what()};
  }
  return set;
}

Result<Example> CocoDetection::get(int64_t index) const {
  if (index < 0 || index >= size()) return index_out_of_range(describe(), index, size());
  const Entry& entry = images_[static_cast<size_t>(index)];
  const std::string record = options_.annotations + ": " +
                             record_name("images", static_cast<size_t>(entry.record)) + " (id " +
                             std::to_string(entry.id) + ")";
  auto image = decode_image_file(entry.file, options_.channels);
  if (!image) return image.error().within(record);
  if (image->width != entry.width || image->height != entry.height)
    return Error{record + ": " + entry.file + " is " + std::to_string(image->width) + "x" +
                 std::to_string(image->height) + " but is listed as " + std::to_string(entry.width) + "x" +
                 std::to_string(entry.height)};
  Example example;
  example.image = resize_bilinear(*image, options_.height, options_.width);
  const float sx = static_cast<float>(options_.width) / static_cast<float>(entry.width);
  const float sy = static_cast<float>(options_.height) / static_cast<float>(entry.height);
  example.boxes.reserve(entry.boxes.size());
  for (const Box& box : entry.boxes)
    example.boxes.push_back({box.x0 * sx, box.y0 * sy, box.x1 * sx, box.y1 * sy, box.label});
  return example;
}

std::string CocoDetection::describe() const {
  return "COCO detection " + options_.annotations + " (" + std::to_string(size()) + " images, " +
         std::to_string(class_names_.size() - 1) + " categories, " + std::to_string(options_.height) + "x" +
         std::to_string(options_.width) + "x" + std::to_string(options_.channels) + ")";
}

}  // namespace hwnas::data
