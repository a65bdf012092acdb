// The experiment store: one SQLite file per experiment, every trial with its architecture,
// metrics, fidelity, status, timings and seed, and the versions of space, target and estimator.
//
//   auto store = search::ExperimentStore::create("run.db", {{"space_version", space.version()}, ...});
//   store->begin_trial(trial);                 // status "running" before the evaluation starts
//   store->finish_trial(trial);                // "done" or "failed" (with the error) after it
//   auto trials = store->trials();             // in trial order
//
// Each call is its own transaction, so a crash or kill loses at most the running trial, which
// stays "running" and is evaluated again on resume. A file written by a newer hwnas (a higher
// schema version) is refused, never rewritten.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/search/cost_model.h"

struct sqlite3;

namespace hwnas::search {

// The schema this hwnas writes.
inline constexpr int kStoreSchemaVersion = 1;

struct TrialRecord {
  int64_t id = 0;              // 0-based trial number, in evaluation order
  std::string arch;            // the choice indices, "0,2,1,..."
  std::string key;             // the space's canonical key
  std::string status;          // "running", "done" or "failed"
  std::string error;           // failed: why
  Metrics metrics;             // done
  double cost = 0;             // done/failed: the cost model's scalar cost
  bool feasible = false;
  double fidelity = 1.0;
  uint64_t seed = 0;           // the evaluation's seed
  double started_at = 0;       // unix seconds
  double finished_at = 0;
  double duration_s = 0;
};

// "0,2,1" <-> {0, 2, 1}.
std::string format_arch(const std::vector<int>& arch);
Result<std::vector<int>> parse_arch(const std::string& text);

class ExperimentStore {
 public:
  ~ExperimentStore();
  ExperimentStore(ExperimentStore&& other) noexcept;
  ExperimentStore& operator=(ExperimentStore&& other) noexcept;
  ExperimentStore(const ExperimentStore&) = delete;
  ExperimentStore& operator=(const ExperimentStore&) = delete;

  // A new store at `path` with `meta` (an Error when the file exists).
  static Result<ExperimentStore> create(const std::string& path, const std::map<std::string, std::string>& meta);
  enum class Access { ReadWrite, ReadOnly };
  // An existing store; an Error when it is missing, no hwnas store, or of a newer schema.
  // ReadOnly (the report and the dashboard) never writes, while a search may be writing it.
  static Result<ExperimentStore> open(const std::string& path, Access access = Access::ReadWrite);

  const std::string& path() const { return path_; }
  const std::map<std::string, std::string>& meta() const { return meta_; }
  Status set_meta(const std::string& key, const std::string& value);

  // Inserts (or replaces a "running" row of) trial.id with status "running".
  Status begin_trial(const TrialRecord& trial);
  // Writes the final state of trial.id ("done" or "failed").
  Status finish_trial(const TrialRecord& trial);
  // Every trial, by id.
  Result<std::vector<TrialRecord>> trials() const;

 private:
  ExperimentStore() = default;
  Status exec(const std::string& sql);
  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, std::string> meta_;
};

// The objectives recorded in a store's meta ("accuracy:max,latency_us:min"), in order.
std::vector<Objective> stored_objectives(const std::map<std::string, std::string>& meta);
std::string format_stored_objectives(const std::vector<Objective>& objectives);

}  // namespace hwnas::search
