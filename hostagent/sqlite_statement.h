// A prepared SQLite statement that finalizes itself, with binders and readers that keep
// the calling code free of sqlite3_* boilerplate. Errors carry SQLite's own message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/expected.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hotsplice::hostd {

class SqliteStatement {
 public:
  // Prepares sql; on failure the error has code and the database's message.
  static Expected<SqliteStatement> prepare(sqlite3* db, std::string_view sql, const char* code);
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are numbered from 1, as in SQL's "?".
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind_null(int index);
  SqliteStatement& bind_optional(int index, const std::optional<std::int64_t>& value);

  // Steps once: true with a row to read, false when done. Fails with the statement's code.
  Expected<bool> step();
  // Steps to completion (for statements that return no rows).
  Status run();

  std::string text(int column) const;  // "" for NULL
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  SqliteStatement(sqlite3* db, sqlite3_stmt* statement, const char* code)
      : db_(db), statement_(statement), code_(code) {}
  sqlite3* db_;
  sqlite3_stmt* statement_;
  const char* code_;
};

}  // namespace hotsplice::hostd
