// Writing data sets out in the formats the loaders read: COCO (detection) and PASCAL VOC (segmentation).
//
//   // The composite demo scenes as files, read back by CocoDetection / VocSegmentation:
//   auto status = data::export_composite({.format = data::ExportFormat::Coco, .out = "scenes",
//                                         .count = 200, .size = 96, .seed = 1});
//
// Images are written as 8-bit PNGs (round(value * 255)), so a set read back at its own size has
// the same pixels within 0.5 / 255, the same masks exactly and the same boxes within float
// rounding. Every function names the file it could not write.
#pragma once

#include <cstdint>
#include <string>

#include "hwnas/data/dataset.h"
#include "hwnas/ir/result.h"

namespace hwnas::data {

// A detection set as a COCO instances file: images `image_directory`/<index, 6 digits>.png with
// ids index + 1, every box as an annotation (bbox [x0, y0, x1 - x0, y1 - y0], iscrowd 0),
// class k >= 1 as category id k named class_names()[k]. Directories are created.
Status write_coco(const Dataset& set, const std::string& annotations, const std::string& image_directory);

// A segmentation set in VOC layout under `root`: JPEGImages/<id>.png (PNG, not JPEG: lossless),
// SegmentationClass/<id>.png (grey, value = class id), ImageSets/Segmentation/<split>.txt
// listing the ids <split>_<index, 6 digits>, and labels.txt with the class names. Directories are
// created; the list and labels.txt are overwritten.
Status write_voc(const Dataset& set, const std::string& root, const std::string& split);

enum class ExportFormat { Coco, Voc };

struct CompositeExportOptions {
  ExportFormat format = ExportFormat::Coco;
  std::string out{};     // the directory written
  int64_t count = 100;   // scenes per split
  int64_t size = 96;     // canvas side, >= kMinCompositeCanvas
  int64_t channels = 1;  // 1, or 3 (replicated)
  uint64_t seed = 0;
  std::string directory{};  // Fashion-MNIST's files; empty: the default
};

// The composite scenes (composite.h) of the train and test items as a train and a val split:
// COCO: out/annotations/instances_{train,val}.json with images in out/{train,val}/ (the layout
// default_coco_image_directory finds); VOC: the layout of write_voc with splits train and val.
Status export_composite(const CompositeExportOptions& options);

}  // namespace hwnas::data
