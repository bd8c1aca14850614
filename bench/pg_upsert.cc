// PostgreSQL's own durable write rate, the baseline bench/postgresql.sh compares Arca's KV v2
// writes on storage "postgresql" with: `threads` connections (libpq, one per thread, each
// thread waiting for its statement's commit before sending the next, as Arca's request threads
// do) writing rows of a table shaped like Vault's vault_kv_store (parent_path, path, key,
// value BYTEA, primary key (path, key), an index on parent_path; TEXT COLLATE "C") for
// `seconds`. Keys /bench/w<n % 1000>, values of `value_bytes` bytes sent as binary parameters.
// Every statement is its own transaction: durable as the server is configured (the bench runs
// it with fsync and synchronous_commit on). Prints writes/s, p50/p99 latency and this client's
// CPU time per write (bench/put_bench_report.h's line). Not a test.
//
// Operations (`op`):
//   upsert  one single-row upsert per write, Vault's statement
//           (INSERT ... ON CONFLICT (path, key) DO UPDATE SET ...);
//   kv2     one transaction per write of the shape of a KV v2 write with max_versions reached:
//           an upsert of the new version (`value_bytes`), an upsert of the ~1 KiB metadata
//           (`metadata_bytes`, default 1,035) and the delete of the version pruned, then COMMIT;
//   kv2x4   four such writes (of four different keys) in one transaction, each counted as a
//           write: what a group commit that batches four concurrent writes would send.
//
// The table (`table`, default bench_kv_store) is created if missing and emptied first.
//
// Usage: pg_upsert_bench <conninfo> [threads=32] [seconds=10] [value_bytes=1024]
//        [op=upsert|kv2|kv2x4] [metadata_bytes=1035] [table=bench_kv_store]
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "put_bench_report.h"

using Clock = std::chrono::steady_clock;

namespace {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

Conn Connect(const std::string& conninfo) {
  Conn c(PQconnectdb(conninfo.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK) {
    std::fprintf(stderr, "connect: %s", PQerrorMessage(c.get()));
    return nullptr;
  }
  return c;
}

// Runs `sql` (no parameters); false (and the error on stderr) when it fails.
bool Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok) std::fprintf(stderr, "%s: %s", sql.c_str(), PQerrorMessage(c));
  PQclear(r);
  return ok;
}

bool Prepare(PGconn* c, const char* name, const std::string& sql, int params) {
  PGresult* r = PQprepare(c, name, sql.c_str(), params, nullptr);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) std::fprintf(stderr, "prepare %s: %s", name, PQerrorMessage(c));
  PQclear(r);
  return ok;
}

// Executes a prepared statement with text parameters, except the last one (binary) when
// `binary_last`; true on success.
bool Run(PGconn* c, const char* name, const std::vector<std::string>& params, bool binary_last) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (size_t i = 0; i < params.size(); ++i) {
    values.push_back(params[i].data());
    lengths.push_back(static_cast<int>(params[i].size()));
    formats.push_back(binary_last && i + 1 == params.size() ? 1 : 0);
  }
  PGresult* r = PQexecPrepared(c, name, static_cast<int>(params.size()), values.data(),
                               lengths.data(), formats.data(), 0);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s <conninfo> [threads] [seconds] [value_bytes] [upsert|kv2] "
                 "[metadata_bytes] [table]\n",
                 argv[0]);
    return 2;
  }
  const std::string conninfo = argv[1];
  const int threads = argc > 2 ? std::atoi(argv[2]) : 32;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  const size_t value_bytes = argc > 4 ? static_cast<size_t>(std::atoll(argv[4])) : 1024;
  const std::string op = argc > 5 ? argv[5] : "upsert";
  const size_t meta_bytes = argc > 6 ? static_cast<size_t>(std::atoll(argv[6])) : 1035;
  const std::string table = argc > 7 ? argv[7] : "bench_kv_store";
  if (op != "upsert" && op != "kv2" && op != "kv2x4") {
    std::fprintf(stderr, "op must be upsert, kv2 or kv2x4, not %s\n", op.c_str());
    return 2;
  }
  if (threads < 1 || seconds < 1) {
    std::fprintf(stderr, "threads and seconds must be positive\n");
    return 2;
  }

  {
    Conn admin = Connect(conninfo);
    if (!admin) return 1;
    // Vault's documented table, under another name.
    if (!Exec(admin.get(), "SET client_min_messages = warning") ||
        !Exec(admin.get(), "CREATE TABLE IF NOT EXISTS " + table +
                               " (parent_path TEXT COLLATE \"C\" NOT NULL, "
                               "path TEXT COLLATE \"C\", key TEXT COLLATE \"C\", value BYTEA, "
                               "CONSTRAINT " + table + "_pkey PRIMARY KEY (path, key))") ||
        !Exec(admin.get(), "CREATE INDEX IF NOT EXISTS " + table + "_parent_path_idx ON " + table +
                               " (parent_path)") ||
        !Exec(admin.get(), "TRUNCATE " + table)) {
      return 1;
    }
  }

  const std::string upsert =
      "INSERT INTO " + table +
      " (parent_path, path, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (path, key) DO "
      "UPDATE SET (parent_path, path, key, value) = (excluded.parent_path, excluded.path, "
      "excluded.key, excluded.value)";
  const std::string del = "DELETE FROM " + table + " WHERE path = $1 AND key = $2";

  std::vector<Conn> conns;
  for (int t = 0; t < threads; ++t) {
    Conn c = Connect(conninfo);
    if (!c || !Prepare(c.get(), "upsert", upsert, 4) || !Prepare(c.get(), "del", del, 2)) return 1;
    conns.push_back(std::move(c));
  }

  const std::string value(value_bytes, 'v');
  const std::string meta(meta_bytes, 'm');
  std::atomic<bool> stop = false;
  std::atomic<long> errors = 0;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const double cpu_begin = CpuMicros();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      PGconn* c = conns[static_cast<size_t>(t)].get();
      auto& lat = latencies[static_cast<size_t>(t)];
      const int per_txn = op == "kv2x4" ? 4 : 1;
      for (long n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        const auto begin = Clock::now();
        bool ok;
        if (op == "upsert") {
          const long seq = n * threads + t;
          ok = Run(c, "upsert", {"/", "/bench/", "w" + std::to_string(seq % 1000), value}, true);
        } else {
          // versions/<name>@<v> and metadata/<name>, as a KV v2 write's storage entries.
          ok = Exec(c, "BEGIN");
          for (int k = 0; ok && k < per_txn; ++k) {
            const long seq = (n * per_txn + k) * threads + t;
            const std::string name = "w" + std::to_string(seq % 1000);
            const long version = seq / 1000 + 11;
            ok = Run(c, "upsert",
                     {"/bench/", "/bench/versions/", name + "@" + std::to_string(version), value},
                     true) &&
                 Run(c, "upsert", {"/bench/", "/bench/metadata/", name, meta}, true) &&
                 Run(c, "del", {"/bench/versions/", name + "@" + std::to_string(version - 10)},
                     false);
          }
          ok = ok && Exec(c, "COMMIT");
          if (!ok) Exec(c, "ROLLBACK");
        }
        if (!ok) errors += per_txn;
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
        for (int k = 0; k < per_txn; ++k) lat.push_back(ms);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double cpu = CpuMicros() - cpu_begin;
  return ReportPutBench("pg", op, value_bytes, seconds, latencies, errors.load(), cpu);
}
