// sql::Connection over PostgreSQL (libpq): one schema per study, text parameters, server-side clock.
#include <libpq-fe.h>

#include <cstdio>

#include "hwnas/search/sql_connection.h"

namespace hwnas::search::sql {
namespace {

class PostgresConnection : public Connection {
 public:
  PostgresConnection(PGconn* db, std::string schema, std::string display)
      : db_(db), schema_(std::move(schema)), display_(std::move(display)) {}
  ~PostgresConnection() override { PQfinish(db_); }

  Result<Rows> run(const std::string& statement, const std::vector<Param>& params) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) continue;
      if (std::holds_alternative<int64_t>(p)) text[i] = std::to_string(std::get<int64_t>(p));
      else if (std::holds_alternative<double>(p)) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.17g", std::get<double>(p));
        text[i] = buffer;
      } else {
        text[i] = std::get<std::string>(p);
      }
      values[i] = text[i].c_str();
    }
    PGresult* result = PQexecParams(db_, statement.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                                     nullptr, 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      Error e{display_ + ": " + trimmed(PQresultErrorMessage(result))};
      PQclear(result);
      return e;
    }
    Rows rows;
    for (int r = 0, n = PQntuples(result); r < n; ++r) {
      std::vector<Value> row;
      for (int c = 0, m = PQnfields(result); c < m; ++c)
        row.emplace_back(PQgetisnull(result, r, c) ? Value() : Value(std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c))));
      rows.rows.push_back(std::move(row));
    }
    const char* changed = PQcmdTuples(result);
    rows.changed = changed && *changed ? std::stoll(changed) : 0;
    PQclear(result);
    return rows;
  }

  Status script(const std::string& statements) override {
    PGresult* result = PQexec(db_, statements.c_str());
    const ExecStatusType status = PQresultStatus(result);
    Status s;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) s = Error{display_ + ": " + trimmed(PQresultErrorMessage(result))};
    PQclear(result);
    return s;
  }

  Status begin_exclusive() override {
    if (Status s = script("BEGIN"); !s) return s;
    if (Status s = script("LOCK TABLE trials IN EXCLUSIVE MODE"); !s) {
      rollback();
      return s;
    }
    return {};
  }
  std::string now_expression() const override { return "(EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION)"; }
  std::string dialect() const override { return "postgresql"; }

  Result<bool> has_table(const std::string& name) override {
    auto rows = run("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2", {schema_, name});
    if (!rows) return rows.error();
    return !rows->rows.empty();
  }

 private:
  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  PGconn* db_;
  std::string schema_, display_;
};

// A connection to the server, its schema not yet checked or set.
Result<std::unique_ptr<PostgresConnection>> connect_server(const std::string& conninfo, const std::string& schema,
                                                           const std::string& display) {
  PGconn* db = PQconnectdb(conninfo.c_str());
  if (!db) return Error{display + ": cannot connect: out of memory"};
  if (PQstatus(db) != CONNECTION_OK) {
    std::string why = PQerrorMessage(db);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(db);
    return Error{display + ": cannot connect to PostgreSQL: " + why};
  }
  // Notices ("relation exists, skipping") are not for users.
  PQsetNoticeProcessor(db, [](void*, const char*) {}, nullptr);
  return std::make_unique<PostgresConnection>(db, schema, display);
}

}  // namespace

Result<bool> postgresql_study_exists(const std::string& conninfo, const std::string& schema, const std::string& display) {
  auto connection = connect_server(conninfo, schema, display);
  if (!connection) return connection.error();
  return (*connection)->has_table("meta");
}

Result<std::unique_ptr<Connection>> connect_postgresql(const std::string& conninfo, const std::string& schema, OpenMode mode,
                                                       const std::string& display) {
  auto connected = connect_server(conninfo, schema, display);
  if (!connected) return connected.error();
  std::unique_ptr<PostgresConnection> connection = std::move(*connected);
  auto found = connection->run("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", {schema});
  if (!found) return found.error();
  const bool exists = !found->rows.empty();
  const std::string quoted = "\"" + schema + "\"";  // the caller allows only [a-z0-9_] in names
  if (mode == OpenMode::Create) {
    if (exists) {
      auto has_meta = connection->has_table("meta");
      if (!has_meta) return has_meta.error();
      if (*has_meta) return Error{display + ": the study exists already (resume it with --resume, or choose another --study)"};
    }
    if (Status s = connection->script("CREATE SCHEMA IF NOT EXISTS " + quoted); !s) return s.error();
  } else if (!exists) {
    return Error{display + ": no such study in this database"};
  }
  if (Status s = connection->script("SET search_path TO " + quoted); !s) return s.error();
  if (mode == OpenMode::ReadOnly)
    if (Status s = connection->script("SET default_transaction_read_only = on"); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace hwnas::search::sql
