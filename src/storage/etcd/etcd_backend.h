// storage "etcd": entries as keys of an etcd v3 cluster (Vault's etcd storage layout).
//
// Each entry is one etcd key <path><key> whose value is the entry's bytes, raw. Get is a range of
// one key, Put a put, Delete a delete-range of one key; List is a keys-only prefix range read in
// pages of kListPage keys and folded into direct children (a folder listed once, with '/', and
// the next page starts after it). Transactional::Commit is one etcd txn: at most 128 distinct
// keys (etcd's --max-txn-ops default), refused with InvalidRequest above that; several ops on one
// key collapse to the last (etcd refuses duplicate keys in a txn; the result is the same).
// A write is durable when etcd acknowledges it: a quorum has written it to its WAL and fsynced.
//
// Config keys (Vault's): address, path, ha_enabled, request_timeout, lock_timeout, username,
// password, tls_ca_file, tls_cert_file, tls_key_file, max_receive_size, sync, etcd_api ("v3"),
// plus the storage-stanza keys Vault reads itself (redirect_addr, cluster_addr,
// disable_clustering), and Arca's own `transport` ("grpc", the default, or "gateway"). Environment: ETCD_ADDR overrides `address`, ETCD_HA_ENABLED
// `ha_enabled`; ETCD_USERNAME / ETCD_PASSWORD apply when the config has no username/password.
// Any other key is an error. docs/storage-etcd.md has the details.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "storage/backend.h"
#include "storage/etcd/etcd_client.h"

namespace arca::storage::etcd {

inline constexpr int64_t kListPage = 1000;

struct EtcdBackendOptions {
  EtcdClientOptions client;
  std::string path = "/vault/";  // always starts and ends with '/'
  bool ha_enabled = false;
  std::chrono::seconds lock_timeout{15};
  bool sync = true;  // replace `address` by the members' client URLs at start
  EtcdTransport transport = EtcdTransport::kGrpc;
};

// Reads the config (and the ETCD_* environment through `getenv`). InvalidRequest naming the key
// for an unknown key or a bad value.
using GetEnv = std::function<const char*(const char*)>;
Result<EtcdBackendOptions> ParseEtcdConfig(const BackendConfig& config, const GetEnv& getenv);

// The backend over the client of `transport`; with `sync`, asks the cluster for its members first
// (an unreachable cluster is then an error here, as in Vault).
Result<std::unique_ptr<Backend>> NewEtcdBackend(const BackendConfig& config);
Result<std::unique_ptr<Backend>> NewEtcdBackend(const EtcdBackendOptions& options);

}  // namespace arca::storage::etcd
