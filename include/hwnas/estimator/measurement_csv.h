// The measurement CSV schema (docs/estimator.md): how measurements are stored and how users bring their own.
//
//   std::ofstream out("u55.csv");
//   estimator::write_measurements_csv(data, out);
//   auto back = estimator::load_measurements_csv("u55.csv");
//   if (!back) std::cerr << back.error().message;   // "u55.csv:17: column 6 'in_c': 'x' is not a number"
//
// One header line, then one row per timed kernel, per timed network, and per kernel of a timed
// network. Columns (any order, each exactly once): target, row, network, kernel_type, the
// features of version 1 (features.h), latency_us, energy_uj. Lines starting with '#' and blank
// lines are skipped. Values are unquoted: a name with a comma or a line break is written with
// ';' or ' ' in its place.
//   row = kernel   a timed kernel: kernel_type, every feature and latency_us >= 0 required
//                  (a view takes no time); energy_uj optional; network optional (provenance).
//   row = network  a timed network named by `network`: latency_us > 0 required, energy_uj
//                  optional; kernel_type and features empty.
//   row = member   a kernel of network `network`: kernel_type and features required; latency_us
//                  and energy_uj empty. Every network has at least one member and every member
//                  a network row (before or after it).
// Memory-context features may be empty (unknown: not every target has a memory plan); every
// other feature must be a finite number >= 0. All rows name the same target.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "hwnas/estimator/measurements.h"

namespace hwnas::estimator {

// The header line (no newline) of the current schema.
std::string measurements_csv_header();

void write_measurements_csv(const MeasurementSet& data, std::ostream& out);
Status save_measurements_csv(const MeasurementSet& data, const std::string& path);

// Parses a measurement CSV. An error names `source_name`, the line number and, for a bad
// value, the column (number and name) and the value; every row is checked.
Result<MeasurementSet> read_measurements_csv(std::istream& in, const std::string& source_name);
Result<MeasurementSet> load_measurements_csv(const std::string& path);

}  // namespace hwnas::estimator
