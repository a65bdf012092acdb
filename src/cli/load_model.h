// The MODEL argument of the hwnas commands: a zoo name, a .yaml/.yml file or a .onnx file.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "hwnas/ir/graph.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::cli {

// How to build a zoo model; the options apply to zoo names only.
struct ModelOptions {
  zoo::ZooOptions zoo;
  bool zoo_options_given = false;  // --width, --resolution or --classes was on the command line
};

// Adds --width, --resolution and --classes to `command`, filling `options` (which must
// outlive the app).
void add_model_options(CLI::App& command, ModelOptions& options);

// True when `model` names a model file by its extension (.yaml, .yml, .onnx; any case).
bool is_model_file(const std::string& model);

struct LoadedModel {
  ir::Graph graph;
  std::string source;  // "zoo model 'resnet18' (width 1, 224x224, 1000 classes)", "file 'net.onnx'"
};

// Loads MODEL: a file by its extension, else a zoo name. The error says what was tried,
// suggests the nearest zoo name for a typo, and carries the loader's message for a bad file.
Result<LoadedModel> load_model(const std::string& model, const ModelOptions& options);

// "width 0.75, 160x160, 10 classes": the zoo options as a phrase.
std::string describe_zoo_options(const zoo::ZooOptions& options);

}  // namespace hwnas::cli
