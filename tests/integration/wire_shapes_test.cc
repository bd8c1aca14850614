// Response shapes Vault clients depend on, over HTTP against a real dev server: the bare objects
// of the lifecycle endpoints, 200 with an empty map where Vault answers one, the shape of
// ?help=1, 403 for a bad or missing token, and the raw PKI downloads.
#include <gtest/gtest.h>

#include <optional>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

class WireShapes : public SharedDevServerSuite {
 protected:
  static json::object Json(const HttpResult& r) {
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o) << r.body;
    return o ? *o : json::object{};
  }
};

TEST_F(WireShapes, InitIsTheBareObject) {
  for (const std::string& token : {std::string(), root_}) {
    auto r = Req("GET", "/v1/sys/init", "", token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"initialized":true})");
  }
}

// The CLI reads the bare object too: with the envelope it reported "not initialized" (exit 2).
TEST_F(WireShapes, CliInitStatusReadsTheBareObject) {
  auto r = RunCli({"operator", "init", "-status"},
                  {{"VAULT_ADDR", "http://127.0.0.1:" + std::to_string(port_)}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "Arca is initialized\n");
}

// `arca path-help` prints the top-level "help" (with the envelope it printed an empty line).
TEST_F(WireShapes, CliPathHelpPrintsTheHelpText) {
  auto r = RunCli({"path-help", "sys/mounts"},
                  {{"VAULT_ADDR", "http://127.0.0.1:" + std::to_string(port_)},
                   {"VAULT_TOKEN", root_}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Matching Route: ^mounts$"), std::string::npos) << r.out;
}

TEST_F(WireShapes, LifecycleEndpointsAnswerBareObjects) {
  struct Case {
    const char* target;
    const char* key;  // a key Vault's documented body has at the top level
  };
  for (const Case& c : {Case{"/v1/sys/seal-status", "sealed"}, Case{"/v1/sys/health", "initialized"},
                        Case{"/v1/sys/leader", "ha_enabled"}}) {
    auto r = Req("GET", c.target, "", "");
    ASSERT_EQ(r.status, 200) << c.target << " " << r.body;
    auto o = Json(r);
    EXPECT_TRUE(o.contains(c.key)) << c.target << " " << r.body;
    EXPECT_FALSE(o.contains("data")) << c.target << " " << r.body;
    EXPECT_FALSE(o.contains("request_id")) << c.target << " " << r.body;
  }
  // key-status: Vault's envelope with the top-level copy of data.
  auto ks = Json(Req("GET", "/v1/sys/key-status"));
  EXPECT_EQ(ks["term"].as_int64(), 1);
  EXPECT_EQ(ks["data"].as_object()["term"].as_int64(), 1);
}

TEST_F(WireShapes, AuditTableWithNoDeviceIs200WithAnEmptyMap) {
  auto r = Req("GET", "/v1/sys/audit");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = Json(r);
  ASSERT_TRUE(o.contains("data")) << r.body;
  ASSERT_TRUE(o["data"].is_object()) << r.body;
  EXPECT_TRUE(o["data"].as_object().empty()) << r.body;

  // The same listing with a device shows it in data and at the top level.
  TempDir dir;
  auto en = Req("PUT", "/v1/sys/audit/f",
                R"({"type":"file","options":{"file_path":")" + dir.File("audit.log") + R"("}})");
  ASSERT_EQ(en.status, 204) << en.body;
  auto with = Json(Req("GET", "/v1/sys/audit"));
  EXPECT_TRUE(with["data"].as_object().contains("f/")) << json::serialize(with);
  EXPECT_TRUE(with.contains("f/")) << json::serialize(with);
  ASSERT_EQ(Req("DELETE", "/v1/sys/audit/f").status, 204);
  EXPECT_TRUE(Json(Req("GET", "/v1/sys/audit"))["data"].as_object().empty());
}

TEST_F(WireShapes, HelpIsTheBareHelpObject) {
  for (const char* target : {"/v1/sys/mounts?help=1", "/v1/secret/data/x?help=1",
                             "/v1/auth/token/create?help=1", "/v1/secret/?help=1"}) {
    auto r = Req("GET", target);
    ASSERT_EQ(r.status, 200) << target << " " << r.body;
    auto o = Json(r);
    EXPECT_EQ(o.size(), 3u) << target << " " << r.body;
    EXPECT_TRUE(o["help"].is_string()) << target;
    EXPECT_TRUE(o["openapi"].is_object()) << target;
    EXPECT_TRUE(o.contains("see_also") && o["see_also"].is_null()) << target;
  }
  // Help needs a token like any other request.
  EXPECT_EQ(Req("GET", "/v1/sys/mounts?help=1", "", "").status, 403);
}

TEST_F(WireShapes, BadOrMissingTokenIs403) {
  for (const std::string& token : {std::string(), std::string("hvs.nope")}) {
    for (const char* target : {"/v1/sys/mounts", "/v1/secret/data/x", "/v1/auth/token/lookup-self",
                               "/v1/sys/policy", "/v1/no-such-mount/x"}) {
      auto r = Req("GET", target, "", token);
      EXPECT_EQ(r.status, 403) << target << " token=" << token << " " << r.body;
      EXPECT_EQ(r.body, R"({"errors":["permission denied"]})") << target;
    }
  }
}

TEST_F(WireShapes, PkiRawDownloads) {
  ASSERT_EQ(Req("POST", "/v1/sys/mounts/pki", R"({"type":"pki"})").status, 204);
  auto root = Req("POST", "/v1/pki/root/generate/internal", R"({"common_name":"Wire CA"})");
  ASSERT_EQ(root.status, 200) << root.body;
  std::string pem(Json(root)["data"].as_object()["certificate"].as_string());

  struct Case {
    const char* target;
    const char* content_type;
  };
  for (const Case& c : {Case{"/v1/pki/ca", "application/pkix-cert"},
                        Case{"/v1/pki/ca/pem", "application/pem-certificate-chain"},
                        Case{"/v1/pki/crl", "application/pkix-crl"},
                        Case{"/v1/pki/crl/pem", "application/x-pem-file"}}) {
    auto r = Req("GET", c.target, "", "");
    ASSERT_EQ(r.status, 200) << c.target << " " << r.body;
    EXPECT_EQ(r.headers["content-type"], c.content_type) << c.target;
    EXPECT_FALSE(ParseJsonObject(r.body)) << c.target << ": not a JSON envelope";
  }
  auto ca_pem = Req("GET", "/v1/pki/ca/pem", "", "");
  EXPECT_EQ(ca_pem.body.substr(0, pem.size()), pem);
  // The JSON reads of the same objects keep the envelope.
  auto cert = Json(Req("GET", "/v1/pki/cert/ca", "", ""));
  EXPECT_EQ(std::string(cert["data"].as_object()["certificate"].as_string()).substr(0, pem.size()),
            pem);
}

}  // namespace
}  // namespace arca::testing
