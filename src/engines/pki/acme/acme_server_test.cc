// The ACME server driven as a client drives it, through a framework backend over an
// InmemStorage, with a fake PkiInternal (a throwaway EC CA made with OpenSSL) and a recording
// http-01 validator. The real PKI engine and a real client (lego) are covered by the
// integration test.
#include "engines/pki/acme/acme_server.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <map>
#include <set>

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "engines/pki/acme/acme_internal.h"
#include "engines/pki/acme/acme_test_util.h"
#include "logical/framework/framework_backend.h"

namespace arca::pki::acme {
namespace {

using testing::MakeCsrDer;
using testing::TestKey;

std::string PemOf(X509* x) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len);
  BIO_free(bio);
  return out;
}

// Signs CSRs with a self-signed EC CA; remembers what it was asked.
class FakePki : public PkiInternal {
 public:
  FakePki() : ca_key_("ec256") {
    ca_ = X509_new();
    X509_set_version(ca_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(ca_), 1);
    X509_gmtime_adj(X509_getm_notBefore(ca_), 0);
    X509_gmtime_adj(X509_getm_notAfter(ca_), 86400 * 365);
    X509_NAME* name = X509_get_subject_name(ca_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Fake CA"), -1, -1, 0);
    X509_set_issuer_name(ca_, name);
    X509_set_pubkey(ca_, ca_key_.pkey());
    X509_sign(ca_, ca_key_.pkey(), EVP_sha256());
  }
  ~FakePki() override { X509_free(ca_); }

  Result<IssuedCertificate> SignCsr(logical::Storage&, std::string_view issuer_ref,
                                    std::string_view role, std::span<const uint8_t> csr_der,
                                    std::optional<std::chrono::seconds> ttl,
                                    const AcmeSignOptions& options) override {
    last_issuer = std::string(issuer_ref);
    last_role = std::string(role);
    last_ttl = ttl;
    last_options = options;
    if (refuse) return std::unexpected(InvalidRequest("role does not allow the name"));
    const unsigned char* p = csr_der.data();
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, csr_der.size());
    if (req == nullptr) return std::unexpected(InvalidRequest("bad csr"));
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), next_serial_++);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), ttl ? ttl->count() : 3600);
    X509_set_subject_name(cert, X509_REQ_get_subject_name(req));
    X509_set_issuer_name(cert, X509_get_subject_name(ca_));
    EVP_PKEY* pub = X509_REQ_get_pubkey(req);
    X509_set_pubkey(cert, pub);
    EVP_PKEY_free(pub);
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
    for (int i = 0; exts != nullptr && i < sk_X509_EXTENSION_num(exts); ++i) {
      X509_add_ext(cert, sk_X509_EXTENSION_value(exts, i), -1);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_sign(cert, ca_key_.pkey(), EVP_sha256());
    X509_REQ_free(req);
    IssuedCertificate out;
    unsigned char* der = nullptr;
    int len = i2d_X509(cert, &der);
    out.serial_number = SerialOfDerForTest(std::string(reinterpret_cast<char*>(der), len));
    OPENSSL_free(der);
    out.certificate_pem = PemOf(cert);
    out.ca_chain_pem = {PemOf(ca_)};
    out.expiration = 2'000'000'000;
    X509_free(cert);
    certs_[out.serial_number] = out.certificate_pem;
    return out;
  }
  Status CheckAcmeIdentifier(logical::Storage&, std::string_view role, std::string_view type,
                             std::string_view value) override {
    checked.push_back(std::string(role) + "|" + std::string(type) + ":" + std::string(value));
    if (refused_identifiers.contains(std::string(value))) {
      return std::unexpected(InvalidRequest(
          "role " + std::string(role) + " will not issue a certificate for " + std::string(value)));
    }
    return {};
  }
  Status Revoke(logical::Storage&, std::string_view serial) override {
    if (!certs_.contains(std::string(serial))) return std::unexpected(NotFound("no cert"));
    if (!revoked.insert(std::string(serial)).second) {
      return std::unexpected(InvalidRequest("certificate already revoked"));
    }
    return {};
  }
  Result<std::string> CertificatePem(logical::Storage&, std::string_view serial) override {
    auto it = certs_.find(std::string(serial));
    if (it == certs_.end()) return std::unexpected(NotFound("certificate not found"));
    return it->second;
  }
  static std::string SerialOfDerForTest(const std::string& der);

  std::string last_issuer, last_role;
  std::optional<std::chrono::seconds> last_ttl;
  AcmeSignOptions last_options;
  bool refuse = false;
  std::set<std::string> refused_identifiers;  // CheckAcmeIdentifier refuses these values
  std::vector<std::string> checked;           // "role|type:value" per CheckAcmeIdentifier
  std::set<std::string> revoked;

 private:
  TestKey ca_key_;
  X509* ca_ = nullptr;
  int next_serial_ = 4096;
  std::map<std::string, std::string> certs_;
};

std::string FakePki::SerialOfDerForTest(const std::string& der) { return SerialOfDer(der); }

constexpr std::string_view kCluster = "http://127.0.0.1:8200/v1/pki";

class AcmeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AcmeServer::Options options;
    options.http01_port = 5002;
    options.now = [this] { return now_; };
    options.validate_http01 = [this](std::string_view domain, int port, std::string_view token,
                                      std::string_view key_auth) -> AcmeStatus {
      validations_.push_back({std::string(domain), port, std::string(token), std::string(key_auth)});
      if (!challenge_ok_) return MakeProblem("incorrectResponse", "wrong body");
      return {};
    };
    options.tls_alpn01_port = 5003;
    options.validate_tls_alpn01 = [this](std::string_view domain, int port, std::string_view token,
                                          std::string_view key_auth) -> AcmeStatus {
      tls_validations_.push_back({std::string(domain), port, std::string(token), std::string(key_auth)});
      return {};
    };
    server_ = std::make_unique<AcmeServer>(pki_, options);
    logical::framework::FrameworkBackend::Options o;
    o.type = "pki";
    o.paths = server_->Paths();
    o.special_paths.unauthenticated = AcmeServer::UnauthenticatedPaths();
    auto b = logical::framework::FrameworkBackend::Create(std::move(o));
    ASSERT_TRUE(b) << b.error().ToString();
    backend_ = std::move(*b);
  }

  Result<logical::Response> Do(logical::Operation op, const std::string& path, json::object body = {}) {
    logical::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(body);
    req.mount_point = "pki/";
    req.storage = &storage_;
    return backend_->HandleRequest(req);
  }
  void Enable(json::object extra = {}) {
    json::object cfg{{"enabled", true}, {"eab_policy", "not-required"}};
    for (auto& [k, v] : extra) cfg[k] = v;
    ASSERT_TRUE(Do(logical::Operation::kUpdate, "config/acme", cfg));
    ASSERT_TRUE(Do(logical::Operation::kUpdate, "config/cluster", {{"path", kCluster}}));
  }
  std::string Nonce(const std::string& dir = "acme/") {
    auto r = Do(logical::Operation::kRead, dir + "new-nonce");
    EXPECT_TRUE(r && r->headers.contains("Replay-Nonce"));
    return r ? r->headers["Replay-Nonce"] : "";
  }
  // A signed POST to `path` (relative to the mount); kid empty = jwk.
  logical::Response Post(const TestKey& key, const std::string& path, const std::string& kid,
                         std::optional<json::object> payload, const std::string& dir = "acme/") {
    std::string nonce = Nonce(dir);
    auto r = Do(logical::Operation::kUpdate, path,
                key.Jws(std::string(kCluster) + "/" + path, nonce, kid, payload));
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    EXPECT_TRUE(r && r->raw) << path;
    return r && r->raw ? *r : logical::Response{};
  }
  static json::object Body(const logical::Response& r) {
    if (!r.raw || r.raw->body.empty()) return {};
    return json::parse(r.raw->body).as_object();
  }
  static std::string ProblemType(const logical::Response& r) {
    EXPECT_EQ(r.raw->content_type, "application/problem+json") << r.raw->body;
    auto b = Body(r);
    return b.contains("type") ? std::string(b["type"].as_string()) : "";
  }
  static std::string Tail(const std::string& url) {  // the path relative to the mount
    return url.substr(kCluster.size() + 1);
  }
  // Registers an account, returns its kid (URL).
  std::string Register(const TestKey& key) {
    auto r = Post(key, "acme/new-account", "", json::object{{"termsOfServiceAgreed", true}});
    EXPECT_EQ(r.raw->status, 201) << r.raw->body;
    return r.headers["Location"];
  }
  // Orders `names`, validates every authorization, returns the order URL.
  std::string ReadyOrder(const TestKey& key, const std::string& kid, const std::vector<std::string>& names) {
    json::array ids;
    for (const auto& n : names) ids.push_back(json::object{{"type", "dns"}, {"value", n}});
    auto order = Post(key, "acme/new-order", kid, json::object{{"identifiers", ids}});
    EXPECT_EQ(order.raw->status, 201) << order.raw->body;
    json::object ob = Body(order);
    for (const auto& authz_url : ob["authorizations"].as_array()) {
      auto authz = Post(key, Tail(std::string(authz_url.as_string())), kid, std::nullopt);
      std::string ch_url(Body(authz)["challenges"].as_array()[0].as_object()["url"].as_string());
      Post(key, Tail(ch_url), kid, json::object{});
    }
    return order.headers["Location"];
  }

  int64_t now_ = 1'800'000'000;
  bool challenge_ok_ = true;
  struct Validation {
    std::string domain;
    int port;
    std::string token, key_auth;
  };
  std::vector<Validation> validations_;
  std::vector<Validation> tls_validations_;
  FakePki pki_;
  logical::InmemStorage storage_;
  std::unique_ptr<AcmeServer> server_;
  std::unique_ptr<logical::framework::FrameworkBackend> backend_;
};

TEST_F(AcmeServerTest, DisabledUntilConfiguredThenNeedsClusterPath) {
  auto r = Do(logical::Operation::kRead, "acme/directory");
  ASSERT_TRUE(r && r->raw);
  EXPECT_EQ(r->raw->status, 403);
  EXPECT_EQ(ProblemType(*r), "urn:ietf:params:acme:error:unauthorized");
  ASSERT_TRUE(Do(logical::Operation::kUpdate, "config/acme", {{"enabled", true}}));
  r = Do(logical::Operation::kRead, "acme/directory");
  EXPECT_EQ(r->raw->status, 500);
  EXPECT_NE(r->raw->body.find("config/cluster"), std::string::npos);
}

TEST_F(AcmeServerTest, DirectoryListsThisMountsUrls) {
  Enable();
  auto r = Do(logical::Operation::kRead, "acme/directory");
  ASSERT_TRUE(r && r->raw);
  EXPECT_EQ(r->raw->status, 200);
  auto d = Body(*r);
  EXPECT_EQ(d["newNonce"].as_string(), std::string(kCluster) + "/acme/new-nonce");
  EXPECT_EQ(d["newAccount"].as_string(), std::string(kCluster) + "/acme/new-account");
  EXPECT_EQ(d["newOrder"].as_string(), std::string(kCluster) + "/acme/new-order");
  EXPECT_EQ(d["revokeCert"].as_string(), std::string(kCluster) + "/acme/revoke-cert");
  EXPECT_FALSE(d["meta"].as_object()["externalAccountRequired"].as_bool());
  EXPECT_NE(r->headers["Link"].find("rel=\"index\""), std::string::npos);
  auto role_dir = Do(logical::Operation::kRead, "issuer/root1/roles/web/acme/directory");
  EXPECT_EQ(Body(*role_dir)["newOrder"].as_string(),
            std::string(kCluster) + "/issuer/root1/roles/web/acme/new-order");
}

TEST_F(AcmeServerTest, FullIssuanceAndRevocation) {
  Enable();
  TestKey account;
  const std::string kid = Register(account);
  EXPECT_TRUE(kid.starts_with(std::string(kCluster) + "/acme/account/")) << kid;
  // The same key again: 200 and the same account.
  auto again = Post(account, "acme/new-account", "", json::object{});
  EXPECT_EQ(again.raw->status, 200);
  EXPECT_EQ(again.headers["Location"], kid);

  auto order = Post(account, "acme/new-order", kid,
                    json::object{{"identifiers", json::array{json::object{{"type", "dns"}, {"value", "Web.Example.com"}}}}});
  ASSERT_EQ(order.raw->status, 201) << order.raw->body;
  const std::string order_url = order.headers["Location"];
  auto ob = Body(order);
  EXPECT_EQ(ob["status"].as_string(), "pending");
  EXPECT_EQ(ob["identifiers"].as_array()[0].as_object()["value"].as_string(), "web.example.com");
  const std::string authz_url(ob["authorizations"].as_array()[0].as_string());

  // Finalizing too early is orderNotReady.
  TestKey cert_key;
  std::string csr = Base64UrlEncode(MakeCsrDer(cert_key, {"web.example.com"}));
  auto early = Post(account, Tail(order_url) + "/finalize", kid, json::object{{"csr", csr}});
  EXPECT_EQ(early.raw->status, 403);
  EXPECT_EQ(ProblemType(early), "urn:ietf:params:acme:error:orderNotReady");

  auto authz = Post(account, Tail(authz_url), kid, std::nullopt);
  auto ab = Body(authz);
  EXPECT_EQ(ab["status"].as_string(), "pending");
  auto challenge = ab["challenges"].as_array()[0].as_object();
  EXPECT_EQ(challenge["type"].as_string(), "http-01");
  const std::string token(challenge["token"].as_string());
  EXPECT_GE(token.size(), 43u);  // 256 bits, base64url

  auto ch = Post(account, Tail(std::string(challenge["url"].as_string())), kid, json::object{});
  EXPECT_EQ(Body(ch)["status"].as_string(), "valid") << ch.raw->body;
  EXPECT_NE(ch.headers["Link"].find(authz_url + ">;rel=\"up\""), std::string::npos);
  ASSERT_EQ(validations_.size(), 1u);
  EXPECT_EQ(validations_[0].domain, "web.example.com");
  EXPECT_EQ(validations_[0].port, 5002);
  auto jwk = Jwk::FromJson(account.Jwk());
  EXPECT_EQ(validations_[0].key_auth, token + "." + jwk->Thumbprint());
  // Posting again does not validate twice.
  Post(account, Tail(std::string(challenge["url"].as_string())), kid, json::object{});
  EXPECT_EQ(validations_.size(), 1u);

  EXPECT_EQ(Body(Post(account, Tail(order_url), kid, std::nullopt))["status"].as_string(), "ready");

  // A CSR for other names is refused and the order stays ready.
  auto wrong = Post(account, Tail(order_url) + "/finalize", kid,
                    json::object{{"csr", Base64UrlEncode(MakeCsrDer(cert_key, {"other.example.com"}))}});
  EXPECT_EQ(ProblemType(wrong), "urn:ietf:params:acme:error:badCSR");
  // The account key may not be the certificate key.
  auto same = Post(account, Tail(order_url) + "/finalize", kid,
                   json::object{{"csr", Base64UrlEncode(MakeCsrDer(account, {"web.example.com"}))}});
  EXPECT_EQ(ProblemType(same), "urn:ietf:params:acme:error:badCSR");
  auto garbage = Post(account, Tail(order_url) + "/finalize", kid, json::object{{"csr", "AAAA"}});
  EXPECT_EQ(ProblemType(garbage), "urn:ietf:params:acme:error:badCSR");

  auto fin = Post(account, Tail(order_url) + "/finalize", kid, json::object{{"csr", csr}});
  ASSERT_EQ(fin.raw->status, 200) << fin.raw->body;
  auto fb = Body(fin);
  EXPECT_EQ(fb["status"].as_string(), "valid");
  EXPECT_EQ(pki_.last_role, "");  // the default directory signs verbatim
  const std::string cert_url(fb["certificate"].as_string());

  auto cert = Post(account, Tail(cert_url), kid, std::nullopt);
  EXPECT_EQ(cert.raw->content_type, "application/pem-certificate-chain");
  // Leaf then CA.
  BIO* bio = BIO_new_mem_buf(cert.raw->body.data(), cert.raw->body.size());
  X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(leaf, nullptr);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(X509_check_host(leaf, "web.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_verify(leaf, X509_get0_pubkey(ca)), 1);
  unsigned char* der = nullptr;
  int len = i2d_X509(leaf, &der);
  std::string leaf_der(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  X509_free(leaf);
  X509_free(ca);

  // Another account may not revoke it; its owner may, once.
  TestKey intruder;
  const std::string intruder_kid = Register(intruder);
  auto denied = Post(intruder, "acme/revoke-cert", intruder_kid,
                     json::object{{"certificate", Base64UrlEncode(leaf_der)}});
  EXPECT_EQ(ProblemType(denied), "urn:ietf:params:acme:error:unauthorized");
  EXPECT_TRUE(pki_.revoked.empty());
  auto revoked = Post(account, "acme/revoke-cert", kid, json::object{{"certificate", Base64UrlEncode(leaf_der)}});
  EXPECT_EQ(revoked.raw->status, 200) << revoked.raw->body;
  EXPECT_EQ(pki_.revoked.size(), 1u);
  auto twice = Post(account, "acme/revoke-cert", kid, json::object{{"certificate", Base64UrlEncode(leaf_der)}});
  EXPECT_EQ(ProblemType(twice), "urn:ietf:params:acme:error:alreadyRevoked");
  auto bad_reason = Post(account, "acme/revoke-cert", kid,
                         json::object{{"certificate", Base64UrlEncode(leaf_der)}, {"reason", 7}});
  EXPECT_EQ(ProblemType(bad_reason), "urn:ietf:params:acme:error:badRevocationReason");

  // The account lists its order.
  auto orders = Post(account, Tail(kid) + "/orders", kid, std::nullopt);
  ASSERT_EQ(Body(orders)["orders"].as_array().size(), 1u);
  EXPECT_EQ(Body(orders)["orders"].as_array()[0].as_string(), order_url);
}

TEST_F(AcmeServerTest, RevocationSignedByTheCertificateKey) {
  Enable();
  TestKey account, cert_key, stranger;
  const std::string kid = Register(account);
  const std::string order_url = ReadyOrder(account, kid, {"a.example.org"});
  auto fin = Post(account, Tail(order_url) + "/finalize", kid,
                  json::object{{"csr", Base64UrlEncode(MakeCsrDer(cert_key, {"a.example.org"}))}});
  auto cert = Post(account, Tail(std::string(Body(fin)["certificate"].as_string())), kid, std::nullopt);
  BIO* bio = BIO_new_mem_buf(cert.raw->body.data(), cert.raw->body.size());
  X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char* der = nullptr;
  int len = i2d_X509(leaf, &der);
  std::string leaf_der(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  X509_free(leaf);
  auto by_stranger = Post(stranger, "acme/revoke-cert", "", json::object{{"certificate", Base64UrlEncode(leaf_der)}});
  EXPECT_EQ(ProblemType(by_stranger), "urn:ietf:params:acme:error:unauthorized");
  auto by_key = Post(cert_key, "acme/revoke-cert", "", json::object{{"certificate", Base64UrlEncode(leaf_der)}});
  EXPECT_EQ(by_key.raw->status, 200) << by_key.raw->body;
  EXPECT_EQ(pki_.revoked.size(), 1u);
}

TEST_F(AcmeServerTest, TlsAlpnChallengeForDnsNames) {
  Enable();
  TestKey account;
  const std::string kid = Register(account);
  auto order = Post(account, "acme/new-order", kid,
                    json::object{{"identifiers", json::array{json::object{{"type", "dns"}, {"value", "t.example.com"}},
                                                             json::object{{"type", "ip"}, {"value", "127.0.0.1"}}}}});
  json::object ob = Body(order);
  const auto& authzs = ob["authorizations"].as_array();
  ASSERT_EQ(authzs.size(), 2u);
  auto dns_authz = Body(Post(account, Tail(std::string(authzs[0].as_string())), kid, std::nullopt));
  auto ip_authz = Body(Post(account, Tail(std::string(authzs[1].as_string())), kid, std::nullopt));
  ASSERT_EQ(dns_authz["challenges"].as_array().size(), 2u);
  EXPECT_EQ(ip_authz["challenges"].as_array().size(), 1u);  // IPs: http-01 only
  auto tls = dns_authz["challenges"].as_array()[1].as_object();
  EXPECT_EQ(tls["type"].as_string(), "tls-alpn-01");
  EXPECT_NE(tls["token"], dns_authz["challenges"].as_array()[0].as_object()["token"]);
  auto posted = Post(account, Tail(std::string(tls["url"].as_string())), kid, json::object{});
  EXPECT_EQ(Body(posted)["status"].as_string(), "valid") << posted.raw->body;
  ASSERT_EQ(tls_validations_.size(), 1u);
  EXPECT_TRUE(validations_.empty());
  EXPECT_EQ(tls_validations_[0].domain, "t.example.com");
  EXPECT_EQ(tls_validations_[0].port, 5003);
  EXPECT_EQ(tls_validations_[0].key_auth, std::string(tls["token"].as_string()) + "." + Jwk::FromJson(account.Jwk())->Thumbprint());
  EXPECT_EQ(Body(Post(account, Tail(std::string(authzs[0].as_string())), kid, std::nullopt))["status"].as_string(), "valid");
}

TEST_F(AcmeServerTest, FailedChallengeInvalidatesTheOrder) {
  Enable();
  TestKey account;
  const std::string kid = Register(account);
  challenge_ok_ = false;
  const std::string order_url = ReadyOrder(account, kid, {"bad.example.com"});
  auto order = Body(Post(account, Tail(order_url), kid, std::nullopt));
  EXPECT_EQ(order["status"].as_string(), "invalid");
  auto authz = Body(Post(account, Tail(std::string(order["authorizations"].as_array()[0].as_string())), kid, std::nullopt));
  EXPECT_EQ(authz["status"].as_string(), "invalid");
  auto ch = authz["challenges"].as_array()[0].as_object();
  EXPECT_EQ(ch["status"].as_string(), "invalid");
  EXPECT_EQ(ch["error"].as_object()["type"].as_string(), "urn:ietf:params:acme:error:incorrectResponse");
}

TEST_F(AcmeServerTest, JwsChecks) {
  Enable();
  TestKey account;
  const std::string kid = Register(account);
  // A nonce is single use.
  std::string nonce = Nonce();
  std::string url = std::string(kCluster) + "/acme/new-account";
  auto first = Do(logical::Operation::kUpdate, "acme/new-account", account.Jws(url, nonce, "", json::object{}));
  EXPECT_EQ(first->raw->status, 200);
  auto replay = Do(logical::Operation::kUpdate, "acme/new-account", account.Jws(url, nonce, "", json::object{}));
  EXPECT_EQ(ProblemType(*replay), "urn:ietf:params:acme:error:badNonce");
  EXPECT_TRUE(replay->headers.contains("Replay-Nonce"));  // a fresh one to retry with
  // The signed url must be the request's.
  auto wrong_url = Do(logical::Operation::kUpdate, "acme/new-account",
                      account.Jws(std::string(kCluster) + "/acme/new-order", Nonce(), "", json::object{}));
  EXPECT_EQ(ProblemType(*wrong_url), "urn:ietf:params:acme:error:unauthorized");
  // new-account needs a jwk; new-order a kid.
  auto kid_account = Do(logical::Operation::kUpdate, "acme/new-account", account.Jws(url, Nonce(), kid, json::object{}));
  EXPECT_EQ(ProblemType(*kid_account), "urn:ietf:params:acme:error:malformed");
  auto jwk_order = Do(logical::Operation::kUpdate, "acme/new-order",
                      account.Jws(std::string(kCluster) + "/acme/new-order", Nonce(), "", json::object{}));
  EXPECT_EQ(ProblemType(*jwk_order), "urn:ietf:params:acme:error:malformed");
  // A kid signed by another key fails; an unknown kid is accountDoesNotExist.
  TestKey other;
  auto forged = Do(logical::Operation::kUpdate, "acme/new-order",
                   other.Jws(std::string(kCluster) + "/acme/new-order", Nonce(), kid,
                             json::object{{"identifiers", json::array{json::object{{"type", "dns"}, {"value", "x.com"}}}}}));
  EXPECT_EQ(ProblemType(*forged), "urn:ietf:params:acme:error:malformed");
  auto unknown = Post(other, "acme/new-order", std::string(kCluster) + "/acme/account/nope", json::object{});
  EXPECT_EQ(ProblemType(unknown), "urn:ietf:params:acme:error:accountDoesNotExist");
  // onlyReturnExisting for an unknown key.
  auto only = Post(other, "acme/new-account", "", json::object{{"onlyReturnExisting", true}});
  EXPECT_EQ(ProblemType(only), "urn:ietf:params:acme:error:accountDoesNotExist");
  // Not a JWS at all.
  auto plain = Do(logical::Operation::kUpdate, "acme/new-order", {{"identifiers", "x"}});
  EXPECT_EQ(ProblemType(*plain), "urn:ietf:params:acme:error:malformed");
}

TEST_F(AcmeServerTest, OrderInputIsChecked) {
  Enable();
  TestKey account;
  const std::string kid = Register(account);
  auto order = [&](json::value identifiers) {
    return Post(account, "acme/new-order", kid, json::object{{"identifiers", identifiers}});
  };
  EXPECT_EQ(ProblemType(order(json::array{})), "urn:ietf:params:acme:error:malformed");
  EXPECT_EQ(ProblemType(order("x")), "urn:ietf:params:acme:error:malformed");
  EXPECT_EQ(ProblemType(order(json::array{json::object{{"type", "dns"}, {"value", "*.example.com"}}})),
            "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_EQ(ProblemType(order(json::array{json::object{{"type", "dns"}, {"value", "bad_name!"}}})),
            "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_EQ(ProblemType(order(json::array{json::object{{"type", "email"}, {"value", "a@b"}}})),
            "urn:ietf:params:acme:error:unsupportedIdentifier");
  EXPECT_EQ(ProblemType(order(json::array{json::object{{"type", "ip"}, {"value", "300.1.1.1"}}})),
            "urn:ietf:params:acme:error:rejectedIdentifier");
  auto ip = order(json::array{json::object{{"type", "ip"}, {"value", "127.0.0.1"}}});
  EXPECT_EQ(ip.raw->status, 201) << ip.raw->body;
  // Nothing was stored by the refused orders: only the accepted one exists.
  EXPECT_EQ(storage_.List("acme/orders/")->size(), 1u);
}

TEST_F(AcmeServerTest, ExternalAccountBinding) {
  Enable({{"eab_policy", "new-account-required"}});
  TestKey account;
  EXPECT_TRUE(Body(*Do(logical::Operation::kRead, "acme/directory"))["meta"].as_object()["externalAccountRequired"].as_bool());
  auto refused = Post(account, "acme/new-account", "", json::object{});
  EXPECT_EQ(refused.raw->status, 401);
  EXPECT_EQ(ProblemType(refused), "urn:ietf:params:acme:error:externalAccountRequired");

  auto eab = Do(logical::Operation::kUpdate, "acme/new-eab");
  ASSERT_TRUE(eab) << eab.error().ToString();
  const std::string eab_id(eab->data["id"].as_string());
  EXPECT_EQ(eab->data["key_type"].as_string(), "hs");
  EXPECT_EQ(eab->data["acme_directory"].as_string(), "acme/directory");
  const std::string hmac_key = *Base64UrlDecode(eab->data["key"].as_string());
  auto listed = Do(logical::Operation::kList, "eab/");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->data["keys"].as_array().size(), 1u);

  const std::string url = std::string(kCluster) + "/acme/new-account";
  json::object h{{"alg", "HS256"}, {"kid", eab_id}, {"url", url}};
  std::string p64 = Base64UrlEncode(json::serialize(h));
  std::string b64 = Base64UrlEncode(json::serialize(account.Jwk()));
  std::string mac = crypto::HmacSha256(std::span(reinterpret_cast<const uint8_t*>(hmac_key.data()), hmac_key.size()), p64 + "." + b64);
  json::object binding{{"protected", p64}, {"payload", b64}, {"signature", Base64UrlEncode(mac)}};
  auto created = Post(account, "acme/new-account", "", json::object{{"externalAccountBinding", binding}});
  EXPECT_EQ(created.raw->status, 201) << created.raw->body;
  // The key is consumed: a second account cannot use it.
  EXPECT_FALSE(Do(logical::Operation::kList, "eab/")->data.contains("keys") &&
               !Do(logical::Operation::kList, "eab/")->data["keys"].as_array().empty());
  TestKey second;
  std::string b64b = Base64UrlEncode(json::serialize(second.Jwk()));
  std::string macb = crypto::HmacSha256(std::span(reinterpret_cast<const uint8_t*>(hmac_key.data()), hmac_key.size()), p64 + "." + b64b);
  auto reuse = Post(second, "acme/new-account", "",
                    json::object{{"externalAccountBinding", json::object{{"protected", p64}, {"payload", b64b}, {"signature", Base64UrlEncode(macb)}}}});
  EXPECT_EQ(ProblemType(reuse), "urn:ietf:params:acme:error:unauthorized");
}

TEST_F(AcmeServerTest, RoleDirectoriesFollowTheConfiguration) {
  Enable({{"allowed_roles", json::array{"web"}}, {"default_directory_policy", "role:web"}});
  auto other = Do(logical::Operation::kRead, "roles/db/acme/directory");
  EXPECT_EQ(other->raw->status, 403);
  TestKey account, cert_key;
  // The default directory signs with role "web"; so does roles/web/.
  std::string kid = Register(account);
  std::string order_url = ReadyOrder(account, kid, {"w.example.com"});
  Post(account, Tail(order_url) + "/finalize", kid,
       json::object{{"csr", Base64UrlEncode(MakeCsrDer(cert_key, {"w.example.com"}))}});
  EXPECT_EQ(pki_.last_role, "web");
  // A refusal by the PKI engine (role rules) invalidates the order with its message.
  pki_.refuse = true;
  order_url = ReadyOrder(account, kid, {"x.example.com"});
  auto refused = Post(account, Tail(order_url) + "/finalize", kid,
                      json::object{{"csr", Base64UrlEncode(MakeCsrDer(cert_key, {"x.example.com"}))}});
  EXPECT_NE(refused.raw->body.find("role does not allow"), std::string::npos);
  EXPECT_EQ(Body(Post(account, Tail(order_url), kid, std::nullopt))["status"].as_string(), "invalid");

  ASSERT_TRUE(Do(logical::Operation::kUpdate, "config/acme", {{"default_directory_policy", "forbid"}}));
  EXPECT_EQ(Do(logical::Operation::kRead, "acme/directory")->raw->status, 403);
}

TEST_F(AcmeServerTest, NewOrderAsksTheDirectorysRoleAboutEveryIdentifier) {
  Enable({{"allowed_roles", json::array{"web"}}});
  TestKey account;
  const std::string kid = Register(account);
  pki_.refused_identifiers = {"evil.example.com"};
  auto dns = [](const char* v) { return json::object{{"type", "dns"}, {"value", v}}; };
  // Accepted names make an order (the check can pass)...
  auto ok = Post(account, "acme/new-order", kid,
                 json::object{{"identifiers", json::array{dns("good.example.com")}}});
  EXPECT_EQ(ok.raw->status, 201) << ok.raw->body;
  ASSERT_EQ(pki_.checked,
            std::vector<std::string>{"|dns:good.example.com"});  // sign-verbatim: role ""
  // ...one refused name refuses the whole order at new-order, before any authorization exists.
  pki_.checked.clear();
  const std::string web_kid =
      Post(account, "roles/web/acme/new-account", "", json::object{}, "roles/web/acme/")
          .headers["Location"];
  auto refused = Post(
      account, "roles/web/acme/new-order", web_kid,
      json::object{{"identifiers", json::array{dns("good.example.com"), dns("evil.example.com")}}},
      "roles/web/acme/");
  EXPECT_EQ(refused.raw->status, 400);
  EXPECT_EQ(ProblemType(refused), "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_NE(refused.raw->body.find("evil.example.com"), std::string::npos) << refused.raw->body;
  EXPECT_EQ(pki_.checked,
            (std::vector<std::string>{"web|dns:good.example.com", "web|dns:evil.example.com"}));
  EXPECT_EQ(storage_.List("acme/orders/")->size(), 1u);
  EXPECT_EQ(storage_.List("acme/authorizations/")->size(), 1u);
  EXPECT_TRUE(validations_.empty());
}

TEST_F(AcmeServerTest, FinalizePassesAllowRoleExtKeyUsage) {
  Enable();
  TestKey account, cert_key;
  const std::string kid = Register(account);
  auto finalize = [&](const char* name) {
    const std::string order_url = ReadyOrder(account, kid, {name});
    auto fin = Post(account, Tail(order_url) + "/finalize", kid,
                    json::object{{"csr", Base64UrlEncode(MakeCsrDer(cert_key, {name}))}});
    EXPECT_EQ(fin.raw->status, 200) << fin.raw->body;
  };
  pki_.last_options.allow_role_ext_key_usage = true;  // so that false below is what was passed
  finalize("a.example.com");
  EXPECT_FALSE(pki_.last_options.allow_role_ext_key_usage);
  ASSERT_TRUE(Do(logical::Operation::kUpdate, "config/acme", {{"allow_role_ext_key_usage", true}}));
  finalize("b.example.com");
  EXPECT_TRUE(pki_.last_options.allow_role_ext_key_usage);
}

TEST_F(AcmeServerTest, ConfigurationBadInputChangesNothing) {
  Enable();
  auto before = Do(logical::Operation::kRead, "config/acme")->data;
  for (json::object bad : {json::object{{"eab_policy", "sometimes"}},
                           json::object{{"default_directory_policy", "role:"}},
                           json::object{{"default_directory_policy", "maybe"}},
                           json::object{{"allowed_roles", "a"}, {"default_directory_policy", "role:b"}},
                           json::object{{"dns_resolver", "nohostport"}},
                           json::object{{"enabled", "perhaps"}}}) {
    auto r = Do(logical::Operation::kUpdate, "config/acme", bad);
    ASSERT_FALSE(r) << json::serialize(bad);
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << json::serialize(bad);
  }
  EXPECT_EQ(Do(logical::Operation::kRead, "config/acme")->data, before);
  auto cluster = Do(logical::Operation::kUpdate, "config/cluster", {{"path", "ftp://x"}});
  ASSERT_FALSE(cluster);
  EXPECT_EQ(cluster.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(Do(logical::Operation::kRead, "config/cluster")->data["path"].as_string(), kCluster);
}

TEST_F(AcmeServerTest, TidyDropsStaleOrders) {
  Enable();
  TestKey account;
  const std::string kid = Register(account);
  Post(account, "acme/new-order", kid,
       json::object{{"identifiers", json::array{json::object{{"type", "dns"}, {"value", "t.example.com"}}}}});
  ASSERT_EQ(storage_.List("acme/orders/")->size(), 1u);
  server_->Tidy(storage_);
  EXPECT_EQ(storage_.List("acme/orders/")->size(), 1u);  // still fresh
  now_ += 3 * 86400;
  server_->Tidy(storage_);
  EXPECT_TRUE(storage_.List("acme/orders/")->empty());
  EXPECT_TRUE(storage_.List("acme/authorizations/")->empty());
}

TEST(AcmeServerOptions, LocalTargetsOnlyWithTheEnvironmentSwitch) {
  const char* saved = std::getenv("ARCA_ACME_ALLOW_LOCAL_TARGETS");
  const std::string saved_value = saved != nullptr ? saved : "";
  unsetenv("ARCA_ACME_ALLOW_LOCAL_TARGETS");
  EXPECT_FALSE(AcmeServer::DefaultOptions().validation.allow_local_addresses);
  for (const char* off : {"0", "false", "yes", ""}) {
    setenv("ARCA_ACME_ALLOW_LOCAL_TARGETS", off, 1);
    EXPECT_FALSE(AcmeServer::DefaultOptions().validation.allow_local_addresses) << off;
  }
  for (const char* on : {"1", "true"}) {
    setenv("ARCA_ACME_ALLOW_LOCAL_TARGETS", on, 1);
    EXPECT_TRUE(AcmeServer::DefaultOptions().validation.allow_local_addresses) << on;
  }
  if (saved != nullptr) {
    setenv("ARCA_ACME_ALLOW_LOCAL_TARGETS", saved_value.c_str(), 1);
  } else {
    unsetenv("ARCA_ACME_ALLOW_LOCAL_TARGETS");
  }
}

TEST(AcmeServerPaths, UnauthenticatedPathsCoverTheProtocolButNotEab) {
  auto paths = AcmeServer::UnauthenticatedPaths();
  EXPECT_TRUE(logical::PathMatchesAny("acme/directory", paths));
  EXPECT_TRUE(logical::PathMatchesAny("roles/web/acme/order/abc/finalize", paths));
  EXPECT_TRUE(logical::PathMatchesAny("issuer/i/roles/web/acme/new-nonce", paths));
  EXPECT_FALSE(logical::PathMatchesAny("acme/new-eab", paths));
  EXPECT_FALSE(logical::PathMatchesAny("config/acme", paths));
  EXPECT_FALSE(logical::PathMatchesAny("eab/x", paths));
}

}  // namespace
}  // namespace arca::pki::acme
