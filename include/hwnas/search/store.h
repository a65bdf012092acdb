// The experiment store: one study (experiment) with every trial's architecture, metrics,
// fidelity, status, timings and seed, and the versions of space, target and estimator; in a
// SQLite file, or in a PostgreSQL database (one schema per study) that many workers share.
//
//   auto store = search::ExperimentStore::create("run.db", {{"space_version", space.version()}, ...});
//   auto shared = search::ExperimentStore::open("postgresql://hwnas@db-host/nas", Access::ReadWrite, "mobilenet_u55");
//   store->begin_trial(trial);                 // status "running" before the evaluation starts
//   store->finish_trial(trial);                // "done" or "failed" (with the error) after it
//   auto trials = store->trials();             // in trial order
//
// Each call is its own transaction, so a crash or kill loses at most the running trial, which
// stays "running" and is evaluated again on resume. A file written by a newer hwnas (a higher
// schema version) is refused, never rewritten; an older one is migrated when opened to write.
// The trial queue of many workers (trial_queue.h) uses the same tables: status "queued", and
// the worker, heartbeat, attempts and basis columns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/search/cost_model.h"

namespace hwnas::search {

namespace sql {
class Connection;
}

// The schema this hwnas writes (2: the trial queue's columns and the workers table).
inline constexpr int kStoreSchemaVersion = 2;

// Where a store lives: `postgresql://user@host:port/db` (or postgres://, or any libpq
// connection string starting "host=" / "dbname="), `sqlite:///relative.db`,
// `sqlite:////absolute.db`, or a bare path (SQLite). The password (in the URL, or better in
// PGPASSWORD / ~/.pgpass) is never shown: `display` has it masked.
struct StoreLocation {
  enum class Kind { Sqlite, Postgresql };
  Kind kind = Kind::Sqlite;
  std::string target;   // the SQLite path, or the libpq connection string
  std::string display;  // for messages and the store's records, password masked
  std::string study;    // the study's name ([a-z0-9_], at most 40); "default" when not given
};
// `study` "" means "default". Errors: an empty location, a bad study name, an unknown scheme.
Result<StoreLocation> parse_store_location(const std::string& text, const std::string& study = "");
// `text` with the password of a URL (user:PASSWORD@) or a connection string (password=...) masked.
std::string mask_password(const std::string& text);

struct TrialRecord {
  int64_t id = 0;              // 0-based trial number, in evaluation order
  std::string arch;            // the choice indices, "0,2,1,..."
  std::string key;             // the space's canonical key
  std::string status;          // "queued", "running", "done" or "failed"
  std::string error;           // failed: why
  Metrics metrics;             // done
  double cost = 0;             // done/failed: the cost model's scalar cost
  bool feasible = false;
  double fidelity = 1.0;
  uint64_t seed = 0;           // the evaluation's seed
  double started_at = 0;       // unix seconds
  double finished_at = 0;
  double duration_s = 0;
  // The trial queue (trial_queue.h): who runs it, since when, how often it was claimed, how
  // often its worker was lost, and the finished trials its proposal was made from ("0-4,7").
  std::string worker;
  double heartbeat_at = 0;
  int attempts = 0;
  int lost = 0;
  std::string basis;
};

// The metrics column's text: a JSON object of numbers.
std::string metrics_to_json(const Metrics& metrics);

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

  // A new store (study) at `location` (parse_store_location) with `meta`; an Error when it exists.
  static Result<ExperimentStore> create(const std::string& location, const std::map<std::string, std::string>& meta,
                                        const std::string& study = "");
  enum class Access { ReadWrite, ReadOnly };
  // An existing store; an Error when it is missing, no hwnas store, or of a newer schema.
  // ReadOnly (the report and the dashboard) never writes, while a search may be writing it.
  static Result<ExperimentStore> open(const std::string& location, Access access = Access::ReadWrite, const std::string& study = "");
  // Whether the study exists (a SQLite file that exists; a PostgreSQL schema with a meta table).
  static Result<bool> exists(const std::string& location, const std::string& study = "");
  // A second connection to the same study (a worker's heartbeat thread).
  Result<ExperimentStore> reconnect() const;

  // The location as shown to people (password masked), and the study.
  const std::string& path() const { return location_.display; }
  const StoreLocation& location() const { return location_; }
  const std::map<std::string, std::string>& meta() const { return meta_; }
  Status set_meta(const std::string& key, const std::string& value);

  // Inserts (or replaces a "running" row of) trial.id with status "running".
  Status begin_trial(const TrialRecord& trial);
  // Writes the final state of trial.id ("done" or "failed").
  Status finish_trial(const TrialRecord& trial);
  // Every trial, by id.
  Result<std::vector<TrialRecord>> trials() const;
  // Reads the meta table again (another process may have written it).
  Status reload_meta();

  // The connection, for the trial queue's statements (trial_queue.cpp).
  sql::Connection& connection() const { return *db_; }

 private:
  ExperimentStore() = default;
  static Result<ExperimentStore> connect(const StoreLocation& location, int mode);
  Status migrate();
  std::unique_ptr<sql::Connection> db_;
  StoreLocation location_;
  Access access_ = Access::ReadWrite;
  int schema_ = kStoreSchemaVersion;
  std::map<std::string, std::string> meta_;
};

// A trial record from a row of `SELECT <trial_columns()> FROM trials` (a schema-1 file gives the
// queue columns their defaults).
std::string trial_columns(int schema = kStoreSchemaVersion);
Result<TrialRecord> trial_from_row(const std::vector<std::optional<std::string>>& row, const std::string& where);

// The objectives recorded in a store's meta ("accuracy:max,latency_us:min"), in order.
std::vector<Objective> stored_objectives(const std::map<std::string, std::string>& meta);
std::string format_stored_objectives(const std::vector<Objective>& objectives);

}  // namespace hwnas::search
