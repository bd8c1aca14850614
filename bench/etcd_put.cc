// etcd's own put rate through Arca's etcd transport (storage/etcd/etcd_client.h, the JSON
// gateway client the etcd storage backend uses): `threads` callers each put keys
// <prefix>w<n % 1000> with a value of `value_bytes` for `seconds`, like the KV v2 write workload
// of bench/etcd.sh. Prints puts/s and the p50/p99 latency. Not a test.
//
// With the mode "kv2", each operation is instead one txn of the shape of a KV v2 write on a key
// with max_versions versions (what Arca sends, bench/etcd_ops.sh): a put of the new version
// (`value_bytes`), a put of the metadata (1,035 bytes: the ciphertext of ten versions' metadata)
// and the delete of the version pruned by max_versions.
//
// Usage: etcd_put_bench <endpoints> [threads=32] [seconds=10] [value_bytes=200] [put|kv2]
//        [metadata_bytes=1035]
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

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <endpoints> [threads] [seconds] [value_bytes]\n", argv[0]);
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
  const bool kv2 = argc > 5 && std::string(argv[5]) == "kv2";
  auto client = NewGatewayClient(options);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().ToString().c_str());
    return 1;
  }
  const std::string value(value_bytes, 'v');
  const std::string meta(argc > 6 ? static_cast<size_t>(std::atoll(argv[6])) : 1035, 'm');
  std::atomic<bool> stop = false;
  std::atomic<long> errors = 0;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& lat = latencies[static_cast<size_t>(t)];
      for (long n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        auto begin = Clock::now();
        const std::string key = "w" + std::to_string((n * threads + t) % 1000);
        bool ok = true;
        if (kv2) {
          const long version = (n * threads + t) / 1000 + 11;
          TxnRequest txn;
          txn.success.push_back({.kind = TxnOp::Kind::kPut,
                                 .key = "/bench-kv2/versions/" + key + "@" + std::to_string(version),
                                 .value = value});
          txn.success.push_back(
              {.kind = TxnOp::Kind::kPut, .key = "/bench-kv2/metadata/" + key, .value = meta});
          txn.success.push_back(
              {.kind = TxnOp::Kind::kDeleteRange,
               .key = "/bench-kv2/versions/" + key + "@" + std::to_string(version - 10)});
          ok = (*client)->Txn(txn).has_value();
        } else {
          ok = (*client)->Put("/bench-put/" + key, value).has_value();
        }
        if (!ok) ++errors;
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  std::printf(kv2 ? "etcd_txn_kv2_%zuB %8.2f txns/s   p50 %.2fms p99 %.2fms errors %ld\n"
                  : "etcd_put_%zuB %12.2f puts/s   p50 %.2fms p99 %.2fms errors %ld\n",
              value_bytes,
              static_cast<double>(all.size()) / seconds, pct(0.5), pct(0.99), errors.load());
  return errors.load() == 0 ? 0 : 1;
}
