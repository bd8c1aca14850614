// The cert auth method through a real Core: certs/ CRUD, config, CRLs, and logins with
// certificates made here (CA and intermediate chains, pinned client certificates, constraints,
// expiry, revocation, purpose), plus bad input on every path.
#include "auth/cert/cert.h"

#include <gtest/gtest.h>

#include <atomic>

#include "auth/cert/test_pki.h"
#include "core/testing.h"

namespace arca::auth {
namespace {

using cert::testing::CertSpec;
using cert::testing::Issue;
using cert::testing::MakeCrl;
using cert::testing::TestCert;
using logical::Operation;
using std::chrono::seconds;

class CertAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    core::CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.auth_methods["cert"] = [this](const logical::BackendConfig& c) {
      return NewCertBackend(c, CertOptions{.clock = [this] {
                              return std::chrono::system_clock::now() + seconds(skew_.load());
                            }});
    };
    t_.core = std::make_unique<core::Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_TRUE(Root(Operation::kUpdate, "sys/auth/cert", {{"type", "cert"}}));

    ca_ = Issue({.cn = "Test Root CA", .ca = true, .serial = 100});
    inter_ = Issue({.cn = "Test Intermediate", .ca = true, .serial = 101}, &ca_);
    client_ = Issue({.cn = "web.example.com",
                     .serial = 102,
                     .ou = "platform",
                     .san = "DNS:web.example.com,email:ops@example.com,URI:spiffe://example/web",
                     .eku = "clientAuth",
                     .utf8_extensions = {{"1.3.6.1.4.1.99999.1", "team-blue"}}},
                    &ca_);
    leaf_via_inter_ = Issue({.cn = "worker", .serial = 103, .eku = "clientAuth"}, &inter_);
    rogue_ca_ = Issue({.cn = "Rogue CA", .ca = true, .serial = 200});
    rogue_ = Issue({.cn = "web.example.com", .serial = 102, .eku = "clientAuth"}, &rogue_ca_);
  }

  Result<logical::Response> Do(Operation op, std::string path, json::object data, std::string token,
                               std::vector<std::string> chain = {},
                               std::string addr = "127.0.0.1") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    req.remote_addr = std::move(addr);
    if (!chain.empty()) {
      req.peer_certificates = std::make_shared<const std::vector<std::string>>(std::move(chain));
    }
    return t_.core->HandleRequest(req);
  }
  Result<logical::Response> Root(Operation op, std::string path, json::object data = {}) {
    return Do(op, std::move(path), std::move(data), root_);
  }
  Result<logical::Response> Login(std::vector<std::string> chain, json::object data = {},
                                  std::string addr = "127.0.0.1") {
    return Do(Operation::kUpdate, "auth/cert/login", std::move(data), "", std::move(chain),
              std::move(addr));
  }
  void Trust(const std::string& name, const TestCert& c, json::object extra = {}) {
    extra["certificate"] = c.Pem();
    auto r = Root(Operation::kUpdate, "auth/cert/certs/" + name, extra);
    ASSERT_TRUE(r) << r.error().ToString();
  }
  static std::string Message(const Result<logical::Response>& r) {
    return r ? "(success)" : r.error().message();
  }
  std::vector<std::string> ListKeys(const std::string& path) {
    auto r = Root(Operation::kList, path);
    std::vector<std::string> out;
    if (!r || !r->data.contains("keys")) return out;
    for (const auto& k : r->data.at("keys").as_array()) out.emplace_back(k.as_string());
    return out;
  }

  core::TestCore t_;
  std::string root_;
  std::atomic<int64_t> skew_{0};
  TestCert ca_, inter_, client_, leaf_via_inter_, rogue_ca_, rogue_;
};

constexpr char kNotTrusted[] = "invalid certificate or no client certificate supplied";
constexpr char kNoMatch[] =
    "no chain matching all constraints could be found for this login certificate";

TEST_F(CertAuth, CertsCrudReadShapeAndList) {
  Trust("Web", ca_,
        {{"display_name", "web-clients"},
         {"allowed_common_names", "*.example.com, api"},
         {"token_policies", "web,Reader"},
         {"token_ttl", "1h"},
         {"required_extensions", "1.3.6.1.4.1.99999.1:team-*"}});
  auto r = Root(Operation::kRead, "auth/cert/certs/web");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("certificate").as_string(), ca_.Pem());
  EXPECT_EQ(r->data.at("display_name").as_string(), "web-clients");
  EXPECT_EQ(json::serialize(r->data.at("allowed_common_names")), R"(["*.example.com","api"])");
  EXPECT_EQ(json::serialize(r->data.at("allowed_dns_sans")), "[]");
  EXPECT_EQ(json::serialize(r->data.at("required_extensions")),
            R"(["1.3.6.1.4.1.99999.1:team-*"])");
  EXPECT_EQ(json::serialize(r->data.at("token_policies")), R"(["reader","web"])");
  EXPECT_EQ(r->data.at("token_ttl").as_int64(), 3600);
  EXPECT_FALSE(r->data.at("ocsp_enabled").as_bool());
  for (const char* k :
       {"allowed_names", "allowed_email_sans", "allowed_uri_sans", "allowed_organizational_units",
        "allowed_metadata_extensions", "ocsp_servers_override", "ocsp_ca_certificates",
        "ocsp_fail_open", "token_max_ttl", "token_bound_cidrs", "token_type"}) {
    EXPECT_TRUE(r->data.contains(k)) << k;
  }

  // An update changes only what it names; display_name defaults to the name.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/cert/certs/web", {{"token_ttl", "2h"}}));
  r = Root(Operation::kRead, "auth/cert/certs/web");
  EXPECT_EQ(r->data.at("token_ttl").as_int64(), 7200);
  EXPECT_EQ(r->data.at("display_name").as_string(), "web-clients");
  Trust("other", rogue_ca_);
  EXPECT_EQ(Root(Operation::kRead, "auth/cert/certs/other")->data.at("display_name").as_string(),
            "other");
  EXPECT_EQ(ListKeys("auth/cert/certs"), (std::vector<std::string>{"other", "web"}));
  auto page = Root(Operation::kList, "auth/cert/certs", {{"limit", 1}});
  ASSERT_TRUE(page);
  EXPECT_EQ(json::serialize(page->data.at("keys")), R"(["other"])");
  page = Root(Operation::kList, "auth/cert/certs", {{"after", "other"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(json::serialize(page->data.at("keys")), R"(["web"])");

  ASSERT_TRUE(Root(Operation::kDelete, "auth/cert/certs/web"));
  r = Root(Operation::kRead, "auth/cert/certs/web");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(ListKeys("auth/cert/certs"), (std::vector<std::string>{"other"}));
}

TEST_F(CertAuth, CertsBadInputChangesNothing) {
  TestCert server_only = Issue({.cn = "srv", .serial = 7, .eku = "serverAuth"}, &ca_);
  struct Case {
    const char* name;
    json::object body;
    const char* message;  // substring
  };
  std::vector<Case> cases = {
      {"no certificate", {}, "failed to parse certificate"},
      {"garbage", {{"certificate", "not a pem"}}, "failed to parse certificate"},
      {"a key, not a certificate", {{"certificate", ca_.KeyPem()}}, "failed to parse certificate"},
      {"leaf without clientAuth",
       {{"certificate", server_only.Pem()}},
       "nonCA certificates should have TLS client authentication set as an extended key usage"},
      {"bad token_type", {{"certificate", ca_.Pem()}, {"token_type", "nope"}}, "token_type"},
      {"ttl over max_ttl",
       {{"certificate", ca_.Pem()}, {"token_ttl", "2h"}, {"token_max_ttl", "1h"}},
       "token_ttl"},
      {"bad cidr", {{"certificate", ca_.Pem()}, {"token_bound_cidrs", "300.1.1.1/8"}}, "cidr"},
      {"ocsp", {{"certificate", ca_.Pem()}, {"ocsp_enabled", true}}, "ocsp_enabled"},
      {"bad required_extensions",
       {{"certificate", ca_.Pem()}, {"required_extensions", "team-blue"}},
       "required_extensions"},
      {"bad ttl type", {{"certificate", ca_.Pem()}, {"token_ttl", "forever"}}, "token_ttl"},
  };
  for (const auto& c : cases) {
    auto r = Root(Operation::kUpdate, "auth/cert/certs/bad", c.body);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    EXPECT_NE(Message(r).find(c.message), std::string::npos) << c.name << ": " << Message(r);
    EXPECT_FALSE(Root(Operation::kRead, "auth/cert/certs/bad")) << c.name;
  }
  // A bad update of an existing entry leaves it as it was.
  Trust("good", ca_, {{"token_ttl", "1h"}});
  ASSERT_FALSE(Root(Operation::kUpdate, "auth/cert/certs/good",
                    {{"token_ttl", "3h"}, {"token_type", "nope"}}));
  EXPECT_EQ(Root(Operation::kRead, "auth/cert/certs/good")->data.at("token_ttl").as_int64(), 3600);
  // Bad names and operations.
  auto bad_name = Root(Operation::kUpdate, "auth/cert/certs/a b", {{"certificate", ca_.Pem()}});
  EXPECT_FALSE(bad_name);
  auto patch = Root(Operation::kPatch, "auth/cert/certs/good", {{"token_ttl", "1"}});
  ASSERT_FALSE(patch);
  EXPECT_EQ(patch.error().kind(), ErrorKind::kUnsupportedOperation);
  // Not without a token: only login is unauthenticated.
  auto anon = Do(Operation::kRead, "auth/cert/certs/good", {}, "");
  ASSERT_FALSE(anon);
  EXPECT_EQ(anon.error().kind(), ErrorKind::kPermissionDenied);
}

TEST_F(CertAuth, LoginWithCaIssuesTokenWithMetadataAndAlias) {
  Trust("web", ca_,
        {{"display_name", "webapp"},
         {"token_policies", "web"},
         {"token_ttl", "30m"},
         {"allowed_metadata_extensions", "1.3.6.1.4.1.99999.1,1.2.3.4"}});
  auto r = Login({client_.Der()});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  const auto& a = *r->auth;
  EXPECT_FALSE(a.client_token.empty());
  EXPECT_EQ(a.policies, (std::vector<std::string>{"default", "web"}));
  EXPECT_EQ(a.lease_duration.count(), 1800);
  EXPECT_EQ(a.metadata.at("cert_name"), "web");
  EXPECT_EQ(a.metadata.at("common_name"), "web.example.com");
  EXPECT_EQ(a.metadata.at("serial_number"), "102");
  EXPECT_EQ(a.metadata.at("subject_key_id").size(), 59u);  // 20 bytes as aa:bb:...
  EXPECT_EQ(a.metadata.at("authority_key_id").size(), 59u);
  EXPECT_EQ(a.metadata.at("1-3-6-1-4-1-99999-1"), "team-blue");
  EXPECT_FALSE(a.metadata.contains("1-2-3-4"));
  EXPECT_FALSE(a.entity_id.empty());

  auto me = Do(Operation::kRead, "auth/token/lookup-self", {}, a.client_token);
  ASSERT_TRUE(me) << me.error().ToString();
  EXPECT_EQ(me->data.at("display_name").as_string(), "cert-webapp");
  EXPECT_EQ(me->data.at("path").as_string(), "auth/cert/login");
  // The entity alias is the certificate's common name; a second login maps to the same entity.
  auto entity = Root(Operation::kRead, "identity/entity/id/" + a.entity_id);
  ASSERT_TRUE(entity) << entity.error().ToString();
  const auto& aliases = entity->data.at("aliases").as_array();
  ASSERT_EQ(aliases.size(), 1u);
  EXPECT_EQ(aliases[0].as_object().at("name").as_string(), "web.example.com");
  auto again = Login({client_.Der()});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->auth->entity_id, a.entity_id);
}

TEST_F(CertAuth, IntermediateChainsAndTrustAnchors) {
  Trust("root", ca_);
  // The client sends its intermediate: the chain reaches the trusted root.
  auto r = Login({leaf_via_inter_.Der(), inter_.Der()});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->metadata.at("cert_name"), "root");
  // Without it, no chain.
  EXPECT_EQ(Message(Login({leaf_via_inter_.Der()})), kNotTrusted);
  // A trusted intermediate is an anchor by itself (as Go's roots).
  Trust("inter", inter_);
  r = Login({leaf_via_inter_.Der()});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->metadata.at("cert_name"), "inter");
  // A rogue "intermediate" sent along does not help a certificate from another CA.
  EXPECT_EQ(Message(Login({rogue_.Der(), inter_.Der()})), kNotTrusted);
}

TEST_F(CertAuth, RefusedCertificates) {
  Trust("web", ca_);
  TestCert expired = Issue(
      {.cn = "old", .serial = 5, .not_before_s = -7200, .not_after_s = -3600, .eku = "clientAuth"},
      &ca_);
  TestCert future = Issue(
      {.cn = "new", .serial = 6, .not_before_s = 3600, .not_after_s = 7200, .eku = "clientAuth"},
      &ca_);
  TestCert server_only = Issue({.cn = "srv", .serial = 8, .eku = "serverAuth"}, &ca_);
  TestCert expired_inter =
      Issue({.cn = "old inter", .ca = true, .serial = 9, .not_before_s = -7200, .not_after_s = -10},
            &ca_);
  TestCert leaf_of_expired = Issue({.cn = "w2", .serial = 10, .eku = "clientAuth"}, &expired_inter);
  struct Case {
    const char* name;
    std::vector<std::string> chain;
    std::string message;
  };
  std::vector<Case> cases = {
      {"no certificate", {}, "no client certificate found"},
      {"wrong CA", {rogue_.Der()}, kNotTrusted},
      {"the rogue CA itself", {rogue_ca_.Der()}, kNotTrusted},
      {"expired",
       {expired.Der()},
       "failed to verify client's certificate: certificate has expired or is not yet valid"},
      {"not yet valid",
       {future.Der()},
       "failed to verify client's certificate: certificate has expired or is not yet valid"},
      {"server-only purpose",
       {server_only.Der()},
       "failed to verify client's certificate: unsuitable certificate purpose"},
      {"expired intermediate",
       {leaf_of_expired.Der(), expired_inter.Der()},
       "failed to verify client's certificate: certificate has expired"},
      {"garbage DER", {"not a certificate"}, "failed to parse the client certificate"},
  };
  for (const auto& c : cases) {
    auto r = Login(c.chain);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    EXPECT_EQ(Message(r), c.message) << c.name;
  }
  // The clock decides: the good certificate, a day and more later, has expired.
  ASSERT_TRUE(Login({client_.Der()}));
  skew_ = 2 * 24 * 3600;
  EXPECT_EQ(Message(Login({client_.Der()})),
            "failed to verify client's certificate: certificate has expired or is not yet valid");
}

TEST_F(CertAuth, RevokedByCrl) {
  Trust("root", ca_);
  ASSERT_TRUE(Login({client_.Der()}));
  ASSERT_TRUE(Login({leaf_via_inter_.Der(), inter_.Der()}));

  ASSERT_TRUE(Root(Operation::kUpdate, "auth/cert/crls/Main", {{"crl", MakeCrl(ca_, {102, 7})}}));
  auto crl = Root(Operation::kRead, "auth/cert/crls/main");
  ASSERT_TRUE(crl) << crl.error().ToString();
  EXPECT_EQ(json::serialize(crl->data.at("serials")), R"({"102":{},"7":{}})");
  EXPECT_EQ(ListKeys("auth/cert/crls"), (std::vector<std::string>{"main"}));
  EXPECT_EQ(Message(Login({client_.Der()})), kNoMatch);
  ASSERT_TRUE(Login({leaf_via_inter_.Der(), inter_.Der()}));

  // Revoking the intermediate refuses the chains through it.
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/cert/crls/inter", {{"crl", MakeCrl(ca_, {101})}}));
  EXPECT_EQ(Message(Login({leaf_via_inter_.Der(), inter_.Der()})), kNoMatch);

  ASSERT_TRUE(Root(Operation::kDelete, "auth/cert/crls/main"));
  ASSERT_TRUE(Root(Operation::kDelete, "auth/cert/crls/inter"));
  EXPECT_TRUE(Login({client_.Der()}));
  EXPECT_TRUE(Login({leaf_via_inter_.Der(), inter_.Der()}));
  // An empty CRL reads as {} (no serials).
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/cert/crls/empty", {{"crl", MakeCrl(ca_, {})}}));
  crl = Root(Operation::kRead, "auth/cert/crls/empty");
  ASSERT_TRUE(crl);
  EXPECT_TRUE(crl->data.empty());
  EXPECT_TRUE(crl->data_even_if_empty);
}

TEST_F(CertAuth, CrlBadInputChangesNothing) {
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/cert/crls/keep", {{"crl", MakeCrl(ca_, {1})}}));
  struct Case {
    const char* name;
    Operation op;
    std::string path;
    json::object body;
    std::string message;
  };
  std::vector<Case> cases = {
      {"no crl",
       Operation::kUpdate,
       "auth/cert/crls/x",
       {},
       "one of 'crl' or 'url' must be provided"},
      {"garbage", Operation::kUpdate, "auth/cert/crls/x", {{"crl", "junk"}}, "failed to parse CRL"},
      {"a certificate",
       Operation::kUpdate,
       "auth/cert/crls/x",
       {{"crl", ca_.Pem()}},
       "failed to parse CRL"},
      {"url", Operation::kUpdate, "auth/cert/crls/x", {{"url", "http://x/crl"}}, "not supported"},
      {"garbage over an existing one",
       Operation::kUpdate,
       "auth/cert/crls/keep",
       {{"crl", "junk"}},
       "failed to parse CRL"},
      {"read unknown", Operation::kRead, "auth/cert/crls/nope", {}, "no such CRL nope"},
      {"delete unknown", Operation::kDelete, "auth/cert/crls/nope", {}, "no such CRL nope"},
  };
  for (const auto& c : cases) {
    auto r = Root(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    EXPECT_NE(Message(r).find(c.message), std::string::npos) << c.name << ": " << Message(r);
  }
  EXPECT_EQ(ListKeys("auth/cert/crls"), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(json::serialize(Root(Operation::kRead, "auth/cert/crls/keep")->data.at("serials")),
            R"({"1":{}})");
}

TEST_F(CertAuth, Constraints) {
  struct Case {
    const char* name;
    json::object constraints;
    bool allowed;
  };
  std::vector<Case> cases = {
      {"cn glob", {{"allowed_common_names", "*.example.com"}}, true},
      {"cn other", {{"allowed_common_names", "api.example.com,db"}}, false},
      {"dns san", {{"allowed_dns_sans", "web.*"}}, true},
      {"dns san other", {{"allowed_dns_sans", "*.example.org"}}, false},
      {"email san", {{"allowed_email_sans", "*@example.com"}}, true},
      {"email san other", {{"allowed_email_sans", "root@example.com"}}, false},
      {"uri san", {{"allowed_uri_sans", "spiffe://example/*"}}, true},
      {"uri san other", {{"allowed_uri_sans", "spiffe://other/*"}}, false},
      {"ou", {{"allowed_organizational_units", "plat*"}}, true},
      {"ou other", {{"allowed_organizational_units", "finance"}}, false},
      {"extension", {{"required_extensions", "1.3.6.1.4.1.99999.1:team-*"}}, true},
      {"extension value", {{"required_extensions", "1.3.6.1.4.1.99999.1:team-red"}}, false},
      {"extension absent", {{"required_extensions", "1.3.6.1.4.1.99999.2:*"}}, false},
      {"allowed_names via email", {{"allowed_names", "ops@*"}}, true},
      {"allowed_names none", {{"allowed_names", "nobody"}}, false},
      {"all together",
       {{"allowed_common_names", "web.*"},
        {"allowed_dns_sans", "*.com"},
        {"allowed_organizational_units", "platform"}},
       true},
      {"one of several fails",
       {{"allowed_common_names", "web.*"}, {"allowed_organizational_units", "finance"}},
       false},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(Root(Operation::kDelete, "auth/cert/certs/c"));
    Trust("c", ca_, c.constraints);
    auto r = Login({client_.Der()});
    EXPECT_EQ(r.has_value(), c.allowed) << c.name << ": " << Message(r);
    if (!c.allowed) {
      EXPECT_EQ(Message(r), kNoMatch) << c.name;
    }
  }
}

TEST_F(CertAuth, NamedEntryPinnedCertificatesAndCidrs) {
  Trust("a-rogue", rogue_ca_, {{"token_policies", "rogue"}});
  Trust("b-web", ca_, {{"token_policies", "web"}});
  // Without a name every entry is tried; with one, only that one.
  auto r = Login({client_.Der()});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->metadata.at("cert_name"), "b-web");
  EXPECT_EQ(Message(Login({client_.Der()}, {{"name", "a-rogue"}})), kNotTrusted);
  EXPECT_EQ(Message(Login({client_.Der()}, {{"name", "missing"}})), kNotTrusted);
  ASSERT_TRUE(Login({client_.Der()}, {{"name", "B-Web"}}));

  // A client certificate registered as such: exactly that certificate.
  TestCert self_signed = Issue({.cn = "pinned", .serial = 55, .eku = "clientAuth"});
  Trust("pinned", self_signed, {{"token_policies", "pinned"}});
  r = Login({self_signed.Der()});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->metadata.at("cert_name"), "pinned");
  TestCert other_self_signed = Issue({.cn = "pinned", .serial = 55, .eku = "clientAuth"});
  EXPECT_EQ(Message(Login({other_self_signed.Der()})), kNotTrusted);

  // token_bound_cidrs: 403 from elsewhere.
  ASSERT_TRUE(
      Root(Operation::kUpdate, "auth/cert/certs/b-web", {{"token_bound_cidrs", "10.0.0.0/8"}}));
  auto far = Login({client_.Der()}, {{"name", "b-web"}}, "192.168.1.1");
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().kind(), ErrorKind::kPermissionDenied);
  EXPECT_TRUE(Login({client_.Der()}, {{"name", "b-web"}}, "10.1.2.3"));
}

TEST_F(CertAuth, ConfigAndAliasMetadata) {
  auto c = Root(Operation::kRead, "auth/cert/config");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_FALSE(c->data.at("disable_binding").as_bool());
  EXPECT_FALSE(c->data.at("enable_identity_alias_metadata").as_bool());
  EXPECT_EQ(c->data.at("ocsp_cache_size").as_int64(), 100);
  for (int bad : {0, 1, 100001}) {
    auto r = Root(Operation::kUpdate, "auth/cert/config",
                  {{"ocsp_cache_size", bad}, {"disable_binding", true}});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message(), "invalid cache size, must be >= 2 and <= 100000");
  }
  EXPECT_FALSE(Root(Operation::kUpdate, "auth/cert/config", {{"disable_binding", "maybe"}}));
  EXPECT_FALSE(Root(Operation::kRead, "auth/cert/config")->data.at("disable_binding").as_bool());
  ASSERT_TRUE(Root(Operation::kUpdate, "auth/cert/config",
                   {{"disable_binding", true},
                    {"enable_identity_alias_metadata", true},
                    {"ocsp_cache_size", 50}}));
  c = Root(Operation::kRead, "auth/cert/config");
  EXPECT_TRUE(c->data.at("disable_binding").as_bool());
  EXPECT_TRUE(c->data.at("enable_identity_alias_metadata").as_bool());
  EXPECT_EQ(c->data.at("ocsp_cache_size").as_int64(), 50);

  Trust("web", ca_);
  auto r = Login({client_.Der()});
  ASSERT_TRUE(r) << r.error().ToString();
  auto entity = Root(Operation::kRead, "identity/entity/id/" + r->auth->entity_id);
  ASSERT_TRUE(entity);
  const auto& alias = entity->data.at("aliases").as_array().at(0).as_object();
  EXPECT_EQ(alias.at("metadata").as_object().at("cert_name").as_string(), "web");
}

}  // namespace
}  // namespace arca::auth
