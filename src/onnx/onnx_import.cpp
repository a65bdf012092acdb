// ONNX import's public entry points (hwnas/onnx/onnx_import.h); the Importer itself is in import/.
#include "hwnas/onnx/onnx_import.h"

#include <exception>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "import/importer.h"

namespace hwnas::onnx_io {

Result<ir::Graph> import_onnx(std::string_view bytes, std::string_view source_name,
                              const OnnxImportOptions& options) {
  std::string source(source_name);
  if (bytes.empty()) return Error{source + ": the file is empty"};
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Error{source + ": the file is larger than 2 GB, which protobuf cannot parse"};
  try {
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return Error{source +
                   ": not a valid ONNX model (protobuf parsing failed; the file is truncated or corrupt)"};
    return detail::Importer(source, options, bytes.size()).run(model);
  } catch (const std::exception& e) {
    return Error{source + ": internal error while importing: " + e.what()};
  }
}

Result<ir::Graph> import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{path + ": cannot open the file"};
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return Error{path + ": cannot read the file"};
  return import_onnx(bytes, path, options);
}

}  // namespace hwnas::onnx_io
