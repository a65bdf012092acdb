// Loading the MODEL argument of a command from the zoo, a YAML file or an ONNX file.
#include "load_model.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "hwnas/onnx/onnx_import.h"
#include "hwnas/text/yaml_format.h"

namespace hwnas::cli {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Levenshtein distance, for suggesting a zoo name.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string format_number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

void add_model_options(CLI::App& command, ModelOptions& options) {
  command
      .add_option_function<double>(
          "--width",
          [&options](double width) {
            options.zoo.width_multiplier = width;
            options.zoo_options_given = true;
          },
          "zoo models: channel width multiplier (default 1.0)")
      ->check(CLI::PositiveNumber);
  command
      .add_option_function<int64_t>(
          "--resolution",
          [&options](int64_t r) {
            options.zoo.resolution = r;
            options.zoo_options_given = true;
          },
          "zoo models: input height and width in pixels (default 224)")
      ->check(CLI::PositiveNumber);
  command
      .add_option_function<int64_t>(
          "--classes",
          [&options](int64_t c) {
            options.zoo.num_classes = c;
            options.zoo_options_given = true;
          },
          "zoo models: number of output classes (default 1000)")
      ->check(CLI::PositiveNumber);
}

bool is_model_file(const std::string& model) {
  const std::string ext = lower_extension(model);
  return ext == ".yaml" || ext == ".yml" || ext == ".onnx";
}

std::string describe_zoo_options(const zoo::ZooOptions& options) {
  return "width " + format_number(options.width_multiplier) + ", " + std::to_string(options.resolution) +
         "x" + std::to_string(options.resolution) + ", " + std::to_string(options.num_classes) + " classes";
}

Result<LoadedModel> load_model(const std::string& model, const ModelOptions& options) {
  if (model.empty()) return Error{"no MODEL given (a zoo name, a .yaml/.yml file or a .onnx file)"};
  if (is_model_file(model)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(model, ec))
      return Error{"model file '" + model + "' does not exist or is not a file"};
    const std::string ext = lower_extension(model);
    Result<ir::Graph> graph = ext == ".onnx" ? onnx_io::import_onnx_file(model) : text::load_yaml(model);
    if (!graph) return graph.error();
    return LoadedModel{std::move(graph.value()), "file '" + model + "'"};
  }
  const auto& names = zoo::model_names();
  if (std::find(names.begin(), names.end(), model) != names.end()) {
    Result<ir::Graph> graph = zoo::build_model(model, options.zoo);
    if (!graph) return graph.error();
    return LoadedModel{std::move(graph.value()),
                       "zoo model '" + model + "' (" + describe_zoo_options(options.zoo) + ")"};
  }
  std::error_code ec;
  if (std::filesystem::exists(model, ec))
    return Error{"'" + model + "' is a file of unknown type '" + lower_extension(model) +
                 "' (model files end in .yaml, .yml or .onnx)"};
  std::string message = "unknown model '" + model + "': not a zoo model and not a .yaml, .yml or .onnx file";
  const std::string* nearest = nullptr;
  size_t nearest_distance = 0;
  for (const std::string& name : names) {
    const size_t d = edit_distance(model, name);
    if (nearest == nullptr || d < nearest_distance) nearest = &name, nearest_distance = d;
  }
  if (nearest != nullptr && nearest_distance <= std::max<size_t>(2, nearest->size() / 4))
    message += "; did you mean '" + *nearest + "'?";
  else
    message += " (run 'hwnas zoo' for the zoo's names)";
  return Error{message};
}

}  // namespace hwnas::cli
