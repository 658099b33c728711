// SQLite's connections and prepared statements as owned handles (core/base/unique_handle.h).
#pragma once

#include <sqlite3.h>

#include "core/base/unique_handle.h"

namespace calmspace::serve {

struct SqliteConnectionTraits {
  using Handle = sqlite3*;
  static sqlite3* null() noexcept { return nullptr; }
  static void close(sqlite3* db) noexcept { sqlite3_close(db); }
};
struct SqliteStatementTraits {
  using Handle = sqlite3_stmt*;
  static sqlite3_stmt* null() noexcept { return nullptr; }
  static void close(sqlite3_stmt* s) noexcept { sqlite3_finalize(s); }
};
using SqliteConnection = UniqueHandle<SqliteConnectionTraits>;
using SqliteStatement = UniqueHandle<SqliteStatementTraits>;

}  // namespace calmspace::serve
