// audit::Broker: the enabled audit devices of a core, by path, and the fail-closed logging rule.
//
//   LogRequest / LogResponse: with no device enabled -> OK. Otherwise the entry is formatted for
//   every device (each has its own salt and options), submitted to all of them at once, and the
//   call waits for each acknowledgement up to that device's write_timeout; so a hung device
//   costs at most its write_timeout and the calls never block indefinitely. Success iff at
//   least one device recorded the entry; else Internal("no audit backend succeeded in logging
//   the request" / "... response"), which the core maps to a 500.
//
// Persistence, in the `storage` given at construction (a barrier view owned by the core):
//   "config"           JSON {"entries": [{path, type, description, options, local}]}
//   "salt/<hex(path)>" the device's 32 random salt bytes (new on every enable, kept across
//                      restarts so hashes stay stable)
//   "audited-headers"  JSON {"<lower-case name>": {"hmac": bool}}
// Load() (at unseal) re-creates the devices from it, opening file devices at once (unless
// skip_test) and connecting sockets lazily. It fails closed: a table entry that cannot be read,
// whose options no longer validate (e.g. an executable mode allowed by an older version) or
// whose file cannot be opened is an error naming the device, and the core stays sealed (an
// unseal must not leave requests unaudited). Reset() (at seal) closes them.
//
// Thread-safety: every method may be called concurrently. Logging takes a snapshot of the
// device set (one shared_ptr copy under a mutex) and never holds a lock while writing; admin
// calls (Enable, Disable, Load, Reset, header changes) are serialized among themselves.
// `storage` must outlive the broker.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "audit/device.h"
#include "audit/factory.h"
#include "audit/format.h"
#include "audit/log_input.h"
#include "logical/storage.h"

namespace arca::audit {

// One row of the audit table (GET sys/audit).
struct DeviceEntry {
  std::string path;  // normalized: no leading '/', one trailing '/' ("file/")
  std::string type;  // "file" | "syslog" | "socket"
  std::string description;
  OptionMap options;
  bool local = false;
};

class Broker {
 public:
  struct Options {
    SinkHooks hooks;  // test hooks for the sinks
    FilePolicy file_policy;  // where file devices may not write
  };

  explicit Broker(logical::Storage& storage) : Broker(storage, Options{}) {}
  Broker(logical::Storage& storage, Options options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Reads the table, salts and audited headers and (re)creates the devices. Storage errors are
  // returned; so is (as Internal, naming the device's path) any entry that cannot be restored,
  // and then the devices in use before the call are left as they were.
  Status Load();
  // Closes every device and forgets them (storage is untouched).
  void Reset();

  // Validates the type and options, tests the device (opens the file / connects the socket
  // unless skip_test), creates a new salt and persists the table. Errors: empty path, a path
  // equal to, under or above an enabled one ("path already in use"), unknown type, bad
  // options, a device that fails its test -> InvalidRequest; storage errors as they are.
  Status Enable(DeviceEntry entry);
  // Closes and removes the device and its salt. Disabling a path that is not enabled succeeds
  // (as in Vault).
  Status Disable(std::string_view path);
  std::vector<DeviceEntry> List() const;
  bool HasDevices() const { return count_.load(std::memory_order_acquire) > 0; }
  // True while some enabled device hands its lines to a writer thread (socket, syslog,
  // stdout): logging then waits for another thread, up to that device's write_timeout.
  bool HasQueuedDevices() const { return queued_count_.load(std::memory_order_acquire) > 0; }

  Status LogRequest(const LogInput& input);
  Status LogResponse(const LogInput& input);

  // The hash `input` would have in the entries of the device at `path` (sys/audit-hash).
  // InvalidRequest("unknown audit backend ...") when there is no such device.
  Result<std::string> Hash(std::string_view path, std::string_view input) const;

  // Reopens every device (file devices reopen their file: SIGHUP). Returns the first error.
  Status Reopen();

  // Audited request headers (names are case-insensitive, stored lower-case).
  HeaderConfig AuditedHeaders() const;
  Status SetAuditedHeader(std::string_view name, bool hmac);
  // Removing a header that is not configured succeeds.
  Status DeleteAuditedHeader(std::string_view name);

  // "/file" -> "file/".
  static std::string NormalizePath(std::string_view path);

 private:
  struct Live {
    DeviceEntry entry;
    std::shared_ptr<Device> device;
    std::shared_ptr<const Formatter> formatter;
  };
  struct Snapshot {
    std::vector<Live> devices;
    HeaderConfig headers;
  };

  Status Log(const LogInput& input, bool response);
  std::shared_ptr<const Snapshot> Current() const;
  void Publish(std::shared_ptr<const Snapshot> snap);  // requires admin_mu_
  Status SaveTable(const std::vector<DeviceEntry>& entries);
  Result<Live> MakeLive(DeviceEntry entry, std::string_view salt, BuildMode mode) const;

  logical::Storage& storage_;
  const Options options_;
  std::mutex admin_mu_;         // serializes admin calls
  mutable std::mutex snap_mu_;  // guards snap_ (held only to copy / swap the pointer)
  std::shared_ptr<const Snapshot> snap_;
  std::atomic<size_t> count_{0};
  std::atomic<size_t> queued_count_{0};
};

}  // namespace arca::audit
