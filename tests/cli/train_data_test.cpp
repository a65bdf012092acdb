// The data request of `hwnas train`, `evaluate` and the expert's fine-tuning for a network's input:
// composite scenes below their smallest canvas are drawn at it and resized for the network, and
// --data defaults by task.
#include <gtest/gtest.h>

#ifdef HWNAS_WITH_TORCH

#include "hwnas/data/composite.h"
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

}  // namespace
}  // namespace hwnas::cli

#endif  // HWNAS_WITH_TORCH
