// Test-only helpers for storage "postgresql": the shared PostgreSQL 15 of tests/services and
// fresh table names per test (tests share the server).
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

#include "services/services.h"
#include "storage/postgresql/pg_backend.h"

namespace arca::storage::postgresql::testing {

inline arca::testing::DatabaseServer& Pg() { return arca::testing::SharedPostgres(); }

inline std::string PgUrl() {
  auto& pg = Pg();
  return "postgresql://" + pg.admin_user() + ":" + pg.admin_password() + "@127.0.0.1:" +
         std::to_string(pg.port()) + "/postgres";
}

// A table name no other test uses: "<stem>_<pid>_<n>".
inline std::string FreshTable(const std::string& stem) {
  static std::atomic<int> n = 0;
  return stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(n.fetch_add(1));
}

inline BackendConfig PgConfig(const std::string& table, const std::string& ha_table = "") {
  BackendConfig c{{"connection_url", PgUrl()}, {"table", table}};
  if (!ha_table.empty()) {
    c["ha_table"] = ha_table;
    c["ha_enabled"] = "true";
  }
  return c;
}

}  // namespace arca::storage::postgresql::testing
