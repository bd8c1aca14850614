// storage "postgresql": entries as rows of Vault's PostgreSQL table layout, on libpq.
//
// Table (Vault's documented SQL; created unless skip_create_table, as OpenBao does):
//   parent_path TEXT COLLATE "C" NOT NULL, path TEXT COLLATE "C", key TEXT COLLATE "C",
//   value BYTEA, PRIMARY KEY (path, key), an index on parent_path.
// Keys are encoded and split as pg_keys.h says. Get, Put (an upsert) and Delete are one
// prepared statement each; List reads the keys of one path plus the next folder names of the
// paths below it. Transactional::Commit is one SQL transaction; Snapshottable::VisitAll is one
// REPEATABLE READ READ ONLY transaction read through a cursor, ReplaceAll one transaction.
// Concurrent writes are grouped into shared transactions (group commit), each sent as one
// pipeline: one round trip.
//
// HA (ha_enabled): one lock row in ha_table, with the database clock; every write of the holder
// checks the row inside its own transaction (fencing). docs/storage-postgresql.md has the SQL,
// the lock's protocol and why the fence holds.
//
// Config keys: connection_url (or the environment's ARCA_PG_CONNECTION_URL, then
// VAULT_PG_CONNECTION_URL, which take precedence), table, max_parallel, max_idle_connections,
// ha_enabled, ha_table, skip_create_table, Vault's generic redirect_addr / cluster_addr /
// disable_clustering, and Arca's lock_timeout, lock_renew_interval, lock_retry_interval. Any other
// key is an error. The connection URL's password never appears in a message.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "storage/backend.h"

namespace arca::storage::postgresql {

struct PgBackendOptions {
  std::string connection_url;  // libpq URL or keyword/value string
  std::string table = "vault_kv_store";
  std::string ha_table = "vault_ha_locks";
  int max_parallel = 128;         // connections at most
  int max_idle_connections = 0;   // idle connections kept; 0: max_parallel
  bool ha_enabled = false;
  bool skip_create_table = false;
  std::chrono::milliseconds lock_timeout{15000};        // the lock row's TTL
  std::chrono::milliseconds lock_renew_interval{5000};  // default lock_timeout / 3
  std::chrono::milliseconds lock_retry_interval{1000};  // acquisition attempts
};

using GetEnv = std::function<const char*(const char*)>;
// Reads the config (and the *_PG_CONNECTION_URL environment through `getenv`). InvalidRequest
// naming the key for an unknown key or a bad value.
Result<PgBackendOptions> ParsePgConfig(const BackendConfig& config, const GetEnv& getenv);

// Connects (an unreachable server or bad credentials is an error here), creates the tables
// unless skip_create_table (then checks they exist), prepares the statements.
Result<std::unique_ptr<Backend>> NewPostgresqlBackend(const PgBackendOptions& options);
Result<std::unique_ptr<Backend>> NewPostgresqlBackend(const BackendConfig& config);

}  // namespace arca::storage::postgresql
