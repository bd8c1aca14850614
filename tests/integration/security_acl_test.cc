// Issue 16 (ACL / tokens / sys) end to end through the HTTP API of `arca server -dev`:
// parameter rules and key case, SCAN below a deny, expiring root tokens, absurd durations.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

class SecurityAcl : public DevServerTest {
 protected:
  HttpResult Api(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::optional<std::string>& token_or_root = std::nullopt) {
    const std::string token = token_or_root.value_or(root_);
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["X-Vault-Token"] = token;
    return RawHttp(port_, method, "/v1/" + path, body, headers);
  }
  json::object Json(const HttpResult& r) {
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o) << r.status << " " << r.body;
    return o ? *o : json::object{};
  }
  void WritePolicy(const std::string& name, const std::string& hcl) {
    auto r = Api("PUT", "sys/policies/acl/" + name, json::serialize(json::object{{"policy", hcl}}));
    ASSERT_EQ(r.status, 204) << r.body;
  }
  // A token with `policies` (a JSON array), made by `parent`.
  std::string Token(const std::string& body, const std::optional<std::string>& parent = std::nullopt,
                    const std::string& path = "auth/token/create") {
    auto r = Api("POST", path, body, parent);
    EXPECT_EQ(r.status, 200) << r.body;
    json::object o = Json(r);
    if (!o.contains("auth") || !o.at("auth").is_object()) return "";
    return std::string(o.at("auth").as_object().at("client_token").as_string());
  }
  std::vector<std::string> Strings(const json::value& v) {
    std::vector<std::string> out;
    if (!v.is_array()) return out;
    for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
    return out;
  }
  static bool Has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
  std::string FirstError(const HttpResult& r) {
    json::object o = Json(r);
    if (!o.contains("errors") || o.at("errors").as_array().empty()) return "";
    return std::string(o.at("errors").as_array()[0].as_string());
  }
};

// Issue 16 #1: a delegated policy allows token_policies=["dev"] on auth/userpass/users/*. The
// ACL folded keys to lower case (the last of "token_policies"/"TOKEN_POLICIES" won) while
// userpass reads "token_policies" exactly: the user was created with admin and logged in with it.
TEST_F(SecurityAcl, KeysDifferingOnlyInCaseCannotSmugglePoliciesPastTheAcl) {
  ASSERT_EQ(Api("POST", "sys/auth/userpass", R"({"type":"userpass"})").status, 204);
  WritePolicy(
      "admin",
      R"(path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] })");
  WritePolicy("dev", R"(path "secret/data/dev/*" { capabilities = ["read"] })");
  WritePolicy("delegate", R"(
    path "auth/userpass/users/*" {
      capabilities = ["create", "update"]
      allowed_parameters = {
        "password" = []
        "token_policies" = ["dev"]
      }
    })");
  WritePolicy("denier", R"(
    path "auth/userpass/users/*" {
      capabilities = ["create", "update"]
      denied_parameters = { "token_policies" = ["admin"] }
    })");
  const std::string delegate = Token(R"({"policies":["delegate"]})");
  const std::string denier = Token(R"({"policies":["denier"]})");
  ASSERT_FALSE(delegate.empty());
  ASSERT_FALSE(denier.empty());
  auto login = [&](const std::string& user) {
    return Api("POST", "auth/userpass/login/" + user, R"({"password":"pw"})", "");
  };

  // The delegate can do what it was given: a user with dev, who logs in with dev.
  auto ok = Api("POST", "auth/userpass/users/fine", R"({"password":"pw","token_policies":"dev"})",
                delegate);
  ASSERT_EQ(ok.status, 204) << ok.body;
  auto fine = login("fine");
  ASSERT_EQ(fine.status, 200) << fine.body;
  EXPECT_TRUE(Has(Strings(Json(fine).at("auth").as_object().at("policies")), "dev"));

  // The attack, in both orders and with a denied_parameters rule: refused, no user written.
  const std::vector<std::pair<std::string, std::string>> attacks = {
      {delegate, R"({"password":"pw","token_policies":"admin","TOKEN_POLICIES":"dev"})"},
      {delegate, R"({"password":"pw","TOKEN_POLICIES":"dev","token_policies":"admin"})"},
      {delegate, R"({"password":"pw","token_policies":"admin","Token_Policies":"dev"})"},
      {denier, R"({"password":"pw","token_policies":"admin","TOKEN_POLICIES":"dev"})"},
      // A denied value inside a list, or in a comma-separated string, is enough.
      {denier, R"({"password":"pw","token_policies":["dev","admin"]})"},
      {denier, R"({"password":"pw","token_policies":"dev,admin"})"},
      {denier, R"({"password":"pw","token_policies":"dev, admin"})"},
  };
  for (size_t i = 0; i < attacks.size(); ++i) {
    const std::string user = "mallory" + std::to_string(i);
    auto r = Api("POST", "auth/userpass/users/" + user, attacks[i].second, attacks[i].first);
    EXPECT_EQ(r.status, 403) << attacks[i].second << ": " << r.body;
    auto l = login(user);
    EXPECT_EQ(l.status, 400) << attacks[i].second << ": " << l.body;  // no such user
    if (l.status == 200) {
      EXPECT_FALSE(Has(Strings(Json(l).at("auth").as_object().at("policies")), "admin"))
          << attacks[i].second;
    }
  }
  // The denier still writes users without admin.
  EXPECT_EQ(Api("POST", "auth/userpass/users/fine2", R"({"password":"pw","token_policies":"dev"})",
                denier)
                .status,
            204);
}

// Issue 16 #3: SCAN of secret/metadata/ listed the names under hr/ despite a deny on
// secret/metadata/hr/*.
TEST_F(SecurityAcl, ScanDoesNotListNamesBelowADeny) {
  for (const char* k : {"app/config", "app/db", "hr/salaries", "hr/reviews/2026", "top"}) {
    auto r = Api("POST", std::string("secret/data/") + k, R"({"data":{"v":"1"}})");
    ASSERT_EQ(r.status, 200) << k << ": " << r.body;
  }
  WritePolicy("scanner", R"(
    path "secret/metadata/*" { capabilities = ["scan", "list", "read"] }
    path "secret/metadata/hr/*" { capabilities = ["deny"] })");
  const std::string token = Token(R"({"policies":["scanner"]})");
  ASSERT_FALSE(token.empty());

  auto root_scan = Api("GET", "secret/metadata/?scan=true");
  ASSERT_EQ(root_scan.status, 200) << root_scan.body;
  EXPECT_TRUE(Has(Strings(Json(root_scan).at("data").as_object().at("keys")), "hr/salaries"));

  for (const char* verb : {"GET", "SCAN"}) {
    auto r =
        Api(verb, verb == std::string("GET") ? "secret/metadata/?scan=true" : "secret/metadata/",
            "", token);
    ASSERT_EQ(r.status, 200) << verb << ": " << r.body;
    std::vector<std::string> keys = Strings(Json(r).at("data").as_object().at("keys"));
    EXPECT_EQ(keys, (std::vector<std::string>{"app/config", "app/db", "top"})) << r.body;
  }
  // The folder itself stays denied.
  EXPECT_EQ(Api("GET", "secret/metadata/hr/?scan=true", "", token).status, 403);
}

// Issue 16 #4: an expiring root token minted a root token that never expires.
TEST_F(SecurityAcl, ExpiringRootTokenCannotMintANonExpiringOne) {
  const std::string expiring = Token(R"({"policies":["root"],"ttl":"1h"})");
  ASSERT_FALSE(expiring.empty());
  auto accessors = [&] {
    auto r = Api("LIST", "auth/token/accessors");
    EXPECT_EQ(r.status, 200) << r.body;
    return Strings(Json(r).at("data").as_object().at("keys")).size();
  };
  const size_t before = accessors();
  for (const char* path : {"auth/token/create-orphan", "auth/token/create"}) {
    auto r = Api("POST", path, R"({"policies":["root"]})", expiring);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_EQ(FirstError(r), "expiring root tokens cannot create non-expiring root tokens") << path;
  }
  EXPECT_EQ(accessors(), before);
  // An expiring root child is still allowed.
  const std::string child =
      Token(R"({"policies":["root"],"ttl":"10m"})", expiring, "auth/token/create-orphan");
  ASSERT_FALSE(child.empty());
  auto look = Api("GET", "auth/token/lookup-self", "", child);
  ASSERT_EQ(look.status, 200) << look.body;
  EXPECT_GT(Json(look).at("data").as_object().at("ttl").to_number<int64_t>(), 0);
}

// Issue 16 #11: {"ttl":1e300} made a token without expiry; numbers out of range are a 400 with a
// clear message, and the server keeps answering.
TEST_F(SecurityAcl, AbsurdDurationsAreRefused) {
  const std::string digits(400, '9');
  const std::vector<std::string> bodies = {
      R"({"ttl":1e300})",
      R"({"ttl":-1})",
      R"({"ttl":9223372037})",
      R"({"ttl":18446744073709551615})",
      R"({"ttl":"1e999s"})",
      R"({"ttl":"inf"})",
      R"({"ttl":"nan"})",
      R"({"ttl":")" + digits + R"(s"})",
      R"({"ttl":")" + digits + R"("})",
      R"({"explicit_max_ttl":1e300})",
      R"({"period":1e300})",
  };
  auto accessors = [&] {
    auto r = Api("LIST", "auth/token/accessors");
    return Strings(Json(r).at("data").as_object().at("keys")).size();
  };
  const size_t before = accessors();
  for (const std::string& body : bodies) {
    auto r = Api("POST", "auth/token/create", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_FALSE(FirstError(r).empty()) << body;
  }
  auto huge = Api("POST", "auth/token/create", R"({"ttl":1e300})");
  EXPECT_NE(FirstError(huge).find("too large"), std::string::npos) << huge.body;
  EXPECT_EQ(accessors(), before);
  // Mount tuning too.
  auto tune =
      Api("POST", "sys/mounts/secret/tune", R"({"default_lease_ttl":18446744073709551615})");
  EXPECT_EQ(tune.status, 400) << tune.body;
  // Still serving.
  EXPECT_EQ(Api("GET", "sys/health", "", "").status, 200);
}

// Issue 16 #8: sys/internal/ui/mounts showed every mount to any token.
TEST_F(SecurityAcl, UiMountsShowsOnlyMountsTheTokenCanUse) {
  ASSERT_EQ(Api("POST", "sys/mounts/team-a", R"({"type":"kv"})").status, 204);
  ASSERT_EQ(Api("POST", "sys/mounts/team-b", R"({"type":"kv"})").status, 204);
  WritePolicy("team-a", R"(path "team-a/*" { capabilities = ["read"] })");
  const std::string token = Token(R"({"policies":["team-a"]})");
  ASSERT_FALSE(token.empty());
  auto mounts = [&](const std::string& t) {
    auto r = Api("GET", "sys/internal/ui/mounts", "", t);
    EXPECT_EQ(r.status, 200) << r.body;
    json::object o = Json(r);
    std::vector<std::string> out;
    if (!o.contains("data")) return out;
    for (const auto& kv : o.at("data").as_object().at("secret").as_object()) {
      out.emplace_back(kv.key());
    }
    return out;
  };
  std::vector<std::string> all = mounts(root_);
  EXPECT_TRUE(Has(all, "team-a/") && Has(all, "team-b/")) << ::testing::PrintToString(all);
  std::vector<std::string> seen = mounts(token);
  EXPECT_TRUE(Has(seen, "team-a/")) << ::testing::PrintToString(seen);
  EXPECT_FALSE(Has(seen, "team-b/")) << ::testing::PrintToString(seen);
  EXPECT_TRUE(mounts("").empty());
  EXPECT_EQ(Api("GET", "sys/internal/ui/mounts/team-a/x", "", token).status, 200);
  EXPECT_EQ(Api("GET", "sys/internal/ui/mounts/team-b/x", "", token).status, 403);
  EXPECT_EQ(Api("GET", "sys/internal/ui/mounts/no-such/x", "", token).status, 403);
}

// Issue 16 #9: sys/seal left no trace in the audit log.
TEST_F(SecurityAcl, SealIsAuditedWithItsTokenHashed) {
  const std::string log = dir_.File("audit.log");
  auto enable = Api("PUT", "sys/audit/file",
                    json::serialize(json::object{{"type", "file"},
                                                 {"options", json::object{{"file_path", log}}}}));
  ASSERT_EQ(enable.status, 204) << enable.body;
  auto sealed = Api("PUT", "sys/seal");
  ASSERT_EQ(sealed.status, 204) << sealed.body;
  ShellResult text = Sh("cat '" + log + "'");
  int seal_entries = 0;
  size_t start = 0;
  while (start < text.out.size()) {
    size_t end = text.out.find('\n', start);
    if (end == std::string::npos) end = text.out.size();
    auto o = ParseJsonObject(text.out.substr(start, end - start));
    start = end + 1;
    if (!o || !o->contains("request")) continue;
    if (o->at("request").as_object().at("path").as_string() != "sys/seal") continue;
    ++seal_entries;
    const std::string token(o->at("auth").as_object().at("client_token").as_string());
    EXPECT_TRUE(token.starts_with("hmac-sha256:")) << token;
  }
  EXPECT_EQ(seal_entries, 1) << text.out;
  auto status = Json(Api("GET", "sys/seal-status", "", ""));
  EXPECT_TRUE(status.at("sealed").as_bool());
}

}  // namespace
}  // namespace arca::testing
