// libFuzzer target: onnx_io::import_onnx on any bytes returns a graph or an Error, never crashes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "hwnas/onnx/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto graph = hwnas::onnx_io::import_onnx(bytes, "fuzz.onnx");
  if (!graph) {
    if (graph.error().message.empty()) {
      std::fprintf(stderr, "fuzz_onnx: an empty error message\n");
      std::abort();
    }
    return 0;
  }
  // An imported graph is a valid IR graph: its outputs are nodes, its inputs come before their users.
  for (hwnas::ir::NodeId out : graph->outputs())
    if (out < 0 || static_cast<size_t>(out) >= graph->size()) std::abort();
  for (const auto& node : graph->nodes())
    for (hwnas::ir::NodeId in : node.inputs)
      if (in < 0 || in >= node.id) std::abort();
  return 0;
}
