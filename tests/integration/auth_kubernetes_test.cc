// The kubernetes auth method end to end: the real binary, the CLI, and a TokenReview STAND-IN
// (tests/services/tokenreview_standin.py; no Kubernetes API server is packaged in Debian) on
// loopback over HTTPS, which mints service account tokens and answers TokenReviews as the API
// server does, checking the reviewer's bearer token.
#include <gtest/gtest.h>

#include "common/json.h"
#include "integration/harness.h"
#include "services/tokenreview_standin.h"

namespace arca::testing {
namespace {

class KubernetesAuth : public DevServerTest {
 protected:
  void SetUp() override {
    DevServerTest::SetUp();
    standin_ = std::make_unique<TokenReviewStandin>(
        TokenReviewStandinOptions{.admin_token = RandomToken(),
                                  .service_accounts = {"prod:app", "dev:app", "prod:other"},
                                  .reviewers = {"kube-system:vault-reviewer"}});
    ASSERT_TRUE(standin_->ok()) << standin_->error();
    std::string err;
    reviewer_ = standin_->MintToken("kube-system", "vault-reviewer", {}, &err);
    ASSERT_FALSE(reviewer_.empty()) << err;
    Ok({"auth", "enable", "kubernetes"});
    Configure(standin_->ca_path(), reviewer_);
    Ok({"write", "auth/kubernetes/role/app", "bound_service_account_names=app",
        "bound_service_account_namespaces=prod", "token_policies=app-read", "token_ttl=20m"});
  }
  void Configure(const std::string& ca_path, const std::string& reviewer) {
    Ok({"write", "auth/kubernetes/config", "kubernetes_host=" + standin_->url(),
        "kubernetes_ca_cert=@" + ca_path, "token_reviewer_jwt=" + reviewer});
  }
  std::string Mint(const std::string& ns, const std::string& name) {
    std::string err;
    std::string t = standin_->MintToken(ns, name, {}, &err);
    EXPECT_FALSE(t.empty()) << err;
    return t;
  }
  CliResult LoginCli(const std::string& jwt, const std::string& role = "app") {
    return Cli({"login", "-method=kubernetes", "-token-only", "role=" + role, "jwt=" + jwt}, "");
  }

  std::unique_ptr<TokenReviewStandin> standin_;
  std::string reviewer_;
};

TEST_F(KubernetesAuth, CliLoginWithAServiceAccountToken) {
  const std::string jwt = Mint("prod", "app");
  auto login = LoginCli(jwt);
  ASSERT_EQ(login.exit_code, 0) << login.err;
  const std::string token = login.out;
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  auto self = ParseJsonObject(Ok({"token", "lookup", "-format=json"}, token));
  ASSERT_TRUE(self);
  const auto& d = self->at("data").as_object();
  EXPECT_EQ(d.at("display_name").as_string(), "kubernetes-prod-app");
  EXPECT_EQ(json::serialize(d.at("policies")), R"(["app-read","default"])");
  EXPECT_EQ(d.at("meta").as_object().at("service_account_namespace").as_string(), "prod");
  EXPECT_LE(d.at("ttl").as_int64(), 1200);
  EXPECT_NE(Ok({"auth", "help", "kubernetes"}).find("jwt=<string>"), std::string::npos);

  // The reviewer JWT is never read back, and no token reaches the server's log.
  std::string cfg = Ok({"read", "-format=json", "auth/kubernetes/config"});
  EXPECT_EQ(cfg.find(reviewer_), std::string::npos);
  EXPECT_NE(cfg.find(R"("token_reviewer_jwt_set": true)"), std::string::npos) << cfg;
  const std::string log = server_->Log();
  EXPECT_EQ(log.find(reviewer_), std::string::npos);
  EXPECT_EQ(log.find(jwt), std::string::npos);
}

TEST_F(KubernetesAuth, WrongNamespaceOrNameRefused) {
  auto ns = LoginCli(Mint("dev", "app"));
  EXPECT_EQ(ns.exit_code, 2);
  EXPECT_NE(ns.err.find("namespace not authorized"), std::string::npos) << ns.err;
  auto name = LoginCli(Mint("prod", "other"));
  EXPECT_EQ(name.exit_code, 2);
  EXPECT_NE(name.err.find("service account name not authorized"), std::string::npos) << name.err;
}

TEST_F(KubernetesAuth, DeletedServiceAccountIsUnauthenticated) {
  const std::string jwt = Mint("prod", "app");
  ASSERT_EQ(LoginCli(jwt).exit_code, 0);
  ASSERT_EQ(standin_->Call("DELETE", "/api/v1/namespaces/prod/serviceaccounts/app", ""), 200);
  auto r = LoginCli(jwt);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
  // The server logged why (without the token).
  const std::string log = server_->Log();
  EXPECT_NE(log.find("lookup failed"), std::string::npos);
  EXPECT_EQ(log.find(jwt), std::string::npos);
}

TEST_F(KubernetesAuth, WrongReviewerTokenRefused) {
  // A valid service account token, but not allowed to create TokenReviews.
  Configure(standin_->ca_path(), Mint("prod", "other"));
  auto r = LoginCli(Mint("prod", "app"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
  // Not a token at all.
  Configure(standin_->ca_path(), "garbage");
  EXPECT_EQ(LoginCli(Mint("prod", "app")).exit_code, 2);
  Configure(standin_->ca_path(), reviewer_);
  EXPECT_EQ(LoginCli(Mint("prod", "app")).exit_code, 0);
}

TEST_F(KubernetesAuth, BadCaRefused) {
  Configure(standin_->other_ca_path(), reviewer_);
  auto r = LoginCli(Mint("prod", "app"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
  EXPECT_NE(server_->Log().find("certificate"), std::string::npos);
}

TEST_F(KubernetesAuth, PemKeysVerifySignaturesLocally) {
  Ok({"write", "auth/kubernetes/config", "kubernetes_host=" + standin_->url(),
      "kubernetes_ca_cert=@" + standin_->ca_path(), "token_reviewer_jwt=" + reviewer_,
      "pem_keys=@" + standin_->signing_key_path()});
  const std::string jwt = Mint("prod", "app");
  EXPECT_EQ(LoginCli(jwt).exit_code, 0);
  std::string forged = jwt.substr(0, jwt.rfind('.') + 1) + "AAAA";
  auto r = LoginCli(forged);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
}

TEST_F(KubernetesAuth, BadInputOnEveryEndpoint) {
  auto cfg = Cli({"write", "auth/kubernetes/config", "kubernetes_ca_cert=x"});
  EXPECT_EQ(cfg.exit_code, 2);
  EXPECT_NE(cfg.err.find("no host provided"), std::string::npos) << cfg.err;
  auto role = Cli({"write", "auth/kubernetes/role/bad", "bound_service_account_names=app"});
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_NE(role.err.find("bound_service_account_namespaces"), std::string::npos) << role.err;
  auto missing = Cli({"login", "-method=kubernetes", "role=app"}, "");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("missing jwt"), std::string::npos) << missing.err;
  auto unknown = LoginCli(Mint("prod", "app"), "nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("invalid role name"), std::string::npos) << unknown.err;
  auto wrong_verb =
      RawHttp(port_, "DELETE", "/v1/auth/kubernetes/config", "", {{"X-Vault-Token", root_}});
  EXPECT_EQ(wrong_verb.status, 405) << wrong_verb.body;
}

}  // namespace
}  // namespace arca::testing
