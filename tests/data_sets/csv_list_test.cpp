// CSV image lists on PNGs written into a temporary directory: classes, order, header, quoting, and every
// error.
#include "hwnas/data/csv_list.h"

#include <gtest/gtest.h>

#include "hwnas/data/image_io.h"
#include "test_files.h"

namespace hwnas::data {
namespace {

using testing::mentions;
using testing::TempDir;
using testing::write_text;

// A 2 x 3 RGB PNG of one colour.
void write_solid_png(const std::string& path, float r, float g, float b) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  Image image = filled_image(3, 2, 3);
  for (int64_t y = 0; y < 2; ++y)
    for (int64_t x = 0; x < 3; ++x) image.at(0, y, x) = r, image.at(1, y, x) = g, image.at(2, y, x) = b;
  ASSERT_TRUE(write_png_file(path, image).ok());
}

// The error message of opening `csv` (which must fail).
std::string open_error(const std::string& csv, std::vector<std::string> class_names = {}) {
  auto list =
      CsvImageList::open({.path = csv, .height = 2, .width = 3, .class_names = std::move(class_names)});
  EXPECT_FALSE(list.ok()) << csv << " opened";
  return list.ok() ? "" : list.error().message;
}

TEST(CsvList, ClassIdsBySortedNameExamplesInFileOrder) {
  TempDir dir;
  write_solid_png(dir / "img/d1.png", 1, 0, 0);
  write_solid_png(dir / "img/c,1.png", 0, 1, 0);
  write_solid_png(dir / "abs.png", 0, 0, 1);
  write_text(dir / "list.csv", "path,label\r\nimg/d1.png,dog\n\n  \"img/c,1.png\" , cat\n" +
                                   (dir / "abs.png") + ",\"ant \"\"a\"\"\"\n");
  auto list = CsvImageList::open({.path = dir / "list.csv", .height = 4, .width = 6});
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ((*list)->class_names(), (std::vector<std::string>{"ant \"a\"", "cat", "dog"}));
  EXPECT_EQ((*list)->labels(), (std::vector<int64_t>{2, 1, 0}));
  ASSERT_EQ((*list)->size(), 3);
  EXPECT_EQ((*list)->file(1), dir / "img/c,1.png");
  EXPECT_EQ((*list)->line(1), 4);
  EXPECT_EQ((*list)->task(), Task::Classification);
  auto example = (*list)->get(1);
  ASSERT_TRUE(example.ok()) << example.error().message;
  EXPECT_EQ(example->label, 1);
  EXPECT_EQ(example->image.height, 4);  // resized from 2 x 3
  EXPECT_EQ(example->image.width, 6);
  EXPECT_FLOAT_EQ(example->image.at(1, 3, 5), 1.0f);
  EXPECT_FLOAT_EQ(example->image.at(0, 3, 5), 0.0f);
  EXPECT_FALSE((*list)->get(3).ok());
}

TEST(CsvList, WithoutHeaderTheFirstLineIsARecord) {
  TempDir dir;
  write_solid_png(dir / "a.png", 0, 0, 0);
  write_text(dir / "list.csv", "a.png,zebra\na.png,yak\n");
  auto list = CsvImageList::open({.path = dir / "list.csv", .height = 2, .width = 3, .channels = 1});
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ((*list)->size(), 2);
  EXPECT_EQ((*list)->labels(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ((*list)->channels(), 1);
}

TEST(CsvList, ValidationListTakesTheTrainingClasses) {
  TempDir dir;
  write_solid_png(dir / "a.png", 0, 0, 0);
  write_text(dir / "val.csv", "a.png,dog\n");
  auto val =
      CsvImageList::open({.path = dir / "val.csv", .height = 2, .width = 3, .class_names = {"cat", "dog"}});
  ASSERT_TRUE(val.ok()) << val.error().message;
  EXPECT_EQ((*val)->labels(), (std::vector<int64_t>{1}));
  EXPECT_EQ((*val)->num_classes(), 2);
  const std::string unknown = open_error(dir / "val.csv", {"cat", "cow"});
  EXPECT_TRUE(mentions(unknown, dir / "val.csv:1")) << unknown;
  EXPECT_TRUE(mentions(unknown, "'dog'")) << unknown;
}

TEST(CsvList, BadListsNameTheFileAndTheRecord) {
  TempDir dir;
  write_solid_png(dir / "a.png", 0, 0, 0);
  write_text(dir / "bad.png", "not an image");
  write_text(dir / "header_only.csv", "path,label\n\n");
  write_text(dir / "blank.csv", "\n \n");
  write_text(dir / "three.csv", "a.png,cat\na.png,cat,extra\n");
  write_text(dir / "one.csv", "a.png,cat\na.png\n");
  write_text(dir / "no_label.csv", "a.png,cat\na.png, \n");
  write_text(dir / "no_path.csv", "a.png,cat\n,cat\n");
  write_text(dir / "quote.csv", "a.png,cat\n\"a.png,cat\n");
  write_text(dir / "after_quote.csv", "\"a.png\"x,cat\n");
  write_text(dir / "missing.csv", "a.png,cat\n\nimg/none.png,dog\n");
  write_text(dir / "bad_header.csv", "image file,label\na.png,cat\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"header_only.csv", {dir / "header_only.csv", "empty"}},
      {"blank.csv", {dir / "blank.csv", "empty"}},
      {"three.csv", {dir / "three.csv:2", "found 3 fields"}},
      {"one.csv", {dir / "one.csv:2", "found 1 field"}},
      {"no_label.csv", {dir / "no_label.csv:2", "label", "empty"}},
      {"no_path.csv", {dir / "no_path.csv:2", "path is empty"}},
      {"quote.csv", {dir / "quote.csv:2", "unterminated quote"}},
      {"after_quote.csv", {dir / "after_quote.csv:1", "after the closing quote"}},
      {"missing.csv", {dir / "missing.csv:3", dir / "img/none.png", "does not exist"}},
      {"bad_header.csv", {dir / "bad_header.csv:1", "image file", "header line must read path,label"}},
      {"nothing.csv", {dir / "nothing.csv", "does not exist"}},
  };
  for (const auto& [file, parts] : cases) {
    const std::string message = open_error(dir / file);
    for (const std::string& part : parts) EXPECT_TRUE(mentions(message, part)) << file << ": " << message;
  }
  // A file that does not decode fails in get(), naming the list's line and the image.
  write_text(dir / "corrupt.csv", "a.png,cat\nbad.png,cat\n");
  auto list = CsvImageList::open({.path = dir / "corrupt.csv", .height = 2, .width = 3});
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE((*list)->get(0).ok());
  auto bad = (*list)->get(1);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(mentions(bad.error().message, dir / "corrupt.csv:2")) << bad.error().message;
  EXPECT_TRUE(mentions(bad.error().message, dir / "bad.png")) << bad.error().message;
}

TEST(CsvList, SplitsQuotedFields) {
  auto fields = split_csv_line(" a , \"b,\"\"c\"\"\" ,");
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  EXPECT_EQ(*fields, (std::vector<std::string>{"a", "b,\"c\"", ""}));
}

}  // namespace
}  // namespace hwnas::data
