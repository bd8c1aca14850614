// Identity tokens (identity/oidc/*) through the path framework on in-memory storage with a
// settable clock and a fake identity source: every endpoint, bad input, signatures checked
// against the published JWKS, rotation and verification_ttl, introspection.
#include "core/identity/oidc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "common/encoding.h"
#include "common/json.h"
#include "core/identity/oidc_keys.h"
#include "core/identity/oidc_store.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::core::identity {
namespace {

using logical::Operation;
using std::chrono::seconds;

class OidcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = std::make_shared<OidcContext>();
    ctx_->api_addr = [] { return std::string("https://arca.example:8200"); };
    ctx_->clock = [this] {
      return std::chrono::system_clock::time_point(seconds(now_.load()));
    };
    ctx_->identity = [this](std::string_view id) -> std::shared_ptr<const policy::IdentityData> {
      std::lock_guard lock(mu_);
      auto it = entities_.find(std::string(id));
      return it == entities_.end() ? nullptr : it->second;
    };
    auto alice = std::make_shared<policy::IdentityData>();
    alice->entity_id = "ent-alice";
    alice->entity_name = "alice";
    alice->metadata = {{"team", "blue"}};
    alice->groups.push_back({.id = "g1", .name = "devs", .metadata = {}});
    entities_["ent-alice"] = alice;
    logical::framework::FrameworkBackend::Options o;
    o.type = "identity";
    o.paths = OidcPaths(ctx_);
    for (const char* p : kOidcUnauthenticatedPaths) o.special_paths.unauthenticated.push_back(p);
    auto b = logical::framework::FrameworkBackend::Create(std::move(o));
    ASSERT_TRUE(b) << b.error().ToString();
    backend_ = std::move(*b);
  }

  Result<logical::Response> Do(Operation op, std::string path, std::string_view body = "{}",
                               std::string entity = "") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = json::parse(body).as_object();
    req.mount_point = "identity/";
    req.storage = &storage_;
    req.entity_id = std::move(entity);
    if (op == Operation::kUpdate) {
      auto check = backend_->HandleExistenceCheck(req);
      if (!check) return std::unexpected(check.error());
      if (check->supported && !check->exists) req.operation = Operation::kCreate;
    }
    return backend_->HandleRequest(req);
  }
  json::object MustWrite(std::string path, std::string_view body = "{}") {
    auto r = Do(Operation::kUpdate, path, body);
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    return r ? r->data : json::object{};
  }
  json::object MustRead(std::string path) {
    auto r = Do(Operation::kRead, path);
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    return r ? r->data : json::object{};
  }
  void ExpectBad(const Result<logical::Response>& r, std::string_view needle) {
    ASSERT_FALSE(r.has_value()) << "expected an error containing: " << needle;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().ToString();
  }
  // The raw JSON body of a raw response.
  json::object RawJson(const Result<logical::Response>& r) {
    EXPECT_TRUE(r) << (r ? "" : r.error().ToString());
    if (!r || !r->raw) return {};
    EXPECT_EQ(r->raw->status, 200);
    EXPECT_EQ(r->raw->content_type, "application/json");
    auto o = ParseJsonObject(r->raw->body);
    EXPECT_TRUE(o);
    return o ? *o : json::object{};
  }
  std::string Token(std::string_view role, std::string entity = "ent-alice") {
    auto r = Do(Operation::kRead, "oidc/token/" + std::string(role), "{}", entity);
    EXPECT_TRUE(r) << (r ? "" : r.error().ToString());
    return r ? StringOr(r->data, "token") : "";
  }
  json::object Introspect(std::string_view token, std::string_view client_id = "") {
    json::object body{{"token", token}};
    if (!client_id.empty()) body["client_id"] = client_id;
    return RawJson(Do(Operation::kUpdate, "oidc/introspect", json::serialize(body)));
  }
  // Verifies `jwt` against the published JWKS by kid, as a relying party would (the JWK's
  // public members rebuilt through the stored SPKI of the same kid).
  bool VerifiesAgainstJwks(const std::string& jwt) {
    auto keys = oidc::PublishedKeys(storage_, ctx_->Now());
    if (!keys) return false;
    size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
    auto header = ParseJsonObject(*Base64UrlDecode(jwt.substr(0, d1)));
    auto sig = Base64UrlDecode(jwt.substr(d2 + 1));
    for (const auto& k : *keys) {
      if (StringOr(k.jwk, "kid") != StringOr(*header, "kid")) continue;
      auto ok = VerifyJwsSignature(StringOr(*header, "alg"), k.der, jwt.substr(0, d2), *sig);
      return ok && *ok;
    }
    return false;
  }
  json::object Claims(const std::string& jwt) {
    size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
    return *ParseJsonObject(*Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1)));
  }
  json::array Jwks() {
    return RawJson(Do(Operation::kRead, "oidc/.well-known/keys")).at("keys").as_array();
  }
  void SetDisabled(const std::string& id, bool disabled) {
    std::lock_guard lock(mu_);
    auto copy = std::make_shared<policy::IdentityData>(*entities_.at(id));
    copy->disabled = disabled;
    entities_[id] = copy;
  }

  logical::InmemStorage storage_;
  std::shared_ptr<OidcContext> ctx_;
  std::unique_ptr<logical::framework::FrameworkBackend> backend_;
  std::atomic<int64_t> now_{1'700'000'000};
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const policy::IdentityData>> entities_;
};

TEST_F(OidcTest, KeyCrudAndShapes) {
  MustWrite("oidc/key/k1", R"({"allowed_client_ids": "a,b"})");
  auto k = MustRead("oidc/key/k1");
  EXPECT_EQ(k, (json::object{{"rotation_period", 86400},
                             {"verification_ttl", 86400},
                             {"algorithm", "RS256"},
                             {"allowed_client_ids", json::array{"a", "b"}}}));
  MustWrite("oidc/key/k1", R"({"rotation_period": "2h", "verification_ttl": "1h"})");
  k = MustRead("oidc/key/k1");
  EXPECT_EQ(k.at("rotation_period"), 7200);
  EXPECT_EQ(k.at("verification_ttl"), 3600);
  EXPECT_EQ(k.at("allowed_client_ids"), (json::array{"a", "b"}));  // kept
  MustWrite("oidc/key/k2", R"({"algorithm": "EdDSA"})");
  auto list = Do(Operation::kList, "oidc/key");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys"), (json::array{"k1", "k2"}));
  // Nothing private ever leaves: the read has exactly the four fields.
  EXPECT_EQ(MustRead("oidc/key/k2").size(), 4u);
  ASSERT_TRUE(Do(Operation::kDelete, "oidc/key/k2"));
  auto gone = Do(Operation::kRead, "oidc/key/k2");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->HasContent());  // 404 at the HTTP layer
}

TEST_F(OidcTest, KeyBadInput) {
  ExpectBad(Do(Operation::kUpdate, "oidc/key/k", R"({"rotation_period": "30s"})"),
            "rotation_period must be at least one minute");
  ExpectBad(Do(Operation::kUpdate, "oidc/key/k", R"({"rotation_period": "1m", "verification_ttl": "11m"})"),
            "verification_ttl cannot be longer than 10x rotation_period");
  ExpectBad(Do(Operation::kUpdate, "oidc/key/k", R"({"algorithm": "HS256"})"),
            "unknown signing algorithm \"HS256\"");
  ExpectBad(Do(Operation::kUpdate, "oidc/key/k", R"({"rotation_period": "soon"})"),
            "rotation_period");
  // Nothing was created by the refused writes.
  auto r = Do(Operation::kRead, "oidc/key/k");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->HasContent());
  ExpectBad(Do(Operation::kUpdate, "oidc/key/k/rotate"), "no named key found at \"k\"");
  ExpectBad(Do(Operation::kDelete, "oidc/key/default"), "deletion of key \"default\" not allowed");
  // A key in use by a role can be neither deleted nor given a verification_ttl below the
  // role's ttl.
  MustWrite("oidc/key/k");
  MustWrite("oidc/role/r", R"({"key": "k", "ttl": "2h"})");
  ExpectBad(Do(Operation::kDelete, "oidc/key/k"),
            "unable to delete key \"k\" because it is currently referenced by these roles: r");
  ExpectBad(Do(Operation::kUpdate, "oidc/key/k", R"({"verification_ttl": "1h"})"),
            "unable to update key \"k\" because it is currently referenced by one or more roles "
            "with a token ttl greater than 3600 seconds");
  EXPECT_EQ(MustRead("oidc/key/k").at("verification_ttl"), 86400);
  auto missing = Do(Operation::kRead, "oidc/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
}

TEST_F(OidcTest, RoleCrudAndBadInput) {
  MustWrite("oidc/key/k");
  MustWrite("oidc/role/r", R"({"key": "k", "template": "{\"team\": {{identity.entity.metadata.team}}}"})");
  auto role = MustRead("oidc/role/r");
  EXPECT_EQ(role.at("key"), "k");
  EXPECT_EQ(role.at("ttl"), 86400);
  EXPECT_EQ(role.at("template"), "{\"team\": {{identity.entity.metadata.team}}}");
  const std::string client_id(role.at("client_id").as_string());
  EXPECT_EQ(client_id.size(), 26u);
  // An update keeps what it does not name (the client_id too).
  MustWrite("oidc/role/r", R"({"ttl": "1h"})");
  role = MustRead("oidc/role/r");
  EXPECT_EQ(role.at("ttl"), 3600);
  EXPECT_EQ(role.at("client_id"), json::value(client_id));
  // A base64 template is decoded.
  MustWrite("oidc/role/b64", R"({"key": "k", "template": ")" +
                                 Base64Encode(R"({"n": {{identity.entity.name}}})") + R"("})");
  EXPECT_EQ(MustRead("oidc/role/b64").at("template"), R"({"n": {{identity.entity.name}}})");
  auto list = Do(Operation::kList, "oidc/role");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys"), (json::array{"b64", "r"}));

  ExpectBad(Do(Operation::kUpdate, "oidc/role/x", "{}"), "the key parameter is required");
  ExpectBad(Do(Operation::kUpdate, "oidc/role/x", R"({"key": "nokey"})"), "cannot find key \"nokey\"");
  ExpectBad(Do(Operation::kUpdate, "oidc/role/x", R"({"key": "k", "ttl": "48h"})"),
            "a role's token ttl cannot be longer than the verification_ttl of the key it references");
  ExpectBad(Do(Operation::kUpdate, "oidc/role/x", R"({"key": "k", "template": "{\"sub\": \"me\"}"})"),
            "top level key \"sub\" not allowed. Restricted keys: iat, aud, exp, iss, sub, "
            "namespace, nonce, auth_time, at_hash, c_hash");
  ExpectBad(Do(Operation::kUpdate, "oidc/role/x", R"({"key": "k", "template": "{\"a\": }"})"),
            "error parsing template JSON");
  ExpectBad(Do(Operation::kUpdate, "oidc/role/x", R"({"key": "k", "template": "{\"a\": {{identity.entity.name}"})"),
            "error parsing template: unbalanced templating characters");
  auto none = Do(Operation::kRead, "oidc/role/x");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->HasContent());
  ASSERT_TRUE(Do(Operation::kDelete, "oidc/role/r"));
  EXPECT_FALSE(Do(Operation::kRead, "oidc/role/r")->HasContent());
}

TEST_F(OidcTest, DefaultKeyIsCreatedForARoleThatNamesIt) {
  MustWrite("oidc/role/r", R"({"key": "default"})");
  auto k = MustRead("oidc/key/default");
  EXPECT_EQ(k.at("allowed_client_ids"), json::array{"*"});
  EXPECT_TRUE(VerifiesAgainstJwks(Token("r")));
}

TEST_F(OidcTest, TokensOfEveryAlgorithmVerifyAgainstTheJwks) {
  for (std::string_view alg : kOidcAlgorithms) {
    SCOPED_TRACE(std::string(alg));
    const std::string name = "k-" + std::string(alg);
    MustWrite("oidc/key/" + name, R"({"allowed_client_ids": "*", "algorithm": ")" + std::string(alg) + R"("})");
    MustWrite("oidc/role/r-" + std::string(alg),
              R"({"key": ")" + name + R"(", "ttl": "1h", "template": "{\"name\": {{identity.entity.name}}, \"groups\": {{identity.entity.groups.names}}}"})");
    auto resp = Do(Operation::kRead, "oidc/token/r-" + std::string(alg), "{}", "ent-alice");
    ASSERT_TRUE(resp) << resp.error().ToString();
    EXPECT_EQ(resp->data.at("ttl"), 3600);
    const std::string client_id = std::string(MustRead("oidc/role/r-" + std::string(alg)).at("client_id").as_string());
    EXPECT_EQ(resp->data.at("client_id"), json::value(client_id));
    const std::string jwt(resp->data.at("token").as_string());
    EXPECT_TRUE(VerifiesAgainstJwks(jwt));
    auto header = *ParseJsonObject(*Base64UrlDecode(jwt.substr(0, jwt.find('.'))));
    EXPECT_EQ(header.at("alg"), json::value(json::string(alg)));
    auto c = Claims(jwt);
    EXPECT_EQ(c.at("iss"), "https://arca.example:8200/v1/identity/oidc");
    EXPECT_EQ(c.at("sub"), "ent-alice");
    EXPECT_EQ(c.at("aud"), json::value(client_id));
    EXPECT_EQ(c.at("namespace"), "root");
    EXPECT_EQ(c.at("iat"), now_.load());
    EXPECT_EQ(c.at("exp"), now_.load() + 3600);
    EXPECT_EQ(c.at("name"), "alice");
    EXPECT_EQ(c.at("groups"), json::array{"devs"});
    EXPECT_EQ(Introspect(jwt, client_id), (json::object{{"active", true}}));
    // A flipped signature byte fails.
    std::string bad = jwt;
    bad[bad.size() - 3] = bad[bad.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifiesAgainstJwks(bad));
    EXPECT_EQ(Introspect(bad).at("active"), false);
  }
  // Every JWK names its kid, alg and use; the set holds each key's current and next key.
  json::array jwks = Jwks();
  EXPECT_EQ(jwks.size(), 2 * kOidcAlgorithms.size());
  for (const auto& k : jwks) {
    EXPECT_EQ(k.at("use"), "sig");
    EXPECT_FALSE(k.as_object().contains("d"));  // never a private member
  }
}

TEST_F(OidcTest, TokenBadInput) {
  MustWrite("oidc/key/k", R"({"allowed_client_ids": "someone-else"})");
  MustWrite("oidc/role/r", R"({"key": "k"})");
  ExpectBad(Do(Operation::kRead, "oidc/token/nope", "{}", "ent-alice"), "role \"nope\" not found");
  ExpectBad(Do(Operation::kRead, "oidc/token/r", "{}", "ent-alice"),
            "the key \"k\" does not list the client ID of the role \"r\" as an allowed client ID");
  MustWrite("oidc/key/k", R"({"allowed_client_ids": "*"})");
  ExpectBad(Do(Operation::kRead, "oidc/token/r", "{}", ""),
            "no entity associated with the request's token");
  EXPECT_FALSE(Token("r").empty());
}

TEST_F(OidcTest, RotatedKeyVerifiesUntilVerificationTtlPasses) {
  MustWrite("oidc/key/k", R"({"allowed_client_ids": "*", "verification_ttl": "1h"})");
  MustWrite("oidc/role/r", R"({"key": "k", "ttl": "30m"})");
  const std::string before = Token("r");
  ASSERT_EQ(Jwks().size(), 2u);
  ASSERT_TRUE(Do(Operation::kUpdate, "oidc/key/k/rotate", R"({"verification_ttl": "10m"})"));
  const std::string after = Token("r");
  EXPECT_NE(ParseJsonObject(*Base64UrlDecode(before.substr(0, before.find('.'))))->at("kid"),
            ParseJsonObject(*Base64UrlDecode(after.substr(0, after.find('.'))))->at("kid"));
  EXPECT_EQ(Jwks().size(), 3u);  // retired, current, next
  EXPECT_TRUE(VerifiesAgainstJwks(before));
  EXPECT_EQ(Introspect(before).at("active"), true);
  now_ += 9 * 60;
  EXPECT_TRUE(VerifiesAgainstJwks(before));
  now_ += 2 * 60;  // past the override of 10 minutes
  EXPECT_FALSE(VerifiesAgainstJwks(before));
  EXPECT_EQ(Introspect(before),
            (json::object{{"active", false}, {"error", "unable to validate the token signature"}}));
  EXPECT_EQ(Introspect(after).at("active"), true);
  EXPECT_EQ(Jwks().size(), 2u);
  // The periodic work deletes the retired public key from storage.
  OidcPeriodic(*ctx_, storage_);
  auto stored = storage_.List(std::string(oidc::kPublicKeysPrefix));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->size(), 2u);
}

TEST_F(OidcTest, PeriodicRotatesOnSchedule) {
  MustWrite("oidc/key/k", R"({"allowed_client_ids": "*", "rotation_period": "1h", "verification_ttl": "1h"})");
  MustWrite("oidc/role/r", R"({"key": "k", "ttl": "1h"})");
  auto kid = [&](const std::string& jwt) {
    return std::string(ParseJsonObject(*Base64UrlDecode(jwt.substr(0, jwt.find('.'))))->at("kid").as_string());
  };
  const std::string first = kid(Token("r"));
  OidcPeriodic(*ctx_, storage_);
  EXPECT_EQ(kid(Token("r")), first);  // not due yet
  now_ += 3601;
  OidcPeriodic(*ctx_, storage_);
  EXPECT_NE(kid(Token("r")), first);
}

TEST_F(OidcTest, IntrospectInactiveCases) {
  MustWrite("oidc/key/k", R"({"allowed_client_ids": "*"})");
  MustWrite("oidc/role/r", R"({"key": "k", "ttl": "10m"})");
  const std::string client_id(MustRead("oidc/role/r").at("client_id").as_string());
  const std::string jwt = Token("r");
  EXPECT_EQ(Introspect(jwt, client_id).at("active"), true);
  auto wrong = Introspect(jwt, "other-client");
  EXPECT_EQ(wrong.at("active"), false);
  EXPECT_NE(std::string(wrong.at("error").as_string()).find("invalid audience claim (aud)"), std::string::npos);
  EXPECT_EQ(Introspect("not-a-jwt").at("active"), false);
  EXPECT_EQ(Introspect("").at("active"), false);
  SetDisabled("ent-alice", true);
  EXPECT_EQ(Introspect(jwt), (json::object{{"active", false}, {"error", "entity is disabled"}}));
  SetDisabled("ent-alice", false);
  EXPECT_EQ(Introspect(jwt).at("active"), true);
  {
    std::lock_guard lock(mu_);
    entities_.erase("ent-alice");
  }
  EXPECT_EQ(Introspect(jwt), (json::object{{"active", false}, {"error", "entity was not found"}}));
  {
    std::lock_guard lock(mu_);
    auto e = std::make_shared<policy::IdentityData>();
    e->entity_id = "ent-alice";
    entities_["ent-alice"] = e;
  }
  now_ += 10 * 60 + 61;  // past exp and the minute of leeway
  auto expired = Introspect(jwt);
  EXPECT_EQ(expired.at("active"), false);
  EXPECT_NE(std::string(expired.at("error").as_string()).find("token is expired (exp)"), std::string::npos);
  // A token of another issuer (the config changed) is not active.
  now_ -= 10 * 60 + 61;
  MustWrite("oidc/config", R"({"issuer": "https://other.example"})");
  auto iss = Introspect(jwt);
  EXPECT_NE(std::string(iss.at("error").as_string()).find("invalid issuer claim (iss)"), std::string::npos);
}

TEST_F(OidcTest, ConfigAndDiscovery) {
  auto c = Do(Operation::kRead, "oidc/config");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->data, (json::object{{"issuer", ""}}));
  auto disc = RawJson(Do(Operation::kRead, "oidc/.well-known/openid-configuration"));
  EXPECT_EQ(disc.at("issuer"), "https://arca.example:8200/v1/identity/oidc");
  EXPECT_EQ(disc.at("jwks_uri"), "https://arca.example:8200/v1/identity/oidc/.well-known/keys");
  EXPECT_EQ(disc.at("response_types_supported"), json::array{"id_token"});
  EXPECT_EQ(disc.at("subject_types_supported"), json::array{"public"});
  EXPECT_EQ(disc.at("id_token_signing_alg_values_supported"),
            (json::array{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"}));
  for (const char* bad : {"example.com", "ftp://x.example", "https://x.example/path",
                          "https://x.example?q=1", "https://", "https://u@x.example"}) {
    ExpectBad(Do(Operation::kUpdate, "oidc/config", json::serialize(json::object{{"issuer", bad}})),
              "invalid issuer, which must include only a scheme, host, and optional port");
  }
  EXPECT_EQ(Do(Operation::kRead, "oidc/config")->data.at("issuer"), "");
  auto w = Do(Operation::kUpdate, "oidc/config", R"({"issuer": "https://id.example:8443"})");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->warnings.size(), 1u);
  disc = RawJson(Do(Operation::kRead, "oidc/.well-known/openid-configuration"));
  EXPECT_EQ(disc.at("issuer"), "https://id.example:8443/v1/identity/oidc");
  // The well-known paths are the unauthenticated ones.
  EXPECT_TRUE(logical::PathMatchesAny("oidc/.well-known/keys",
                                      backend_->GetSpecialPaths().unauthenticated));
  EXPECT_FALSE(logical::PathMatchesAny("oidc/token/r", backend_->GetSpecialPaths().unauthenticated));
  EXPECT_EQ(Jwks().size(), 0u);  // no role, no published key
}

TEST_F(OidcTest, PrivateKeysAreStoredButNeverPublished) {
  MustWrite("oidc/key/k", R"({"allowed_client_ids": "*", "algorithm": "ES256"})");
  MustWrite("oidc/role/r", R"({"key": "k"})");
  auto stored = oidc::LoadKey(storage_, "k");
  ASSERT_TRUE(stored && *stored);
  ASSERT_FALSE((*stored)->signing.der.empty());
  // The stored private key signs tokens the published public key verifies.
  auto key = OidcSigningKey::FromDer("ES256", (*stored)->signing.der);
  ASSERT_TRUE(key);
  auto jwt = SignJwt(*key, (*stored)->signing.kid, json::object{{"x", 1}});
  ASSERT_TRUE(jwt);
  EXPECT_TRUE(VerifiesAgainstJwks(*jwt));
  for (const auto& k : Jwks()) {
    for (const char* priv : {"d", "p", "q", "dp", "dq", "qi"}) EXPECT_FALSE(k.as_object().contains(priv));
  }
}

}  // namespace
}  // namespace arca::core::identity
