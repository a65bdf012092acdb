// The data request of `hwnas train`, `evaluate` and the expert's fine-tuning for a network's input:
// composite scenes below their smallest canvas are drawn at it and resized for the network, and
// --data defaults by task.
#include <gtest/gtest.h>

#ifdef HWNAS_WITH_TORCH

#include <filesystem>

#include "hwnas/data/composite.h"
#include "hwnas/data/export.h"
#include "train_data.h"

namespace hwnas::cli {
namespace {

TEST(TrainData, CompositeScenesBelowTheSmallestCanvasAreDrawnThereAndResized) {
  InputDataRequest wanted =
      data_request_for_input("composite", "", data::Task::Segmentation, ir::Shape{1, 1, 64, 64}, 7);
  EXPECT_EQ(wanted.request.resolution, data::kMinCompositeCanvas);
  EXPECT_EQ(wanted.resize_to, 64);
  EXPECT_EQ(wanted.request.channels, 1);
  EXPECT_EQ(wanted.request.seed, 7u);
  EXPECT_EQ(wanted.request.task, data::Task::Segmentation);
}

TEST(TrainData, OtherInputsOpenTheDataAtTheirOwnSize) {
  InputDataRequest scenes =
      data_request_for_input("composite", "", data::Task::Detection, ir::Shape{1, 3, 128, 128}, 0);
  EXPECT_EQ(scenes.request.resolution, 128);
  EXPECT_EQ(scenes.request.channels, 3);
  EXPECT_EQ(scenes.resize_to, 0);
  InputDataRequest fashion =
      data_request_for_input("fashion-mnist", "/d", data::Task::Classification, ir::Shape{1, 1, 32, 32}, 0);
  EXPECT_EQ(fashion.request.resolution, 32);
  EXPECT_EQ(fashion.request.directory, "/d");
  EXPECT_EQ(fashion.resize_to, 0);
}

TEST(TrainData, DataDefaultsByTask) {
  EXPECT_EQ(default_data_for(data::Task::Classification), "fashion-mnist");
  EXPECT_EQ(default_data_for(data::Task::Segmentation), "composite");
  EXPECT_EQ(default_data_for(data::Task::Detection), "composite");
  // No --data: the task's default, with its canvas rule.
  InputDataRequest unnamed = data_request_for_input("", "", data::Task::Segmentation, ir::Shape{1, 1, 64, 64}, 0);
  EXPECT_EQ(unnamed.request.data, "composite");
  EXPECT_EQ(unnamed.resize_to, 64);
}

// --data coco:JSON and voc:ROOT read what `hwnas data export composite` writes: the train and val
// splits, with the composite scenes' classes, at the requested size; --data names its task.
TEST(TrainData, CocoAndVocExportsOpenAsTrainAndValSplits) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "hwnas_train_data_formats";
  std::filesystem::remove_all(dir);
  for (auto format : {data::ExportFormat::Coco, data::ExportFormat::Voc}) {
    const bool coco = format == data::ExportFormat::Coco;
    const std::string out = (dir / (coco ? "coco" : "voc")).string();
    Status written = data::export_composite({.format = format, .out = out, .count = 6, .size = 96, .seed = 3});
    ASSERT_TRUE(written.ok()) << written.error().message;
    const std::string spec = coco ? "coco:" + out + "/annotations/instances_train.json" : "voc:" + out;
    auto task = task_of_data(spec);
    ASSERT_TRUE(task.has_value()) << spec;
    EXPECT_EQ(*task, coco ? data::Task::Detection : data::Task::Segmentation);
    DataRequest request{.data = spec, .task = *task, .resolution = 48, .channels = 1};
    auto opened = open_train_data(request);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->train->size(), 6);
    EXPECT_EQ(opened->held_out->size(), 6);
    EXPECT_EQ(opened->train->height(), 48);
    EXPECT_EQ(opened->train->task(), *task);
    auto example = opened->train->get(0);
    ASSERT_TRUE(example.ok()) << example.error().message;
    if (coco) {
      EXPECT_FALSE(example->boxes.empty());
    } else {
      EXPECT_EQ(example->mask.height, 48);
    }
  }
  DataRequest missing{.data = "coco:" + (dir / "nowhere.json").string(), .task = data::Task::Detection};
  auto error = open_train_data(missing);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.error().message.find("nowhere.json"), std::string::npos) << error.error().message;
}

}  // namespace
}  // namespace hwnas::cli

#endif  // HWNAS_WITH_TORCH
