// The transit seal (src/seal/transit_seal.h) against a second, real arca server that holds the
// transit key: wrap/unwrap, key rotation, wrong aad, a periodic token kept alive by the renewal
// thread (and let die without it), a server that stops (kUnavailable) and comes back, and the
// option checks.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"
#include "integration/tcp_proxy.h"
#include "seal/transit_seal.h"

namespace arca::testing {
namespace {

using Options = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

std::optional<std::string> NoEnv(std::string_view) { return std::nullopt; }

HttpResult Api(int port, const std::string& token, const std::string& method,
               const std::string& path, const std::string& body = "") {
  return RawHttp(port, method, "/v1/" + path, body, {{"X-Vault-Token", token}});
}

json::object Body(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object();
}

// Mounts transit at `mount` and creates `key` on the server at `port`.
void SetUpTransit(int port, const std::string& root, const std::string& mount,
                  const std::string& key) {
  auto m = Api(port, root, "POST", "sys/mounts/" + mount, R"({"type":"transit"})");
  ASSERT_EQ(m.status, 204) << m.body;
  auto k = Api(port, root, "POST", mount + "/keys/" + key, "{}");
  ASSERT_TRUE(k.status == 200 || k.status == 204) << k.body;
}

// A token allowed to use the key only (and, through the default policy, to renew itself).
std::string SealToken(int port, const std::string& root, const std::string& mount,
                      const std::string& key, const std::string& extra_create_fields) {
  std::string policy = "path \"" + mount + "/encrypt/" + key + "\" { capabilities = [\"update\"] }\n" +
                       "path \"" + mount + "/decrypt/" + key + "\" { capabilities = [\"update\"] }\n";
  json::object p;
  p["policy"] = policy;
  auto put = Api(port, root, "PUT", "sys/policies/acl/transit-seal", ToJson(p));
  EXPECT_EQ(put.status, 204) << put.body;
  auto c = Api(port, root, "POST", "auth/token/create",
               R"({"policies":["transit-seal"],"no_parent":true)" + extra_create_fields + "}");
  EXPECT_EQ(c.status, 200) << c.body;
  return StringOr(ObjectOr(Body(c), "auth"), "client_token");
}

// ttl of `token` as root sees it; nullopt when the token is gone.
std::optional<int64_t> TokenTtl(int port, const std::string& root, const std::string& token) {
  json::object b;
  b["token"] = token;
  auto r = Api(port, root, "POST", "auth/token/lookup", ToJson(b));
  if (r.status != 200) return std::nullopt;
  return IntOr(ObjectOr(Body(r), "data"), "ttl", -1);
}

std::unique_ptr<core::SealAccess> MakeSeal(const Options& o) {
  auto s = seal::NewTransitSealWithEnv(o, NoEnv);
  EXPECT_TRUE(s) << s.error().ToString();
  return s ? std::move(*s) : nullptr;
}

// An arca server with file storage, initialised with one unseal key, which can be stopped and
// started again (on a new port) with its data.
class FileServer {
 public:
  FileServer() {
    cfg_ = dir_.File("arca.hcl");
    std::ofstream f(cfg_);
    f << "storage \"file\" {\n  path = \"" << dir_.File("data") << "\"\n}\n"
      << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
      << "disable_mlock = true\nlog_level = \"warn\"\n";
  }
  // Starts the server; the first time also initialises it. Leaves it sealed when `unseal` is
  // false.
  bool Start(bool unseal = true) {
    proc_ = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg_});
    if (!proc_->running()) return false;
    if (key_.empty()) {
      auto init = RawHttp(port(), "PUT", "/v1/sys/init", R"({"secret_shares":1,"secret_threshold":1})");
      if (init.status != 200) return false;
      auto b = Body(init);
      key_ = StringsOf(b, "keys_base64").empty() ? "" : StringsOf(b, "keys_base64")[0];
      root_ = StringOr(b, "root_token");
    }
    return !unseal || Unseal();
  }
  bool Unseal() {
    auto u = RawHttp(port(), "PUT", "/v1/sys/unseal", R"({"key":")" + key_ + R"("})");
    return u.status == 200 && !BoolOr(Body(u), "sealed", true);
  }
  void Stop() { proc_.reset(); }
  int port() const { return proc_ ? proc_->port() : 0; }
  const std::string& root() const { return root_; }
  std::string Log() const { return proc_ ? proc_->Log() : ""; }

 private:
  TempDir dir_;
  std::string cfg_;
  std::unique_ptr<ServerProcess> proc_;
  std::string key_;
  std::string root_;
};

TEST(TransitSeal, WrapUnwrapRotateAndWrongAad) {
  auto server = ServerProcess::Dev();
  ASSERT_TRUE(server->running()) << server->Log();
  const std::string& root = server->root_token();
  SetUpTransit(server->port(), root, "transit", "autounseal");

  auto seal = MakeSeal({{"address", server->url()},
                        {"token", root},
                        {"key_name", "autounseal"},
                        {"mount_path", "transit/"}});
  ASSERT_NE(seal, nullptr);
  EXPECT_EQ(seal->Type(), "transit");
  EXPECT_EQ(seal->KeyId(), "transit/keys/autounseal");
  auto st = seal->Init();
  ASSERT_TRUE(st) << st.error().ToString();

  std::string root_key(32, '\0');
  for (size_t i = 0; i < root_key.size(); ++i) root_key[i] = static_cast<char>(255 - i);
  auto blob = seal->Wrap(root_key, "core/root-key");
  ASSERT_TRUE(blob) << blob.error().ToString();
  auto obj = *ParseJsonObject(*blob);
  EXPECT_EQ(StringOr(obj, "key_name"), "autounseal");
  EXPECT_EQ(StringOr(obj, "mount_path"), "transit");
  EXPECT_TRUE(StringOr(obj, "ciphertext").starts_with("vault:v1:")) << *blob;
  auto back = seal->Unwrap(*blob, "core/root-key");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->view(), root_key);

  auto wrong = seal->Unwrap(*blob, "core/other");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(wrong.error().message().find("message authentication failed"), std::string::npos);

  // Rotation: new wraps use v2, the v1 blob still opens.
  auto rot = Api(server->port(), root, "POST", "transit/keys/autounseal/rotate", "{}");
  ASSERT_TRUE(rot.status == 200 || rot.status == 204) << rot.body;
  auto blob2 = seal->Wrap(root_key, "core/root-key");
  ASSERT_TRUE(blob2);
  EXPECT_NE(blob2->find("vault:v2:"), std::string::npos) << *blob2;
  EXPECT_EQ(seal->Unwrap(*blob, "core/root-key")->view(), root_key);
  EXPECT_EQ(seal->Unwrap(*blob2, "core/root-key")->view(), root_key);
  EXPECT_TRUE(seal->Health());

  // A tampered transit ciphertext is refused by the server: an error, never garbage.
  obj["ciphertext"] = "vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_FALSE(seal->Unwrap(ToJson(obj), "core/root-key"));
  EXPECT_FALSE(seal->Unwrap("{}", "core/root-key"));

  // Configuration errors come from Init, as kInvalidRequest with the server's words.
  // (transit's encrypt creates a missing key, as Vault's does; a missing mount is an error.)
  auto no_mount = MakeSeal({{"address", server->url()},
                            {"token", root},
                            {"key_name", "autounseal"},
                            {"mount_path", "no-such-mount"}});
  auto st2 = no_mount->Init();
  ASSERT_FALSE(st2);
  EXPECT_EQ(st2.error().kind(), ErrorKind::kInvalidRequest) << st2.error().ToString();
  EXPECT_NE(st2.error().message().find("no-such-mount/keys/autounseal"), std::string::npos)
      << st2.error().message();
  auto bad_token = MakeSeal({{"address", server->url()},
                             {"token", "not-a-token"},
                             {"key_name", "autounseal"},
                             {"mount_path", "transit"}});
  auto st3 = bad_token->Init();
  ASSERT_FALSE(st3);
  EXPECT_EQ(st3.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(st3.error().message().find("permission denied"), std::string::npos)
      << st3.error().message();
  // Wrap before a successful Init.
  auto w = bad_token->Wrap("x", "y");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind(), ErrorKind::kUnavailable);
}

TEST(TransitSeal, EnvironmentSuppliesAddressTokenAndOverridesKeyName) {
  auto server = ServerProcess::Dev();
  ASSERT_TRUE(server->running()) << server->Log();
  SetUpTransit(server->port(), server->root_token(), "seal-transit", "env-key");
  std::map<std::string, std::string> env = {
      {"VAULT_ADDR", server->url()},
      {"VAULT_TOKEN", server->root_token()},
      {"VAULT_TRANSIT_SEAL_KEY_NAME", "env-key"},
      {"VAULT_TRANSIT_SEAL_MOUNT_PATH", "seal-transit/"},
  };
  auto getenv = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  // key_name and mount_path in the file lose to the environment, as in Vault.
  auto s = seal::NewTransitSealWithEnv({{"key_name", "file-key"}, {"mount_path", "other"}}, getenv);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ((*s)->KeyId(), "seal-transit/keys/env-key");
  auto st = (*s)->Init();
  ASSERT_TRUE(st) << st.error().ToString();
  auto blob = (*s)->Wrap("k", "a");
  ASSERT_TRUE(blob);
  EXPECT_EQ((*s)->Unwrap(*blob, "a")->view(), "k");
  // The address in the file wins over VAULT_ADDR.
  ClosedPort closed;
  auto s2 = seal::NewTransitSealWithEnv(
      {{"address", "http://127.0.0.1:" + std::to_string(closed.port())}}, getenv);
  ASSERT_TRUE(s2);
  auto st2 = (*s2)->Init();
  ASSERT_FALSE(st2);
  EXPECT_EQ(st2.error().kind(), ErrorKind::kUnavailable);
}

TEST(TransitSeal, PeriodicTokenIsRenewedUntilFinalize) {
  auto server = ServerProcess::Dev();
  ASSERT_TRUE(server->running()) << server->Log();
  const int port = server->port();
  const std::string& root = server->root_token();
  SetUpTransit(port, root, "transit", "renewed");
  constexpr int kPeriod = 4;
  std::string renewed = SealToken(port, root, "transit", "renewed",
                                  R"(,"period":")" + std::to_string(kPeriod) + R"(s")");
  std::string unrenewed = SealToken(port, root, "transit", "renewed",
                                    R"(,"period":")" + std::to_string(kPeriod) + R"(s")");
  ASSERT_FALSE(renewed.empty());
  ASSERT_FALSE(unrenewed.empty());

  Options base = {{"address", server->url()}, {"key_name", "renewed"}, {"mount_path", "transit"}};
  Options a = base;
  a["token"] = renewed;
  Options b = base;
  b["token"] = unrenewed;
  b["disable_renewal"] = "true";
  auto with_renewal = MakeSeal(a);
  auto without = MakeSeal(b);
  ASSERT_TRUE(with_renewal->Init());
  ASSERT_TRUE(without->Init());
  auto start = Clock::now();

  // The token without renewal expires after its period; the renewed one outlives it, and its
  // ttl is seen going back up.
  bool saw_increase = false;
  std::optional<int64_t> last;
  auto deadline = start + std::chrono::seconds(3 * kPeriod + 5);
  bool unrenewed_gone = false;
  while (Clock::now() < deadline) {
    auto ttl = TokenTtl(port, root, renewed);
    ASSERT_TRUE(ttl.has_value()) << "the renewed token expired";
    if (last && *ttl > *last) saw_increase = true;
    last = ttl;
    if (!TokenTtl(port, root, unrenewed)) unrenewed_gone = true;
    if (unrenewed_gone && saw_increase && Clock::now() - start > std::chrono::seconds(2 * kPeriod)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // poll interval
  }
  EXPECT_TRUE(unrenewed_gone) << "the token of the seal with disable_renewal did not expire";
  EXPECT_TRUE(saw_increase) << "the renewed token's ttl never went up";
  EXPECT_GT(Clock::now() - start, std::chrono::seconds(2 * kPeriod));
  // The seal still works with the renewed token, and not with the expired one.
  auto blob = with_renewal->Wrap("still alive", "");
  ASSERT_TRUE(blob) << blob.error().ToString();
  EXPECT_FALSE(without->Wrap("dead", ""));

  // Finalize stops the renewal: the token expires within a period.
  with_renewal->Finalize();
  auto gone_deadline = Clock::now() + std::chrono::seconds(kPeriod + 5);
  bool gone = false;
  while (Clock::now() < gone_deadline && !gone) {
    gone = !TokenTtl(port, root, renewed).has_value();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(gone) << "the token was still renewed after Finalize";
}

TEST(TransitSeal, ServerThatStopsIsUnavailableUntilItReturns) {
  FileServer server;
  ASSERT_TRUE(server.Start()) << server.Log();
  SetUpTransit(server.port(), server.root(), "transit", "k");
  TcpProxy proxy;
  ASSERT_TRUE(proxy.ok());
  proxy.SetTarget(server.port());

  auto seal = MakeSeal({{"address", "http://127.0.0.1:" + std::to_string(proxy.port())},
                        {"token", server.root()},
                        {"key_name", "k"},
                        {"mount_path", "transit"}});
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  auto blob = seal->Wrap("the root key", "aad");
  ASSERT_TRUE(blob) << blob.error().ToString();

  server.Stop();
  proxy.SetTarget(0);
  auto down = seal->Unwrap(*blob, "aad");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind(), ErrorKind::kUnavailable) << down.error().ToString();
  EXPECT_NE(down.error().message().find("transit seal: decrypt with transit/keys/k"),
            std::string::npos)
      << down.error().message();
  auto wdown = seal->Wrap("x", "aad");
  ASSERT_FALSE(wdown);
  EXPECT_EQ(wdown.error().kind(), ErrorKind::kUnavailable);
  EXPECT_FALSE(seal->Health());

  // Back, but sealed: still unavailable (503), then unsealed: works again.
  ASSERT_TRUE(server.Start(/*unseal=*/false)) << server.Log();
  proxy.SetTarget(server.port());
  auto sealed = seal->Unwrap(*blob, "aad");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().kind(), ErrorKind::kUnavailable) << sealed.error().ToString();
  ASSERT_TRUE(server.Unseal());
  auto back = seal->Unwrap(*blob, "aad");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->view(), "the root key");
  EXPECT_TRUE(seal->Health());

  // Nothing listening at all: connection refused, named in the message.
  ClosedPort closed;
  auto nowhere = MakeSeal({{"address", "http://127.0.0.1:" + std::to_string(closed.port())},
                           {"token", "t"},
                           {"key_name", "k"},
                           {"mount_path", "transit"}});
  auto st = nowhere->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(st.error().message().find("connection refused"), std::string::npos)
      << st.error().message();
}

TEST(TransitSeal, BadOptionsNameTheOption) {
  Options base = {{"address", "http://127.0.0.1:8200"},
                  {"token", "t"},
                  {"key_name", "k"},
                  {"mount_path", "transit"}};
  auto with = [](Options o, const std::string& k, const std::string& v) {
    if (v.empty())
      o.erase(k);
    else
      o[k] = v;
    return o;
  };
  struct Case {
    const char* name;
    Options options;
    const char* error;
  };
  std::vector<Case> cases = {
      {"no key", with(base, "key_name", ""), "\"key_name\" is required"},
      {"no mount", with(base, "mount_path", ""), "\"mount_path\" is required"},
      {"slash mount", with(base, "mount_path", "/"), "\"mount_path\" is required"},
      {"bad address", with(base, "address", "127.0.0.1:8200"), "must be an http:// or https:// URL"},
      {"bad bool", with(base, "disable_renewal", "maybe"), "disable_renewal \"maybe\""},
      {"bad skip", with(base, "tls_skip_verify", "sure"), "tls_skip_verify \"sure\""},
      {"cert without key", with(base, "tls_client_cert", "/tmp/c.pem"),
       "tls_client_cert and tls_client_key must be given together"},
      {"typo", with(base, "keyname", "k"), "unknown option \"keyname\""},
      {"key with slash", with(base, "key_name", "a/b"), "may not contain '/'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = seal::NewTransitSealWithEnv(c.options, NoEnv);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(r.error().message().find(c.error), std::string::npos) << r.error().message();
  }
  EXPECT_TRUE(seal::NewTransitSealWithEnv(with(base, "disabled", "false"), NoEnv));
}

// ---- End to end: a node whose seal is the transit key of another arca process.

bool WaitNodeSealed(int port, bool want) {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    auto r = RawHttp(port, "GET", "/v1/sys/seal-status");
    if (r.status == 200 && BoolOr(Body(r), "sealed", !want) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
  }
  return false;
}

bool WaitLogText(const ServerProcess& s, const std::string& text) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (s.Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
  }
  return false;
}

TEST(SealTransit, NodeWaitsForTheUnsealerAndUnsealsByItself) {
  FileServer unsealer;
  ASSERT_TRUE(unsealer.Start()) << unsealer.Log();
  SetUpTransit(unsealer.port(), unsealer.root(), "transit", "autounseal");
  std::string token = SealToken(unsealer.port(), unsealer.root(), "transit", "autounseal",
                                R"(,"period":"1h")");
  ASSERT_FALSE(token.empty());
  TcpProxy proxy;
  ASSERT_TRUE(proxy.ok());
  proxy.SetTarget(unsealer.port());

  TempDir dir;
  std::string cfg = dir.File("node.hcl");
  {
    std::ofstream f(cfg);
    f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
      << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
      << "seal \"transit\" {\n"
      << "  address = \"http://127.0.0.1:" << proxy.port() << "\"\n"
      << "  key_name = \"autounseal\"\n  mount_path = \"transit/\"\n}\n"
      << "disable_mlock = true\nlog_level = \"info\"\n";
  }
  // The token from the environment, as Vault recommends.
  std::map<std::string, std::string> env = {{"VAULT_TOKEN", token}};
  auto node = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                              std::chrono::seconds(30), env);
  ASSERT_TRUE(node->running()) << node->Log();
  auto init = RawHttp(node->port(), "PUT", "/v1/sys/init",
                      R"({"recovery_shares":1,"recovery_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body << node->LogTail();
  std::string root = StringOr(Body(init), "root_token");
  ASSERT_TRUE(WaitNodeSealed(node->port(), false)) << node->LogTail();
  EXPECT_EQ(StringOr(Body(RawHttp(node->port(), "GET", "/v1/sys/seal-status")), "type"), "transit");
  std::map<std::string, std::string> h = {{"X-Vault-Token", root}};
  ASSERT_EQ(RawHttp(node->port(), "POST", "/v1/sys/mounts/kv", R"({"type":"kv"})", h).status, 204);
  ASSERT_EQ(RawHttp(node->port(), "POST", "/v1/kv/x", R"({"value":"behind transit"})", h).status, 204);
  node->Stop(SIGKILL);

  // The unsealer goes away; the node starts, stays sealed and keeps trying.
  unsealer.Stop();
  proxy.SetTarget(0);
  node = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                         std::chrono::seconds(30), env);
  ASSERT_TRUE(node->running()) << node->Log();
  EXPECT_TRUE(WaitLogText(*node, "transit seal")) << node->LogTail();
  EXPECT_TRUE(BoolOr(Body(RawHttp(node->port(), "GET", "/v1/sys/seal-status")), "sealed"));
  EXPECT_EQ(RawHttp(node->port(), "GET", "/v1/kv/x", "", h).status, 503);
  auto health = Body(RawHttp(node->port(), "GET", "/v1/sys/seal-backend-status"));
  EXPECT_FALSE(BoolOr(health, "healthy", true)) << ToJson(health);
  EXPECT_FALSE(StringOr(health, "unhealthy_since").empty()) << ToJson(health);

  // The unsealer returns (restarted on a new port, unsealed); the node unseals by itself.
  ASSERT_TRUE(unsealer.Start()) << unsealer.Log();
  proxy.SetTarget(unsealer.port());
  ASSERT_TRUE(WaitNodeSealed(node->port(), false)) << node->LogTail();
  auto read = RawHttp(node->port(), "GET", "/v1/kv/x", "", h);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(StringOr(ObjectOr(Body(read), "data"), "value"), "behind transit");
  health = Body(RawHttp(node->port(), "GET", "/v1/sys/seal-backend-status"));
  EXPECT_TRUE(BoolOr(health, "healthy")) << ToJson(health);
}

}  // namespace
}  // namespace arca::testing
