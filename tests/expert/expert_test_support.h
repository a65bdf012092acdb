// Test helpers for the expert part: loading the small graphs of tests/data/expert, making patterns,
// rewriting (or expecting a refusal), and comparing rewritten graphs with the golden text files.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "hwnas/expert/pattern.h"
#include "hwnas/expert/rewriter.h"
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

// The named pattern (a test failure when the name or params are refused).
inline std::unique_ptr<Pattern> pattern(const std::string& name, const PatternParams& params = {}) {
  auto made = make_pattern(name, params);
  EXPECT_TRUE(made.ok()) << (made ? "" : made.error().message);
  return made ? std::move(*made) : nullptr;
}

// `graph` with `p` applied at `location` (a test failure when it is refused).
inline ir::Graph rewrite(const ir::Graph& graph, const Pattern& p, const std::string& location, uint64_t seed = 1) {
  Rewriter rewriter(graph, seed);
  Status status = rewriter.apply(p, location);
  EXPECT_TRUE(status.ok()) << (status ? "" : status.error().message);
  return rewriter.graph();
}

// The reason `p` is refused at `location` (a test failure when it applies, or when the refused
// rewrite changed the graph).
inline std::string refusal(const ir::Graph& graph, const Pattern& p, const std::string& location) {
  Rewriter rewriter(graph, 1);
  Status status = rewriter.apply(p, location);
  EXPECT_FALSE(status.ok()) << location;
  EXPECT_EQ(rewriter.graph(), graph) << "a refused rewrite must leave the graph unchanged";
  return status ? "" : status.error().message;
}

}  // namespace hwnas::expert::testing
