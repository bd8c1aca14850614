// The KV secrets engine (type "kv"), versions 1 and 2.
//
// Version 1 (the default) is Vault's pass-through store: every path under the mount holds one
// JSON object, written whole (a write replaces the entry) and read back with a non-leased
// Secret whose TTL is the entry's "ttl" (or legacy "lease") key when it parses as a duration,
// else the mount's default lease TTL (768h without a SystemView). Vault reports it as
// lease_duration (the CLI prints refresh_interval).
//
//   GET    <path>     data = the stored object; missing -> 404 {"errors":[]}
//   POST   <path>     body = the new object; empty body -> 400 "missing data fields"; 204
//   DELETE <path>     204 (absent entries too)
//   LIST   <path>/    {"keys": [...]} one level, folders end in '/'; nothing -> 404
//   other operations  405
//
// Storage: req.storage when set, else BackendConfig::storage. Entries are stored at the request
// path as JSON text.
//
// Version 2 (versioned secrets, check-and-set) is described at NewKvV2Backend below.
//
// Thread-safety: the backends are immutable; concurrent requests are safe (v1: writes to one key
// race as in Vault, the last one wins; v2: writes to one key are serialized).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "common/status.h"
#include "logical/backend.h"

namespace arca::engines::kv {

// The KV version 1 backend. Fails only on a framework setup error (Internal).
Result<std::unique_ptr<logical::Backend>> NewKvV1Backend(const logical::BackendConfig& config);

// The KV version 2 backend (see kv_v2_internal.h for the storage layout): paths config,
// data/<path>, metadata/<path>, delete/<path>, undelete/<path>, destroy/<path>,
// subkeys/<path>, following Vault's KV v2 API. `clock` (default: the system clock) gives the
// time of writes and deletions; tests inject one. Writes to one key are serialized (striped
// mutex), so check-and-set is race-free within one backend instance. Fails only on a
// framework setup error (Internal).
Result<std::unique_ptr<logical::Backend>> NewKvV2Backend(
    const logical::BackendConfig& config,
    std::function<std::chrono::system_clock::time_point()> clock = {});

// Transient mount option set by the core (never persisted) when a tune raises a mount's
// version from 1 to 2: the factory then upgrades the stored data (kv_upgrade.h) first.
inline constexpr std::string_view kUpgradeOption = "upgrade_from_v1";

// The factory registered for type "kv": options["version"] "" or "1" -> version 1; "2" ->
// version 2; anything else -> InvalidRequest. A store that was upgraded to version 2 (or whose
// upgrade was interrupted, which is then finished first) is served as version 2.
Result<std::unique_ptr<logical::Backend>> NewKvBackend(const logical::BackendConfig& config);

}  // namespace arca::engines::kv
