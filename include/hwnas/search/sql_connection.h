// The SQL connection the experiment store runs on: SQLite (one file) or PostgreSQL (libpq), one interface.
//
//   auto db = sql::connect_sqlite("run.db", sql::OpenMode::Create);
//   auto rows = (*db)->run("SELECT value FROM meta WHERE key = $1", {std::string("seed")});
//
// Statements are written once for both: `$1, $2, ...` placeholders, `ON CONFLICT ... DO UPDATE`,
// `RETURNING`, DOUBLE PRECISION / BIGINT columns. A value comes back as its text (NULL as
// nullopt), doubles with 17 significant digits so that they round-trip exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::search::sql {

using Param = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Value = std::optional<std::string>;

struct Rows {
  std::vector<std::vector<Value>> rows;
  int64_t changed = 0;  // rows an INSERT / UPDATE / DELETE changed
};

enum class OpenMode { Create, ReadWrite, ReadOnly };

class Connection {
 public:
  virtual ~Connection() = default;
  // One statement with parameters.
  virtual Result<Rows> run(const std::string& statement, const std::vector<Param>& params = {}) = 0;
  // Several statements without parameters (a schema).
  virtual Status script(const std::string& statements) = 0;
  // A write transaction that excludes every other writer of the trials until commit():
  // SQLite's BEGIN IMMEDIATE, PostgreSQL's LOCK TABLE trials IN EXCLUSIVE MODE (readers go on).
  virtual Status begin_exclusive() = 0;
  Status commit() { return script("COMMIT"); }
  void rollback() { (void)script("ROLLBACK"); }
  // An SQL expression for the server's clock in unix seconds (heartbeats compare times of one clock).
  virtual std::string now_expression() const = 0;
  // "sqlite" or "postgresql".
  virtual std::string dialect() const = 0;
  // Whether a table of this name exists (in the study's schema for PostgreSQL).
  virtual Result<bool> has_table(const std::string& name) = 0;
};

// A SQLite file in WAL mode with a busy timeout, so that several processes of one host share it.
// Create fails when the file exists; ReadWrite and ReadOnly when it does not.
Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path, OpenMode mode);

// A PostgreSQL database by libpq connection string or URL (`conninfo`), its study in the schema
// `schema` (created by Create when missing). `display` names it in errors (the URL, password hidden).
Result<std::unique_ptr<Connection>> connect_postgresql(const std::string& conninfo, const std::string& schema, OpenMode mode,
                                                       const std::string& display);
// Whether the study's schema holds a store (its meta table); an Error when the server cannot be reached.
Result<bool> postgresql_study_exists(const std::string& conninfo, const std::string& schema, const std::string& display);

}  // namespace hwnas::search::sql
