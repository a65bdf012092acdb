// Test helpers for the expert part: loading the small graphs of tests/data/expert and comparing
// rewritten graphs with the golden text files beside them.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "hwnas/text/yaml_format.h"

namespace hwnas::expert::testing {

inline std::string data_path(const std::string& name) { return std::string(HWNAS_TEST_DATA) + "/expert/" + name; }

inline ir::Graph load(const std::string& name) {
  auto graph = text::load_yaml(data_path(name));
  EXPECT_TRUE(graph.ok()) << (graph ? "" : graph.error().message);
  return graph ? *graph : ir::Graph();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares the graph's text with tests/data/expert/golden/<name>; HWNAS_UPDATE_GOLDEN=1 rewrites it.
inline void expect_golden(const ir::Graph& graph, const std::string& name) {
  std::string path = data_path("golden/" + name);
  std::string actual = text::to_yaml(graph);
  if (std::getenv("HWNAS_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    return;
  }
  EXPECT_EQ(actual, read_file(path)) << "golden " << path << " differs (HWNAS_UPDATE_GOLDEN=1 rewrites it)";
}

}  // namespace hwnas::expert::testing
