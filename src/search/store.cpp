// ExperimentStore: one study in SQLite or PostgreSQL (schema version 2), migration from 1, refusal of newer ones.
#include "hwnas/search/store.h"

#include <cstdlib>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hwnas/search/sql_connection.h"

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

// Schema 2, one text for both dialects.
const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY,
  arch TEXT NOT NULL,
  key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  error TEXT NOT NULL DEFAULT '',
  metrics TEXT NOT NULL DEFAULT '{}',
  cost DOUBLE PRECISION,
  feasible INTEGER NOT NULL DEFAULT 0,
  fidelity DOUBLE PRECISION NOT NULL,
  seed BIGINT NOT NULL,
  started_at DOUBLE PRECISION NOT NULL,
  finished_at DOUBLE PRECISION,
  duration_s DOUBLE PRECISION,
  worker TEXT NOT NULL DEFAULT '',
  heartbeat_at DOUBLE PRECISION,
  attempts INTEGER NOT NULL DEFAULT 0,
  lost INTEGER NOT NULL DEFAULT 0,
  basis TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS workers (
  name TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  state TEXT NOT NULL,
  started_at DOUBLE PRECISION NOT NULL,
  heartbeat_at DOUBLE PRECISION NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0
);
)sql";

double real_of(const sql::Value& v) { return v ? std::strtod(v->c_str(), nullptr) : 0.0; }
int64_t integer_of(const sql::Value& v) { return v ? std::strtoll(v->c_str(), nullptr, 10) : 0; }
std::string text_of(const sql::Value& v) { return v ? *v : std::string(); }

// A study's PostgreSQL schema.
std::string schema_of(const StoreLocation& location) { return "hwnas_" + location.study; }

bool valid_study(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

std::string metrics_to_json(const Metrics& metrics) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : metrics) j[k] = v;
  return j.dump();
}

std::string mask_password(const std::string& text) {
  std::string s = text;
  // URLs: scheme://user:PASSWORD@host (the authority ends at '/', whitespace or a quote)
  for (size_t scheme = s.find("://"); scheme != std::string::npos; scheme = s.find("://", scheme + 3)) {
    const size_t start = scheme + 3;
    const size_t end = s.find_first_of("/ \t\n\"'", start);
    const size_t at = s.rfind('@', end == std::string::npos ? std::string::npos : end);
    const size_t colon = s.find(':', start);
    if (at != std::string::npos && at >= start && colon < at) s = s.substr(0, colon + 1) + "***" + s.substr(at);
  }
  // connection string or URL query: password=VALUE
  for (size_t p = s.find("password="); p != std::string::npos; p = s.find("password=", p + 1)) {
    const size_t value = p + 9;
    size_t end = value;
    while (end < s.size() && s[end] != ' ' && s[end] != '&') ++end;
    s = s.substr(0, value) + "***" + s.substr(end);
  }
  return s;
}

Result<StoreLocation> parse_store_location(const std::string& text, const std::string& study) {
  StoreLocation location;
  location.study = study.empty() ? "default" : study;
  if (!valid_study(location.study))
    return Error{"study '" + location.study + "': a study name is 1 to 40 characters of a-z, 0-9 and _"};
  if (text.empty()) return Error{"experiment store: empty location (a path, sqlite:///path or postgresql://user@host/db)"};
  auto starts = [&](const char* prefix) { return text.rfind(prefix, 0) == 0; };
  if (starts("postgresql://") || starts("postgres://") || starts("host=") || starts("dbname=")) {
    location.kind = StoreLocation::Kind::Postgresql;
    location.target = text;
    location.display = mask_password(text) + " (study " + location.study + ")";
    return location;
  }
  if (starts("sqlite://")) {
    if (!starts("sqlite:///")) return Error{"experiment store '" + text + "': a SQLite URL is sqlite:///relative.db or sqlite:////absolute.db"};
    location.target = text.substr(10);
  } else if (text.find("://") != std::string::npos) {
    return Error{"experiment store '" + mask_password(text) + "': unknown scheme (postgresql:// or sqlite:///, or a bare path)"};
  } else {
    location.target = text;
  }
  if (location.target.empty()) return Error{"experiment store '" + text + "': no file path"};
  location.display = location.target;
  return location;
}

std::string trial_columns(int schema) {
  std::string columns = "id, arch, key, status, error, metrics, cost, feasible, fidelity, seed, started_at, finished_at, duration_s";
  return columns + (schema >= 2 ? ", worker, heartbeat_at, attempts, lost, basis" : ", '', NULL, 0, 0, ''");
}

Result<TrialRecord> trial_from_row(const std::vector<sql::Value>& row, const std::string& where) {
  if (row.size() != 18) return Error{where + ": a trial row has " + std::to_string(row.size()) + " columns, not 18"};
  TrialRecord t;
  t.id = integer_of(row[0]);
  t.arch = text_of(row[1]);
  t.key = text_of(row[2]);
  t.status = text_of(row[3]);
  t.error = text_of(row[4]);
  auto metrics = nlohmann::json::parse(text_of(row[5]), nullptr, false);
  if (!metrics.is_object()) return Error{where + ": trial " + std::to_string(t.id) + ": metrics are not a JSON object"};
  for (auto it = metrics.begin(); it != metrics.end(); ++it)
    if (it.value().is_number()) t.metrics[it.key()] = it.value().get<double>();
  t.cost = real_of(row[6]);
  t.feasible = integer_of(row[7]) != 0;
  t.fidelity = real_of(row[8]);
  t.seed = static_cast<uint64_t>(integer_of(row[9]));
  t.started_at = real_of(row[10]);
  t.finished_at = real_of(row[11]);
  t.duration_s = real_of(row[12]);
  t.worker = text_of(row[13]);
  t.heartbeat_at = real_of(row[14]);
  t.attempts = static_cast<int>(integer_of(row[15]));
  t.lost = static_cast<int>(integer_of(row[16]));
  t.basis = text_of(row[17]);
  return t;
}

ExperimentStore::~ExperimentStore() = default;
ExperimentStore::ExperimentStore(ExperimentStore&& other) noexcept = default;
ExperimentStore& ExperimentStore::operator=(ExperimentStore&& other) noexcept = default;

Result<ExperimentStore> ExperimentStore::connect(const StoreLocation& location, int mode) {
  ExperimentStore store;
  store.location_ = location;
  const auto open_mode = static_cast<sql::OpenMode>(mode);
  store.access_ = open_mode == sql::OpenMode::ReadOnly ? Access::ReadOnly : Access::ReadWrite;
  auto db = location.kind == StoreLocation::Kind::Sqlite
                ? sql::connect_sqlite(location.target, open_mode)
                : sql::connect_postgresql(location.target, schema_of(location), open_mode, location.display);
  if (!db) return db.error();
  store.db_ = std::move(*db);
  return store;
}

Result<ExperimentStore> ExperimentStore::create(const std::string& location_text, const std::map<std::string, std::string>& meta,
                                                const std::string& study) {
  auto location = parse_store_location(location_text, study);
  if (!location) return location.error();
  auto store = connect(*location, static_cast<int>(sql::OpenMode::Create));
  if (!store) return store.error();
  if (Status s = store->db_->script(kSchema); !s) return s.error();
  if (Status s = store->set_meta("schema_version", std::to_string(kStoreSchemaVersion)); !s) return s.error();
  if (Status s = store->set_meta("study", location->study); !s) return s.error();
  for (const auto& [k, v] : meta)
    if (Status s = store->set_meta(k, v); !s) return s.error();
  return store;
}

Result<bool> ExperimentStore::exists(const std::string& location_text, const std::string& study) {
  auto location = parse_store_location(location_text, study);
  if (!location) return location.error();
  if (location->kind == StoreLocation::Kind::Sqlite) {
    std::error_code ec;
    return std::filesystem::exists(location->target, ec);
  }
  return sql::postgresql_study_exists(location->target, schema_of(*location), location->display);
}

Result<ExperimentStore> ExperimentStore::open(const std::string& location_text, Access access, const std::string& study) {
  auto location = parse_store_location(location_text, study);
  if (!location) return location.error();
  auto opened = connect(*location, static_cast<int>(access == Access::ReadOnly ? sql::OpenMode::ReadOnly : sql::OpenMode::ReadWrite));
  if (!opened) return opened.error();
  ExperimentStore store = std::move(*opened);
  const std::string& path = store.path();
  auto has_meta = store.db_->has_table("meta");
  if (!has_meta) return has_meta.error();
  if (!*has_meta) return Error{path + ": not an hwnas experiment store (no meta table)"};
  if (Status s = store.reload_meta(); !s) return s.error();
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
  store.schema_ = schema;
  if (schema < kStoreSchemaVersion && access == Access::ReadWrite)
    if (Status s = store.migrate(); !s) return s.error();
  // A SQLite file holds one study; its name must be the one asked for (when one was).
  const std::string recorded = store.meta_.count("study") ? store.meta_.at("study") : "default";
  if (!study.empty() && recorded != location->study)
    return Error{path + ": holds study '" + recorded + "', not '" + location->study + "'"};
  return store;
}

Status ExperimentStore::migrate() {
  // 1 -> 2: the queue's status and columns (SQLite cannot change a CHECK: the table is rebuilt).
  if (schema_ == 1) {
    if (Status s = db_->begin_exclusive(); !s) return s;
    Status s = db_->script(
        "ALTER TABLE trials RENAME TO trials_v1;" + std::string(kSchema) +
        "INSERT INTO trials (id, arch, key, status, error, metrics, cost, feasible, fidelity, seed, started_at, finished_at, duration_s) "
        "SELECT id, arch, key, status, error, metrics, cost, feasible, fidelity, seed, started_at, finished_at, duration_s FROM trials_v1;"
        "DROP TABLE trials_v1;"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';");
    if (!s) {
      db_->rollback();
      return Error{s.error().message + " (migrating the store from schema version 1 to 2)"};
    }
    if (Status c = db_->commit(); !c) return c;
    schema_ = 2;
    meta_["schema_version"] = "2";
  }
  return {};
}

Result<ExperimentStore> ExperimentStore::reconnect() const {
  auto store = connect(location_, static_cast<int>(access_ == Access::ReadOnly ? sql::OpenMode::ReadOnly : sql::OpenMode::ReadWrite));
  if (!store) return store.error();
  store->schema_ = schema_;
  store->meta_ = meta_;
  return store;
}

Status ExperimentStore::reload_meta() {
  auto rows = db_->run("SELECT key, value FROM meta");
  if (!rows) return rows.error();
  meta_.clear();
  for (const auto& row : rows->rows) meta_[text_of(row[0])] = text_of(row[1]);
  return {};
}

Status ExperimentStore::set_meta(const std::string& key, const std::string& value) {
  auto done = db_->run("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", {key, value});
  if (!done) return done.error();
  meta_[key] = value;
  return {};
}

Status ExperimentStore::begin_trial(const TrialRecord& trial) {
  auto done = db_->run(
      "INSERT INTO trials (id, arch, key, status, fidelity, seed, started_at) VALUES ($1, $2, $3, 'running', $4, $5, $6) "
      "ON CONFLICT (id) DO UPDATE SET arch = excluded.arch, key = excluded.key, status = 'running', error = '', "
      "metrics = '{}', cost = NULL, feasible = 0, fidelity = excluded.fidelity, seed = excluded.seed, "
      "started_at = excluded.started_at, finished_at = NULL, duration_s = NULL WHERE trials.status = 'running'",
      {trial.id, trial.arch, trial.key, trial.fidelity, static_cast<int64_t>(trial.seed), trial.started_at});
  if (!done) return done.error();
  if (done->changed != 1) return Error{path() + ": trial " + std::to_string(trial.id) + " is finished already"};
  return {};
}

Status ExperimentStore::finish_trial(const TrialRecord& trial) {
  if (trial.status != "done" && trial.status != "failed") return Error{path() + ": a finished trial is done or failed"};
  auto done = db_->run(
      "UPDATE trials SET status = $1, error = $2, metrics = $3, cost = $4, feasible = $5, finished_at = $6, duration_s = $7 "
      "WHERE id = $8 AND status = 'running'",
      {trial.status, trial.error, metrics_to_json(trial.metrics), trial.cost, int64_t{trial.feasible ? 1 : 0}, trial.finished_at,
       trial.duration_s, trial.id});
  if (!done) return done.error();
  if (done->changed != 1) return Error{path() + ": trial " + std::to_string(trial.id) + " is not running"};
  return {};
}

Result<std::vector<TrialRecord>> ExperimentStore::trials() const {
  auto rows = db_->run("SELECT " + trial_columns(schema_) + " FROM trials ORDER BY id");
  if (!rows) return rows.error();
  std::vector<TrialRecord> trials;
  for (const auto& row : rows->rows) {
    auto t = trial_from_row(row, path());
    if (!t) return t.error();
    trials.push_back(std::move(*t));
  }
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
