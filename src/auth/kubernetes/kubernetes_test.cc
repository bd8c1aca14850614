// The kubernetes auth method through a real Core, with an in-process fake of the TokenReview
// endpoint as the HTTP client (the real HTTPS exchange with a loopback stand-in is tested in
// tests/integration/auth_kubernetes_test.cc and tests/hvac/test_auth_kubernetes.py).
#include "auth/kubernetes/kubernetes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "auth/test_util.h"
#include "common/encoding.h"
#include "crypto/jwt_testing.h"

namespace arca::auth {
namespace {

using logical::Operation;
using std::chrono::seconds;

constexpr char kHost[] = "https://k8s.test:6443";
constexpr char kReviewer[] = "reviewer-jwt-secret";
constexpr char kAud[] = "https://kubernetes.default.svc.cluster.local";

// What a Kubernetes API server answers to TokenReviews, as a function: known tokens
// authenticate for their account and audiences; the bearer token must be a known reviewer.
struct FakeApiServer {
  struct Account {
    std::string ns, name, uid;
    std::vector<std::string> aud;
  };
  std::mutex mu;
  std::set<std::string> reviewers{kReviewer};
  std::map<std::string, Account> tokens;
  std::vector<HttpFetchRequest> requests;
  bool unreachable = false;

  Result<HttpFetchResponse> Handle(const HttpFetchRequest& r) {
    std::lock_guard l(mu);
    requests.push_back(r);
    if (unreachable) return Unavailable("Post \"" + r.url + "\": connect: connection refused");
    std::string bearer;
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization" && v.starts_with("Bearer ")) bearer = v.substr(7);
    }
    if (!reviewers.contains(bearer) && !tokens.contains(bearer)) {
      return HttpFetchResponse{401, {}, R"({"kind":"Status","apiVersion":"v1","status":"Failure",
          "message":"Unauthorized","reason":"Unauthorized","code":401})"};
    }
    auto body = ParseJsonObject(r.body);
    if (!body) return HttpFetchResponse{400, {}, "{}"};
    const json::object spec = ObjectOr(*body, "spec");
    std::string token = StringOr(spec, "token");
    std::vector<std::string> want = StringsOf(spec, "audiences");
    json::object status;
    auto it = tokens.find(token);
    if (it == tokens.end()) {
      status = {{"user", json::object{}}, {"error", "[invalid bearer token]"}};
    } else {
      std::vector<std::string> got;
      if (want.empty()) {
        got = it->second.aud;
      } else {
        for (const auto& a : want) {
          if (std::find(it->second.aud.begin(), it->second.aud.end(), a) != it->second.aud.end())
            got.push_back(a);
        }
      }
      if (got.empty()) {
        status = {{"user", json::object{}},
                  {"error", "[invalid bearer token, token audiences is invalid]"}};
      } else {
        status = {{"authenticated", true},
                  {"user", json::object{{"username", "system:serviceaccount:" + it->second.ns +
                                                         ":" + it->second.name},
                                        {"uid", it->second.uid}}},
                  {"audiences", ToJsonArray(got)}};
      }
    }
    json::object out{{"apiVersion", "authentication.k8s.io/v1"},
                     {"kind", "TokenReview"},
                     {"spec", spec},
                     {"status", status}};
    return HttpFetchResponse{201, {}, json::serialize(out)};
  }
};

class Kubernetes : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_shared<FakeApiServer>();
    local_dir_ = ::testing::TempDir() + "k8s-" + std::to_string(::getpid());
    std::filesystem::create_directories(local_dir_);
    t_.core.reset();
    core::CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    auto api = api_;
    cfg.auth_methods["kubernetes"] = [this, api](const logical::BackendConfig& c) {
      KubernetesOptions o;
      o.fetch = [api](const HttpFetchRequest& r) { return api->Handle(r); };
      o.local_jwt_path = local_dir_ + "/token";
      o.local_ca_cert_path = local_dir_ + "/ca.crt";
      o.clock = [this] { return clock_.Now(); };
      return NewKubernetesBackend(c, std::move(o));
    };
    t_.core = std::make_unique<core::Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(Root(Operation::kUpdate, "sys/auth/kubernetes", {{"type", "kubernetes"}}));
  }
  void TearDown() override { std::filesystem::remove_all(local_dir_); }

  Result<logical::Response> Do(Operation op, std::string path, json::object data = {},
                               std::string token = "", std::string addr = "127.0.0.1") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    req.remote_addr = std::move(addr);
    return t_.core->HandleRequest(req);
  }
  Result<logical::Response> Root(Operation op, std::string path, json::object data = {}) {
    return Do(op, std::move(path), std::move(data), root_);
  }
  Result<logical::Response> Login(const std::string& role, const std::string& jwt,
                                  std::string addr = "127.0.0.1") {
    return Do(Operation::kUpdate, "auth/kubernetes/login", {{"role", role}, {"jwt", jwt}}, "",
              std::move(addr));
  }
  void Configure(json::object extra = {}) {
    json::object body{{"kubernetes_host", kHost}, {"token_reviewer_jwt", kReviewer}};
    for (auto& [k, v] : extra) body[k] = v;
    auto r = Root(Operation::kUpdate, "auth/kubernetes/config", body);
    ASSERT_TRUE(r) << r.error().ToString();
  }
  void MakeRole(const std::string& name, json::object extra = {}) {
    json::object body{{"bound_service_account_names", "app"},
                      {"bound_service_account_namespaces", "prod"},
                      {"token_policies", "app-read"},
                      {"token_ttl", "1h"}};
    for (auto& [k, v] : extra) body[k] = v;
    auto r = Root(Operation::kUpdate, "auth/kubernetes/role/" + name, body);
    ASSERT_TRUE(r) << r.error().ToString();
  }
  // A projected service account token, signed with signer_, known to the fake API server.
  std::string Token(const std::string& ns, const std::string& name, const std::string& uid,
                    std::vector<std::string> aud = {kAud}, bool known = true,
                    int64_t exp_in = 3600) {
    int64_t now = std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
    json::object claims{
        {"iss", "https://kubernetes.default.svc.cluster.local"},
        {"sub", "system:serviceaccount:" + ns + ":" + name},
        {"aud", ToJsonArray(aud)},
        {"iat", now},
        {"nbf", now},
        {"exp", now + exp_in},
        {"kubernetes.io",
         json::object{{"namespace", ns},
                      {"serviceaccount", json::object{{"name", name}, {"uid", uid}}}}}};
    std::string jwt = signer_.Sign(claims, "k1");
    if (known) {
      std::lock_guard l(api_->mu);
      api_->tokens[jwt] = {ns, name, uid, aud};
    }
    return jwt;
  }
  std::vector<HttpFetchRequest> Requests() {
    std::lock_guard l(api_->mu);
    return api_->requests;
  }
  std::string ReadConfigJson() {
    auto r = Root(Operation::kRead, "auth/kubernetes/config");
    return r ? json::serialize(r->data) : r.error().ToString();
  }

  std::shared_ptr<FakeApiServer> api_;
  std::string local_dir_;
  testing::FakeClock clock_;
  core::TestCore t_;
  std::string root_;
  crypto::testing::JwtTestSigner signer_{"RS256"};
};

void ExpectError(const Result<logical::Response>& r, int status, const std::string& msg) {
  ASSERT_FALSE(r) << "expected an error " << status;
  EXPECT_EQ(r.error().http_status(), status) << r.error().ToString();
  EXPECT_EQ(r.error().message(), msg) << r.error().ToString();
}

TEST_F(Kubernetes, ConfigIsStoredAndTheReviewerJwtIsNeverReadBack) {
  Configure({{"issuer", "https://issuer"}, {"disable_local_ca_jwt", true}});
  auto r = Root(Operation::kRead, "auth/kubernetes/config");
  ASSERT_TRUE(r) << r.error().ToString();
  const auto& d = r->data;
  EXPECT_EQ(d.at("kubernetes_host").as_string(), kHost);
  EXPECT_TRUE(d.at("token_reviewer_jwt_set").as_bool());
  EXPECT_FALSE(d.contains("token_reviewer_jwt"));
  EXPECT_EQ(json::serialize(r->data).find(kReviewer), std::string::npos);
  EXPECT_EQ(d.at("issuer").as_string(), "https://issuer");
  EXPECT_TRUE(d.at("disable_iss_validation").as_bool());  // Vault's default
  EXPECT_TRUE(d.at("disable_local_ca_jwt").as_bool());
  EXPECT_EQ(d.at("kubernetes_ca_cert").as_string(), "");
  EXPECT_TRUE(d.at("pem_keys").as_array().empty());

  // A write replaces the whole configuration (Vault): the reviewer JWT is gone.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", "k8s.internal:6443"}, {"pem_keys", signer_.PublicPem()}}));
  r = Root(Operation::kRead, "auth/kubernetes/config");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->data.at("token_reviewer_jwt_set").as_bool());
  EXPECT_EQ(r->data.at("pem_keys").as_array().size(), 1u);
}

TEST_F(Kubernetes, ConfigBadInputIsRefusedAndChangesNothing) {
  ExpectError(Root(Operation::kRead, "auth/kubernetes/config"), 404, "");
  Configure();
  const std::string before = ReadConfigJson();
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/config", {{"token_reviewer_jwt", "x"}}),
              400, "no host provided");
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", kHost}, {"kubernetes_ca_cert", "not a certificate"}}),
              400, "The provided CA PEM data contains no valid certificates");
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", kHost},
                    {"kubernetes_ca_cert",
                     "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}}),
              400, "The provided CA PEM data contains no valid certificates");
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", kHost}, {"pem_keys", "garbage"}}),
              400, "data does not contain any valid RSA or ECDSA public keys");
  for (const char* host : {"ftp://k8s", "https://", "https://user@k8s", "k8s host", "k8s?x=1"}) {
    auto r = Root(Operation::kUpdate, "auth/kubernetes/config", {{"kubernetes_host", host}});
    ASSERT_FALSE(r) << host;
    EXPECT_EQ(r.error().http_status(), 400) << host;
  }
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", kHost}, {"disable_local_ca_jwt", "maybe"}}),
              400,
              "error converting input for field \"disable_local_ca_jwt\": cannot parse \"maybe\" "
              "as a boolean");
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", kHost}, {"use_annotations_as_alias_metadata", true}}),
              400, "use_annotations_as_alias_metadata is not supported");
  EXPECT_EQ(ReadConfigJson(), before);
  ExpectError(Root(Operation::kDelete, "auth/kubernetes/config"), 405, "unsupported operation");
}

TEST_F(Kubernetes, RoleCrudListAndWarnings) {
  auto w = Root(Operation::kUpdate, "auth/kubernetes/role/Web",
                {{"bound_service_account_names", "web,api-*"},
                 {"bound_service_account_namespaces", json::array{"prod", "stage-*"}},
                 {"policies", "web"},
                 {"ttl", "30m"}});
  ASSERT_TRUE(w) << w.error().ToString();
  ASSERT_EQ(w->warnings.size(), 1u);
  EXPECT_NE(w->warnings[0].find("does not have an audience configured"), std::string::npos);
  MakeRole("batch", {{"audience", "vault"}, {"alias_name_source", "serviceaccount_name"}});

  auto r = Root(Operation::kRead, "auth/kubernetes/role/web");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(json::serialize(r->data.at("bound_service_account_names")), R"(["web","api-*"])");
  EXPECT_EQ(json::serialize(r->data.at("bound_service_account_namespaces")),
            R"(["prod","stage-*"])");
  EXPECT_EQ(json::serialize(r->data.at("token_policies")), R"(["web"])");
  EXPECT_EQ(r->data.at("token_ttl").as_int64(), 1800);
  EXPECT_EQ(r->data.at("alias_name_source").as_string(), "serviceaccount_uid");
  EXPECT_FALSE(r->data.contains("audience"));
  r = Root(Operation::kRead, "auth/kubernetes/role/batch");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.at("audience").as_string(), "vault");
  EXPECT_EQ(r->data.at("alias_name_source").as_string(), "serviceaccount_name");

  // An update changes only what it names.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/kubernetes/role/web", {{"token_ttl", "2h"}}));
  r = Root(Operation::kRead, "auth/kubernetes/role/web");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.at("token_ttl").as_int64(), 7200);
  EXPECT_EQ(json::serialize(r->data.at("bound_service_account_names")), R"(["web","api-*"])");

  auto l = Root(Operation::kList, "auth/kubernetes/role");
  ASSERT_TRUE(l);
  EXPECT_EQ(json::serialize(l->data.at("keys")), R"(["batch","web"])");
  ASSERT_TRUE(Root(Operation::kDelete, "auth/kubernetes/role/web"));
  ExpectError(Root(Operation::kRead, "auth/kubernetes/role/web"), 404, "");
}

TEST_F(Kubernetes, RoleBadInputIsRefusedAndChangesNothing) {
  MakeRole("app");
  auto before = Root(Operation::kRead, "auth/kubernetes/role/app");
  ASSERT_TRUE(before);
  struct Case {
    json::object body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"bound_service_account_names", ""}}, "\"bound_service_account_names\" can not be empty"},
      {{{"bound_service_account_names", "*,app"}}, "can not mix \"*\" with values"},
      {{{"bound_service_account_namespaces", ""}},
       "\"bound_service_account_namespaces\" can not be empty if "
       "\"bound_service_account_namespace_selector\" is not set"},
      {{{"bound_service_account_namespaces", "prod,*"}}, "can not mix \"*\" with values"},
      {{{"alias_name_source", "pod_name"}},
       "invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name"},
      {{{"bound_service_account_namespace_selector", R"({"matchLabels":{"a":"b"}})"}},
       "bound_service_account_namespace_selector is not supported"},
      {{{"token_type", "bogus"}}, ""},
      {{{"token_ttl", "2h"}, {"token_max_ttl", "1h"}}, ""},
      {{{"token_bound_cidrs", "not-a-cidr"}}, ""},
  };
  for (const auto& c : cases) {
    auto r = Root(Operation::kUpdate, "auth/kubernetes/role/app", c.body);
    ASSERT_FALSE(r) << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), 400) << json::serialize(c.body);
    if (!c.message.empty()) {
      EXPECT_EQ(r.error().message(), c.message);
    }
  }
  // A new role needs both lists.
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/role/new",
                   {{"bound_service_account_namespaces", "prod"}}),
              400, "\"bound_service_account_names\" can not be empty");
  ExpectError(Root(Operation::kUpdate, "auth/kubernetes/role/new",
                   {{"bound_service_account_names", "app"}}),
              400,
              "\"bound_service_account_namespaces\" can not be empty if "
              "\"bound_service_account_namespace_selector\" is not set");
  ExpectError(Root(Operation::kRead, "auth/kubernetes/role/new"), 404, "");
  auto after = Root(Operation::kRead, "auth/kubernetes/role/app");
  ASSERT_TRUE(after);
  EXPECT_EQ(json::serialize(after->data), json::serialize(before->data));
}

TEST_F(Kubernetes, LoginReviewsTheTokenAndReturnsVaultsAuthBlock) {
  Configure();
  MakeRole("app");
  const std::string jwt = Token("prod", "app", "uid-1");
  auto r = Login("app", jwt);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  const auto& a = *r->auth;
  EXPECT_FALSE(a.client_token.empty());
  EXPECT_EQ(a.policies, (std::vector<std::string>{"app-read", "default"}));
  EXPECT_EQ(a.lease_duration.count(), 3600);
  EXPECT_EQ(a.metadata, (std::map<std::string, std::string>{{"role", "app"},
                                                            {"service_account_name", "app"},
                                                            {"service_account_namespace", "prod"},
                                                            {"service_account_uid", "uid-1"},
                                                            {"service_account_secret_name", ""}}));
  EXPECT_FALSE(a.entity_id.empty());

  // The TokenReview the API server got: the reviewer JWT as bearer, the client's JWT as the
  // token, the token's own audiences (the role has none).
  auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, std::string(kHost) + "/apis/authentication.k8s.io/v1/tokenreviews");
  bool bearer_ok = false;
  for (const auto& [k, v] : reqs[0].headers) {
    if (k == "Authorization") bearer_ok = v == std::string("Bearer ") + kReviewer;
  }
  EXPECT_TRUE(bearer_ok);
  auto body = ParseJsonObject(reqs[0].body);
  ASSERT_TRUE(body);
  EXPECT_EQ(StringOr(*body, "kind"), "TokenReview");
  EXPECT_EQ(StringOr(*body, "apiVersion"), "authentication.k8s.io/v1");
  EXPECT_EQ(StringOr(ObjectOr(*body, "spec"), "token"), jwt);
  EXPECT_EQ(StringsOf(ObjectOr(*body, "spec"), "audiences"), std::vector<std::string>{kAud});

  // The token's display name and path, as Vault's.
  auto self = Do(Operation::kRead, "auth/token/lookup-self", {}, a.client_token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data.at("display_name").as_string(), "kubernetes-prod-app");
  EXPECT_EQ(self->data.at("path").as_string(), "auth/kubernetes/login");

  // The same service account logs in to the same entity (alias = its uid).
  auto again = Login("app", Token("prod", "app", "uid-1"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->auth->entity_id, a.entity_id);
  auto alias = Root(Operation::kRead, "identity/entity/id/" + a.entity_id);
  ASSERT_TRUE(alias) << alias.error().ToString();
  const std::string dump = json::serialize(alias->data);
  EXPECT_NE(dump.find(R"("name":"uid-1")"), std::string::npos) << dump;
}

TEST_F(Kubernetes, NamesAndNamespacesAreBoundWithGlobs) {
  Configure();
  MakeRole("app", {{"bound_service_account_names", "web-*,api"},
                   {"bound_service_account_namespaces", "team-*"}});
  EXPECT_TRUE(Login("app", Token("team-a", "web-1", "u1")));
  EXPECT_TRUE(Login("app", Token("team-b", "api", "u2")));
  ExpectError(Login("app", Token("team-a", "worker", "u3")), 403,
              "service account name not authorized");
  ExpectError(Login("app", Token("prod", "api", "u4")), 403, "namespace not authorized");
  const size_t reviews = Requests().size();
  EXPECT_EQ(reviews, 2u);  // refused ones are refused before any review

  MakeRole("any",
           {{"bound_service_account_names", "*"}, {"bound_service_account_namespaces", "*"}});
  EXPECT_TRUE(Login("any", Token("x", "y", "u5")));
}

TEST_F(Kubernetes, TheApiServerDecides) {
  Configure();
  MakeRole("app");
  // Not known to the API server (a deleted service account, a forged token).
  ExpectError(Login("app", Token("prod", "app", "uid-1", {kAud}, /*known=*/false)), 403,
              "permission denied");
  // The API server knows the token for another account than its claims say.
  std::string jwt = Token("prod", "app", "uid-1");
  {
    std::lock_guard l(api_->mu);
    api_->tokens[jwt].uid = "uid-other";
  }
  ExpectError(Login("app", jwt), 403, "permission denied");
  {
    std::lock_guard l(api_->mu);
    api_->tokens[jwt] = {"prod", "app", "uid-1", {kAud}};
    api_->tokens[jwt].name = "other";
  }
  ExpectError(Login("app", jwt), 403, "permission denied");
  // The reviewer JWT is refused (401).
  {
    std::lock_guard l(api_->mu);
    api_->reviewers.clear();
  }
  ExpectError(Login("app", Token("prod", "app", "uid-1")), 403, "permission denied");
  {
    std::lock_guard l(api_->mu);
    api_->reviewers.insert(kReviewer);
    api_->unreachable = true;
  }
  ExpectError(Login("app", Token("prod", "app", "uid-1")), 403, "permission denied");
}

TEST_F(Kubernetes, AudienceOfTheRoleIsCheckedAndAskedFor) {
  Configure();
  MakeRole("app", {{"audience", "vault"}});
  ExpectError(Login("app", Token("prod", "app", "u1")), 403,
              "invalid audience (aud) claim: audience claim does not match any expected "
              "audience");
  EXPECT_TRUE(Requests().empty());
  auto r = Login("app", Token("prod", "app", "u1", {"vault", "other"}));
  ASSERT_TRUE(r) << r.error().ToString();
  auto body = ParseJsonObject(Requests().back().body);
  ASSERT_TRUE(body);
  EXPECT_EQ(StringsOf(ObjectOr(*body, "spec"), "audiences"), std::vector<std::string>{"vault"});
}

TEST_F(Kubernetes, LoginBadInput) {
  Configure();
  MakeRole("app", {{"token_bound_cidrs", "10.0.0.0/8"}});
  ExpectError(Do(Operation::kUpdate, "auth/kubernetes/login", {{"jwt", "x"}}), 400, "missing role");
  ExpectError(Do(Operation::kUpdate, "auth/kubernetes/login", {{"role", "app"}}), 400,
              "missing jwt");
  ExpectError(Login("nope", "x"), 400, "invalid role name \"nope\"");
  ExpectError(Login("app", Token("prod", "app", "u1")), 403, "permission denied");  // CIDR
  EXPECT_TRUE(Login("app", Token("prod", "app", "u1"), "10.1.2.3"));
  for (const char* bad : {"not-a-jwt", "a.b.c", "e30.e30."}) {
    auto r = Login("app", bad, "10.1.2.3");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().http_status(), 403) << bad << " " << r.error().ToString();
  }
  // alg=none is refused before anything else.
  std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." +
                     Base64UrlEncode(R"({"kubernetes.io":{"namespace":"prod"}})") + ".";
  ExpectError(Login("app", none, "10.1.2.3"), 403, "unsupported signing algorithm \"none\"");
  // Expired.
  auto expired = Login("app", Token("prod", "app", "u1", {kAud}, true, -3600), "10.1.2.3");
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().http_status(), 403);
  EXPECT_EQ(Do(Operation::kRead, "auth/kubernetes/login").error().http_status(), 405);
}

TEST_F(Kubernetes, UnconfiguredMountRefusesLogins) {
  MakeRole("app");
  ExpectError(Login("app", Token("prod", "app", "u1")), 500,
              "could not load backend configuration");
}

TEST_F(Kubernetes, PemKeysVerifyTheSignatureLocally) {
  Configure({{"pem_keys", json::array{signer_.PublicPem()}}});
  MakeRole("app");
  EXPECT_TRUE(Login("app", Token("prod", "app", "u1")));
  // Signed by another key: refused without asking the API server, even though it knows it.
  crypto::testing::JwtTestSigner other("RS256");
  std::swap(signer_, other);
  std::string forged = Token("prod", "app", "u1");
  std::swap(signer_, other);
  const size_t before = Requests().size();
  ExpectError(Login("app", forged), 403, "permission denied");
  EXPECT_EQ(Requests().size(), before);
}

TEST_F(Kubernetes, AliasNameSourceServiceAccountName) {
  Configure();
  MakeRole("app", {{"alias_name_source", "serviceaccount_name"}});
  auto r = Login("app", Token("prod", "app", "uid-9"));
  ASSERT_TRUE(r) << r.error().ToString();
  auto e = Root(Operation::kRead, "identity/entity/id/" + r->auth->entity_id);
  ASSERT_TRUE(e) << e.error().ToString();
  const std::string dump = json::serialize(e->data);
  EXPECT_NE(dump.find(R"("name":"prod/app")"), std::string::npos) << dump;
}

TEST_F(Kubernetes, LegacySecretTokensAreUnderstood) {
  Configure();
  MakeRole("app");
  json::object claims{{"iss", "kubernetes/serviceaccount"},
                      {"sub", "system:serviceaccount:prod:app"},
                      {"kubernetes.io/serviceaccount/namespace", "prod"},
                      {"kubernetes.io/serviceaccount/secret.name", "app-token-x1"},
                      {"kubernetes.io/serviceaccount/service-account.name", "app"},
                      {"kubernetes.io/serviceaccount/service-account.uid", "uid-l"}};
  std::string jwt = signer_.Sign(claims);
  {
    std::lock_guard l(api_->mu);
    api_->tokens[jwt] = {"prod", "app", "uid-l", {kAud}};
  }
  auto r = Login("app", jwt);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->metadata.at("service_account_secret_name"), "app-token-x1");
  auto body = ParseJsonObject(Requests().back().body);
  ASSERT_TRUE(body);
  EXPECT_FALSE(ObjectOr(*body, "spec").contains("audiences"));  // none in the token
}

TEST_F(Kubernetes, WithoutReviewerJwtThePodsOwnOrTheClientsTokenReviews) {
  Configure({{"token_reviewer_jwt", ""}});
  MakeRole("app");
  auto bearer_of_last = [&] {
    auto reqs = Requests();
    for (const auto& [k, v] : reqs.back().headers) {
      if (k == "Authorization") return v.substr(7);
    }
    return std::string();
  };
  // No local token file: the client's JWT is the bearer (it may review itself in Kubernetes
  // when bound to system:auth-delegator).
  std::string jwt = Token("prod", "app", "u1");
  ASSERT_TRUE(Login("app", jwt));
  EXPECT_EQ(bearer_of_last(), jwt);
  // In a pod: its own token file.
  {
    std::ofstream f(local_dir_ + "/token");
    f << kReviewer << "\n";
  }
  ASSERT_TRUE(Login("app", Token("prod", "app", "u1")));
  EXPECT_EQ(bearer_of_last(), kReviewer);
  EXPECT_EQ(Requests().back().ca_pem, "");  // no local CA file: the system roots
  // The pod's CA file verifies the API server when the config names no CA.
  const std::string ca_text = "-----BEGIN CERTIFICATE-----\nlocal\n-----END CERTIFICATE-----\n";
  {
    std::ofstream f(local_dir_ + "/ca.crt");
    f << ca_text;
  }
  ASSERT_TRUE(Login("app", Token("prod", "app", "u1")));
  EXPECT_EQ(Requests().back().ca_pem, ca_text);
  // ... unless disable_local_ca_jwt.
  Configure({{"token_reviewer_jwt", ""}, {"disable_local_ca_jwt", true}});
  jwt = Token("prod", "app", "u1");
  ASSERT_TRUE(Login("app", jwt));
  EXPECT_EQ(bearer_of_last(), jwt);
  EXPECT_EQ(Requests().back().ca_pem, "");
}

TEST_F(Kubernetes, BareHostMeansHttps) {
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/kubernetes/config",
                   {{"kubernetes_host", "10.0.0.1:6443/"}, {"token_reviewer_jwt", kReviewer}}));
  MakeRole("app");
  ASSERT_TRUE(Login("app", Token("prod", "app", "u1")));
  EXPECT_EQ(Requests().back().url,
            "https://10.0.0.1:6443/apis/authentication.k8s.io/v1/tokenreviews");
}

TEST_F(Kubernetes, IssuerIsCheckedWhenAskedFor) {
  Configure({{"issuer", "https://other-issuer"}});  // disable_iss_validation defaults to true
  MakeRole("app");
  EXPECT_TRUE(Login("app", Token("prod", "app", "u1")));
  Configure({{"issuer", "https://other-issuer"}, {"disable_iss_validation", false}});
  auto r = Login("app", Token("prod", "app", "u1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 403);
  Configure({{"issuer", "https://kubernetes.default.svc.cluster.local"},
             {"disable_iss_validation", false}});
  EXPECT_TRUE(Login("app", Token("prod", "app", "u1")));
}

}  // namespace
}  // namespace arca::auth
