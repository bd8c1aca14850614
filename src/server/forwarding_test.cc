// HA forwarding without Core: the cluster certificate, the mutual-TLS cluster listener, a standby
// forwarding to an "active node" (an http::Server whose handler records what arrives), 307 and
// 503 answers, echoes and the fast-failover detection.
#include "server/forwarding.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "http/server.h"
#include "server/cluster.h"
#include "server/cluster_tls.h"

namespace arca::server {
namespace {

using namespace std::chrono_literals;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string HeaderOf(const std::vector<std::pair<std::string, std::string>>& headers,
                     std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (Lower(k) == Lower(name)) return v;
  }
  return "";
}

uint64_t CounterValue(const char* name) {
  return metrics::Registry::Global().GetCounter(name, "").Value();
}

std::shared_ptr<const ClusterTls> MakeTls() {
  auto t = GenerateClusterTls();
  EXPECT_TRUE(t) << (t ? "" : t.error().message());
  return std::make_shared<const ClusterTls>(std::move(*t));
}

// What the "active node" saw.
struct Seen {
  std::string method, target, body, remote_addr;
  std::vector<std::pair<std::string, std::string>> headers;
  bool raw = false;
};

// The active node's side: a cluster listener; raw requests are recorded and answered 201 with
// a header and a body (or 503 "not active" when told so); others (translated) are answered with
// the remote address the server gave them.
class ActiveHandler : public http::Handler {
 public:
  Result<logical::Response> Handle(logical::Request& req) override {
    std::lock_guard lock(mu);
    last_translated_remote = req.remote_addr;
    logical::Response r;
    r.data["remote"] = req.remote_addr;
    return r;
  }
  bool TakesRaw(const http::RawRequest& req) const override {
    return (req.cluster && !req.target.starts_with("/v1/translated")) ||
           req.target == "/v1/decline";
  }
  http::RawResponse HandleRaw(const http::RawRequest& req) override {
    if (req.target == "/v1/decline") return http::RawResponse{0, {}, {}};  // the normal way
    std::lock_guard lock(mu);
    Seen s{std::string(req.method), std::string(req.target), std::string(req.body),
           std::string(req.remote_addr), {}, true};
    for (const auto& [k, v] : req.headers) s.headers.emplace_back(std::string(k), std::string(v));
    seen.push_back(std::move(s));
    if (not_active) {
      return http::RawResponse{503, {{std::string(kNotActiveHeader), "1"}}, "{}"};
    }
    return http::RawResponse{
        201, {{"X-Test-Answer", "yes"}, {"Content-Type", "application/json"}}, R"({"ok":true})"};
  }
  std::mutex mu;
  std::vector<Seen> seen;
  std::string last_translated_remote;
  bool not_active = false;
};

// A running server with one cluster listener on 127.0.0.1:0.
struct ClusterServer {
  explicit ClusterServer(http::Handler& h, const ClusterTls* tls) : server(h, Opts()) {
    http::ListenerOptions l;
    l.address = "127.0.0.1:0";
    l.cluster = true;
    l.client_addr_header = std::string(kClientAddrHeader);
    EXPECT_TRUE(server.AddListener(l));
    if (tls) EXPECT_TRUE(server.SetClusterTls(tls->cert_pem, tls->key_pem.view()));
    server.Start();
  }
  static http::ServerOptions Opts() {
    http::ServerOptions o;
    o.io_threads = 1;
    o.worker_threads = 1;
    o.write_worker_threads = 2;
    return o;
  }
  std::string Addr() { return "https://127.0.0.1:" + std::to_string(server.BoundPorts()[0]); }
  http::Server server;
};

// The standby's side: a plain listener whose raw hook forwards everything under /v1/.
class StandbyHandler : public http::Handler {
 public:
  explicit StandbyHandler(Forwarder& f) : fwd(f) {}
  Result<logical::Response> Handle(logical::Request&) override { return logical::Response(); }
  bool TakesRaw(const http::RawRequest& req) const override {
    return ApiPath(req.target).has_value();
  }
  http::RawResponse HandleRaw(const http::RawRequest& req) override { return fwd.Forward(req); }
  Forwarder& fwd;
};

struct StandbyServer {
  explicit StandbyServer(Forwarder& f) : handler(f), server(handler, ClusterServer::Opts()) {
    http::ListenerOptions l;
    l.address = "127.0.0.1:0";
    l.tls_disable = true;
    EXPECT_TRUE(server.AddListener(l));
    server.Start();
  }
  std::unique_ptr<api::HttpPool> Client() {
    auto p = api::HttpPool::Create(
        "http://127.0.0.1:" + std::to_string(server.BoundPorts()[0]), api::HttpPoolOptions{});
    EXPECT_TRUE(p);
    return std::move(*p);
  }
  StandbyHandler handler;
  http::Server server;
};

// A port nothing listens on (connections are refused).
uint16_t DeadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A socket that listens but never accepts nor answers: connections hang (a partition).
struct BlackHole {
  BlackHole() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(fd, 16), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~BlackHole() { close(fd); }
  int fd;
  uint16_t port;
};

// ---- the cluster certificate ----

TEST(ClusterTls, GeneratedCertificateIsSelfSignedP256ForArcaCluster) {
  auto tls = MakeTls();
  ASSERT_TRUE(tls);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(tls->cert_pem.data(), static_cast<int>(tls->cert_pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "arca-cluster", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert.get(), "other", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);  // self-signed
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  ASSERT_TRUE(pub);
  EXPECT_EQ(EVP_PKEY_get_bits(pub), 256);
  EXPECT_TRUE(EVP_PKEY_is_a(pub, "EC"));
  // Valid for a long time.
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert.get()), nullptr), 0);
  time_t in_20_years = time(nullptr) + 20L * 365 * 24 * 3600;
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_20_years), 1);
  EXPECT_TRUE(tls->key_pem.view().starts_with("-----BEGIN PRIVATE KEY-----"));
  // Two generations differ.
  auto other = MakeTls();
  EXPECT_NE(other->cert_pem, tls->cert_pem);
}

TEST(ClusterTls, StoredFormRoundTripsAndIsChecked) {
  auto tls = MakeTls();
  SecureBytes stored = EncodeClusterTls(*tls);
  auto back = DecodeClusterTls(stored.view());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->cert_pem, tls->cert_pem);
  EXPECT_EQ(back->key_pem.view(), tls->key_pem.view());

  // A key of another identity: refused.
  auto other = MakeTls();
  ClusterTls mixed{tls->cert_pem, other->key_pem.Clone()};
  auto bad = DecodeClusterTls(EncodeClusterTls(mixed).view());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("does not match"), std::string::npos);
  EXPECT_FALSE(DecodeClusterTls("not json"));
  EXPECT_FALSE(DecodeClusterTls(R"({"version":1,"cert_pem":"x"})"));
  EXPECT_FALSE(DecodeClusterTls(R"({"version":2,"cert_pem":"x","key_pem":"y"})"));
}

// ---- the mutual-TLS cluster listener ----

TEST(ClusterListener, AcceptsOnlyTheClusterCertificate) {
  auto tls = MakeTls();
  ActiveHandler active;
  ClusterServer cs(active, tls.get());

  // With the cluster certificate: served.
  ClusterClient good([tls] { return tls; }, 5s);
  auto ok = good.Send(cs.Addr(), "POST", "/cluster/echo", "{}", {});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->status, 201);

  // Without a client certificate (but trusting the server): refused in the handshake.
  api::HttpPoolOptions no_cert;
  no_cert.ca_pem = tls->cert_pem;
  no_cert.server_name = std::string(kClusterServerName);
  no_cert.timeout = 5s;
  auto p1 = api::HttpPool::Create(cs.Addr(), std::move(no_cert));
  ASSERT_TRUE(p1);
  auto r1 = (*p1)->Send("POST", "/cluster/echo", "{}", {});
  EXPECT_FALSE(r1 && r1->status == 201);

  // With another self-signed certificate of the same shape: refused by the server, and the
  // client does not accept the server either.
  auto other = MakeTls();
  ClusterClient stranger([other] { return other; }, 5s);
  auto r2 = stranger.Send(cs.Addr(), "POST", "/cluster/echo", "{}", {});
  EXPECT_FALSE(r2 && r2->status == 201);

  // A client trusting the cluster certificate but presenting another one: refused.
  api::HttpPoolOptions half;
  half.ca_pem = tls->cert_pem;
  half.cert_pem = other->cert_pem;
  half.key_pem = std::make_shared<const SecureBytes>(other->key_pem.Clone());
  half.server_name = std::string(kClusterServerName);
  half.timeout = 5s;
  auto p3 = api::HttpPool::Create(cs.Addr(), std::move(half));
  ASSERT_TRUE(p3);
  auto r3 = (*p3)->Send("POST", "/cluster/echo", "{}", {});
  EXPECT_FALSE(r3 && r3->status == 201);

  std::lock_guard lock(active.mu);
  EXPECT_EQ(active.seen.size(), 1u);  // only the good client got through
}

TEST(ClusterListener, ClosesConnectionsUntilItHasItsCertificate) {
  auto tls = MakeTls();
  ActiveHandler active;
  ClusterServer cs(active, nullptr);
  ClusterClient client([tls] { return tls; }, 5s);
  EXPECT_FALSE(client.Send(cs.Addr(), "POST", "/cluster/echo", "{}", {}));
  ASSERT_TRUE(cs.server.SetClusterTls(tls->cert_pem, tls->key_pem.view()));
  auto ok = client.Send(cs.Addr(), "POST", "/cluster/echo", "{}", {});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->status, 201);
  // Bad PEM: refused.
  EXPECT_FALSE(cs.server.SetClusterTls("junk", "junk"));
}

TEST(ClusterListener, TrustsTheClientAddressHeaderForTranslatedRequests) {
  auto tls = MakeTls();
  ActiveHandler active;
  ClusterServer cs(active, tls.get());
  ClusterClient client([tls] { return tls; }, 5s);
  auto r = client.Send(cs.Addr(), "GET", "/v1/translated", "",
                       {{std::string(kClientAddrHeader), "203.0.113.9"}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200) << r->body;
  std::lock_guard lock(active.mu);
  EXPECT_EQ(active.last_translated_remote, "203.0.113.9");
}

TEST(ClusterListener, OrdinaryListenerIgnoresTheClientAddressHeader) {
  ActiveHandler active;
  http::Server server(active, ClusterServer::Opts());
  http::ListenerOptions l;
  l.address = "127.0.0.1:0";
  l.tls_disable = true;
  ASSERT_TRUE(server.AddListener(l));
  server.Start();
  auto p = api::HttpPool::Create("http://127.0.0.1:" + std::to_string(server.BoundPorts()[0]), {});
  ASSERT_TRUE(p);
  auto r = (*p)->Send("GET", "/v1/translated", "", {{std::string(kClientAddrHeader), "203.0.113.9"}});
  ASSERT_TRUE(r) << r.error().message();
  std::lock_guard lock(active.mu);
  EXPECT_EQ(active.last_translated_remote, "127.0.0.1");
}

TEST(ClusterListener, DeclinedRawRequestGoesTheNormalWay) {
  ActiveHandler active;
  http::Server server(active, ClusterServer::Opts());
  http::ListenerOptions l;
  l.address = "127.0.0.1:0";
  l.tls_disable = true;
  ASSERT_TRUE(server.AddListener(l));
  server.Start();
  auto p = api::HttpPool::Create("http://127.0.0.1:" + std::to_string(server.BoundPorts()[0]), {});
  ASSERT_TRUE(p);
  auto r = (*p)->Send("GET", "/v1/decline", "", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"remote\":\"127.0.0.1\""), std::string::npos) << r->body;
  std::lock_guard lock(active.mu);
  EXPECT_EQ(active.last_translated_remote, "127.0.0.1");
  EXPECT_TRUE(active.seen.empty());
}

// ---- forwarding ----

TEST(Forwarding, RelaysTheRequestAndTheAnswerAsIs) {
  auto tls = MakeTls();
  ActiveHandler active;
  ClusterServer cs(active, tls.get());
  Forwarder fwd([&] { return std::optional<LeaderInfo>({"http://active:8200", cs.Addr(), "h1"}); },
                [tls] { return tls; });
  StandbyServer standby(fwd);
  auto client = standby.Client();
  const uint64_t forwarded_before = CounterValue("ha.forwarded_requests");
  auto r = client->Send("PUT", "/v1/secret/data/a%20b?x=1&y=2", R"({"data":{"k":"v"}})",
                        {{"X-Vault-Token", "s.token"},
                         {"Content-Type", "application/json"},
                         {"X-Custom", "one"},
                         {std::string(kClientAddrHeader), "198.51.100.7"}});  // spoofed
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(HeaderOf(r->headers, "X-Test-Answer"), "yes");
  EXPECT_EQ(HeaderOf(r->headers, "Content-Type"), "application/json");

  // LIST and a body-less GET go through as well.
  auto l = client->Send("LIST", "/v1/secret/metadata/", "", {{"X-Vault-Token", "s.token"}});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->status, 201);
  EXPECT_EQ(CounterValue("ha.forwarded_requests"), forwarded_before + 2);

  std::lock_guard lock(active.mu);
  ASSERT_EQ(active.seen.size(), 2u);
  const Seen& s = active.seen[0];
  EXPECT_EQ(s.method, "PUT");
  EXPECT_EQ(s.target, "/v1/secret/data/a%20b?x=1&y=2");
  EXPECT_EQ(s.body, R"({"data":{"k":"v"}})");
  EXPECT_EQ(HeaderOf(s.headers, "X-Vault-Token"), "s.token");
  EXPECT_EQ(HeaderOf(s.headers, "X-Custom"), "one");
  // The client's address as the standby saw it, never the client's own claim.
  int addr_headers = 0;
  for (const auto& [k, v] : s.headers) {
    if (Lower(k) == Lower(kClientAddrHeader)) {
      ++addr_headers;
      EXPECT_EQ(v, "127.0.0.1");
    }
  }
  EXPECT_EQ(addr_headers, 1);
  EXPECT_EQ(active.seen[1].method, "LIST");
  EXPECT_EQ(active.seen[1].target, "/v1/secret/metadata/");
}

TEST(Forwarding, NoRequestForwardingHeaderAnswers307WithTheQuery) {
  auto tls = MakeTls();
  ActiveHandler active;
  ClusterServer cs(active, tls.get());
  Forwarder fwd(
      [&] { return std::optional<LeaderInfo>({"https://10.0.0.1:8200", cs.Addr(), "h1"}); },
      [tls] { return tls; });
  StandbyServer standby(fwd);
  const uint64_t redirected_before = CounterValue("ha.redirected_requests");
  auto r = standby.Client()->Send("GET", "/v1/secret/data/a?version=2", "",
                                  {{"X-Vault-No-Request-Forwarding", "true"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307);
  EXPECT_EQ(CounterValue("ha.redirected_requests"), redirected_before + 1);
  EXPECT_EQ(HeaderOf(r->headers, "Location"), "https://10.0.0.1:8200/v1/secret/data/a?version=2");
  EXPECT_TRUE(r->body.empty());
  std::lock_guard lock(active.mu);
  EXPECT_TRUE(active.seen.empty());  // not forwarded
}

TEST(Forwarding, DeadOrInactiveTargetAnswers307) {
  auto tls = MakeTls();
  const std::string dead = "https://127.0.0.1:" + std::to_string(DeadPort());
  Forwarder fwd([&] { return std::optional<LeaderInfo>({"https://10.0.0.1:8200", dead, "h1"}); },
                [tls] { return tls; });
  StandbyServer standby(fwd);
  auto r = standby.Client()->Send("POST", "/v1/auth/token/create?x=y", "{}", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307);
  EXPECT_EQ(HeaderOf(r->headers, "Location"), "https://10.0.0.1:8200/v1/auth/token/create?x=y");

  // The target is up but says it is not the active node.
  ActiveHandler not_active;
  not_active.not_active = true;
  ClusterServer cs(not_active, tls.get());
  Forwarder fwd2(
      [&] { return std::optional<LeaderInfo>({"https://10.0.0.2:8200", cs.Addr(), "h2"}); },
      [tls] { return tls; });
  StandbyServer standby2(fwd2);
  auto r2 = standby2.Client()->Send("GET", "/v1/sys/mounts", "", {});
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 307);
  EXPECT_EQ(HeaderOf(r2->headers, "Location"), "https://10.0.0.2:8200/v1/sys/mounts");
  EXPECT_EQ(HeaderOf(r2->headers, kNotActiveHeader), "");  // not leaked to the client
}

TEST(Forwarding, NoActiveNodeAnswers503) {
  auto tls = MakeTls();
  Forwarder fwd([] { return std::optional<LeaderInfo>(); }, [tls] { return tls; });
  StandbyServer standby(fwd);
  auto r = standby.Client()->Send("GET", "/v1/secret/data/a", "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "{\"errors\":[\"local node not active but active cluster node not found\"]}\n");
}

TEST(Forwarding, StandbyLocalPaths) {
  EXPECT_EQ(ApiPath("/v1/sys/health?standbyok=true"), "sys/health");
  EXPECT_EQ(ApiPath("/v1/sys/%73eal-status"), "sys/seal-status");
  EXPECT_FALSE(ApiPath("/ui/"));
  for (const char* p : {"sys/init", "sys/seal-status", "sys/unseal", "sys/health", "sys/leader",
                        "sys/seal-backend-status"}) {
    EXPECT_TRUE(StandbyAnswersItself(p)) << p;
  }
  // Metrics: the standby's own where the listener serves them without a token; else forwarded
  // (the standby cannot check a token). Logs (sys/monitor) are the active node's.
  EXPECT_TRUE(StandbyAnswersItself("sys/metrics", true));
  EXPECT_FALSE(StandbyAnswersItself("sys/metrics", false));
  for (const char* p : {"sys/seal", "sys/step-down", "sys/ha-status", "secret/data/a", "sys/monitor",
                        "sys/mounts", "auth/token/lookup-self", "sys/healthy"}) {
    EXPECT_FALSE(StandbyAnswersItself(p)) << p;
  }
}

TEST(Forwarding, SealNeedsSudoAndUpdateOrRoot) {
  EXPECT_TRUE(CapabilitiesAllowSeal(R"({"sys/seal":["root"],"capabilities":["root"]})"));
  EXPECT_TRUE(CapabilitiesAllowSeal(R"({"data":{"sys/seal":["sudo","update"]}})"));
  EXPECT_FALSE(CapabilitiesAllowSeal(R"({"sys/seal":["update"],"capabilities":["update"]})"));
  EXPECT_FALSE(CapabilitiesAllowSeal(R"({"sys/seal":["sudo","read"]})"));
  EXPECT_FALSE(CapabilitiesAllowSeal(R"({"sys/seal":["deny"]})"));
  EXPECT_FALSE(CapabilitiesAllowSeal("junk"));
}

// ---- echoes and fast failover ----

TEST(Echo, BodyIsAJsonObjectWithANodeId) {
  auto ok = ParseEcho(
      R"({"node_id":"n2","hostname":"h","api_address":"http://b:8200",)"
      R"("cluster_address":"https://b:8201","version":"0.1.0"})");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->node_id, "n2");
  EXPECT_EQ(ok->hostname, "h");
  EXPECT_EQ(ok->api_address, "http://b:8200");
  EXPECT_EQ(ok->cluster_address, "https://b:8201");
  EXPECT_EQ(ok->version, "0.1.0");
  for (const char* bad : {"", "{", "not json", "[1,2]", "\"n2\"", "{}", R"({"node_id":""})",
                          R"({"hostname":"h"})"}) {
    auto r = ParseEcho(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().http_status(), 400) << bad;
  }
  EXPECT_NE(ParseEcho("{}").error().message().find("node_id"), std::string::npos);
}

TEST(Echoer, EchoReachesTheActiveNode) {
  auto tls = MakeTls();
  ActiveHandler active;
  ClusterServer cs(active, tls.get());
  EchoerOptions o;
  o.leader = [&] { return std::optional<LeaderInfo>({"http://a:8200", cs.Addr(), "h1"}); };
  o.tls = [tls] { return tls; };
  o.body = [] { return std::string(R"({"node_id":"n2"})"); };
  int deposed = 0;
  o.depose = [&](const std::string&) { ++deposed; };
  Echoer e(std::move(o));
  auto s = e.Tick();
  ASSERT_TRUE(s) << s.error().message();
  std::lock_guard lock(active.mu);
  ASSERT_EQ(active.seen.size(), 1u);
  EXPECT_EQ(active.seen[0].method, "POST");
  EXPECT_EQ(active.seen[0].target, "/cluster/echo");
  EXPECT_EQ(active.seen[0].body, R"({"node_id":"n2"})");
  EXPECT_EQ(deposed, 0);
}

TEST(Echoer, RefusedTwiceAtLeastGapApartDeposesTheSameHolder) {
  auto tls = MakeTls();
  const std::string dead = "https://127.0.0.1:" + std::to_string(DeadPort());
  std::string holder = "h1";
  EchoerOptions o;
  o.leader = [&] { return std::optional<LeaderInfo>({"http://a:8200", dead, holder}); };
  o.tls = [tls] { return tls; };
  o.min_refused_gap = 200ms;
  auto clock = std::chrono::steady_clock::now();
  o.now = [&] { return clock; };
  std::vector<std::string> deposed;
  o.depose = [&](const std::string& h) { deposed.push_back(h); };
  Echoer e(std::move(o));

  EXPECT_FALSE(e.RefusalPending());
  EXPECT_FALSE(e.Tick());
  EXPECT_TRUE(deposed.empty());  // one refusal is not enough
  EXPECT_TRUE(e.RefusalPending());
  clock += 150ms;
  EXPECT_FALSE(e.Tick());  // too soon after the first
  EXPECT_TRUE(deposed.empty());
  clock += 50ms;
  EXPECT_FALSE(e.Tick());
  ASSERT_EQ(deposed.size(), 1u);
  EXPECT_EQ(deposed[0], "h1");

  // A new holder starts a new count.
  holder = "h2";
  EXPECT_FALSE(e.Tick());
  EXPECT_EQ(deposed.size(), 1u);
  clock += 250ms;
  holder = "h3";  // the leader changed between the refusals: no deposal
  EXPECT_FALSE(e.Tick());
  EXPECT_EQ(deposed.size(), 1u);
}

TEST(Echoer, TimeoutsNeverDepose) {
  auto tls = MakeTls();
  BlackHole hole;
  const std::string addr = "https://127.0.0.1:" + std::to_string(hole.port);
  EchoerOptions o;
  o.leader = [&] { return std::optional<LeaderInfo>({"http://a:8200", addr, "h1"}); };
  o.tls = [tls] { return tls; };
  o.timeout = 300ms;
  o.min_refused_gap = 0ms;
  int deposed = 0;
  o.depose = [&](const std::string&) { ++deposed; };
  Echoer e(std::move(o));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(e.Tick());
  EXPECT_EQ(deposed, 0);
}

TEST(Echoer, NoLeaderOrNoCertificateSendsNothing) {
  int deposed = 0;
  EchoerOptions o;
  o.leader = [] { return std::optional<LeaderInfo>(); };
  o.tls = [] { return std::shared_ptr<const ClusterTls>(); };
  o.depose = [&](const std::string&) { ++deposed; };
  Echoer e(std::move(o));
  EXPECT_FALSE(e.Tick());
  EXPECT_EQ(deposed, 0);
}

}  // namespace
}  // namespace arca::server
