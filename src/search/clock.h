// The two clocks of the search loops: wall time for the records, a monotonic one for durations.
#pragma once

#include <chrono>

namespace hwnas::search::detail {

// Unix seconds (TrialRecord::started_at, finished_at).
inline double now_s() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }
// Seconds of a steady clock (durations).
inline double monotonic_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace hwnas::search::detail
