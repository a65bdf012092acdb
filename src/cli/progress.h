// Progress of long work (estimator builds, training steps, search trials) on the error stream:
// on a terminal one bar redrawn in place with the rate and the time left; otherwise a line at
// each tenth of the work and at its end, so logs stay short; nothing when quiet. Never stdout,
// so it never mixes with --json.
//
//   Progress progress(*streams.err, Progress::mode_for(streams, args.quiet), "trials");
//   progress.update(done, total, "best latency_us 812.4");   // [#####.......] 12/27 trials 3.1/s ETA 5s best ...
//   progress.finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include "commands.h"

namespace hwnas::cli {

class Progress {
 public:
  enum class Mode { Quiet, Terminal, Lines };
  // Terminal when `streams.err` is the process's stderr and that is a terminal; Lines otherwise.
  static Mode mode_for(const Streams& streams, bool quiet);
  using Clock = std::function<double()>;  // seconds; steady_clock by default (tests inject one)

  Progress(std::ostream& err, Mode mode, std::string unit, Clock clock = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total` units (total 0: unknown), with `text` after the counts. The rate counts the
  // units since the phase's first update (a count that goes back or a new total starts a phase); `eta_s` >= 0 replaces the ETA the rate gives (a caller that
  // knows better, e.g. from evaluation time only).
  void update(int64_t done, int64_t total, const std::string& text = "", double eta_s = -1);
  // Ends a line drawn in place (a terminal); idempotent.
  void finish();

  // "4.2s", "3m05s", "1h02m".
  static std::string duration_text(double seconds);

 private:
  std::string line(int64_t done, int64_t total, const std::string& text, double eta_s) const;
  std::ostream& err_;
  Mode mode_;
  std::string unit_;
  Clock clock_;
  bool started_ = false, drawn_ = false;
  double start_s_ = 0, last_draw_s_ = -1;
  int64_t start_done_ = 0, last_done_ = 0, last_total_ = 0;
  int last_tenth_ = -1;
};

}  // namespace hwnas::cli
