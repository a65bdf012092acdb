// A small real search for the report tests: the curated Fashion-MNIST space on the simulated
// Ethos-U55-256, accuracy from a command (a hash of the architecture file), with the
// MobileNetV2-style baseline, written to a store in a temp folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "hwnas/hw/registry.h"
#include "hwnas/report/report.h"
#include "hwnas/search/baseline.h"
#include "hwnas/search/config.h"
#include "hwnas/search/experiment.h"
#include "hwnas/search/search.h"

namespace hwnas::report::test_support {

namespace fs = std::filesystem;

class TempDir {
 public:
  explicit TempDir(const std::string& tag) : path_(fs::temp_directory_path() / ("hwnas-" + tag + "-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The config of the fixture's search (accuracy in [0.5, 0.95) from the architecture file's checksum).
inline std::string fixture_config(const std::string& store, int trials) {
  return "space: fashion_mnist_curated\n"
         "target: ethos-u55-256\n"
         "evaluators: [hardware, {command: \"s=$(cksum < {arch} | cut -d' ' -f1); printf '{\\\"accuracy\\\": 0.%04d}' "
         "$((5000 + s % 4500))\", required: [accuracy]}]\n"
         "objectives: [accuracy, latency_us]\n"
         "budgets: {memory_bytes: {max: 3000000}}\n"
         "algorithm: {name: nsga2, population: 6}\n"
         "trials: " + std::to_string(trials) + "\nseed: 1\nstore: " + store + "\n"
         "baseline:\n  space: fashion_mnist_uncurated\n  architecture: \"resolution=32;depth_multiplier=1.0;stem.channels=32;"
         "stage1.block=ibn;stage1.kernel=3;stage1.expansion=1;stage1.depth=1;stage1.channels=16;stage2.block=ibn;stage2.kernel=3;"
         "stage2.expansion=6;stage2.depth=2;stage2.channels=24;stage3.block=ibn;stage3.kernel=3;stage3.expansion=6;stage3.depth=3;"
         "stage3.channels=32;stage4.block=ibn;stage4.kernel=3;stage4.expansion=6;stage4.depth=4;stage4.channels=64;stage5.block=ibn;"
         "stage5.kernel=3;stage5.expansion=6;stage5.depth=3;stage5.channels=96\"\n";
}

// Runs (or resumes) the fixture's search up to `trials` trials, with its baseline evaluated.
inline void run_fixture_search(const std::string& store, int trials) {
  auto config = search::parse_search_config(fixture_config(store, trials), "report-fixture.yaml");
  ASSERT_TRUE(config) << config.error().message;
  auto e = search::prepare_experiment(*config);
  ASSERT_TRUE(e) << e.error().message;
  auto s = search::open_store(*e, /*resume=*/true);
  ASSERT_TRUE(s) << s.error().message;
  auto result = search::run_search(*e->space, *e->algorithm, *e->evaluator, e->config.cost_model, &*s, e->search_options());
  ASSERT_TRUE(result) << result.error().message;
  auto baseline = search::baseline_metrics(*e->baseline, *e->evaluator, &*s, 1.0, 1);
  ASSERT_TRUE(baseline) << baseline.error().message;
}

// Collect options that cost networks on the built-in targets.
inline report::CollectOptions with_targets() {
  report::CollectOptions options;
  options.make_target = [](const std::string& name) { return hw::builtin_target_registry().make(name); };
  return options;
}

// How many times `pattern` (a regex) matches in `text`.
inline size_t count_matches(const std::string& text, const std::string& pattern) {
  std::regex re(pattern);
  return static_cast<size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

// The trials a front plot of accuracy against latency shows: finished, with both metrics (a
// trial over the memory budget is never given to the accuracy command).
inline int64_t plotted_trials(const std::vector<search::TrialRecord>& trials) {
  int64_t n = 0;
  for (const auto& t : trials) n += t.status == "done" && t.metrics.count("accuracy") && t.metrics.count("latency_us");
  return n;
}

}  // namespace hwnas::report::test_support
