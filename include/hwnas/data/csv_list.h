// CsvImageList: classification data listed in a CSV file of `path,label` records, images read from disk on
// get().
//
//   train.csv:                     auto train = data::CsvImageList::open({.path = "train.csv", .height = 96,
//     path,label                                                          .width = 96});
//     images/cat1.jpg,cat          auto val = data::CsvImageList::open({.path = "val.csv", ...,
//     images/dog7.png,dog                                                .class_names =
//     (*train)->class_names()});
//
// Records: one per non-blank line, two comma-separated fields: the image's path (relative to the
// CSV file's directory unless absolute) and its class name. A field may be double-quoted (a path
// with a comma; "" is a quote inside it); spaces around unquoted fields are dropped. A first line
// that reads `path,label` (also file, filename, file_name, image or image_path, and label,
// class, class_name or category; any case) is a header and skipped.
// Classes: the class names sorted byte-wise, class id = position (ImageFolder's convention); or
// `class_names` when given (a validation list that must use the training list's ids).
// Examples are in file order. Only paths and labels are kept in memory; an image is decoded
// (decode_image_file) and resized bilinearly to height x width when get() is called.
// Errors name the CSV file and the record's line: a missing CSV, no record ("empty"), a record
// without exactly two fields, an empty path or label, an unterminated quote, an image file that
// does not exist, a label not among `class_names`; get() names the line and image of a file that
// does not decode.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

struct CsvListOptions {
  std::string path{};  // the CSV file
  int64_t height = 224;
  int64_t width = 224;
  int64_t channels = 3;                    // 1 (grey) or 3 (RGB)
  std::vector<std::string> class_names{};  // empty: the sorted labels of this file
};

class CsvImageList : public Dataset {
 public:
  static Result<std::unique_ptr<CsvImageList>> open(const CsvListOptions& options);

  Task task() const override { return Task::Classification; }
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  Result<Example> get(int64_t index) const override;
  std::vector<std::string> class_names() const override { return class_names_; }
  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.height; }
  int64_t width() const override { return options_.width; }
  std::vector<int64_t> labels() const override { return labels_; }
  std::string describe() const override;

  // The image file of example `index` (0 <= index < size()) and its line in the CSV file.
  const std::string& file(int64_t index) const { return files_[static_cast<size_t>(index)]; }
  int64_t line(int64_t index) const { return lines_[static_cast<size_t>(index)]; }

 private:
  CsvImageList() = default;
  CsvListOptions options_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
  std::vector<int64_t> labels_;
  std::vector<int64_t> lines_;
};

// The fields of one CSV line (comma-separated, optionally double-quoted); an Error for an
// unterminated quote or text after a closing quote.
Result<std::vector<std::string>> split_csv_line(const std::string& line);

}  // namespace hwnas::data
