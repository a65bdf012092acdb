// libFuzzer target: text::from_yaml on any bytes returns a graph or an Error, and every graph it
// returns writes back to text that loads to the same graph and the same text.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hwnas/text/yaml_format.h"

namespace {

// NaN compares unequal to itself, so graphs holding one are compared by their text only.
bool holds_nan(const hwnas::ir::Graph& graph, const std::string& text) {
  if (text.find(".nan") != std::string::npos) return true;
  for (const auto& node : graph.nodes())
    for (const auto& param : node.params)
      for (float v : param.data)
        if (std::isnan(v)) return true;
  return false;
}

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_yaml: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto graph = hwnas::text::from_yaml(text, "fuzz.yaml");
  if (!graph) {
    if (graph.error().message.rfind("fuzz.yaml", 0) != 0)
      fail("error does not name the source", graph.error().message);
    return 0;
  }
  std::string saved = hwnas::text::to_yaml(*graph);
  auto reloaded = hwnas::text::from_yaml(saved, "saved.yaml");
  if (!reloaded) fail("saved text does not load", reloaded.error().message + "\n" + saved);
  if (hwnas::text::to_yaml(*reloaded) != saved) fail("saved text changes on a second round trip", saved);
  if (!(*reloaded == *graph) && !holds_nan(*graph, saved)) fail("reloaded graph differs", saved);
  return 0;
}
