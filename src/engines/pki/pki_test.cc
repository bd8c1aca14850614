// The PKI engine through its backend over an InmemStorage: CAs, roles, issuance, signing,
// revocation, CRL and OCSP, with certificates checked by OpenSSL's own verification.
#include <gtest/gtest.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <ctime>

#include "common/encoding.h"
#include "engines/pki/acme/acme_test_util.h"
#include "engines/pki/cert_builder.h"
#include "engines/pki/pki_engine.h"
#include "engines/pki/pki_internal_api.h"

namespace arca::pki {
namespace {

class FakeSystem : public logical::SystemView {
 public:
  std::chrono::seconds DefaultLeaseTtl() const override { return std::chrono::hours(24); }
  std::chrono::seconds MaxLeaseTtl() const override { return std::chrono::hours(24 * 365); }
};

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logical::BackendConfig config;
    config.storage = &storage_;
    config.mount_path = "pki/";
    config.system = &system_;
    // The mount's clock starts at the real time (OpenSSL verifies the certificates against
    // it) and moves only when a test advances it.
    auto b = NewPkiBackendWithClock(config, [this] { return now_.load(); });
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
  json::object Write(const std::string& path, json::object body) {
    auto r = Do(logical::Operation::kUpdate, path, std::move(body));
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    return r ? r->data : json::object{};
  }
  void ExpectBad(const std::string& path, json::object body, std::string_view needle) {
    auto r = Do(logical::Operation::kUpdate, path, std::move(body));
    ASSERT_FALSE(r) << path << " unexpectedly succeeded";
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().ToString();
  }
  static X509Ptr Cert(const json::value& pem) { return std::move(*ParseCertPem(pem.as_string())); }
  // OpenSSL's verification of `leaf` with `root` trusted and `untrusted` intermediates.
  static int Verify(X509* leaf, X509* root, std::vector<X509*> untrusted = {}) {
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, root);
    STACK_OF(X509)* chain = sk_X509_new_null();
    for (X509* c : untrusted) sk_X509_push(chain, c);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, chain);
    int ok = X509_verify_cert(ctx);
    int err = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(chain);
    X509_STORE_free(store);
    return ok == 1 ? X509_V_OK : err;
  }
  json::object Root(std::string key_type = "ec", std::string type = "internal") {
    return Write("root/generate/" + type, {{"common_name", "Test Root"}, {"key_type", key_type}, {"ttl", "8760h"}});
  }
  size_t StoredCerts() {
    auto r = Do(logical::Operation::kList, "certs/");
    if (!r || !r->data.contains("keys")) return 0;
    return r->data["keys"].as_array().size();
  }

  std::atomic<int64_t> now_{static_cast<int64_t>(time(nullptr))};
  FakeSystem system_;
  logical::InmemStorage storage_;
  std::unique_ptr<logical::Backend> backend_;
};

TEST_F(PkiTest, RootGenerationInternalAndExported) {
  auto root = Root();
  ASSERT_TRUE(root.contains("certificate"));
  EXPECT_FALSE(root.contains("private_key"));
  EXPECT_FALSE(root["issuer_id"].as_string().empty());
  auto cert = Cert(root["certificate"]);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(KeyType(X509_get0_pubkey(cert.get())), "ec");

  auto exported = Write("issuers/generate/root/exported", {{"common_name", "Second"}, {"key_type", "ed25519"}, {"issuer_name", "second"}});
  ASSERT_TRUE(exported.contains("private_key"));
  auto key = ParsePrivateKeyPem(exported["private_key"].as_string());
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(Cert(exported["certificate"]).get(), key->get()), 1);
  // The first root stays the default; issuers lists both, by id, with names.
  auto list = Do(logical::Operation::kList, "issuers/");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data["keys"].as_array().size(), 2u);
  auto def = Do(logical::Operation::kRead, "issuer/default");
  EXPECT_EQ(def->data["issuer_id"], root["issuer_id"]);
  EXPECT_EQ(Do(logical::Operation::kRead, "issuer/second")->data["issuer_id"], exported["issuer_id"]);
  // Raw CA downloads.
  auto der = Do(logical::Operation::kRead, "ca");
  ASSERT_TRUE(der && der->raw);
  EXPECT_EQ(der->raw->content_type, "application/pkix-cert");
  EXPECT_EQ(der->raw->body, CertDer(cert.get()));
}

TEST_F(PkiTest, BadCaInputChangesNothing) {
  ExpectBad("root/generate/internal", {{"common_name", "x"}, {"key_type", "dsa"}}, "unsupported key type");
  ExpectBad("root/generate/internal", {{"common_name", "x"}, {"key_type", "rsa"}, {"key_bits", 1024}}, "unsupported bit length");
  ExpectBad("root/generate/internal", {{"common_name", "x"}, {"key_type", "ec"}, {"key_bits", 255}}, "unsupported bit length");
  ExpectBad("root/generate/internal", {{"key_type", "ec"}}, "common_name");
  ExpectBad("root/generate/internal", {{"common_name", "x"}, {"key_type", "ec"}, {"issuer_name", "default"}}, "reserved");
  EXPECT_FALSE(Do(logical::Operation::kUpdate, "root/generate/bogus", {{"common_name", "x"}}));
  auto list = Do(logical::Operation::kList, "issuers/");
  EXPECT_TRUE(!list || !list->data.contains("keys") || list->data["keys"].as_array().empty());
  ExpectBad("issuer/nope/issue/x", {}, "unknown role");
  ExpectBad("config/ca", {{"pem_bundle", "not pem"}}, "no PEM");
  ExpectBad("intermediate/set-signed", {{"certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}}, "");
}

TEST_F(PkiTest, RoleIssuanceFollowsTheRules) {
  auto root = Root();
  Write("roles/web", {{"allowed_domains", "example.com"}, {"allow_subdomains", true}, {"key_type", "ec"}, {"max_ttl", "72h"}});
  auto issued = Write("issue/web", {{"common_name", "www.example.com"}, {"alt_names", "api.example.com"}, {"ip_sans", "10.0.0.1"}, {"ttl", "1h"}});
  ASSERT_TRUE(issued.contains("private_key"));
  EXPECT_EQ(issued["private_key_type"].as_string(), "ec");
  auto leaf = Cert(issued["certificate"]);
  auto ca = Cert(root["certificate"]);
  EXPECT_EQ(Verify(leaf.get(), ca.get()), X509_V_OK);
  EXPECT_EQ(X509_check_host(leaf.get(), "www.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "api.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "10.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_NEAR(static_cast<double>(NotAfter(leaf.get()) - NotBefore(leaf.get())), 3630.0, 5.0);
  auto key = ParsePrivateKeyPem(issued["private_key"].as_string());
  EXPECT_EQ(X509_check_private_key(leaf.get(), key->get()), 1);
  const std::string serial(issued["serial_number"].as_string());
  EXPECT_EQ(serial, SerialOf(leaf.get()));
  // Stored, readable by colon or hyphen serial.
  auto read = Do(logical::Operation::kRead, "cert/" + serial);
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data["certificate"].as_string(), CertPem(leaf.get()));
  std::string hyphen = serial;
  std::replace(hyphen.begin(), hyphen.end(), ':', '-');
  EXPECT_TRUE(Do(logical::Operation::kRead, "cert/" + hyphen));

  const size_t stored = StoredCerts();
  ExpectBad("issue/web", {{"common_name", "evil.org"}}, "not allowed");
  ExpectBad("issue/web", {{"common_name", "www.example.com"}, {"alt_names", "x.evil.org"}}, "not allowed");
  ExpectBad("issue/web", {{"common_name", "example.com"}}, "not allowed");  // bare domain not allowed
  ExpectBad("issue/web", {}, "common_name");
  ExpectBad("issue/web", {{"common_name", "www.example.com"}, {"format", "xml"}}, "format");
  ExpectBad("issue/nope", {{"common_name", "www.example.com"}}, "unknown role");
  EXPECT_EQ(StoredCerts(), stored);

  // TTLs above the role's max are capped with a warning; past the CA's expiry is an error.
  auto capped = Do(logical::Operation::kUpdate, "issue/web", {{"common_name", "a.example.com"}, {"ttl", "100h"}});
  ASSERT_TRUE(capped);
  EXPECT_FALSE(capped->warnings.empty());
  Write("roles/long", {{"allow_any_name", true}, {"key_type", "ec"}, {"max_ttl", "87600h"}});
  ExpectBad("issue/long", {{"common_name", "x.test"}, {"ttl", "20000h"}}, "beyond the expiration of the CA");
  Write("issuer/default", {{"leaf_not_after_behavior", "truncate"}});
  auto truncated = Write("issue/long", {{"common_name", "x.test"}, {"ttl", "20000h"}});
  EXPECT_EQ(NotAfter(Cert(truncated["certificate"]).get()), NotAfter(ca.get()));
}

TEST_F(PkiTest, RoleValidation) {
  Root();
  ExpectBad("roles/r", {{"key_type", "rsa"}, {"key_bits", 1000}}, "unsupported bit length");
  ExpectBad("roles/r", {{"key_type", "dsa"}}, "unsupported key type");
  ExpectBad("roles/r", {{"ttl", "2h"}, {"max_ttl", "1h"}}, "max_ttl");
  ExpectBad("roles/r", {{"issuer_ref", "missing"}}, "issuer");
  EXPECT_TRUE(Do(logical::Operation::kRead, "roles/r")->data.empty());
  Write("roles/r", {{"allowed_domains", "a.com,b.com"}, {"allow_bare_domains", true}});
  auto read = Do(logical::Operation::kRead, "roles/r");
  EXPECT_EQ(read->data["allowed_domains"].as_array().size(), 2u);
  EXPECT_EQ(read->data["key_type"].as_string(), "rsa");
  EXPECT_EQ(read->data["key_bits"].as_int64(), 2048);
  EXPECT_TRUE(read->data["allow_localhost"].as_bool());
}

TEST_F(PkiTest, SignCsrChecksKeyAndNames) {
  auto root = Root();
  Write("roles/svc", {{"allowed_domains", "svc.local"}, {"allow_subdomains", true}, {"key_type", "ec"}});
  auto key = GenerateKey("ec", 256);
  CertSpec spec;
  spec.subject.common_name = "a.svc.local";
  spec.dns_sans = {"a.svc.local"};
  auto csr = BuildCsr(spec, key->get());
  auto signed_ = Write("sign/svc", {{"csr", CsrPem(csr->get())}});
  ASSERT_TRUE(signed_.contains("certificate"));
  EXPECT_FALSE(signed_.contains("private_key"));
  EXPECT_EQ(Verify(Cert(signed_["certificate"]).get(), Cert(root["certificate"]).get()), X509_V_OK);

  auto rsa = GenerateKey("rsa", 2048);
  auto rsa_csr = BuildCsr(spec, rsa->get());
  ExpectBad("sign/svc", {{"csr", CsrPem(rsa_csr->get())}}, "role requires keys of type ec");
  ExpectBad("sign/svc", {{"csr", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}}, "CSR");
  ExpectBad("sign/svc", {}, "csr");
  spec.subject.common_name = "evil.org";
  auto evil = BuildCsr(spec, key->get());
  ExpectBad("sign/svc", {{"csr", CsrPem(evil->get())}}, "not allowed");
  // sign-verbatim takes the CSR as it is.
  auto verbatim = Write("sign-verbatim", {{"csr", CsrPem(evil->get())}});
  EXPECT_EQ(CommonName(X509_get_subject_name(Cert(verbatim["certificate"]).get())), "evil.org");
}

TEST_F(PkiTest, IntermediateChain) {
  auto root = Root("ec");
  auto csr = Write("intermediate/generate/internal", {{"common_name", "Intermediate"}, {"key_type", "ec"}});
  ASSERT_TRUE(csr.contains("csr"));
  auto signed_ = Write("root/sign-intermediate", {{"csr", csr["csr"]}, {"common_name", "Intermediate"}, {"ttl", "4000h"}});
  auto inter = Cert(signed_["certificate"]);
  EXPECT_EQ(X509_check_ca(inter.get()), 1);
  auto imported = Write("intermediate/set-signed", {{"certificate", signed_["certificate"]}});
  ASSERT_EQ(imported["imported_issuers"].as_array().size(), 1u);
  const std::string inter_id(imported["imported_issuers"].as_array()[0].as_string());
  auto inter_issuer = Do(logical::Operation::kRead, "issuer/" + inter_id);
  ASSERT_TRUE(inter_issuer);
  EXPECT_FALSE(inter_issuer->data["key_id"].as_string().empty());  // linked to the CSR's key
  EXPECT_EQ(inter_issuer->data["ca_chain"].as_array().size(), 2u);  // itself and the root
  Write("roles/leaf", {{"allow_any_name", true}, {"key_type", "ec"}});
  auto leaf = Write("issuer/" + inter_id + "/issue/leaf", {{"common_name", "leaf.test"}, {"ttl", "1h"}});
  EXPECT_EQ(leaf["issuing_ca"].as_string(), std::string(signed_["certificate"].as_string()).substr(0, leaf["issuing_ca"].as_string().size()));
  EXPECT_EQ(Verify(Cert(leaf["certificate"]).get(), Cert(root["certificate"]).get(), {inter.get()}), X509_V_OK);
  // Without the intermediate the chain does not verify.
  EXPECT_NE(Verify(Cert(leaf["certificate"]).get(), Cert(root["certificate"]).get()), X509_V_OK);
}

TEST_F(PkiTest, RevocationCrlAndOcsp) {
  auto root = Root();
  Write("roles/r", {{"allow_any_name", true}, {"key_type", "ec"}});
  auto a = Write("issue/r", {{"common_name", "a.test"}});
  auto b = Write("issue/r", {{"common_name", "b.test"}});
  const std::string serial_a(a["serial_number"].as_string());
  auto revoked = Write("revoke", {{"serial_number", serial_a}});
  EXPECT_GT(revoked["revocation_time"].as_int64(), 0);
  EXPECT_GT(Do(logical::Operation::kRead, "cert/" + serial_a)->data["revocation_time"].as_int64(), 0);
  auto listed = Do(logical::Operation::kList, "certs/revoked/");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->data["keys"].as_array().size(), 1u);
  ExpectBad("revoke", {{"serial_number", "00:11"}}, "not found");
  ExpectBad("revoke", {}, "exactly one");
  ExpectBad("revoke", {{"serial_number", root["serial_number"]}}, "its own CRL");

  // The CRL lists a and not b, and verifies with the CA key.
  auto crl_resp = Do(logical::Operation::kRead, "crl");
  ASSERT_TRUE(crl_resp && crl_resp->raw);
  EXPECT_EQ(crl_resp->raw->content_type, "application/pkix-crl");
  const auto* p = reinterpret_cast<const unsigned char*>(crl_resp->raw->body.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, crl_resp->raw->body.size());
  ASSERT_NE(crl, nullptr);
  auto ca = Cert(root["certificate"]);
  EXPECT_EQ(X509_CRL_verify(crl, X509_get0_pubkey(ca.get())), 1);
  X509_REVOKED* entry = nullptr;
  EXPECT_EQ(X509_CRL_get0_by_cert(crl, &entry, Cert(a["certificate"]).get()), 1);
  EXPECT_EQ(X509_CRL_get0_by_cert(crl, &entry, Cert(b["certificate"]).get()), 0);
  X509_CRL_free(crl);

  // OCSP: revoked for a, good for b.
  auto ocsp_status = [&](const json::object& issued) {
    auto leaf = Cert(issued.at("certificate"));
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), leaf.get(), ca.get());
    OCSP_REQUEST* req = OCSP_REQUEST_new();
    OCSP_request_add0_id(req, id);
    unsigned char* der = nullptr;
    int len = i2d_OCSP_REQUEST(req, &der);
    std::string body(reinterpret_cast<char*>(der), len);
    OPENSSL_free(der);
    logical::Request r;
    r.operation = logical::Operation::kUpdate;
    r.path = "ocsp";
    r.raw_body = body;
    r.storage = &storage_;
    auto resp = backend_->HandleRequest(r);
    EXPECT_TRUE(resp && resp->raw);
    const auto* rp = reinterpret_cast<const unsigned char*>(resp->raw->body.data());
    OCSP_RESPONSE* o = d2i_OCSP_RESPONSE(nullptr, &rp, resp->raw->body.size());
    EXPECT_EQ(OCSP_response_status(o), OCSP_RESPONSE_STATUS_SUCCESSFUL);
    OCSP_BASICRESP* basic = OCSP_response_get1_basic(o);
    STACK_OF(X509)* certs = sk_X509_new_null();
    sk_X509_push(certs, ca.get());
    EXPECT_EQ(OCSP_basic_verify(basic, certs, nullptr, OCSP_TRUSTOTHER | OCSP_NOVERIFY), 1);
    int status = -1, reason = 0;
    OCSP_CERTID* lookup = OCSP_cert_to_id(EVP_sha1(), leaf.get(), ca.get());
    OCSP_resp_find_status(basic, lookup, &status, &reason, nullptr, nullptr, nullptr);
    OCSP_CERTID_free(lookup);
    sk_X509_free(certs);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(o);
    OCSP_REQUEST_free(req);
    return status;
  };
  EXPECT_EQ(ocsp_status(a), V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(ocsp_status(b), V_OCSP_CERTSTATUS_GOOD);
  logical::Request garbage;
  garbage.operation = logical::Operation::kUpdate;
  garbage.path = "ocsp";
  garbage.raw_body = "not der";
  garbage.storage = &storage_;
  auto bad = backend_->HandleRequest(garbage);
  ASSERT_TRUE(bad && bad->raw);
  const auto* bp = reinterpret_cast<const unsigned char*>(bad->raw->body.data());
  OCSP_RESPONSE* br = d2i_OCSP_RESPONSE(nullptr, &bp, bad->raw->body.size());
  EXPECT_EQ(OCSP_response_status(br), OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  OCSP_RESPONSE_free(br);
}

TEST_F(PkiTest, AutoRebuildCrlListsRevocationsAfterThePeriodicTask) {
  auto root = Root();
  Write("roles/r", {{"allow_any_name", true}, {"key_type", "ec"}});
  Write("config/crl", {{"auto_rebuild", true}});
  auto a = Write("issue/r", {{"common_name", "a.test"}});
  auto crl_has_a = [&] {
    auto resp = Do(logical::Operation::kRead, "crl");
    const auto* p = reinterpret_cast<const unsigned char*>(resp->raw->body.data());
    X509_CRL* crl = d2i_X509_CRL(nullptr, &p, resp->raw->body.size());
    X509_REVOKED* entry = nullptr;
    bool found = X509_CRL_get0_by_cert(crl, &entry, Cert(a["certificate"]).get()) == 1;
    X509_CRL_free(crl);
    return found;
  };
  EXPECT_FALSE(crl_has_a());
  Write("revoke", {{"serial_number", a["serial_number"]}});
  backend_->Periodic(storage_);
  EXPECT_TRUE(crl_has_a());
  ExpectBad("config/crl", {{"expiry", "soon"}}, "invalid expiry");
}

TEST_F(PkiTest, CaLifecycleKeysRotationAndImport) {
  auto first = Root();
  const std::string first_id(first["issuer_id"].as_string());
  const std::string key_id(first["key_id"].as_string());
  // Keys: listed, readable without the private part, renamable.
  auto keys = Do(logical::Operation::kList, "keys/");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->data["keys"].as_array().size(), 1u);
  auto key = Do(logical::Operation::kRead, "key/" + key_id);
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->data.contains("public_key"));
  EXPECT_FALSE(key->data.contains("private_key"));
  Write("key/" + key_id, {{"key_name", "main"}});
  EXPECT_EQ(Do(logical::Operation::kRead, "key/main")->data["key_id"].as_string(), key_id);
  // A key in use cannot be deleted.
  auto del = Do(logical::Operation::kDelete, "key/main");
  ASSERT_FALSE(del);
  EXPECT_NE(del.error().message().find("in use"), std::string::npos);

  // A second root on the same key ("existing"), made by rotation: not the default until replace.
  auto rotated = Write("root/rotate/existing", {{"common_name", "Test Root G2"}, {"key_ref", "main"}, {"issuer_name", "g2"}});
  EXPECT_EQ(rotated["key_id"].as_string(), key_id);
  EXPECT_EQ(Do(logical::Operation::kRead, "config/issuers")->data["default"].as_string(), first_id);
  Write("root/replace", {{"default", "g2"}});
  EXPECT_EQ(Do(logical::Operation::kRead, "config/issuers")->data["default"], rotated["issuer_id"]);
  Write("config/issuers", {{"default", first_id}});
  EXPECT_EQ(Do(logical::Operation::kRead, "config/issuers")->data["default"].as_string(), first_id);
  ExpectBad("config/issuers", {{"default", "nope"}}, "unable to find");

  // Cross-signing: g2 re-signed by the first root verifies under it.
  auto cross = Write("root/sign-self-issued", {{"certificate", rotated["certificate"]}, {"issuer_ref", first_id}});
  auto cross_cert = Cert(cross["certificate"]);
  EXPECT_EQ(X509_verify(cross_cert.get(), X509_get0_pubkey(Cert(first["certificate"]).get())), 1);

  // Import: an exported CA bundle goes into a second mount-like store through config/ca.
  auto exported = Write("issuers/generate/root/exported", {{"common_name", "Outside"}, {"key_type", "ec"}});
  logical::InmemStorage other_storage;
  logical::BackendConfig config;
  config.storage = &other_storage;
  config.system = &system_;
  auto other = std::move(*NewPkiBackend(config));
  logical::Request req;
  req.operation = logical::Operation::kUpdate;
  req.path = "config/ca";
  req.storage = &other_storage;
  req.data = {{"pem_bundle", std::string(exported["certificate"].as_string()) + "\n" + std::string(exported["private_key"].as_string())}};
  auto imported = other->HandleRequest(req);
  ASSERT_TRUE(imported) << imported.error().ToString();
  EXPECT_EQ(imported->data["imported_issuers"].as_array().size(), 1u);
  EXPECT_EQ(imported->data["imported_keys"].as_array().size(), 1u);
  // A leaf certificate is not a CA bundle.
  Write("roles/r", {{"allow_any_name", true}, {"key_type", "ec"}});
  auto leaf = Write("issue/r", {{"common_name", "x.test"}});
  req.data = {{"pem_bundle", leaf["certificate"]}};
  auto refused = other->HandleRequest(req);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("not a CA"), std::string::npos);

  // DELETE root removes every issuer and key.
  ASSERT_TRUE(Do(logical::Operation::kDelete, "root"));
  auto after = Do(logical::Operation::kList, "issuers/");
  EXPECT_TRUE(!after || !after->data.contains("keys") || after->data["keys"].as_array().empty());
  ExpectBad("issue/r", {{"common_name", "x.test"}}, "no default issuer");
}

TEST_F(PkiTest, RawDownloadsUrlsRevokeWithKeyAndOcspGet) {
  auto root = Root();
  Write("config/urls", {{"issuing_certificates", "http://pki.test/v1/pki/ca"},
                        {"crl_distribution_points", "http://pki.test/v1/pki/crl"},
                        {"ocsp_servers", "http://pki.test/v1/pki/ocsp"}});
  ExpectBad("config/urls", {{"ocsp_servers", "not a url"}}, "invalid URL");
  Write("roles/r", {{"allow_any_name", true}, {"key_type", "ec"}});
  auto leaf = Write("issue/r", {{"common_name", "x.test"}});
  auto cert = Cert(leaf["certificate"]);
  // AIA and CDP are in the certificate.
  auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert.get(), NID_info_access, nullptr, nullptr));
  ASSERT_NE(aia, nullptr);
  EXPECT_EQ(sk_ACCESS_DESCRIPTION_num(aia), 2);
  AUTHORITY_INFO_ACCESS_free(aia);
  auto* cdp = static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert.get(), NID_crl_distribution_points, nullptr, nullptr));
  ASSERT_NE(cdp, nullptr);
  CRL_DIST_POINTS_free(cdp);

  auto chain = Do(logical::Operation::kRead, "ca_chain");
  ASSERT_TRUE(chain && chain->raw);
  EXPECT_EQ(chain->raw->content_type, "application/pem-certificate-chain");
  EXPECT_NE(chain->raw->body.find("BEGIN CERTIFICATE"), std::string::npos);
  auto pem = Do(logical::Operation::kRead, "issuer/default/crl/pem");
  ASSERT_TRUE(pem && pem->raw);
  EXPECT_NE(pem->raw->body.find("BEGIN X509 CRL"), std::string::npos);
  auto raw = Do(logical::Operation::kRead, "cert/" + std::string(leaf["serial_number"].as_string()) + "/raw");
  ASSERT_TRUE(raw && raw->raw);
  EXPECT_EQ(raw->raw->body, CertDer(cert.get()));
  EXPECT_EQ(Do(logical::Operation::kRead, "crl/rotate")->data["success"].as_bool(), true);

  // revoke-with-key needs the matching key.
  auto other = Write("issue/r", {{"common_name", "y.test"}});
  ExpectBad("revoke-with-key", {{"serial_number", leaf["serial_number"]}, {"private_key", other["private_key"]}}, "does not match");
  EXPECT_EQ(Do(logical::Operation::kRead, "cert/" + std::string(leaf["serial_number"].as_string()))->data["revocation_time"].as_int64(), 0);
  Write("revoke-with-key", {{"serial_number", leaf["serial_number"]}, {"private_key", leaf["private_key"]}});
  EXPECT_GT(Do(logical::Operation::kRead, "cert/" + std::string(leaf["serial_number"].as_string()))->data["revocation_time"].as_int64(), 0);

  // OCSP over GET: base64 of the DER request in the path.
  auto ca = Cert(root["certificate"]);
  OCSP_REQUEST* oreq = OCSP_REQUEST_new();
  OCSP_request_add0_id(oreq, OCSP_cert_to_id(EVP_sha1(), cert.get(), ca.get()));
  unsigned char* der = nullptr;
  int len = i2d_OCSP_REQUEST(oreq, &der);
  std::string b64 = Base64Encode(std::string(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  OCSP_REQUEST_free(oreq);
  auto resp = Do(logical::Operation::kRead, "ocsp/" + b64);
  ASSERT_TRUE(resp && resp->raw);
  EXPECT_EQ(resp->raw->content_type, "application/ocsp-response");
  const auto* p = reinterpret_cast<const unsigned char*>(resp->raw->body.data());
  OCSP_RESPONSE* o = d2i_OCSP_RESPONSE(nullptr, &p, resp->raw->body.size());
  ASSERT_NE(o, nullptr);
  OCSP_BASICRESP* basic = OCSP_response_get1_basic(o);
  OCSP_CERTID* lookup = OCSP_cert_to_id(EVP_sha1(), cert.get(), ca.get());
  int status = -1, reason = 0;
  OCSP_resp_find_status(basic, lookup, &status, &reason, nullptr, nullptr, nullptr);
  EXPECT_EQ(status, V_OCSP_CERTSTATUS_REVOKED);
  OCSP_CERTID_free(lookup);
  OCSP_BASICRESP_free(basic);
  OCSP_RESPONSE_free(o);
}

TEST_F(PkiTest, GenerateLeaseAndNoStore) {
  Root();
  Write("roles/leased", {{"allow_any_name", true}, {"key_type", "ec"}, {"generate_lease", true}});
  auto r = Do(logical::Operation::kUpdate, "issue/leased", {{"common_name", "l.test"}, {"ttl", "1h"}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->secret.has_value());
  EXPECT_NEAR(static_cast<double>(r->secret->ttl.count()), 3600.0, 5.0);
  ExpectBad("roles/both", {{"no_store", true}, {"generate_lease", true}}, "no_store");
  Write("roles/ephemeral", {{"allow_any_name", true}, {"key_type", "ec"}, {"no_store", true}});
  const size_t before = StoredCerts();
  Write("issue/ephemeral", {{"common_name", "e.test"}});
  EXPECT_EQ(StoredCerts(), before);
}

TEST_F(PkiTest, InternalApiSignsForAcme) {
  auto root = Root();
  PkiInternal* internal = nullptr;
  (void)internal;
  auto key = GenerateKey("ec", 256);
  CertSpec spec;
  spec.subject.common_name = "acme.test";
  spec.dns_sans = {"acme.test"};
  auto csr = BuildCsr(spec, key->get());
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(csr->get(), &der);
  std::vector<uint8_t> csr_der(der, der + len);
  OPENSSL_free(der);
  PkiEngine engine(&system_, [] { return static_cast<int64_t>(time(nullptr)); });
  auto issued =
      engine.SignCsr(storage_, "", "", csr_der, std::chrono::seconds(3600), AcmeSignOptions{});
  ASSERT_TRUE(issued) << issued.error().ToString();
  EXPECT_EQ(issued->ca_chain_pem.size(), 1u);
  EXPECT_TRUE(engine.CertificatePem(storage_, issued->serial_number));
  EXPECT_TRUE(engine.Revoke(storage_, issued->serial_number));
  EXPECT_FALSE(engine.Revoke(storage_, issued->serial_number));  // already revoked
  auto unknown_role =
      engine.SignCsr(storage_, "", "nope", csr_der, std::nullopt, AcmeSignOptions{});
  ASSERT_FALSE(unknown_role);
  EXPECT_EQ(unknown_role.error().kind(), ErrorKind::kNotFound);
}

// The extended key usages of a certificate, as NIDs in their order.
std::vector<int> EkuNids(X509* cert) {
  std::vector<int> out;
  auto* eku =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; eku != nullptr && i < sk_ASN1_OBJECT_num(eku); ++i) {
    out.push_back(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)));
  }
  EXTENDED_KEY_USAGE_free(eku);
  return out;
}

std::string SubjectOf(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len);
  BIO_free(bio);
  return out;
}

// A CSR for acme.test whose subject also claims O=system:masters and friends.
std::vector<uint8_t> GreedyCsrDer(EVP_PKEY* key) {
  CertSpec spec;
  spec.subject.common_name = "acme.test";
  spec.subject.organization = {"system:masters"};
  spec.subject.ou = {"ops"};
  spec.subject.country = {"US"};
  spec.subject.locality = {"Springfield"};
  spec.subject.province = {"Oregon"};
  spec.subject.serial_number = "1234";
  spec.dns_sans = {"acme.test"};
  auto csr = BuildCsr(spec, key);
  EXPECT_TRUE(csr);
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(csr->get(), &der);
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

TEST_F(PkiTest, AcmeCertificatesTakeOnlyNamesFromTheCsrAndAreServerAuthOnly) {
  Root();
  // A role that would hand out client (and more) certificates through issue/ and sign/.
  Write("roles/clients", {{"allow_any_name", true},
                          {"key_type", "ec"},
                          {"client_flag", true},
                          {"code_signing_flag", true},
                          {"ext_key_usage", "TimeStamping"}});
  auto key = GenerateKey("ec", 256);
  const std::vector<uint8_t> csr = GreedyCsrDer(key->get());
  PkiEngine engine(&system_, [] { return static_cast<int64_t>(time(nullptr)); });
  auto sign = [&](std::string_view role, bool allow_role_eku) -> X509Ptr {
    AcmeSignOptions options;
    options.allow_role_ext_key_usage = allow_role_eku;
    auto issued = engine.SignCsr(storage_, "", role, csr, std::chrono::seconds(3600), options);
    EXPECT_TRUE(issued) << issued.error().ToString();
    if (!issued) return nullptr;
    return std::move(*ParseCertPem(issued->certificate_pem));
  };
  // The default directory (sign-verbatim) and a role directory, with allow_role_ext_key_usage
  // false (the default): CN and SAN from the CSR, nothing else of its subject; ServerAuth only.
  for (std::string_view role : {"", "clients"}) {
    SCOPED_TRACE(std::string("role \"") + std::string(role) + "\"");
    X509Ptr cert = sign(role, false);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(SubjectOf(cert.get()), "CN=acme.test");
    X509_NAME* subject = X509_get_subject_name(cert.get());
    for (int nid : {NID_organizationName, NID_organizationalUnitName, NID_countryName,
                    NID_localityName, NID_stateOrProvinceName, NID_serialNumber}) {
      EXPECT_EQ(X509_NAME_get_index_by_NID(subject, nid, -1), -1) << OBJ_nid2sn(nid);
    }
    EXPECT_EQ(EkuNids(cert.get()), std::vector<int>{NID_server_auth});
    EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 0);
    EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  }
  // allow_role_ext_key_usage: the role's usages apply (and still no CSR subject values).
  X509Ptr role_eku = sign("clients", true);
  ASSERT_NE(role_eku, nullptr);
  EXPECT_EQ(EkuNids(role_eku.get()),
            (std::vector<int>{NID_server_auth, NID_client_auth, NID_code_sign, NID_time_stamp}));
  EXPECT_EQ(SubjectOf(role_eku.get()), "CN=acme.test");
  // The implicit sign-verbatim role has no usages to allow: still ServerAuth only.
  X509Ptr verbatim = sign("", true);
  ASSERT_NE(verbatim, nullptr);
  EXPECT_EQ(EkuNids(verbatim.get()), std::vector<int>{NID_server_auth});
}

TEST_F(PkiTest, AcmeIdentifiersAreCheckedAgainstTheRole) {
  Root();
  Write("roles/web", {{"allowed_domains", "example.com"},
                      {"allow_subdomains", true},
                      {"key_type", "ec"},
                      {"allow_ip_sans", false},
                      {"allow_localhost", false}});
  PkiEngine engine(&system_, [] { return static_cast<int64_t>(time(nullptr)); });
  EXPECT_TRUE(engine.CheckAcmeIdentifier(storage_, "web", "dns", "www.example.com"));
  for (auto [type, value] : {std::pair<const char*, const char*>{"dns", "evil.test"},
                             {"dns", "example.com.evil.test"},
                             {"dns", "localhost"},
                             {"ip", "192.0.2.1"}}) {
    auto r = engine.CheckAcmeIdentifier(storage_, "web", type, value);
    ASSERT_FALSE(r) << value;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(r.error().message().find(value), std::string::npos) << r.error().message();
  }
  // The implicit sign-verbatim role takes any name; an unknown role is NotFound.
  EXPECT_TRUE(engine.CheckAcmeIdentifier(storage_, "", "dns", "evil.test"));
  EXPECT_TRUE(engine.CheckAcmeIdentifier(storage_, "", "ip", "192.0.2.1"));
  auto unknown = engine.CheckAcmeIdentifier(storage_, "nope", "dns", "www.example.com");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind(), ErrorKind::kNotFound);
}

// new-order through the mount's real ACME server: a name the directory's role refuses is
// refused at new-order with rejectedIdentifier, and nothing is stored.
TEST_F(PkiTest, AcmeNewOrderRefusesNamesTheRoleRefuses) {
  Root();
  Write("roles/web",
        {{"allowed_domains", "example.com"}, {"allow_subdomains", true}, {"key_type", "ec"}});
  const std::string cluster = "http://127.0.0.1:8200/v1/pki";
  Write("config/cluster", {{"path", cluster}});
  Write("config/acme", {{"enabled", true}, {"eab_policy", "not-required"}});
  acme::testing::TestKey account;
  auto post = [&](const std::string& path, const std::string& kid, json::object payload) {
    auto nonce = Do(logical::Operation::kRead, "roles/web/acme/new-nonce");
    EXPECT_TRUE(nonce);
    auto r = Do(logical::Operation::kUpdate, path,
                account.Jws(cluster + "/" + path, nonce->headers["Replay-Nonce"], kid, payload));
    EXPECT_TRUE(r && r->raw) << path;
    return r && r->raw ? *r : logical::Response{};
  };
  auto created = post("roles/web/acme/new-account", "", {{"termsOfServiceAgreed", true}});
  ASSERT_EQ(created.raw->status, 201) << created.raw->body;
  const std::string kid = created.headers["Location"];
  auto order = [&](json::array identifiers) {
    return post("roles/web/acme/new-order", kid, {{"identifiers", std::move(identifiers)}});
  };
  auto dns = [](const char* v) { return json::object{{"type", "dns"}, {"value", v}}; };
  // The role's names are ordered.
  auto ok = order({dns("www.example.com")});
  EXPECT_EQ(ok.raw->status, 201) << ok.raw->body;
  const size_t orders = storage_.List("acme/orders/")->size();
  const size_t authzs = storage_.List("acme/authorizations/")->size();
  ASSERT_EQ(orders, 1u);
  // One name outside the role spoils the order.
  auto refused = order({dns("www.example.com"), dns("evil.test")});
  EXPECT_EQ(refused.raw->status, 400);
  EXPECT_EQ(refused.raw->content_type, "application/problem+json");
  EXPECT_NE(refused.raw->body.find("urn:ietf:params:acme:error:rejectedIdentifier"),
            std::string::npos)
      << refused.raw->body;
  EXPECT_NE(refused.raw->body.find("evil.test"), std::string::npos) << refused.raw->body;
  EXPECT_EQ(storage_.List("acme/orders/")->size(), orders);
  EXPECT_EQ(storage_.List("acme/authorizations/")->size(), authzs);
}

TEST_F(PkiTest, TidyRemovesExpired) {
  Root();
  Write("roles/short", {{"allow_any_name", true}, {"key_type", "ec"}, {"not_before_duration", 0}});
  Write("issue/short", {{"common_name", "s.test"}, {"ttl", "1s"}});
  EXPECT_EQ(StoredCerts(), 2u);  // the root and the leaf
  // Vault's results for the defaults: no operation enabled is accepted (202) with a warning and
  // removes nothing; a buffer below one second is refused.
  auto none = Do(logical::Operation::kUpdate, "tidy", {});
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_EQ(none->status_code, 202);
  ASSERT_EQ(none->warnings.size(), 1u);
  EXPECT_NE(none->warnings[0].find("no tidy operations were set"), std::string::npos);
  now_ += 100000;  // far past the leaf's expiry, but nothing was asked for
  ASSERT_TRUE(Do(logical::Operation::kUpdate, "tidy", {}));
  EXPECT_EQ(StoredCerts(), 2u);
  now_ -= 100000;
  ExpectBad("tidy", {{"tidy_cert_store", true}, {"safety_buffer", 0}},
            "safety_buffer must be greater than zero");
  ExpectBad("tidy", {{"tidy_cert_store", true}, {"safety_buffer", -5}}, "negative");
  // Before the leaf expires (plus the 1 s buffer), tidy keeps it.
  auto early =
      Do(logical::Operation::kUpdate, "tidy", {{"tidy_cert_store", true}, {"safety_buffer", 1}});
  ASSERT_TRUE(early) << early.error().ToString();
  EXPECT_NE(early->warnings[0].find("successfully started"), std::string::npos);
  EXPECT_EQ(StoredCerts(), 2u);
  now_ += 3;  // the leaf's 1 s TTL and the 1 s buffer have run out
  auto r = Do(logical::Operation::kUpdate, "tidy", {{"tidy_cert_store", true}, {"safety_buffer", 1}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_code, 202);
  EXPECT_EQ(StoredCerts(), 1u);
  EXPECT_EQ(Do(logical::Operation::kRead, "tidy-status")->data["cert_store_deleted_count"].as_int64(), 1);
}

}  // namespace
}  // namespace arca::pki
