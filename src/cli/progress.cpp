// Progress: a bar with rate and ETA on a terminal, a line per tenth otherwise (progress.h).
#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>

#include "format.h"

namespace hwnas::cli {

Progress::Mode Progress::mode_for(const Streams& streams, bool quiet) {
  if (quiet) return Mode::Quiet;
  return streams.err == &std::cerr && isatty(STDERR_FILENO) ? Mode::Terminal : Mode::Lines;
}

Progress::Progress(std::ostream& err, Mode mode, std::string unit, Clock clock)
    : err_(err), mode_(mode), unit_(std::move(unit)), clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
}

Progress::~Progress() { finish(); }

std::string Progress::duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return fixed(seconds, seconds < 10 ? 1 : 0) + "s";
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s < 3600) return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + (s / 60 % 60 < 10 ? "0" : "") + std::to_string(s / 60 % 60) + "m";
}

std::string Progress::line(int64_t done, int64_t total, const std::string& text, double eta_s) const {
  std::ostringstream out;
  if (total > 0) {
    constexpr int64_t kWidth = 20;
    const int64_t filled = kWidth * std::clamp<int64_t>(done, 0, total) / total;
    out << "[" << std::string(static_cast<size_t>(filled), '#') << std::string(static_cast<size_t>(kWidth - filled), '.') << "] ";
  }
  out << done;
  if (total > 0) out << "/" << total;
  out << " " << unit_;
  const double elapsed = clock_() - start_s_;
  const double rate = elapsed > 0 ? static_cast<double>(done - start_done_) / elapsed : 0;
  if (rate > 0) out << " " << (rate >= 10 ? fixed(rate, 0) : fixed(rate, 2)) << "/s";
  if (total > 0 && done < total) {
    const double eta = eta_s >= 0 ? eta_s : rate > 0 ? static_cast<double>(total - done) / rate : -1;
    out << " ETA " << duration_text(eta);
  }
  if (!text.empty()) out << " " << text;
  std::string s = out.str();
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

void Progress::update(int64_t done, int64_t total, const std::string& text, double eta_s) {
  if (mode_ == Mode::Quiet) return;
  const double now = clock_();
  // A new phase (the count went back, or the total changed): rate, ETA and tenths start again.
  if (!started_ || done < last_done_ || total != last_total_) {
    started_ = true;
    start_s_ = now;
    start_done_ = done;
    last_tenth_ = -1;
  }
  last_done_ = done;
  last_total_ = total;
  const bool last = total > 0 && done >= total;
  if (mode_ == Mode::Terminal) {
    if (!last && last_draw_s_ >= 0 && now - last_draw_s_ < 0.1) return;  // at most 10 redraws a second
    last_draw_s_ = now;
    err_ << "\r" << line(done, total, text, eta_s) << "\033[K" << std::flush;
    drawn_ = true;
    if (last) finish();
    return;
  }
  const int tenth = total > 0 ? static_cast<int>(10 * std::clamp<int64_t>(done, 0, total) / total) : -1;
  if (!last && total > 0 && tenth == last_tenth_) return;
  if (total <= 0 && last_draw_s_ >= 0 && now - last_draw_s_ < 10) return;  // unknown total: every 10 s
  last_tenth_ = tenth;
  last_draw_s_ = now;
  err_ << line(done, total, text, eta_s) << "\n" << std::flush;
}

void Progress::finish() {
  if (drawn_) err_ << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace hwnas::cli
