// ExperimentStore: the SQLite file of one experiment (schema version 1), with migration refusal.
#include "hwnas/search/store.h"

#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hwnas::search {

std::string format_arch(const std::vector<int>& arch) {
  std::string text;
  for (size_t i = 0; i < arch.size(); ++i) text += (i ? "," : "") + std::to_string(arch[i]);
  return text;
}

Result<std::vector<int>> parse_arch(const std::string& text) {
  std::vector<int> arch;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v < 0) throw std::invalid_argument(item);
      arch.push_back(v);
    } catch (const std::exception&) {
      return Error{"architecture '" + text + "': '" + item + "' is not a choice index"};
    }
  }
  return arch;
}

namespace {

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) { ok_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) == SQLITE_OK; }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return ok_; }
  sqlite3_stmt* get() { return stmt_; }
  void text(int i, const std::string& v) { sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void real(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void integer(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::string metrics_json(const Metrics& metrics) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : metrics) j[k] = v;
  return j.dump();
}

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY,
  arch TEXT NOT NULL,
  key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  error TEXT NOT NULL DEFAULT '',
  metrics TEXT NOT NULL DEFAULT '{}',
  cost REAL,
  feasible INTEGER NOT NULL DEFAULT 0,
  fidelity REAL NOT NULL,
  seed INTEGER NOT NULL,
  started_at REAL NOT NULL,
  finished_at REAL,
  duration_s REAL
);
)sql";

}  // namespace

ExperimentStore::~ExperimentStore() {
  if (db_) sqlite3_close(db_);
}

ExperimentStore::ExperimentStore(ExperimentStore&& other) noexcept
    : db_(other.db_), path_(std::move(other.path_)), meta_(std::move(other.meta_)) {
  other.db_ = nullptr;
}

ExperimentStore& ExperimentStore::operator=(ExperimentStore&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close(db_);
    db_ = other.db_;
    other.db_ = nullptr;
    path_ = std::move(other.path_);
    meta_ = std::move(other.meta_);
  }
  return *this;
}

Status ExperimentStore::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return Error{path_ + ": " + text};
  }
  return {};
}

Result<ExperimentStore> ExperimentStore::create(const std::string& path, const std::map<std::string, std::string>& meta) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    return Error{path + ": the experiment store exists already (resume it with --resume, or choose another path)"};
  ExperimentStore store;
  store.path_ = path;
  if (sqlite3_open_v2(path.c_str(), &store.db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return Error{path + ": cannot create the experiment store: " + std::string(store.db_ ? sqlite3_errmsg(store.db_) : "out of memory")};
  sqlite3_busy_timeout(store.db_, 5000);
  if (Status s = store.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s) return s.error();
  if (Status s = store.exec(kSchema); !s) return s.error();
  if (Status s = store.set_meta("schema_version", std::to_string(kStoreSchemaVersion)); !s) return s.error();
  for (const auto& [k, v] : meta)
    if (Status s = store.set_meta(k, v); !s) return s.error();
  return store;
}

Result<ExperimentStore> ExperimentStore::open(const std::string& path, Access access) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Error{path + ": no such experiment store"};
  ExperimentStore store;
  store.path_ = path;
  const int flags = access == Access::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), &store.db_, flags, nullptr) != SQLITE_OK)
    return Error{path + ": cannot open the experiment store: " + std::string(store.db_ ? sqlite3_errmsg(store.db_) : "out of memory")};
  sqlite3_busy_timeout(store.db_, 5000);  // a search writing it holds its lock for a moment only
  Statement read(store.db_, "SELECT key, value FROM meta");
  if (!read.ok()) return Error{path + ": not an hwnas experiment store (no meta table)"};
  while (sqlite3_step(read.get()) == SQLITE_ROW) store.meta_[column_text(read.get(), 0)] = column_text(read.get(), 1);
  auto version = store.meta_.find("schema_version");
  if (version == store.meta_.end()) return Error{path + ": not an hwnas experiment store (no schema_version)"};
  int schema = 0;
  try {
    schema = std::stoi(version->second);
  } catch (const std::exception&) {
    return Error{path + ": schema_version '" + version->second + "' is not a number"};
  }
  if (schema > kStoreSchemaVersion)
    return Error{path + ": written by a newer hwnas (store schema version " + std::to_string(schema) + ", this hwnas reads up to " +
                 std::to_string(kStoreSchemaVersion) + "); refusing to open it: upgrade hwnas"};
  if (schema < 1) return Error{path + ": unknown store schema version " + std::to_string(schema)};
  return store;
}

Status ExperimentStore::set_meta(const std::string& key, const std::string& value) {
  Statement s(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  if (!s.ok()) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  s.text(1, key);
  s.text(2, value);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  meta_[key] = value;
  return {};
}

Status ExperimentStore::begin_trial(const TrialRecord& trial) {
  Statement s(db_,
              "INSERT INTO trials (id, arch, key, status, fidelity, seed, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?) "
              "ON CONFLICT(id) DO UPDATE SET arch = excluded.arch, key = excluded.key, status = 'running', error = '', "
              "metrics = '{}', cost = NULL, feasible = 0, fidelity = excluded.fidelity, seed = excluded.seed, "
              "started_at = excluded.started_at, finished_at = NULL, duration_s = NULL WHERE trials.status = 'running'");
  if (!s.ok()) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  s.integer(1, trial.id);
  s.text(2, trial.arch);
  s.text(3, trial.key);
  s.real(4, trial.fidelity);
  s.integer(5, static_cast<int64_t>(trial.seed));
  s.real(6, trial.started_at);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  if (sqlite3_changes(db_) != 1) return Error{path_ + ": trial " + std::to_string(trial.id) + " is finished already"};
  return {};
}

Status ExperimentStore::finish_trial(const TrialRecord& trial) {
  if (trial.status != "done" && trial.status != "failed") return Error{path_ + ": a finished trial is done or failed"};
  Statement s(db_,
              "UPDATE trials SET status = ?, error = ?, metrics = ?, cost = ?, feasible = ?, finished_at = ?, duration_s = ? "
              "WHERE id = ? AND status = 'running'");
  if (!s.ok()) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  s.text(1, trial.status);
  s.text(2, trial.error);
  s.text(3, metrics_json(trial.metrics));
  s.real(4, trial.cost);
  s.integer(5, trial.feasible ? 1 : 0);
  s.real(6, trial.finished_at);
  s.real(7, trial.duration_s);
  s.integer(8, trial.id);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  if (sqlite3_changes(db_) != 1) return Error{path_ + ": trial " + std::to_string(trial.id) + " is not running"};
  return {};
}

Result<std::vector<TrialRecord>> ExperimentStore::trials() const {
  Statement s(db_,
              "SELECT id, arch, key, status, error, metrics, cost, feasible, fidelity, seed, started_at, finished_at, duration_s "
              "FROM trials ORDER BY id");
  if (!s.ok()) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  std::vector<TrialRecord> trials;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    TrialRecord t;
    sqlite3_stmt* row = s.get();
    t.id = sqlite3_column_int64(row, 0);
    t.arch = column_text(row, 1);
    t.key = column_text(row, 2);
    t.status = column_text(row, 3);
    t.error = column_text(row, 4);
    auto metrics = nlohmann::json::parse(column_text(row, 5), nullptr, false);
    if (!metrics.is_object()) return Error{path_ + ": trial " + std::to_string(t.id) + ": metrics are not a JSON object"};
    for (auto it = metrics.begin(); it != metrics.end(); ++it)
      if (it.value().is_number()) t.metrics[it.key()] = it.value().get<double>();
    t.cost = sqlite3_column_double(row, 6);
    t.feasible = sqlite3_column_int(row, 7) != 0;
    t.fidelity = sqlite3_column_double(row, 8);
    t.seed = static_cast<uint64_t>(sqlite3_column_int64(row, 9));
    t.started_at = sqlite3_column_double(row, 10);
    t.finished_at = sqlite3_column_double(row, 11);
    t.duration_s = sqlite3_column_double(row, 12);
    trials.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return Error{path_ + ": " + sqlite3_errmsg(db_)};
  return trials;
}

std::vector<Objective> stored_objectives(const std::map<std::string, std::string>& meta) {
  std::vector<Objective> objectives;
  auto it = meta.find("objectives");
  if (it == meta.end()) return objectives;
  std::istringstream in(it->second);
  for (std::string item; std::getline(in, item, ',');) {
    const size_t colon = item.rfind(':');
    Objective o;
    o.metric = item.substr(0, colon);
    o.direction = colon != std::string::npos && item.substr(colon + 1) == "max" ? Direction::Maximize : Direction::Minimize;
    objectives.push_back(o);
  }
  return objectives;
}

std::string format_stored_objectives(const std::vector<Objective>& objectives) {
  std::string s;
  for (const Objective& o : objectives) s += (s.empty() ? "" : ",") + o.metric + (o.direction == Direction::Minimize ? ":min" : ":max");
  return s;
}

}  // namespace hwnas::search
