// The workload of bench/etcd_put.cc over etcd's gRPC API instead of Arca's JSON-gateway
// client: `threads` callers each write keys /bench-put/w<n % 1000> with a value of
// `value_bytes` for `seconds`, as KV.Put (op put) or as KV.Txn with one compare of a lock key's
// create revision and one put (op txn, the shape of the HA fenced writes). Prints writes/s,
// the p50/p99 latency and the client's CPU time per write, with the same fields as
// etcd_put_bench. Not a test.
//
// The stubs are generated at build time by protoc and grpc_cpp_plugin from the .proto files
// Debian ships (golang-etcd-server-dev: etcdserverpb/rpc.proto, mvccpb/kv.proto,
// authpb/auth.proto; gogoproto and google/api from their packages): see CMakeLists.txt.
//
// All callers share `channels` gRPC channels (default 1: one HTTP/2 connection, calls
// multiplexed on it, as etcd's Go client does); each call is bounded by 5 s.
//
// Usage: etcd_put_grpc_bench <endpoints> [threads=32] [seconds=10] [value_bytes=200]
//                            [op=put|txn] [channels=1]
//        (the first endpoint is used; "http://" is stripped)
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include "put_bench_report.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

using Clock = std::chrono::steady_clock;

// CPU time (user + system) of this process so far, in microseconds.
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(5);

void Deadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s <endpoints> [threads] [seconds] [value_bytes] [put|txn] [channels]\n",
                 argv[0]);
    return 2;
  }
  std::string target = argv[1];
  if (size_t comma = target.find(','); comma != std::string::npos) target.resize(comma);
  if (size_t scheme = target.find("://"); scheme != std::string::npos) {
    target = target.substr(scheme + 3);
  }
  const int threads = argc > 2 ? std::atoi(argv[2]) : 32;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  const size_t value_bytes = argc > 4 ? static_cast<size_t>(std::atoll(argv[4])) : 200;
  const std::string op = argc > 5 ? argv[5] : "put";
  const int channels = argc > 6 ? std::max(1, std::atoi(argv[6])) : 1;
  if (op != "put" && op != "txn") {
    std::fprintf(stderr, "op must be put or txn, not %s\n", op.c_str());
    return 2;
  }

  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    grpc::ChannelArguments args;
    // Distinct arguments: each channel gets its own subchannel (connection) instead of sharing
    // one from the global subchannel pool.
    args.SetInt("arca.bench.channel", c);
    stubs.push_back(etcdserverpb::KV::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
  }

  // The fence of the txn variant: a lock key and its create revision (EtcdElection::Fence).
  const std::string lock_key = "/bench-put/lock";
  int64_t lock_revision = 0;
  if (op == "txn") {
    etcdserverpb::PutRequest put;
    put.set_key(lock_key);
    put.set_value("holder");
    etcdserverpb::PutResponse put_resp;
    grpc::ClientContext put_ctx;
    Deadline(put_ctx);
    grpc::Status s = stubs[0]->Put(&put_ctx, put, &put_resp);
    etcdserverpb::RangeRequest range;
    range.set_key(lock_key);
    etcdserverpb::RangeResponse range_resp;
    grpc::ClientContext range_ctx;
    Deadline(range_ctx);
    if (s.ok()) s = stubs[0]->Range(&range_ctx, range, &range_resp);
    if (!s.ok() || range_resp.kvs_size() == 0) {
      std::fprintf(stderr, "etcd %s: cannot create the lock key: %s\n", target.c_str(),
                   s.error_message().c_str());
      return 1;
    }
    lock_revision = range_resp.kvs(0).create_revision();
  }

  const std::string value(value_bytes, 'v');
  std::atomic<bool> stop = false;
  std::atomic<long> errors = 0;
  std::atomic<bool> reported = false;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const double cpu_begin = CpuMicros();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& lat = latencies[static_cast<size_t>(t)];
      etcdserverpb::KV::Stub& stub = *stubs[static_cast<size_t>(t % channels)];
      etcdserverpb::PutRequest put;
      put.set_value(value);
      etcdserverpb::TxnRequest txn;
      if (op == "txn") {
        etcdserverpb::Compare* cmp = txn.add_compare();
        cmp->set_key(lock_key);
        cmp->set_target(etcdserverpb::Compare::CREATE);
        cmp->set_result(etcdserverpb::Compare::EQUAL);
        cmp->set_create_revision(lock_revision);
        txn.add_success()->mutable_request_put()->set_value(value);
      }
      for (long n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        std::string key = "/bench-put/w" + std::to_string((n * threads + t) % 1000);
        auto begin = Clock::now();
        grpc::ClientContext ctx;
        Deadline(ctx);
        grpc::Status s;
        bool ok;
        if (op == "put") {
          put.set_key(std::move(key));
          etcdserverpb::PutResponse resp;
          s = stub.Put(&ctx, put, &resp);
          ok = s.ok();
        } else {
          txn.mutable_success(0)->mutable_request_put()->set_key(std::move(key));
          etcdserverpb::TxnResponse resp;
          s = stub.Txn(&ctx, txn, &resp);
          ok = s.ok() && resp.succeeded();
        }
        if (!ok) {
          ++errors;
          if (!reported.exchange(true)) {
            std::fprintf(stderr, "etcd %s: %s failed: %s\n", target.c_str(), op.c_str(),
                         s.ok() ? "compare failed" : s.error_message().c_str());
          }
        }
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double cpu = CpuMicros() - cpu_begin;
  return ReportPutBench("etcd_grpc", op, value_bytes, seconds, latencies, errors.load(), cpu);
}
