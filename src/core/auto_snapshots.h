// Scheduled snapshots (Vault Enterprise's sys/storage/raft/snapshot-auto): named configurations,
// each taking a snapshot of the physical storage every `interval` into a local directory and
// keeping the newest `retain` of them. Documented in docs/snapshots.md ("Scheduled snapshots").
//
// Configurations are stored through the barrier at kAutoSnapshotConfigPrefix + name as JSON
// (docs/formats/snapshot-auto.md). The scheduler runs only on the active node: Start() at unseal
// (or HA takeover), Stop() at seal or step-down, from the same places as the periodic work.
//
// A snapshot is written with storage::snapshot::Write to "<path_prefix>/.<name>.tmp" (created
// 0600, O_EXCL), fsynced, renamed to "<path_prefix>/<file_prefix>-<unix nanoseconds>.snap" and
// the directory fsynced; then the oldest files named "<file_prefix>-<digits>.snap" in that
// directory beyond `retain` are deleted (nothing else there is touched).
//
// Metrics: vault.autosnapshots.last.success.time (gauge, epoch seconds of the last successful
// save, label snapshot_config_name) and vault.autosnapshots.save.errors (counter, same label).
//
// Thread-safety: all public methods are safe for concurrent use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/storage.h"
#include "storage/backend.h"

namespace arca::core {

inline constexpr std::string_view kAutoSnapshotConfigPrefix = "sys/snapshot-auto/config/";
// The shortest interval accepted (tests use it).
inline constexpr std::chrono::seconds kAutoSnapshotMinInterval{1};

struct AutoSnapshotConfig {
  std::chrono::seconds interval{0};
  int64_t retain = 1;
  std::string path_prefix;
  std::string file_prefix = "vault-snapshot";
  std::string storage_type = "local";
  int64_t local_max_space = 0;  // bytes for all of this config's files; 0 = no limit

  json::object ToJson() const;  // the stored form and the read response
  static Result<AutoSnapshotConfig> FromJson(const json::object& o);
};

struct AutoSnapshotStatus {
  int64_t consecutive_errors = 0;
  // The last successful snapshot (unset before the first one since this node became active).
  std::optional<std::chrono::system_clock::time_point> last_snapshot_start, last_snapshot_end;
  std::string last_snapshot_url;
  std::string last_snapshot_error;  // the error of the latest attempt; "" when it succeeded
  // The attempt in progress, or else the latest one.
  std::optional<std::chrono::system_clock::time_point> snapshot_start;
  std::string snapshot_url;
  std::optional<std::chrono::system_clock::time_point> next_snapshot_start;

  json::object ToJson() const;  // Vault's field names; unset times are ""
};

class AutoSnapshots {
 public:
  // `physical` (the core's storage, snapshotted) and `storage` (the barrier, where the
  // configurations live) must outlive this object.
  AutoSnapshots(storage::Backend& physical, logical::Storage& storage);
  ~AutoSnapshots();
  AutoSnapshots(const AutoSnapshots&) = delete;
  AutoSnapshots& operator=(const AutoSnapshots&) = delete;

  // Loads the configurations and starts the scheduler. Each configuration's first snapshot is
  // one interval after its newest existing file (at once when that is past), or one interval
  // from now when it has none. Errors: storage (nothing started).
  Status Start();
  // Stops the scheduler (waiting for a snapshot in progress) and forgets the statuses.
  void Stop();

  // The API (sys/storage/raft/snapshot-auto/...). Writing checks the configuration
  // (InvalidRequest) and stores it before it takes effect; the next snapshot of a changed
  // configuration is one interval from now.
  Status Put(const std::string& name, const AutoSnapshotConfig& config);
  // NotFound when there is no such configuration.
  Result<AutoSnapshotConfig> Get(const std::string& name);
  Status Delete(const std::string& name);
  Result<std::vector<std::string>> List();
  Result<AutoSnapshotStatus> GetStatus(const std::string& name);

  // Checks a configuration on its own (InvalidRequest with the reason).
  static Status Validate(const AutoSnapshotConfig& config);

 private:
  struct Entry {
    AutoSnapshotConfig config;
    AutoSnapshotStatus status;
    std::chrono::system_clock::time_point next;
    uint64_t generation = 0;  // bumped by Put: a snapshot of an older generation still reports
  };
  void Loop();
  // Takes one snapshot for `config` and applies retention; returns the file:// URL.
  Result<std::string> TakeSnapshot(const AutoSnapshotConfig& config,
                                   std::chrono::system_clock::time_point start);

  storage::Backend& physical_;
  logical::Storage& storage_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;   // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  std::map<std::string, Entry> entries_;  // guarded by mu_; loaded by Start
  // Last successful save per configuration (epoch seconds), for the metric; survives Stop so
  // that a node that stepped down still reports what it did. Guarded by mu_.
  std::map<std::string, double> last_success_;
  std::thread thread_;
};

}  // namespace arca::core
