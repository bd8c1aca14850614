// etcd v3 key-value and lease calls behind one interface (EtcdClient), with two transports: etcd's
// gRPC API (the default: measured faster, docs/storage-etcd.md) and its v3 JSON gateway (for
// deployments that only pass HTTP/1.1). The storage backend and the HA lock do not see which.
//
// The client holds the list of endpoints (`address` of the storage stanza) and sends each call to
// the endpoint in use; when that endpoint cannot be reached or answers "unavailable" (no leader,
// stopping), the call is re-sent to the next endpoint, and the endpoint that answered becomes the
// one in use. When every endpoint failed, rounds repeat with a short growing pause (25 ms to
// 400 ms) until request_timeout has passed since the call began (an etcd leader election takes
// about one election timeout); each attempt is itself bounded by request_timeout. A call whose
// request reached a member that then died may therefore be applied twice: the storage backend only
// issues idempotent writes (put/delete of fixed values, txns without compares), and the
// election's conditional txns are safe to repeat (see etcd_election.h).
//
// Keys and values are raw bytes (std::string). Revisions, lease ids and TTLs are int64.
//
// Thread-safety: every method may be called concurrently from many threads.
// Failure behaviour: kUnavailable when no endpoint answered (message names the last endpoint and
// why); kInvalidRequest for what etcd refuses as invalid (too large, too many txn operations);
// kPermissionDenied for authentication failures; kNotFound from LeaseKeepAlive for an expired or
// unknown lease; kInternal for malformed answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::storage::etcd {

struct KeyValue {
  std::string key;
  std::string value;  // empty when keys_only
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

struct RangeRequest {
  std::string key;
  std::string range_end;  // empty: only `key`; PrefixEnd(p) with key = p: every key under p
  bool keys_only = false;
  int64_t limit = 0;  // 0: no limit
  int64_t revision = 0;  // read the store as of this revision (0: the latest)
};

struct RangeResponse {
  std::vector<KeyValue> kvs;
  bool more = false;  // more keys in the range than `limit`
  int64_t count = 0;
  int64_t revision = 0;  // the store's revision when served
};

// One comparison of a txn: `target` of `key` compared with `number` (or `value` for kValue).
struct Compare {
  enum class Target { kVersion, kCreate, kMod, kValue, kLease };
  enum class Op { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = Target::kCreate;
  Op op = Op::kEqual;
  int64_t number = 0;
  std::string value;
};

struct TxnOp {
  enum class Kind { kPut, kDeleteRange, kRange };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;      // kPut
  std::string range_end;  // kDeleteRange / kRange
  int64_t lease = 0;      // kPut
};

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};

struct TxnResponse {
  bool succeeded = false;
  int64_t revision = 0;
  std::vector<RangeResponse> ranges;  // the results of kRange operations of the branch taken
};

struct LeaseGrantResponse {
  int64_t id = 0;
  int64_t ttl = 0;  // seconds granted
};

// etcd's defaults: at most 128 operations in one txn (--max-txn-ops), requests of at most
// 1.5 MiB (--max-request-bytes).
inline constexpr size_t kEtcdMaxTxnOps = 128;
inline constexpr size_t kEtcdMaxRequestBytes = 1536 * 1024;

struct EtcdClientOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", ...
  std::chrono::milliseconds request_timeout{std::chrono::seconds(5)};
  std::string username;  // with password: Authenticate, token sent with each call
  std::string password;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  size_t max_receive_size = 0;  // 0: etcd client's default (math.MaxInt32 in Go's client)
};

class EtcdClient {
 public:
  virtual ~EtcdClient() = default;

  virtual Result<RangeResponse> Range(const RangeRequest& request) = 0;
  // Returns the revision of the put.
  virtual Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease = 0) = 0;
  // Deletes `key` (or [key, range_end)); returns the number of keys deleted.
  virtual Result<int64_t> DeleteRange(std::string_view key, std::string_view range_end = {}) = 0;
  virtual Result<TxnResponse> Txn(const TxnRequest& request) = 0;

  virtual Result<LeaseGrantResponse> LeaseGrant(std::chrono::seconds ttl) = 0;
  // One keepalive; returns the lease's new TTL in seconds; kNotFound when it has expired.
  virtual Result<int64_t> LeaseKeepAlive(int64_t id) = 0;
  virtual Status LeaseRevoke(int64_t id) = 0;

  // The client URLs of the cluster's members (cluster/member/list).
  virtual Result<std::vector<std::string>> MemberClientUrls() = 0;
  // Replaces the endpoint list (after MemberClientUrls, Vault's `sync`).
  virtual Status SetEndpoints(std::vector<std::string> endpoints) = 0;

  // The endpoint calls go to now (tests, messages).
  virtual std::string CurrentEndpoint() const = 0;
};

// The client over etcd's v3 JSON gateway (HTTP/1.1 keep-alive pools, one per endpoint).
// InvalidRequest for an empty endpoint list, a malformed endpoint or unreadable TLS files.
// Does not contact etcd (the first call does).
Result<std::unique_ptr<EtcdClient>> NewGatewayClient(EtcdClientOptions options);

// The client over etcd's gRPC API (one channel per endpoint, shared by all threads).
// InvalidRequest for an empty endpoint list, a malformed endpoint or unreadable TLS files.
// Does not contact etcd (the first call does).
Result<std::unique_ptr<EtcdClient>> NewGrpcClient(EtcdClientOptions options);

enum class EtcdTransport { kGrpc, kGateway };
Result<std::unique_ptr<EtcdClient>> NewEtcdClient(EtcdTransport transport,
                                                  EtcdClientOptions options);

// The smallest key greater than every key starting with `prefix` (etcd's WithPrefix range end);
// "\0" (the whole key space) for an empty prefix or a prefix of only 0xff bytes.
std::string PrefixEnd(std::string_view prefix);

}  // namespace arca::storage::etcd
