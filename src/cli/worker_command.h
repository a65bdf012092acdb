// `hwnas worker` and the local workers that `hwnas search --workers N` starts as child processes.
#pragma once

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::cli {

// Starts `count` processes `hwnas worker --store LOCATION --study STUDY --quiet` of this binary
// (the environment, PGPASSWORD included, is inherited); their pids.
Result<std::vector<pid_t>> start_local_workers(int count, const std::string& location, const std::string& study);
// Waits for `pids` while `on_wait` is called ten times a second; the number that exited non-zero.
int wait_local_workers(const std::vector<pid_t>& pids, const std::function<void()>& on_wait);

}  // namespace hwnas::cli
