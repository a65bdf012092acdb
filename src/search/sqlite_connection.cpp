// sql::Connection over SQLite: WAL mode, a busy timeout, $N parameters bound by name.
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>

#include "hwnas/search/sql_connection.h"

namespace hwnas::search::sql {
namespace {

class SqliteConnection : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteConnection() override { sqlite3_close(db_); }

  Result<Rows> run(const std::string& statement, const std::vector<Param>& params) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, statement.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return failure();
    for (size_t i = 0; i < params.size(); ++i) {
      char name[24];
      std::snprintf(name, sizeof name, "$%zu", i + 1);
      const int index = sqlite3_bind_parameter_index(stmt, name);
      if (index == 0) continue;  // a parameter the statement does not use
      const Param& p = params[i];
      if (std::holds_alternative<int64_t>(p)) sqlite3_bind_int64(stmt, index, std::get<int64_t>(p));
      else if (std::holds_alternative<double>(p)) sqlite3_bind_double(stmt, index, std::get<double>(p));
      else if (std::holds_alternative<std::string>(p)) {
        const std::string& s = std::get<std::string>(p);
        sqlite3_bind_text(stmt, index, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt, index);
      }
    }
    Rows rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<Value> row;
      for (int c = 0, n = sqlite3_column_count(stmt); c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL: row.emplace_back(std::nullopt); break;
          case SQLITE_INTEGER: row.emplace_back(std::to_string(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: {
            char text[32];
            std::snprintf(text, sizeof text, "%.17g", sqlite3_column_double(stmt, c));
            row.emplace_back(text);
            break;
          }
          default: {
            const unsigned char* t = sqlite3_column_text(stmt, c);
            row.emplace_back(t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt, c)) : std::string());
          }
        }
      }
      rows.rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return failure();
    rows.changed = sqlite3_changes(db_);
    return rows;
  }

  Status script(const std::string& statements) override {
    char* message = nullptr;
    if (sqlite3_exec(db_, statements.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return Error{path_ + ": " + text};
    }
    return {};
  }

  Status begin_exclusive() override { return script("BEGIN IMMEDIATE"); }
  std::string now_expression() const override { return "((julianday('now') - 2440587.5) * 86400.0)"; }
  std::string dialect() const override { return "sqlite"; }

  Result<bool> has_table(const std::string& name) override {
    auto rows = run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", {name});
    if (!rows) return rows.error();
    return !rows->rows.empty();
  }

 private:
  Error failure() const { return Error{path_ + ": " + sqlite3_errmsg(db_)}; }
  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path, OpenMode mode) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (mode == OpenMode::Create && exists)
    return Error{path + ": the experiment store exists already (resume it with --resume, or choose another path)"};
  if (mode != OpenMode::Create && !exists) return Error{path + ": no such experiment store"};
  sqlite3* db = nullptr;
  const int flags = mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY
                    : mode == OpenMode::Create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                               : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error{path + ": cannot " + std::string(mode == OpenMode::Create ? "create" : "open") + " the experiment store: " + why};
  }
  // Writers hold their lock for milliseconds; several workers of one host wait their turn.
  sqlite3_busy_timeout(db, 30000);
  auto connection = std::make_unique<SqliteConnection>(db, path);
  if (mode != OpenMode::ReadOnly)
    if (Status s = connection->script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace hwnas::search::sql
