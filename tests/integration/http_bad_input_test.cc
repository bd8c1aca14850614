// Bad input over HTTP against a real dev server: each answered with the right status and a
// clear message, and nothing changed.
#include <gtest/gtest.h>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

class HttpBadInput : public SharedDevServerSuite {
 protected:
  static void SetUpTestSuite() {
    SharedDevServerSuite::SetUpTestSuite();
    if (HasFatalFailure()) return;
    // A KV version 1 mount: its API paths are the secret paths themselves.
    auto m = Req("POST", "/v1/sys/mounts/kv", R"({"type":"kv"})");
    ASSERT_EQ(m.status, 204) << m.body;
    auto r = Req("POST", "/v1/kv/keep", R"({"v":"original"})");
    ASSERT_EQ(r.status, 204) << r.body;
  }
  static HttpResult Req(const std::string& method, const std::string& target,
                        const std::string& body = "",
                        std::map<std::string, std::string> headers = {{"X-Vault-Token", root_}}) {
    return RawHttp(port_, method, target, body, headers);
  }
  static void ExpectUnchanged() {
    auto r = Req("GET", "/v1/kv/keep");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = ParseJsonObject(r.body);
    ASSERT_TRUE(o);
    EXPECT_EQ((*o)["data"].as_object()["v"].as_string(), "original");
  }
  static std::vector<std::string> Errors(const HttpResult& r) {
    std::vector<std::string> out;
    auto o = ParseJsonObject(r.body);
    if (!o || !o->contains("errors")) return out;
    for (const auto& e : (*o)["errors"].as_array()) out.emplace_back(e.as_string());
    return out;
  }
};

TEST_F(HttpBadInput, EnvelopeAndHeaders) {
  auto r = Req("GET", "/v1/kv/keep");
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  EXPECT_NE(r.headers["content-type"].find("application/json"), std::string::npos);
  auto o = *ParseJsonObject(r.body);
  for (const char* k : {"request_id", "lease_id", "renewable", "lease_duration", "data",
                        "wrap_info", "warnings", "auth", "mount_type"}) {
    EXPECT_TRUE(o.contains(k)) << k;
  }
  EXPECT_EQ(o["request_id"].as_string().size(), 36u);
  EXPECT_EQ(o["mount_type"].as_string(), "kv");
  // Bearer works as well as X-Vault-Token.
  EXPECT_EQ(Req("GET", "/v1/kv/keep", "", {{"Authorization", "Bearer " + root_}}).status, 200);
  // LIST verb and ?list=true.
  EXPECT_EQ(Req("LIST", "/v1/kv/").status, 200);
  EXPECT_EQ(Req("GET", "/v1/kv/?list=true").status, 200);
  auto empty = Req("LIST", "/v1/kv/nothing-here/");
  EXPECT_EQ(empty.status, 404);
  EXPECT_EQ(empty.body.find("errors") != std::string::npos, true);
  // HEAD sys/health: status, no body.
  auto head = Req("HEAD", "/v1/sys/health");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(HttpBadInput, MalformedJson) {
  for (const char* body : {"{bad json", "[1,2,3]", "\"string\"", "{\"v\":", "null"}) {
    auto r = Req("POST", "/v1/kv/keep", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    auto errs = Errors(r);
    ASSERT_FALSE(errs.empty()) << r.body;
  }
  ExpectUnchanged();
}

TEST_F(HttpBadInput, WrongFieldTypes) {
  auto r = Req("POST", "/v1/sys/mounts/x", R"({"type": 12})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Req("POST", "/v1/sys/mounts/x", R"({"type": "kv", "config": "nope"})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Req("POST", "/v1/sys/init", R"({"secret_shares": "many", "secret_threshold": 1})");
  EXPECT_EQ(r.status, 400) << r.body;  // already initialized or bad type: a 400 either way
  r = Req("GET", "/v1/sys/health?activecode=abc");
  EXPECT_EQ(r.status, 400) << r.body;
  auto mounts = Req("GET", "/v1/sys/mounts");
  EXPECT_EQ(mounts.body.find("\"x/\""), std::string::npos);
}

TEST_F(HttpBadInput, UnknownMountsAndPaths) {
  auto r = Req("GET", "/v1/nope/thing");
  EXPECT_EQ(r.status, 404) << r.body;
  ASSERT_FALSE(Errors(r).empty());
  EXPECT_NE(Errors(r)[0].find("no handler for route"), std::string::npos);
  EXPECT_EQ(Req("GET", "/v1/sys/no-such-endpoint").status, 404);
  EXPECT_EQ(Req("GET", "/not-api").status, 404);
}

TEST_F(HttpBadInput, TraversalIsRejected) {
  for (const char* target : {"/v1/kv/../sys/mounts", "/v1/kv/%2e%2e/sys/mounts",
                             "/v1/kv/%2E%2E/keep", "/v1/kv/./keep",
                             "/v1/kv/a/..", "/v1/kv/%2e%2e%2fsys"}) {
    auto r = Req("GET", target);
    EXPECT_EQ(r.status, 400) << target << " -> " << r.body;
    r = Req("POST", target, R"({"v":"evil"})");
    EXPECT_EQ(r.status, 400) << target << " -> " << r.body;
  }
  ExpectUnchanged();
}

TEST_F(HttpBadInput, OversizeBody) {
  std::string big = "{\"v\":\"" + std::string(33 * 1024 * 1024, 'a') + "\"}";
  auto r = Req("POST", "/v1/kv/keep", big);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  ExpectUnchanged();
}

TEST_F(HttpBadInput, UnsupportedVerbsAndOperations) {
  EXPECT_EQ(Req("BREW", "/v1/kv/keep").status, 405);
  auto patch = Req("PATCH", "/v1/kv/keep", R"({"v":"p"})", {{"X-Vault-Token", root_}, {"Content-Type", "application/json"}});
  EXPECT_EQ(patch.status, 415) << patch.body;
  EXPECT_EQ(Req("DELETE", "/v1/sys/mounts").status, 405);
  ExpectUnchanged();
}

TEST_F(HttpBadInput, TokensAndWrapTtl) {
  EXPECT_EQ(Req("GET", "/v1/kv/keep", "", {}).status, 403);
  EXPECT_EQ(Req("GET", "/v1/kv/keep", "", {{"X-Vault-Token", "wrong"}}).status, 403);
  EXPECT_EQ(Req("POST", "/v1/kv/keep", R"({"v":"x"})", {{"X-Vault-Token", "wrong"}}).status, 403);
  auto w = Req("GET", "/v1/kv/keep", "", {{"X-Vault-Token", root_}, {"X-Vault-Wrap-TTL", "soon"}});
  EXPECT_EQ(w.status, 400) << w.body;
  ExpectUnchanged();
}

}  // namespace
}  // namespace arca::testing

namespace arca::testing {
namespace {

// KV version 2 in dev mode: CAS and PATCH over HTTP.
TEST_F(HttpBadInput, KvV2CheckAndSetAndPatch) {
  auto w = Req("POST", "/v1/secret/data/cas", R"({"data":{"a":"1"},"options":{"cas":0}})");
  ASSERT_EQ(w.status, 200) << w.body;
  auto again = Req("POST", "/v1/secret/data/cas", R"({"data":{"a":"2"},"options":{"cas":0}})");
  EXPECT_EQ(again.status, 400) << again.body;
  auto ok = Req("POST", "/v1/secret/data/cas", R"({"data":{"a":"2"},"options":{"cas":1}})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto patch = RawHttp(port_, "PATCH", "/v1/secret/data/cas", R"({"data":{"b":"3"}})",
                       {{"X-Vault-Token", root_}, {"Content-Type", "application/merge-patch+json"}});
  EXPECT_EQ(patch.status, 200) << patch.body;
  auto r = Req("GET", "/v1/secret/data/cas");
  auto o = ParseJsonObject(r.body);
  ASSERT_TRUE(o) << r.body;
  auto& data = (*o)["data"].as_object()["data"].as_object();
  EXPECT_EQ(data["a"].as_string(), "2");
  EXPECT_EQ(data["b"].as_string(), "3");
  EXPECT_EQ((*o)["data"].as_object()["metadata"].as_object()["version"].as_int64(), 3);
  auto bad = Req("POST", "/v1/secret/data/cas", R"({"data":"not-an-object"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

}  // namespace
}  // namespace arca::testing
