// COCO detection on instances files written into a temporary directory: category remapping, box scaling,
// crowds, every error.
#include "hwnas/data/coco.h"

#include <gtest/gtest.h>

#include "hwnas/data/image_io.h"
#include "test_files.h"

namespace hwnas::data {
namespace {

namespace fs = std::filesystem;
using testing::mentions;
using testing::TempDir;
using testing::write_text;

const char* const kImages = R"("images": [
  {"id": 1, "file_name": "a.png", "width": 8, "height": 4},
  {"id": 2, "file_name": "b.png", "width": 6, "height": 6},
  {"id": 5, "file_name": "c.png", "width": 6, "height": 6}])";
const char* const kCategories = R"("categories": [{"id": 18, "name": "dog"}, {"id": 3, "name": "car"}])";

// instances JSON from its three arrays' text.
std::string instances(const std::string& images, const std::string& annotations,
                      const std::string& categories) {
  return "{" + images + ",\n\"annotations\": [" + annotations + "],\n" + categories + "}\n";
}

// COCO's layout: root/annotations/instances_train.json, images in root/train/.
struct CocoRoot {
  TempDir dir;
  CocoRoot() {
    fs::create_directories(dir / "train");
    EXPECT_TRUE(write_png_file(dir / "train/a.png", filled_image(3, 4, 8, 0.25f)).ok());
    EXPECT_TRUE(write_png_file(dir / "train/b.png", filled_image(3, 6, 6)).ok());
    EXPECT_TRUE(write_png_file(dir / "train/c.png", filled_image(3, 6, 6)).ok());
  }
  // Writes the instances file and returns its path.
  std::string write(const std::string& annotations, const std::string& images = kImages,
                    const std::string& categories = kCategories) const {
    const std::string path = dir / "annotations/instances_train.json";
    write_text(path, instances(images, annotations, categories));
    return path;
  }
  std::string open_error(const std::string& annotations, const std::string& images = kImages,
                         const std::string& categories = kCategories) const {
    auto set =
        CocoDetection::open({.annotations = write(annotations, images, categories), .height = 8, .width = 8});
    EXPECT_FALSE(set.ok()) << annotations << " opened";
    return set.ok() ? "" : set.error().message;
  }
};

TEST(Coco, CategoriesRemappedBySortedIdBoxesScaledCrowdsSkipped) {
  CocoRoot coco;
  const std::string path = coco.write(R"(
    {"id": 7, "image_id": 1, "category_id": 18, "bbox": [1, 1, 4, 2], "iscrowd": 0},
    {"id": 8, "image_id": 1, "category_id": 3, "bbox": [0, 0, 8, 4], "iscrowd": 1},
    {"id": 9, "image_id": 2, "category_id": 3, "bbox": [-0.5, 0, 6.5, 3.0]},
    {"id": 10, "image_id": 2, "category_id": 18, "bbox": [2, 2, 1.5, 4.75], "iscrowd": false})");
  auto set = CocoDetection::open({.annotations = path, .height = 8, .width = 16});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ((*set)->task(), Task::Detection);
  EXPECT_EQ((*set)->class_names(), (std::vector<std::string>{"background", "car", "dog"}));
  EXPECT_EQ((*set)->category_ids(), (std::vector<int64_t>{3, 18}));
  EXPECT_EQ((*set)->image_directory(), coco.dir / "train");  // found beside annotations/
  ASSERT_EQ((*set)->size(), 3);
  EXPECT_EQ((*set)->image_id(2), 5);

  auto a = (*set)->get(0);  // 8 x 4 -> 16 x 8: both axes scaled by 2; the crowd box is left out
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->image.width, 16);
  EXPECT_EQ(a->image.height, 8);
  EXPECT_NEAR(a->image.at(1, 5, 9), 64 / 255.0f, 1e-6);
  ASSERT_EQ(a->boxes.size(), 1u);
  EXPECT_EQ(a->boxes[0], (Box{2, 2, 10, 6, 2}));

  auto b = (*set)->get(1);  // 6 x 6 -> 16 x 8; the first box is clipped to the image before scaling
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->boxes.size(), 2u);
  const float sx = 16.0f / 6.0f, sy = 8.0f / 6.0f;
  EXPECT_EQ(b->boxes[0], (Box{0, 0, 6 * sx, 3 * sy, 1}));
  EXPECT_EQ(b->boxes[1], (Box{2 * sx, 2 * sy, 3.5f * sx, 6 * sy, 2}));  // 6.75 clipped to 6

  auto c = (*set)->get(2);  // listed without annotations: an image without boxes
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->boxes.empty());
  EXPECT_FALSE((*set)->get(3).ok());
}

TEST(Coco, ImageDirectoryGivenOrFoundBesideTheFile) {
  TempDir dir;
  fs::create_directories(dir / "pictures");
  ASSERT_TRUE(write_png_file(dir / "pictures/a.png", filled_image(1, 4, 8)).ok());
  write_text(
      dir / "instances_x.json",
      instances(R"("images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 4}])", "", kCategories));
  auto missing = CocoDetection::open({.annotations = dir / "instances_x.json"});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(mentions(missing.error().message, dir / "instances_x.json")) << missing.error().message;
  EXPECT_TRUE(mentions(missing.error().message, dir / "x")) << missing.error().message;
  EXPECT_TRUE(mentions(missing.error().message, dir / "images")) << missing.error().message;
  auto given = CocoDetection::open({.annotations = dir / "instances_x.json",
                                    .images = dir / "pictures",
                                    .height = 4,
                                    .width = 8,
                                    .channels = 1});
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_EQ((*given)->size(), 1);
  EXPECT_TRUE((*given)->get(0).ok());
  fs::rename(dir / "pictures", dir / "x");
  auto beside = default_coco_image_directory(dir / "instances_x.json");
  ASSERT_TRUE(beside.ok()) << beside.error().message;
  EXPECT_EQ(*beside, dir / "x");
}

TEST(Coco, BadAnnotationsNameTheFileAndTheRecord) {
  CocoRoot coco;
  const std::string file = coco.dir / "annotations/instances_train.json";
  const std::string box = R"({"id": 7, "image_id": 1, "category_id": 3, "bbox": )";
  struct Case {
    std::string annotations, images = kImages, categories = kCategories;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {.annotations = box + "[1, 1, 0, 2]}",
       .parts = {"annotations[0] (id 7)", "[1, 1, 0, 2]", "non-positive size"}},
      {.annotations = box + "[1, 1, 2, -1]}", .parts = {"annotations[0] (id 7)", "non-positive size"}},
      {.annotations = box + "[5, 0, 4.5, 4]}",
       .parts = {"annotations[0] (id 7)", "[5, 0, 4.5, 4]", "outside its image (id 1", "a.png", "8x4"}},
      {.annotations = box + "[0, -1.5, 2, 2]}", .parts = {"annotations[0] (id 7)", "outside"}},
      {.annotations = box + "[1, 2, 3]}",
       .parts = {"annotations[0] (id 7)", "\"bbox\" is not [x, y, width, height]"}},
      {.annotations = R"({"id": 7, "image_id": 1, "category_id": 3})",
       .parts = {"annotations[0] (id 7)", "no \"bbox\""}},
      {.annotations = R"({"id": 3, "image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]},
                         {"id": 4, "image_id": 1, "category_id": 5, "bbox": [0, 0, 1, 1]})",
       .parts = {"annotations[1] (id 4)", "category_id 5 is not listed"}},
      {.annotations = R"({"id": 4, "image_id": 99, "category_id": 3, "bbox": [0, 0, 1, 1]})",
       .parts = {"annotations[0] (id 4)", "image_id 99 is not listed"}},
      {.annotations = R"({"id": 4, "image_id": 99, "category_id": 3, "iscrowd": 1})",
       .parts = {"annotations[0] (id 4)", "image_id 99 is not listed"}},  // crowds are checked, then skipped
      {.annotations = R"({"id": 4, "image_id": "1", "category_id": 3})",
       .parts = {"annotations[0] (id 4)", "\"image_id\" is not an integer"}},
      {.annotations = "",
       .images = R"("images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 4},
                               {"id": 2, "file_name": "gone.png", "width": 8, "height": 4}])",
       .parts = {"images[1] (id 2)", coco.dir / "train/gone.png", "does not exist"}},
      {.annotations = "",
       .images = R"("images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 4},
                               {"id": 1, "file_name": "b.png", "width": 6, "height": 6}])",
       .parts = {"images[1] (id 1)", "listed twice (also images[0])"}},
      {.annotations = "",
       .images = R"("images": [{"id": 1, "width": 8, "height": 4}])",
       .parts = {"images[0] (id 1)", "no \"file_name\""}},
      {.annotations = "",
       .images = R"("images": [{"id": 1, "file_name": "a.png", "width": 0, "height": 4}])",
       .parts = {"images[0] (id 1)", "must be positive"}},
      {.annotations = "", .images = R"("images": [])", .parts = {"\"images\" is empty"}},
      {.annotations = "", .images = R"("pictures": [])", .parts = {"no \"images\" array"}},
      {.annotations = "", .categories = R"("categories": [])", .parts = {"\"categories\" is empty"}},
      {.annotations = "",
       .categories = R"("categories": [{"id": 3, "name": "car"}, {"id": 3, "name": "van"}])",
       .parts = {"categories[1]", "category id 3 is listed twice"}},
      {.annotations = "",
       .categories = R"("categories": [{"id": 3}])",
       .parts = {"categories[0]", "no \"name\""}},
  };
  for (const Case& c : cases) {
    const std::string message = coco.open_error(c.annotations, c.images, c.categories);
    EXPECT_TRUE(mentions(message, file)) << message;
    for (const std::string& part : c.parts)
      EXPECT_TRUE(mentions(message, part)) << "wanted '" << part << "' in: " << message;
  }
}

TEST(Coco, JsonThatDoesNotParseGivesItsPosition) {
  CocoRoot coco;
  const std::string file = coco.dir / "annotations/instances_train.json";
  write_text(file, "{\"images\": [\n  {\"id\": 1,, \"file_name\": \"a.png\"}]}\n");
  auto set = CocoDetection::open({.annotations = file});
  ASSERT_FALSE(set.ok());
  const std::string& message = set.error().message;
  EXPECT_TRUE(mentions(message, file + ": not valid JSON (byte 25)")) << message;
  EXPECT_TRUE(mentions(message, "line 2, column 12")) << message;
  write_text(file, "[1, 2]");
  set = CocoDetection::open({.annotations = file});
  ASSERT_FALSE(set.ok());
  EXPECT_TRUE(mentions(set.error().message, "top level is not an object")) << set.error().message;
}

TEST(Coco, ImageOfAnotherSizeThanListedFailsInGet) {
  CocoRoot coco;
  const std::string path =
      coco.write("", R"("images": [{"id": 4, "file_name": "b.png", "width": 8, "height": 4}])");
  auto set = CocoDetection::open({.annotations = path, .height = 8, .width = 8});
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto example = (*set)->get(0);
  ASSERT_FALSE(example.ok());
  const std::string& message = example.error().message;
  EXPECT_TRUE(mentions(message, path + ": images[0] (id 4)")) << message;
  EXPECT_TRUE(mentions(message, coco.dir / "train/b.png")) << message;
  EXPECT_TRUE(mentions(message, "is 6x6 but is listed as 8x4")) << message;
}

}  // namespace
}  // namespace hwnas::data
