// CsvImageList: reading `path,label` records, class ids by sorted name, decoding and resizing on get().
#include "hwnas/data/csv_list.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "file_reading.h"
#include "hwnas/data/image_io.h"
#include "hwnas/data/image_ops.h"

namespace hwnas::data {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool is_header(const std::vector<std::string>& fields) {
  if (fields.size() != 2) return false;
  static const char* const kPathNames[] = {"path", "file", "filename", "file_name", "image", "image_path"};
  static const char* const kLabelNames[] = {"label", "class", "class_name", "category"};
  const std::string path = lower(fields[0]), label = lower(fields[1]);
  return std::find(std::begin(kPathNames), std::end(kPathNames), path) != std::end(kPathNames) &&
         std::find(std::begin(kLabelNames), std::end(kLabelNames), label) != std::end(kLabelNames);
}

std::string trimmed(const std::string& text) {
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

Result<std::vector<std::string>> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  size_t at = 0;
  while (true) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    std::string field;
    if (at < line.size() && line[at] == '"') {
      ++at;
      bool closed = false;
      while (at < line.size()) {
        if (line[at] == '"') {
          if (at + 1 < line.size() && line[at + 1] == '"') {
            field += '"';
            at += 2;
            continue;
          }
          ++at;
          closed = true;
          break;
        }
        field += line[at++];
      }
      if (!closed) return Error{"unterminated quote"};
      while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
      if (at < line.size() && line[at] != ',')
        return Error{"text after the closing quote of field " + std::to_string(fields.size() + 1)};
    } else {
      size_t end = line.find(',', at);
      field = trimmed(line.substr(at, end == std::string::npos ? std::string::npos : end - at));
      at = end == std::string::npos ? line.size() : end;
    }
    fields.push_back(std::move(field));
    if (at >= line.size()) break;
    ++at;  // the comma
  }
  return fields;
}

Result<std::unique_ptr<CsvImageList>> CsvImageList::open(const CsvListOptions& options) {
  const std::string& path = options.path;
  if (path.empty()) return Error{"CSV image list: no file given"};
  if (Status valid =
          check_image_options("CSV image list " + path, options.height, options.width, options.channels);
      !valid)
    return valid.error();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return Error{path + ": CSV image list does not exist (or is not a file)"};
  auto lines = read_list_lines(path);
  if (!lines) return lines.error();

  struct Record {
    int64_t line;
    std::string file, label;
  };
  std::vector<Record> records;
  const fs::path base = fs::path(path).parent_path();
  for (const ListLine& line : *lines) {
    const std::string where = path + ":" + std::to_string(line.number);
    auto fields = split_csv_line(line.text);
    if (!fields) return Error{where + ": " + fields.error().message};
    if (records.empty() && line.number == lines->front().number && is_header(*fields)) continue;
    if (fields->size() != 2)
      return Error{where + ": expected 'path,label', found " + std::to_string(fields->size()) + " field" +
                   (fields->size() == 1 ? "" : "s")};
    const std::string& file = (*fields)[0];
    const std::string& label = (*fields)[1];
    if (file.empty()) return Error{where + ": the image path is empty"};
    if (label.empty()) return Error{where + ": the label of " + file + " is empty"};
    const fs::path resolved = fs::path(file).is_absolute() ? fs::path(file) : base / file;
    if (!fs::is_regular_file(resolved, ec))
      return Error{where + ": image file " + resolved.string() + " does not exist" +
                   (records.empty() ? " (a header line must read path,label)" : "")};
    records.push_back({line.number, resolved.string(), label});
  }
  if (records.empty()) return Error{path + ": CSV image list is empty (no path,label record)"};

  std::unique_ptr<CsvImageList> list(new CsvImageList());
  list->options_ = options;
  if (options.class_names.empty()) {
    for (const Record& r : records) list->class_names_.push_back(r.label);
    std::sort(list->class_names_.begin(), list->class_names_.end());
    list->class_names_.erase(std::unique(list->class_names_.begin(), list->class_names_.end()),
                             list->class_names_.end());
  } else {
    list->class_names_ = options.class_names;
  }
  std::map<std::string, int64_t> id_of;
  for (size_t i = 0; i < list->class_names_.size(); ++i)
    id_of.emplace(list->class_names_[i], static_cast<int64_t>(i));
  for (const Record& r : records) {
    auto id = id_of.find(r.label);
    if (id == id_of.end())
      return Error{path + ":" + std::to_string(r.line) + ": class '" + r.label + "' of " + r.file +
                   " is not one of the " + std::to_string(list->class_names_.size()) +
                   " classes given (those of the training list)"};
    list->files_.push_back(r.file);
    list->labels_.push_back(id->second);
    list->lines_.push_back(r.line);
  }
  return list;
}

Result<Example> CsvImageList::get(int64_t index) const {
  if (index < 0 || index >= size()) return index_out_of_range(describe(), index, size());
  auto decoded = decode_image_file(file(index), options_.channels);
  if (!decoded) return decoded.error().within(options_.path + ":" + std::to_string(line(index)));
  Example example;
  example.image = resize_bilinear(*decoded, options_.height, options_.width);
  example.label = labels_[static_cast<size_t>(index)];
  return example;
}

std::string CsvImageList::describe() const {
  return "CSV image list " + options_.path + " (" + std::to_string(size()) + " images, " +
         std::to_string(class_names_.size()) + " classes, " + std::to_string(options_.height) + "x" +
         std::to_string(options_.width) + "x" + std::to_string(options_.channels) + ")";
}

}  // namespace hwnas::data
