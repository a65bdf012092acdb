// `hwnas analyze`: per-layer and total MACs, parameters, weight bytes and peak activation memory.
#pragma once

#include <cstdint>
#include <string>

#include "commands.h"
#include "hwnas/analysis/memory_schedule.h"
#include "load_model.h"

namespace hwnas::cli {

struct AnalyzeArgs {
  std::string model;               // MODEL; empty with --zoo
  bool whole_zoo = false;          // --zoo: one summary row per zoo model
  ModelOptions model_options;      // --width, --resolution, --classes
  std::string precision = "int8";  // --precision of activations (peak memory, output sizes)
  bool json = false;               // --json
  int64_t search_budget = analysis::ScheduleSearchOptions{}.max_states;  // --search-budget
};

// Runs the command; returns the exit code (0, 1 on a model that fails to load, 2 on misuse).
int run_analyze(const AnalyzeArgs& args, Streams streams);

}  // namespace hwnas::cli
