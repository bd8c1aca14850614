// jwt/oidc auth through a real Core: config and roles (with their bad input), JWT logins with
// PEM keys and a JWKS URL, refused tokens (alg=none, key confusion, expiry, audience, bound
// claims), and the OIDC authorization code flow against an in-process provider fake (the HTTP
// fetcher is a function; the real loopback stand-in is in tests/services/oidc_standin.py).
#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/test_util.h"
#include "common/duration.h"
#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/hmac.h"
#include "crypto/jwt_testing.h"

namespace arca::auth {
namespace {

using crypto::testing::JwtTestSigner;
using logical::Operation;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> Query(std::string_view url_or_body) {
  std::map<std::string, std::string> out;
  size_t q = url_or_body.find('?');
  std::string_view s = q == std::string_view::npos ? url_or_body : url_or_body.substr(q + 1);
  while (!s.empty()) {
    size_t amp = s.find('&');
    std::string_view kv = s.substr(0, amp);
    size_t eq = kv.find('=');
    out[PercentDecode(kv.substr(0, eq))] =
        eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    s = s.substr(amp + 1);
  }
  return out;
}

// An OIDC provider and JWKS host behind the HttpFetcher interface.
struct FakeIdp {
  std::string issuer = "https://idp.test";
  std::unique_ptr<JwtTestSigner> signer = std::make_unique<JwtTestSigner>("RS256");
  json::object user_claims{
      {"sub", "user-1"}, {"email", "alice@example.com"}, {"groups", json::array{"eng", "ops"}}};
  struct Grant {
    std::string nonce, challenge, redirect_uri;
  };
  std::map<std::string, Grant> codes;
  int jwks_fetches = 0;
  std::string nonce_override;  // a wrong nonce in the next id_token

  Result<HttpFetchResponse> Handle(const HttpFetchRequest& r) {
    if (r.url == issuer + "/.well-known/openid-configuration") {
      json::object d{{"issuer", issuer},
                     {"authorization_endpoint", issuer + "/authorize"},
                     {"token_endpoint", issuer + "/token"},
                     {"jwks_uri", issuer + "/jwks"}};
      return HttpFetchResponse{200, {}, json::serialize(d)};
    }
    if (r.url == issuer + "/jwks") {
      ++jwks_fetches;
      json::object d{{"keys", json::array{signer->PublicJwk("k1")}}};
      return HttpFetchResponse{200, {}, json::serialize(d)};
    }
    if (r.url == issuer + "/token" && r.method == "POST") {
      bool basic = false;
      for (const auto& [k, v] : r.headers) {
        if (k == "Authorization" && v == "Basic " + Base64Encode("client-1:s3cret")) basic = true;
      }
      auto form = Query(r.body);
      auto it = codes.find(form["code"]);
      if (!basic || it == codes.end() || form["grant_type"] != "authorization_code" ||
          form["redirect_uri"] != it->second.redirect_uri ||
          Base64UrlEncode(crypto::Sha256(form["code_verifier"])) != it->second.challenge) {
        return HttpFetchResponse{400, {}, R"({"error":"invalid_grant"})"};
      }
      json::object c = user_claims;
      c["iss"] = issuer;
      c["aud"] = "client-1";
      c["iat"] = 1'700'000'000;
      c["exp"] = 1'700'000'000 + 300;
      c["nonce"] = nonce_override.empty() ? it->second.nonce : nonce_override;
      codes.erase(it);
      return HttpFetchResponse{200,
                               {},
                               json::serialize(json::object{{"access_token", "at"},
                                                            {"id_token", signer->Sign(c, "k1")}})};
    }
    return std::unexpected(Error(ErrorKind::kUnavailable, "no route to " + r.url));
  }
  // The browser step: the user approves; returns the redirect's query (code, state).
  std::map<std::string, std::string> Authorize(const std::string& auth_url) {
    auto q = Query(auth_url);
    std::string code = "code-" + std::to_string(codes.size() + 1);
    codes[code] = Grant{q["nonce"], q["code_challenge"], q["redirect_uri"]};
    return {{"code", code}, {"state", q["state"]}};
  }
};

class Jwt : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    core::CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    for (const char* type : {"jwt", "oidc"}) {
      cfg.auth_methods[type] = [this, type](const logical::BackendConfig& c) {
        return NewJwtBackend(
            c, JwtOptions{.type = type,
                          .http = [this](const HttpFetchRequest& r) { return idp_.Handle(r); },
                          .clock = [this] { return clock_.Now(); }});
      };
    }
    t_.core = std::make_unique<core::Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_TRUE(Root(Operation::kUpdate, "sys/auth/jwt", {{"type", "jwt"}}));
    ASSERT_TRUE(Root(Operation::kUpdate, "sys/auth/oidc", {{"type", "oidc"}}));
  }
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
  static void ExpectError(const Result<logical::Response>& r, int status, std::string_view msg) {
    ASSERT_FALSE(r) << "expected an error: " << msg;
    EXPECT_EQ(r.error().http_status(), status) << r.error().ToString();
    EXPECT_EQ(r.error().message(), msg);
  }
  json::object Claims(int64_t exp_offset = 300) {
    return json::object{{"iss", "https://issuer.example"},
                        {"sub", "svc-1"},
                        {"aud", "arca"},
                        {"iat", 1'700'000'000},
                        {"exp", 1'700'000'000 + exp_offset},
                        {"project", "alpha"},
                        {"env", "prod-eu"},
                        {"team", "payments"},
                        {"groups", json::array{"eng", "admins"}}};
  }
  void ConfigurePubkey() {
    ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/config",
                     {{"jwt_validation_pubkeys", json::array{key_.PublicPem()}},
                      {"bound_issuer", "https://issuer.example"}}));
    auto r = Root(Operation::kUpdate, "auth/jwt/role/ci",
                  {{"role_type", "jwt"},
                   {"user_claim", "sub"},
                   {"bound_audiences", "arca"},
                   {"bound_claims", json::object{{"project", json::array{"alpha", "beta"}}}},
                   {"claim_mappings", json::object{{"team", "team_name"}}},
                   {"groups_claim", "groups"},
                   {"token_policies", "ci"},
                   {"token_ttl", "10m"}});
    ASSERT_TRUE(r) << r.error().ToString();
  }
  Result<logical::Response> Login(const std::string& jwt, const std::string& role = "ci",
                                  std::string addr = "127.0.0.1") {
    return Do(Operation::kUpdate, "auth/jwt/login", {{"role", role}, {"jwt", jwt}}, "", addr);
  }

  testing::FakeClock clock_;
  FakeIdp idp_;
  JwtTestSigner key_{"ES256"};
  core::TestCore t_;
  std::string root_;
};

TEST_F(Jwt, LoginWithPemKey) {
  ConfigurePubkey();
  auto r = Login(key_.Sign(Claims()));
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  EXPECT_EQ(r->auth->policies, (std::vector<std::string>{"ci", "default"}));
  EXPECT_EQ(r->auth->lease_duration.count(), 600);
  EXPECT_EQ(r->auth->metadata.at("role"), "ci");
  EXPECT_EQ(r->auth->metadata.at("team_name"), "payments");
  EXPECT_FALSE(r->auth->entity_id.empty());
  auto self = Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data.at("display_name").as_string(), "jwt-svc-1");
  // The entity alias carries the claim mappings.
  auto ent = Root(Operation::kRead, "identity/entity/id/" + r->auth->entity_id);
  ASSERT_TRUE(ent) << ent.error().ToString();
  const auto& aliases = ent->data.at("aliases").as_array();
  ASSERT_EQ(aliases.size(), 1u);
  EXPECT_EQ(aliases[0].as_object().at("name").as_string(), "svc-1");
  EXPECT_EQ(aliases[0].as_object().at("metadata").as_object().at("team_name").as_string(),
            "payments");
  // A second login maps to the same entity.
  auto again = Login(key_.Sign(Claims()));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->auth->entity_id, r->auth->entity_id);
}

TEST_F(Jwt, GroupsClaimBecomesGroupAliases) {
  ConfigurePubkey();
  auto r = Login(key_.Sign(Claims()));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->group_aliases, (std::vector<std::string>{"eng", "admins"}));
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"groups_claim", "missing"}}));
  ExpectError(Login(key_.Sign(Claims())), 400,
              "failed to fetch groups: \"missing\" claim not found in token");
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"groups_claim", "project"}}));
  EXPECT_TRUE(Login(key_.Sign(Claims())));  // one string is a list of one
  json::object c = Claims();
  c["groups"] = json::array{"eng", 5};
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"groups_claim", "groups"}}));
  ExpectError(Login(key_.Sign(c)), 400, "value 5 in groups claim could not be parsed as string");
}

TEST_F(Jwt, GroupsClaimFeedsExternalGroupPolicies) {
  ConfigurePubkey();
  auto mounts = Root(Operation::kRead, "sys/auth");
  ASSERT_TRUE(mounts);
  auto d = core::ParseRaw(*mounts);
  const json::value* m = d.if_contains("jwt/");
  if (m == nullptr) m = mounts->data.if_contains("jwt/");
  ASSERT_NE(m, nullptr);
  std::string accessor(m->as_object().at("accessor").as_string());
  auto g = Root(Operation::kUpdate, "identity/group",
                {{"name", "eng-team"}, {"type", "external"}, {"policies", "eng-policy"}});
  ASSERT_TRUE(g) << g.error().ToString();
  std::string group_id(g->data.at("id").as_string());
  auto ga = Root(Operation::kUpdate, "identity/group-alias",
                 {{"name", "eng"}, {"mount_accessor", accessor}, {"canonical_id", group_id}});
  ASSERT_TRUE(ga) << ga.error().ToString();
  auto r = Login(key_.Sign(Claims()));  // groups: eng, admins
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->identity_policies, (std::vector<std::string>{"eng-policy"}));
  auto lookup = Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token);
  ASSERT_TRUE(lookup);
  EXPECT_EQ(json::serialize(lookup->data.at("identity_policies")), R"(["eng-policy"])");
  // Out of the group in the next token: membership follows the claim.
  json::object c = Claims();
  c["groups"] = json::array{"admins"};
  r = Login(key_.Sign(c));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->auth->identity_policies.empty());
}

TEST_F(Jwt, RefusedTokens) {
  ConfigurePubkey();
  // alg=none.
  std::string none =
      Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(json::serialize(Claims())) + ".";
  ExpectError(Login(none), 400,
              "error validating token: token signed with unsupported algorithm \"none\"");
  // HS256 keyed with the public key's PEM (key confusion).
  std::string pem = key_.PublicPem();
  std::string input =
      Base64UrlEncode(R"({"alg":"HS256"})") + "." + Base64UrlEncode(json::serialize(Claims()));
  auto mac = crypto::Hmac(crypto::HashAlgorithm::kSha256,
                          {reinterpret_cast<const uint8_t*>(pem.data()), pem.size()}, input);
  ASSERT_TRUE(mac);
  ExpectError(Login(input + "." + Base64UrlEncode(*mac)), 400,
              "error validating token: token signed with unsupported algorithm \"HS256\"");
  // Signed by another key.
  JwtTestSigner other("ES256");
  ExpectError(Login(other.Sign(Claims())), 400,
              "error validating token: failed to verify signature");
  // Expired beyond the leeway (150 + 60 s).
  ExpectError(Login(key_.Sign(Claims(-300))), 400,
              "error validating token: token is expired (exp)");
  // Within the leeway it passes; with no leeway it does not.
  EXPECT_TRUE(Login(key_.Sign(Claims(-100))));
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci",
                   {{"expiration_leeway", -1}, {"clock_skew_leeway", -1}}));
  ExpectError(Login(key_.Sign(Claims(-100))), 400,
              "error validating token: token is expired (exp)");
  // Wrong issuer.
  json::object c = Claims();
  c["iss"] = "https://evil.example";
  ExpectError(Login(key_.Sign(c)), 400, "error validating token: invalid issuer (iss) claim");
  // Wrong audience; an audience while the role binds none.
  c = Claims();
  c["aud"] = "vault";
  ExpectError(Login(key_.Sign(c)), 400,
              "error validating token: invalid audience (aud) claim: audience claim does not match "
              "any expected audience");
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"bound_audiences", ""}}));
  ExpectError(Login(key_.Sign(Claims())), 400,
              "audience claim found in JWT but no audiences bound to the role");
  // Garbage.
  ExpectError(Login("not.a.jwt"), 400,
              "error validating token: malformed token: invalid base64url");
}

TEST_F(Jwt, BoundClaimsAndSubject) {
  ConfigurePubkey();
  json::object c = Claims();
  c["project"] = "gamma";
  ExpectError(Login(key_.Sign(c)), 400,
              "error validating claims: claim \"project\" does not match any associated bound "
              "claim values");
  c.erase("project");
  ExpectError(Login(key_.Sign(c)), 400, "error validating claims: claim \"project\" is missing");
  // Globs, and a nested claim by JSON pointer.
  ASSERT_TRUE(
      Root(Operation::kUpdate, "auth/jwt/role/ci",
           {{"bound_claims_type", "glob"},
            {"bound_claims", json::object{{"env", "prod-*"}, {"/ci/ref", "refs/heads/*"}}}}));
  c = Claims();
  c["ci"] = json::object{{"ref", "refs/heads/main"}};
  EXPECT_TRUE(Login(key_.Sign(c)));
  c["env"] = "dev-eu";
  EXPECT_FALSE(Login(key_.Sign(c)));
  // Without globs, "prod-*" is a literal.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"bound_claims_type", "string"}}));
  c = Claims();
  c["ci"] = json::object{{"ref", "refs/heads/main"}};
  EXPECT_FALSE(Login(key_.Sign(c)));
  // bound_subject.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci",
                   {{"bound_claims", json::object{}}, {"bound_subject", "svc-2"}}));
  ExpectError(Login(key_.Sign(Claims())), 400,
              "error validating token: invalid subject (sub) claim");
  // user_claim missing / not a string.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci",
                   {{"bound_subject", ""}, {"user_claim", "email"}}));
  ExpectError(Login(key_.Sign(Claims())), 400, "claim \"email\" not found in token");
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"user_claim", "groups"}}));
  ExpectError(Login(key_.Sign(Claims())), 400, "claim \"groups\" could not be converted to string");
}

TEST_F(Jwt, LoginBadInput) {
  ConfigurePubkey();
  ExpectError(Do(Operation::kUpdate, "auth/jwt/login", {{"jwt", "x"}}), 400, "missing role");
  ExpectError(Login("x", "nope"), 400, "role \"nope\" could not be found");
  ExpectError(Login(""), 400, "missing token");
  ASSERT_TRUE(Root(
      Operation::kUpdate, "auth/jwt/role/web",
      {{"user_claim", "sub"}, {"allowed_redirect_uris", "http://localhost:8250/oidc/callback"}}));
  ExpectError(Login(key_.Sign(Claims()), "web"), 400, "role with oidc role_type is not allowed");
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci", {{"token_bound_cidrs", "10.0.0.0/8"}}));
  auto r = Login(key_.Sign(Claims()), "ci", "192.168.1.1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 403);
  EXPECT_TRUE(Login(key_.Sign(Claims()), "ci", "10.1.2.3"));
  // default_role.
  ASSERT_TRUE(
      Root(Operation::kUpdate, "auth/jwt/config",
           {{"jwt_validation_pubkeys", json::array{key_.PublicPem()}}, {"default_role", "ci"}}));
  EXPECT_TRUE(
      Do(Operation::kUpdate, "auth/jwt/login", {{"jwt", key_.Sign(Claims())}}, "", "10.0.0.1"));
  // No config at all on the other mount.
  ExpectError(Do(Operation::kUpdate, "auth/oidc/login", {{"role", "x"}, {"jwt", "y"}}), 400,
              "could not load configuration");
  // Login only takes writes.
  auto get = Do(Operation::kRead, "auth/jwt/login");
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().http_status(), 405);
}

TEST_F(Jwt, ConfigValidationAndRead) {
  ExpectError(
      Root(Operation::kUpdate, "auth/jwt/config", {{"bound_issuer", "x"}}), 400,
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
  ExpectError(
      Root(Operation::kUpdate, "auth/jwt/config",
           {{"jwks_url", idp_.issuer + "/jwks"}, {"jwt_validation_pubkeys", key_.PublicPem()}}),
      400,
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
  ExpectError(Root(Operation::kUpdate, "auth/jwt/config",
                   {{"oidc_discovery_url", idp_.issuer}, {"oidc_client_id", "c"}}),
              400, "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  ExpectError(Root(Operation::kUpdate, "auth/jwt/config",
                   {{"jwks_url", idp_.issuer + "/jwks"},
                    {"oidc_client_id", "c"},
                    {"oidc_client_secret", "s"}}),
              400, "'oidc_discovery_url' must be set for OIDC");
  ExpectError(Root(Operation::kUpdate, "auth/jwt/config",
                   {{"jwt_validation_pubkeys", key_.PublicPem()}, {"jwt_supported_algs", "HS256"}}),
              400, "invalid jwt_supported_algs: unsupported signing algorithm \"HS256\"");
  ExpectError(
      Root(Operation::kUpdate, "auth/jwt/config",
           {{"jwt_validation_pubkeys",
             json::array{"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}}}),
      400,
      "error parsing public key: error parsing public key: not a PEM public key or certificate");
  ExpectError(Root(Operation::kUpdate, "auth/jwt/config",
                   {{"oidc_discovery_url", idp_.issuer + "/.well-known/openid-configuration"}}),
              400, "'oidc_discovery_url' contains '.well-known' component");
  ExpectError(
      Root(Operation::kUpdate, "auth/jwt/config", {{"jwks_url", "https://nowhere.test/jwks"}}), 400,
      "error checking jwks URL: fetching \"https://nowhere.test/jwks\": no route to "
      "https://nowhere.test/jwks");
  // Nothing was stored by the failures.
  auto none = Root(Operation::kRead, "auth/jwt/config");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().http_status(), 404);
  // A good OIDC config; the secret is never read back.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/config",
                   {{"oidc_discovery_url", idp_.issuer},
                    {"oidc_client_id", "client-1"},
                    {"oidc_client_secret", "s3cret"},
                    {"default_role", "Web"}}));
  auto r = Root(Operation::kRead, "auth/jwt/config");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("oidc_client_id").as_string(), "client-1");
  EXPECT_FALSE(r->data.contains("oidc_client_secret"));
  EXPECT_EQ(r->data.at("default_role").as_string(), "web");
  EXPECT_EQ(r->data.at("status").as_string(), "valid");
  EXPECT_EQ(json::serialize(r->data).find("s3cret"), std::string::npos);
}

TEST_F(Jwt, RoleValidationReadListDelete) {
  auto role = [&](json::object d) {
    return Root(Operation::kUpdate, "auth/jwt/role/r1", std::move(d));
  };
  ExpectError(role({{"role_type", "jwt"}, {"bound_subject", "x"}}), 400,
              "a user claim must be defined on the role");
  ExpectError(role({{"user_claim", "sub"}}), 400,
              "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  ExpectError(role({{"role_type", "jwt"}, {"user_claim", "sub"}}), 400,
              "must have at least one bound constraint when creating/updating a role");
  ExpectError(role({{"role_type", "saml"}, {"user_claim", "sub"}}), 400,
              "invalid 'role_type': saml");
  ExpectError(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_subject", "x"},
                    {"bound_claims_type", "regex"}}),
              400, "invalid 'bound_claims_type': regex");
  ExpectError(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_claims_type", "glob"},
                    {"bound_claims", json::object{{"n", 5}}}}),
              400, "claim is not a string: 5");
  ExpectError(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_subject", "x"},
                    {"claim_mappings", json::object{{"a", "role"}}}}),
              400, "metadata key \"role\" is reserved and may not be a mapping destination");
  ExpectError(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_subject", "x"},
                    {"claim_mappings", json::object{{"a", "k"}, {"b", "k"}}}}),
              400, "multiple keys are mapped to metadata key \"k\"");
  ExpectError(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_subject", "x"},
                    {"token_ttl", "2h"},
                    {"token_max_ttl", "1h"}}),
              400, "\"token_ttl\" value must be less than \"token_max_ttl\" value");
  auto listed = Root(Operation::kList, "auth/jwt/role");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty_list);  // nothing was stored (404 over HTTP)
  ExpectError(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_subject", "x"},
                    {"expiration_leeway", "soon"}}),
              400, "invalid 'expiration_leeway': " + ParseDuration("soon").error().message());
  ASSERT_TRUE(role({{"role_type", "jwt"},
                    {"user_claim", "sub"},
                    {"bound_audiences", "a,b"},
                    {"groups_claim", "groups"},
                    {"token_policies", "p1,p2"},
                    {"oidc_scopes", "email"}}));
  auto r = Root(Operation::kRead, "auth/jwt/role/R1");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("role_type").as_string(), "jwt");
  EXPECT_EQ(r->data.at("bound_audiences").as_array().size(), 2u);
  EXPECT_EQ(r->data.at("token_policies").as_array().size(), 2u);
  EXPECT_EQ(r->data.at("clock_skew_leeway").as_int64(), 60);
  EXPECT_EQ(r->data.at("expiration_leeway").as_int64(), 150);
  EXPECT_EQ(r->data.at("bound_claims_type").as_string(), "string");
  EXPECT_FALSE(r->data.contains("ttl"));
  auto keys = Root(Operation::kList, "auth/jwt/role");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->data.at("keys").as_array().size(), 1u);
  ASSERT_TRUE(Root(Operation::kDelete, "auth/jwt/role/r1"));
  auto gone = Root(Operation::kRead, "auth/jwt/role/r1");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().http_status(), 404);
}

TEST_F(Jwt, JwksUrlRefetchesAfterRotation) {
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/config", {{"jwks_url", idp_.issuer + "/jwks"}}));
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/role/ci",
                   {{"role_type", "jwt"}, {"user_claim", "sub"}, {"bound_audiences", "arca"}}));
  json::object c = Claims();
  EXPECT_TRUE(Login(idp_.signer->Sign(c, "k1")));
  int fetches = idp_.jwks_fetches;
  EXPECT_TRUE(Login(idp_.signer->Sign(c, "k1")));
  EXPECT_EQ(idp_.jwks_fetches, fetches);  // cached
  idp_.signer = std::make_unique<JwtTestSigner>("RS256");
  clock_.Advance(std::chrono::seconds(10));
  auto r = Login(idp_.signer->Sign(c, "k1"));
  EXPECT_TRUE(r) << r.error().ToString();
  EXPECT_GT(idp_.jwks_fetches, fetches);
}

class Oidc : public Jwt {
 protected:
  void SetUp() override {
    Jwt::SetUp();
    ASSERT_TRUE(Root(Operation::kUpdate, "auth/oidc/config",
                     {{"oidc_discovery_url", idp_.issuer},
                      {"oidc_client_id", "client-1"},
                      {"oidc_client_secret", "s3cret"},
                      {"default_role", "web"}}));
    ASSERT_TRUE(Root(Operation::kUpdate, "auth/oidc/role/web",
                     {{"user_claim", "email"},
                      {"groups_claim", "groups"},
                      {"allowed_redirect_uris", "http://localhost:8250/oidc/callback"},
                      {"oidc_scopes", "email,profile"},
                      {"token_policies", "web"}}));
  }
  std::string AuthUrl(json::object extra = {}) {
    json::object d{{"role", "web"}, {"redirect_uri", "http://localhost:8250/oidc/callback"}};
    for (auto& [k, v] : extra) d[k] = v;
    auto r = Do(Operation::kUpdate, "auth/oidc/oidc/auth_url", d);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::string(r->data.at("auth_url").as_string()) : "";
  }
  Result<logical::Response> Callback(const std::map<std::string, std::string>& q) {
    json::object d;
    for (const auto& [k, v] : q) d[k] = v;
    return Do(Operation::kRead, "auth/oidc/oidc/callback", d);
  }
};

TEST_F(Oidc, AuthorizationCodeFlowWithPkce) {
  std::string url = AuthUrl();
  ASSERT_TRUE(url.starts_with(idp_.issuer + "/authorize?")) << url;
  auto q = Query(url);
  EXPECT_EQ(q["client_id"], "client-1");
  EXPECT_EQ(q["response_type"], "code");
  EXPECT_EQ(q["scope"], "openid email profile");
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["code_challenge"].size(), 43u);
  EXPECT_FALSE(q["nonce"].empty());
  EXPECT_FALSE(q["state"].empty());
  auto redirect = idp_.Authorize(url);
  auto r = Callback(redirect);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  EXPECT_EQ(r->auth->policies, (std::vector<std::string>{"default", "web"}));
  EXPECT_EQ(r->auth->metadata.at("role"), "web");
  auto self = Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token);
  ASSERT_TRUE(self);
  EXPECT_EQ(self->data.at("display_name").as_string(), "oidc-alice@example.com");
  // The state is spent.
  ExpectError(Callback(redirect), 400, "Vault login failed. Expired or missing OAuth state.");
  // The token renews like any login token.
  auto renew = Do(Operation::kUpdate, "auth/token/renew-self", {}, r->auth->client_token);
  EXPECT_TRUE(renew) << renew.error().ToString();
}

TEST_F(Oidc, MaxAgeNeedsARecentAuthTime) {
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/oidc/role/web", {{"max_age", "5m"}}));
  std::string url = AuthUrl();
  EXPECT_EQ(Query(url)["max_age"], "300");
  ExpectError(Callback(idp_.Authorize(url)), 400,
              "Vault login failed. auth_time claim is missing or older than max_age.");
  idp_.user_claims["auth_time"] = 1'700'000'000 - 1000;
  ExpectError(Callback(idp_.Authorize(AuthUrl())), 400,
              "Vault login failed. auth_time claim is missing or older than max_age.");
  idp_.user_claims["auth_time"] = 1'700'000'000 - 100;
  EXPECT_TRUE(Callback(idp_.Authorize(AuthUrl())));
}

TEST_F(Oidc, CallbackRefusals) {
  // Unknown state; provider error; missing code.
  ExpectError(Callback({{"state", "nope"}, {"code", "x"}}), 400,
              "Vault login failed. Expired or missing OAuth state.");
  auto q = Query(AuthUrl());
  ExpectError(Callback({{"state", q["state"]}, {"error", "access_denied"}}), 400,
              "Vault login failed. access_denied");
  q = Query(AuthUrl());
  ExpectError(Callback({{"state", q["state"]}}), 400,
              "Vault login failed. No code or id_token received.");
  // A code the provider did not issue (or a wrong PKCE verifier): the exchange fails.
  q = Query(AuthUrl());
  ExpectError(
      Callback({{"state", q["state"]}, {"code", "forged"}}), 400,
      "Vault login failed. Error exchanging oidc code: \"token endpoint answered HTTP 400\".");
  // An id_token with another nonce.
  idp_.nonce_override = "replayed";
  ExpectError(Callback(idp_.Authorize(AuthUrl())), 400,
              "Vault login failed. invalid ID token nonce.");
  idp_.nonce_override.clear();
  // client_nonce must match when given to auth_url.
  auto redirect = idp_.Authorize(AuthUrl({{"client_nonce", "cn-1"}}));
  redirect["client_nonce"] = "cn-2";
  ExpectError(Callback(redirect), 400, "invalid client_nonce");
  redirect = idp_.Authorize(AuthUrl({{"client_nonce", "cn-1"}}));
  redirect["client_nonce"] = "cn-1";
  EXPECT_TRUE(Callback(redirect));
  // Expired request (10 minutes).
  redirect = idp_.Authorize(AuthUrl());
  clock_.Advance(std::chrono::minutes(11));
  ExpectError(Callback(redirect), 400, "Vault login failed. Expired or missing OAuth state.");
}

TEST_F(Oidc, AuthUrlBadInput) {
  // A redirect_uri the role does not allow: an empty auth_url, as Vault answers.
  auto r = Do(Operation::kUpdate, "auth/oidc/oidc/auth_url",
              {{"role", "web"}, {"redirect_uri", "https://evil.example/cb"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("auth_url").as_string(), "");
  // Loopback redirect URIs match on any port.
  EXPECT_FALSE(AuthUrl({{"redirect_uri", "http://localhost:1234/oidc/callback"}}).empty());
  EXPECT_TRUE(AuthUrl({{"redirect_uri", "http://localhost:1234/other"}}).empty());
  ExpectError(Do(Operation::kUpdate, "auth/oidc/oidc/auth_url", {{"role", "web"}}), 400,
              "missing redirect_uri");
  ExpectError(Do(Operation::kUpdate, "auth/oidc/oidc/auth_url",
                 {{"role", "nope"}, {"redirect_uri", "http://localhost:8250/oidc/callback"}}),
              400, "role \"nope\" could not be found");
  // A JWT-only mount has no OIDC flow.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/jwt/config",
                   {{"jwt_validation_pubkeys", json::array{key_.PublicPem()}}}));
  ExpectError(Do(Operation::kUpdate, "auth/jwt/oidc/auth_url",
                 {{"role", "web"}, {"redirect_uri", "http://localhost:8250/oidc/callback"}}),
              400, "OIDC login is not configured for this mount");
  // The callback is GET only.
  auto post = Do(Operation::kUpdate, "auth/oidc/oidc/callback", {{"state", "x"}});
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().http_status(), 405);
}

}  // namespace
}  // namespace arca::auth
