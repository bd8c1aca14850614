// storage "etcd" and its client against real etcd members (tests/services/etcd.h): paging of
// listings, etcd's limits, endpoint failover with members killed, authentication, unreachable
// clusters.
#include "storage/etcd/etcd_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "services/etcd.h"
#include "storage/etcd/transport_testing.h"
#include "services/services.h"
#include "storage/etcd/etcd_client.h"

namespace arca::storage::etcd {
namespace {

ARCA_ETCD_TRANSPORT_SUITE(EtcdBackend);
ARCA_ETCD_TRANSPORT_SUITE(EtcdFailover);
ARCA_ETCD_TRANSPORT_SUITE(EtcdAuth);
ARCA_ETCD_TRANSPORT_SUITE(EtcdClientPrimitives);
ARCA_ETCD_TRANSPORT_SUITE(EtcdTls);

using arca::testing::EtcdCluster;
using arca::testing::EtcdClusterOptions;

std::string UniquePath(const std::string& what) {
  static std::atomic<int> n = 0;
  return "/" + what + "/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/";
}

std::unique_ptr<Backend> MustBackend(const EtcdBackendOptions& options) {
  auto b = NewEtcdBackend(options);
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

EtcdBackendOptions OptionsFor(const std::string& address, const std::string& what) {
  EtcdBackendOptions o;
  o.client.endpoints = {address};
  o.path = UniquePath(what);
  o.sync = false;
  o.transport = TestTransport();
  return o;
}

TEST_P(EtcdBackend, ListReadsPagesAndFoldsFolders) {
  EtcdCluster& etcd = arca::testing::SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto b = MustBackend(OptionsFor(etcd.ClientUrl(0), "paging"));
  ASSERT_NE(b, nullptr);
  // 2400 direct keys and folders of 700 keys, so that page boundaries (1000 keys) fall inside
  // folders and between plain keys.
  std::set<std::string> expected;
  std::vector<Operation> batch;
  auto flush = [&] {
    auto s = b->AsTransactional()->Commit(batch);
    ASSERT_TRUE(s) << s.error().ToString();
    batch.clear();
  };
  for (int i = 0; i < 2400; ++i) {
    std::string name;
    if (i % 3 == 0) {
      name = "k" + std::to_string(10000 + i);
      expected.insert(name);
    } else {
      std::string folder = "f" + std::to_string(10 + i / 700) + "/";
      name = folder + "x" + std::to_string(i) + (i % 2 ? "/deeper" : "");
      expected.insert(folder);
    }
    batch.push_back({Operation::Kind::kPut, "root/" + name, "v"});
    if (batch.size() == 120) flush();
  }
  flush();
  auto listed = b->List("root/");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(std::vector<std::string>(expected.begin(), expected.end()), *listed);
  auto folder = b->List("root/f10/");
  ASSERT_TRUE(folder) << folder.error().ToString();
  EXPECT_EQ(folder->size(), 700u - 700u / 3 - 1);  // i in [0,700) not divisible by 3
}

TEST_P(EtcdBackend, CommitOfMoreThan128KeysIsRefusedAndChangesNothing) {
  EtcdCluster& etcd = arca::testing::SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto b = MustBackend(OptionsFor(etcd.ClientUrl(0), "txnlimit"));
  ASSERT_NE(b, nullptr);
  std::vector<Operation> ops;
  for (int i = 0; i < 129; ++i)
    ops.push_back({Operation::Kind::kPut, "t/" + std::to_string(i), "v"});
  auto s = b->AsTransactional()->Commit(ops);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(s.error().message().find("at most 128 keys"), std::string::npos) << s.error().message();
  auto listed = b->List("t/");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  // 256 operations on 128 keys are fine: repeated keys collapse to their last operation.
  ops.pop_back();
  for (int i = 0; i < 128; ++i) {
    ops.push_back(
        {i % 2 ? Operation::Kind::kDelete : Operation::Kind::kPut, "t/" + std::to_string(i), "w"});
  }
  s = b->AsTransactional()->Commit(ops);
  ASSERT_TRUE(s) << s.error().ToString();
  listed = b->List("t/");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 64u);
  auto got = b->Get("t/0");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "w");
  got = b->Get("t/1");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, std::nullopt);
}

TEST_P(EtcdBackend, ValueOverEtcdsRequestLimitIsAClearErrorAndChangesNothing) {
  // A cluster with etcd's default --max-request-bytes (1.5 MiB).
  EtcdCluster etcd;
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto b = MustBackend(OptionsFor(etcd.ClientUrl(0), "limit"));
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->Put("big", "before"));
  // 1.6 MiB is refused by etcd itself, 2 MiB already by its gateway's gRPC hop.
  for (size_t size : {size_t{1638} << 10, size_t{2} << 20}) {
    auto s = b->Put("big", std::string(size, 'x'));
    ASSERT_FALSE(s) << size;
    EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest) << s.error().ToString();
    EXPECT_NE(s.error().message().find("request is too large"), std::string::npos)
        << s.error().message();
    auto got = b->Get("big");
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "before");
  }
  ASSERT_TRUE(b->Put("big", std::string(1u << 20, 'y')));  // 1 MiB fits the default
}

TEST_P(EtcdBackend, UnreachableClusterFailsClearlyWithinTheRequestTimeout) {
  const int port = arca::testing::FreeTcpPort();  // nobody listens there
  const std::string address = "http://127.0.0.1:" + std::to_string(port);
  auto started = std::chrono::steady_clock::now();
  // sync = true (the default) contacts the cluster at start, as Vault does.
  auto r = NewEtcdBackend(BackendConfig{{"transport", TestTransportName()}, {"address", address}, {"request_timeout", "1s"}});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(r.error().message().find(address), std::string::npos) << r.error().message();
  // "connection refused" (Beast) or "Connection refused" (gRPC).
  std::string lower = r.error().message();
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_NE(lower.find("connection refused"), std::string::npos) << r.error().message();
  EXPECT_LT(took, std::chrono::seconds(3));
  // With sync = false the backend is built, and calls fail with the same clear error.
  auto b = NewEtcdBackend(
      BackendConfig{{"transport", TestTransportName()}, {"address", address}, {"request_timeout", "1s"}, {"sync", "false"}});
  ASSERT_TRUE(b) << b.error().ToString();
  auto got = (*b)->Get("x");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(got.error().message().find(address), std::string::npos) << got.error().message();
}

// Three members: the client's endpoint in use is killed while writers run; every write is
// acknowledged (the client retries on the next member), and every acknowledged write is read back
// from the surviving members. Then the member comes back and a second member in use is killed.
TEST_P(EtcdFailover, KillingTheMemberInUseKeepsCallsWorking) {
  EtcdCluster etcd(EtcdClusterOptions{.members = 3});
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  EtcdClientOptions co;
  co.endpoints = {etcd.ClientUrl(0), etcd.ClientUrl(1), etcd.ClientUrl(2)};
  auto client = NewEtcdClient(TestTransport(), co);
  ASSERT_TRUE(client) << client.error().ToString();
  EtcdClient& c = **client;
  ASSERT_TRUE(c.Put("/fo/probe", "1"));
  ASSERT_EQ(c.CurrentEndpoint(), etcd.ClientUrl(0));

  // The backend, built from the whole address list with sync (member list from the cluster).
  auto backend = NewEtcdBackend(BackendConfig{{"transport", TestTransportName()}, {"address", etcd.ClientUrls()}, {"path", "/fo/"}});
  ASSERT_TRUE(backend) << backend.error().ToString();
  Backend& b = **backend;

  constexpr int kWriters = 4, kWrites = 60;
  std::atomic<int> done = 0, failures = 0;
  std::vector<std::string> errors(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWrites; ++i) {
        auto s = b.Put("w" + std::to_string(w) + "/" + std::to_string(i), std::to_string(i));
        if (!s) {
          ++failures;
          errors[w] = s.error().ToString();
        }
        ++done;
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done.load() < kWriters * kWrites / 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  etcd.Kill(0);  // the first endpoint of both the client and (after sync) usually the backend
  ASSERT_TRUE(c.Put("/fo/after-kill", "2"));  // the client fails over within the call
  EXPECT_NE(c.CurrentEndpoint(), etcd.ClientUrl(0));
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0) << errors[0] << errors[1] << errors[2] << errors[3];
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kWrites; ++i) {
      auto got = b.Get("w" + std::to_string(w) + "/" + std::to_string(i));
      ASSERT_TRUE(got) << got.error().ToString();
      EXPECT_EQ(*got, std::to_string(i));
    }
  }

  // The member returns; the one in use now is killed; calls still work.
  ASSERT_TRUE(etcd.Start(0)) << etcd.Log(0);
  const int in_use = etcd.IndexOf(c.CurrentEndpoint());
  ASSERT_GE(in_use, 0);
  etcd.Kill(in_use);
  auto got = c.Range(RangeRequest{.key = "/fo/after-kill"});
  ASSERT_TRUE(got) << got.error().ToString();
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].value, "2");
  EXPECT_NE(c.CurrentEndpoint(), etcd.ClientUrl(in_use));
  auto listed = b.List("w0/");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(listed->size(), static_cast<size_t>(kWrites));
}

TEST_P(EtcdFailover, NoQuorumIsUnavailableThenServiceResumes) {
  EtcdCluster etcd(EtcdClusterOptions{.members = 3});
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto backend = NewEtcdBackend(
      BackendConfig{{"transport", TestTransportName()}, {"address", etcd.ClientUrls()}, {"path", "/q/"}, {"request_timeout", "1s"}});
  ASSERT_TRUE(backend) << backend.error().ToString();
  Backend& b = **backend;
  ASSERT_TRUE(b.Put("before", "1"));
  etcd.Kill(1);
  etcd.Kill(2);
  auto s = b.Put("during", "2");
  ASSERT_FALSE(s) << "a write was acknowledged without a quorum";
  EXPECT_EQ(s.error().kind(), ErrorKind::kUnavailable) << s.error().ToString();
  ASSERT_TRUE(etcd.Start(1)) << etcd.Log(1);
  ASSERT_TRUE(etcd.WaitHealthy(0, std::chrono::seconds(10)));
  auto put = b.Put("after", "3");
  ASSERT_TRUE(put) << put.error().ToString();
  auto got = b.Get("before");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "1");
}

TEST_P(EtcdAuth, UsernameAndPasswordAuthenticate) {
  EtcdCluster etcd;
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  const std::string ctl = "ETCDCTL_API=3 etcdctl --endpoints=" + etcd.ClientUrl(0) + " ";
  ASSERT_EQ(std::system((ctl + "user add root:rootpw >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system((ctl + "role add root >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system((ctl + "user grant-role root root >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system((ctl + "auth enable >/dev/null 2>&1").c_str()), 0);

  auto base = BackendConfig{{"transport", TestTransportName()}, {"address", etcd.ClientUrl(0)}, {"path", "/auth/"}};
  auto with = [&](BackendConfig extra) {
    BackendConfig c = base;
    for (auto& [k, v] : extra) c[k] = v;
    return NewEtcdBackend(c);
  };
  auto good = with({{"username", "root"}, {"password", "rootpw"}});
  ASSERT_TRUE(good) << good.error().ToString();
  ASSERT_TRUE((*good)->Put("k", "v"));
  auto got = (*good)->Get("k");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "v");

  // A restarted member forgets its tokens ("invalid auth token"): the client authenticates again.
  etcd.Stop(0);
  ASSERT_TRUE(etcd.Start(0)) << etcd.Log(0);
  auto again = (*good)->Get("k");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, "v");
  ASSERT_TRUE((*good)->Put("k2", "after restart"));

  auto bad = with({{"username", "root"}, {"password", "wrong"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kPermissionDenied) << bad.error().ToString();
  EXPECT_NE(bad.error().message().find("authentication failed"), std::string::npos)
      << bad.error().message();

  auto none = with({{"sync", "false"}});
  ASSERT_TRUE(none);
  auto denied = (*none)->Get("k");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind(), ErrorKind::kPermissionDenied) << denied.error().ToString();
}

// The primitives the HA steps build on: leases and conditional txns (a fencing token is the
// election key's create revision compared inside the writing txn).
TEST_P(EtcdClientPrimitives, LeasesAndConditionalTxns) {
  EtcdCluster& etcd = arca::testing::SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  EtcdClientOptions co;
  co.endpoints = {etcd.ClientUrl(0)};
  auto client = NewEtcdClient(TestTransport(), co);
  ASSERT_TRUE(client) << client.error().ToString();
  EtcdClient& c = **client;
  const std::string base = UniquePath("prims");

  auto lease = c.LeaseGrant(std::chrono::seconds(7));
  ASSERT_TRUE(lease) << lease.error().ToString();
  EXPECT_NE(lease->id, 0);
  EXPECT_EQ(lease->ttl, 7);
  auto kept = c.LeaseKeepAlive(lease->id);
  ASSERT_TRUE(kept) << kept.error().ToString();
  EXPECT_EQ(*kept, 7);
  auto put = c.Put(base + "lock", "me", lease->id);
  ASSERT_TRUE(put) << put.error().ToString();
  auto r = c.Range(RangeRequest{.key = base + "lock"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->kvs.size(), 1u);
  EXPECT_EQ(r->kvs[0].lease, lease->id);
  const int64_t created = r->kvs[0].create_revision;
  EXPECT_EQ(created, *put);

  // Fenced write: applies only while the lock key has the create revision we hold.
  TxnRequest fenced;
  fenced.compare = {Compare{.key = base + "lock",
                            .target = Compare::Target::kCreate,
                            .op = Compare::Op::kEqual,
                            .number = created}};
  fenced.success = {TxnOp{.kind = TxnOp::Kind::kPut, .key = base + "data", .value = "1"}};
  fenced.failure = {TxnOp{.kind = TxnOp::Kind::kRange, .key = base + "lock"}};
  auto ok = c.Txn(fenced);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_TRUE(ok->succeeded);

  // Revoking the lease deletes the key: the same fenced write is refused atomically.
  ASSERT_TRUE(c.LeaseRevoke(lease->id));
  auto expired = c.LeaseKeepAlive(lease->id);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().kind(), ErrorKind::kNotFound) << expired.error().ToString();
  fenced.success[0].value = "2";
  auto refused = c.Txn(fenced);
  ASSERT_TRUE(refused) << refused.error().ToString();
  EXPECT_FALSE(refused->succeeded);
  ASSERT_EQ(refused->ranges.size(), 1u);
  EXPECT_TRUE(refused->ranges[0].kvs.empty());
  auto data = c.Range(RangeRequest{.key = base + "data"});
  ASSERT_TRUE(data);
  ASSERT_EQ(data->kvs.size(), 1u);
  EXPECT_EQ(data->kvs[0].value, "1");

  // Other compare targets and operators reach etcd intact.
  TxnRequest by_value;
  by_value.compare = {Compare{.key = base + "data",
                              .target = Compare::Target::kValue,
                              .op = Compare::Op::kNotEqual,
                              .value = "1"}};
  auto v = c.Txn(by_value);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->succeeded);
  by_value.compare[0].op = Compare::Op::kEqual;
  v = c.Txn(by_value);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->succeeded);
  TxnRequest by_version;
  by_version.compare = {Compare{.key = base + "data",
                                .target = Compare::Target::kVersion,
                                .op = Compare::Op::kGreater,
                                .number = 0}};
  v = c.Txn(by_version);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->succeeded);
  auto deleted = c.DeleteRange(base, PrefixEnd(base));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1);
}

// TLS: the member is verified against tls_ca_file (name = IP 127.0.0.1), and a client
// certificate is presented for etcd's --client-cert-auth.
TEST_P(EtcdTls, VerifiesTheMemberAndPresentsAClientCertificate) {
  std::string tmpl = "/tmp/arca-etcd-tls-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string d = tmpl;
  auto sh = [](const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); };
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
  for (const char* ca : {"ca", "otherca"}) {
    ASSERT_EQ(sh("openssl req -x509" + key + "-keyout " + d + "/" + ca + ".key -out " + d + "/" +
                 ca + ".pem -days 2 -subj /CN=" + ca),
              0);
  }
  auto issue = [&](const std::string& name, const std::string& ext) {
    std::ofstream(d + "/" + name + ".ext") << ext;
    return sh("openssl req" + key + "-keyout " + d + "/" + name + ".key -out " + d + "/" + name +
              ".csr -subj /CN=" + name) == 0 &&
           sh("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " + d +
              "/ca.key -CAcreateserial -days 2 -out " + d + "/" + name + ".pem -extfile " + d +
              "/" + name + ".ext") == 0;
  };
  ASSERT_TRUE(
      issue("member", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"));
  ASSERT_TRUE(issue("arca", "extendedKeyUsage=clientAuth\n"));

  EtcdCluster etcd(EtcdClusterOptions{.members = 1,
                                      .cert_file = d + "/member.pem",
                                      .key_file = d + "/member.key",
                                      .client_ca_file = d + "/ca.pem"});
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  ASSERT_EQ(etcd.ClientUrl(0).rfind("https://", 0), 0u);
  auto with = [&](BackendConfig extra) {
    BackendConfig c{{"transport", TestTransportName()}, {"address", etcd.ClientUrl(0)}, {"path", "/tls/"}, {"request_timeout", "2s"}};
    for (auto& [k, v] : extra) c[k] = v;
    return NewEtcdBackend(c);
  };
  auto good = with({{"tls_ca_file", d + "/ca.pem"},
                    {"tls_cert_file", d + "/arca.pem"},
                    {"tls_key_file", d + "/arca.key"}});
  ASSERT_TRUE(good) << good.error().ToString();
  ASSERT_TRUE((*good)->Put("k", "over tls"));
  auto got = (*good)->Get("k");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "over tls");

  auto wrong_ca = with({{"tls_ca_file", d + "/otherca.pem"},
                        {"tls_cert_file", d + "/arca.pem"},
                        {"tls_key_file", d + "/arca.key"}});
  ASSERT_FALSE(wrong_ca);
  EXPECT_EQ(wrong_ca.error().kind(), ErrorKind::kUnavailable);
  // Beast: "failed to verify certificate"; gRPC: OpenSSL's "certificate verify failed".
  EXPECT_TRUE(wrong_ca.error().message().find("failed to verify certificate") !=
                  std::string::npos ||
              wrong_ca.error().message().find("certificate verify failed") != std::string::npos)
      << wrong_ca.error().message();

  auto no_client_cert = with({{"tls_ca_file", d + "/ca.pem"}});
  ASSERT_FALSE(no_client_cert) << "etcd accepted a client without a certificate";
  EXPECT_EQ(no_client_cert.error().kind(), ErrorKind::kUnavailable)
      << no_client_cert.error().ToString();

  std::string plain = etcd.ClientUrl(0);
  plain.replace(0, 5, "http");
  auto r = NewEtcdBackend(BackendConfig{{"transport", TestTransportName()}, {"address", plain}, {"request_timeout", "1s"}});
  ASSERT_FALSE(r) << "plain HTTP to a TLS member succeeded";
  std::error_code ec;
  std::filesystem::remove_all(d, ec);
}

}  // namespace
}  // namespace arca::storage::etcd
