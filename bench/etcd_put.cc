// etcd's own write rate through Arca's etcd transport (storage/etcd/etcd_client.h, the JSON
// gateway client the etcd storage backend uses): `threads` callers each write keys
// /bench-put/w<n % 1000> with a value of `value_bytes` for `seconds`, like the KV v2 write
// workload of bench/etcd.sh. Prints writes/s, the p50/p99 latency and the CPU time this client
// spent per write (user + system, all threads). Not a test.
//
// Operations (`op`):
//   put  one KV.Put per write (the backend's plain writes, no HA);
//   txn  one KV.Txn per write with one compare and one put: the compare checks the create
//        revision of a lock key the bench creates first, as the HA fenced writes do
//        (EtcdElection::Fence); a txn whose compare fails counts as an error;
//   kv2  one KV.Txn per write of the shape of a KV v2 write on a key with max_versions versions
//        (what Arca sends, bench/etcd_ops.sh): a put of the new version (`value_bytes`), a put
//        of the metadata (`metadata_bytes`, default 1,035: the ciphertext of ten versions'
//        metadata) and the delete of the version pruned by max_versions.
// bench/etcd_put_grpc.cc does the same over etcd's gRPC API; the output lines have the same
// fields.
//
// Usage: etcd_put_bench <endpoints> [threads=32] [seconds=10] [value_bytes=200]
//        [op=put|txn|kv2] [metadata_bytes=1035]
#include <sys/resource.h>

#include "put_bench_report.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "storage/etcd/etcd_client.h"

using namespace arca::storage::etcd;
using Clock = std::chrono::steady_clock;

// CPU time (user + system) of this process so far, in microseconds.
int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <endpoints> [threads] [seconds] [value_bytes] [put|txn]\n",
                 argv[0]);
    return 2;
  }
  EtcdClientOptions options;
  std::string list = argv[1];
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) options.endpoints.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  const int threads = argc > 2 ? std::atoi(argv[2]) : 32;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  const size_t value_bytes = argc > 4 ? static_cast<size_t>(std::atoll(argv[4])) : 200;
  const std::string op = argc > 5 ? argv[5] : "put";
  if (op != "put" && op != "txn" && op != "kv2") {
    std::fprintf(stderr, "op must be put, txn or kv2, not %s\n", op.c_str());
    return 2;
  }
  auto client = NewGatewayClient(options);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().ToString().c_str());
    return 1;
  }
  // The fence of the txn variant: a lock key and its create revision, as EtcdElection::Fence.
  Compare fence{
      .key = "/bench-put/lock", .target = Compare::Target::kCreate, .op = Compare::Op::kEqual};
  if (op == "txn") {
    auto put = (*client)->Put(fence.key, "holder");
    if (!put) {
      std::fprintf(stderr, "%s\n", put.error().ToString().c_str());
      return 1;
    }
    auto got = (*client)->Range(RangeRequest{.key = fence.key});
    if (!got || got->kvs.empty()) {
      std::fprintf(stderr, "cannot read the lock key back\n");
      return 1;
    }
    fence.number = got->kvs.front().create_revision;
  }
  const std::string value(value_bytes, 'v');
  const std::string meta(argc > 6 ? static_cast<size_t>(std::atoll(argv[6])) : 1035, 'm');
  std::atomic<bool> stop = false;
  std::atomic<long> errors = 0;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const double cpu_begin = CpuMicros();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& lat = latencies[static_cast<size_t>(t)];
      for (long n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        std::string key = "/bench-put/w" + std::to_string((n * threads + t) % 1000);
        auto begin = Clock::now();
        if (op == "put") {
          auto r = (*client)->Put(key, value);
          if (!r) ++errors;
        } else if (op == "kv2") {
          const std::string name = "w" + std::to_string((n * threads + t) % 1000);
          const long version = (n * threads + t) / 1000 + 11;
          TxnRequest txn;
          txn.success.push_back({.kind = TxnOp::Kind::kPut,
                                 .key = "/bench-kv2/versions/" + name + "@" + std::to_string(version),
                                 .value = value});
          txn.success.push_back(
              {.kind = TxnOp::Kind::kPut, .key = "/bench-kv2/metadata/" + name, .value = meta});
          txn.success.push_back(
              {.kind = TxnOp::Kind::kDeleteRange,
               .key = "/bench-kv2/versions/" + name + "@" + std::to_string(version - 10)});
          if (!(*client)->Txn(txn)) ++errors;
        } else {
          TxnRequest txn;
          txn.compare.push_back(fence);
          txn.success.push_back(
              TxnOp{.kind = TxnOp::Kind::kPut, .key = std::move(key), .value = value});
          auto r = (*client)->Txn(txn);
          if (!r || !r->succeeded) ++errors;
        }
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double cpu = CpuMicros() - cpu_begin;
  return ReportPutBench("etcd", op, value_bytes, seconds, latencies, errors.load(), cpu);
}
