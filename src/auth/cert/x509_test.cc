// The X.509 helpers of the cert auth method on certificates and CRLs made here.
#include "auth/cert/x509.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/cert/test_pki.h"

namespace arca::auth::cert {
namespace {

using testing::CertSpec;
using testing::Issue;
using testing::MakeCrl;
using testing::TestCert;

TEST(CertX509, ParsePemSkipsOtherBlocksAndHeaders) {
  TestCert a = Issue({.cn = "a", .ca = true, .serial = 1});
  TestCert b = Issue({.cn = "b", .serial = 2, .eku = "clientAuth"}, &a);
  const std::string with_headers = "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\n" +
                                   a.Pem().substr(a.Pem().find('\n') + 1);
  const std::string pem = "leading text\n" + a.KeyPem() + a.Pem() + with_headers + b.Pem();
  auto certs = ParsePemCertificates(pem);
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(Der(certs[0].get()), a.Der());
  EXPECT_EQ(Der(certs[1].get()), b.Der());
  EXPECT_TRUE(ParsePemCertificates("").empty());
  EXPECT_TRUE(ParsePemCertificates("-----BEGIN CERTIFICATE-----\nnot base64!\n").empty());

  EXPECT_TRUE(ParseDerCertificate(a.Der()).has_value());
  EXPECT_FALSE(ParseDerCertificate(a.Der() + "x").has_value());  // trailing bytes
  EXPECT_FALSE(ParseDerCertificate(a.Der().substr(0, 20)).has_value());
  EXPECT_FALSE(ParseDerCertificate("").has_value());
}

TEST(CertX509, NamesUsagesAndExtensions) {
  TestCert ca = Issue({.cn = "ca", .ca = true, .serial = 1});
  TestCert c = Issue({.cn = "svc",
                      .serial = 123456789,
                      .ou = "ops",
                      .san = "DNS:a.example,DNS:b.example,email:x@example.com,URI:spiffe://t/w",
                      .eku = "serverAuth,clientAuth",
                      .utf8_extensions = {{"1.2.3.4.5", "hello"}}},
                     &ca);
  TestCert server_only = Issue({.cn = "s", .serial = 3, .eku = "serverAuth"}, &ca);
  TestCert no_eku = Issue({.cn = "n", .serial = 4}, &ca);
  EXPECT_TRUE(IsCa(ca.cert()));
  EXPECT_FALSE(IsCa(c.cert()));
  EXPECT_TRUE(AllowsClientAuth(c.cert()));
  EXPECT_TRUE(AllowsClientAuth(no_eku.cert()));
  EXPECT_FALSE(AllowsClientAuth(server_only.cert()));
  EXPECT_EQ(CommonName(c.cert()), "svc");
  EXPECT_EQ(OrganizationalUnits(c.cert()), (std::vector<std::string>{"ops"}));
  EXPECT_EQ(DnsSans(c.cert()), (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(EmailSans(c.cert()), (std::vector<std::string>{"x@example.com"}));
  EXPECT_EQ(UriSans(c.cert()), (std::vector<std::string>{"spiffe://t/w"}));
  EXPECT_TRUE(DnsSans(ca.cert()).empty());
  EXPECT_EQ(SerialDecimal(c.cert()), "123456789");
  EXPECT_EQ(ExtensionString(c.cert(), "1.2.3.4.5"), "hello");
  EXPECT_EQ(ExtensionString(c.cert(), "1.2.3.4"), std::nullopt);
  // A present extension that is not a string reads as "" (basicConstraints is a SEQUENCE).
  EXPECT_EQ(ExtensionString(c.cert(), "2.5.29.19"), "");
  EXPECT_EQ(SubjectKeyId(c.cert()).size(), 59u);
  EXPECT_EQ(AuthorityKeyId(c.cert()), SubjectKeyId(ca.cert()));
  EXPECT_EQ(AuthorityKeyId(ca.cert()), "");

  for (std::string ok : {"1.2", "1.3.6.1.4.1.99999.1", "2.5.29.19"}) EXPECT_TRUE(IsDottedOid(ok));
  for (std::string bad : {"", "1", "1.", ".1", "1..2", "a.b", "1.2x", "team-blue"}) {
    EXPECT_FALSE(IsDottedOid(bad)) << bad;
  }
}

TEST(CertX509, RevokedSerialsFromPemAndDer) {
  TestCert ca = Issue({.cn = "ca", .ca = true, .serial = 1});
  const std::string pem = MakeCrl(ca, {5, 300, 70000});
  auto serials = RevokedSerials(pem);
  ASSERT_TRUE(serials.has_value()) << serials.error().ToString();
  EXPECT_EQ(*serials, (std::set<std::string>{"5", "300", "70000"}));

  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(crl, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl, &der);
  X509_CRL_free(crl);
  std::string der_str(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  auto from_der = RevokedSerials(der_str);
  ASSERT_TRUE(from_der.has_value());
  EXPECT_EQ(*from_der, *serials);

  EXPECT_TRUE(RevokedSerials(MakeCrl(ca, {}))->empty());
  for (std::string bad : {"", "junk", "-----BEGIN X509 CRL-----\n!!\n-----END X509 CRL-----\n"}) {
    auto r = RevokedSerials(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().message().rfind("failed to parse CRL", 0), 0u) << r.error().message();
  }
  EXPECT_FALSE(RevokedSerials(ca.Der()).has_value());
}

TEST(CertX509, VerifyChainOutcomes) {
  TestCert root = Issue({.cn = "root", .ca = true, .serial = 1});
  TestCert inter = Issue({.cn = "inter", .ca = true, .serial = 2}, &root);
  TestCert leaf = Issue({.cn = "leaf", .serial = 3, .eku = "clientAuth"}, &inter);
  TestCert other = Issue({.cn = "other", .ca = true, .serial = 4});
  auto chain = [](std::initializer_list<const TestCert*> certs) {
    std::vector<X509Ptr> out;
    for (const TestCert* c : certs) out.push_back(*ParseDerCertificate(c->Der()));
    return out;
  };
  const auto now = std::chrono::system_clock::now();
  auto v = VerifyChain(chain({&leaf, &inter}), {root.cert()}, now);
  ASSERT_EQ(v.chain.size(), 3u) << v.error;
  EXPECT_EQ(Der(v.chain[2].get()), root.Der());
  v = VerifyChain(chain({&leaf}), {inter.cert()}, now);  // partial chain to an intermediate
  ASSERT_EQ(v.chain.size(), 2u) << v.error;
  v = VerifyChain(chain({&leaf}), {root.cert()}, now);
  EXPECT_TRUE(v.chain.empty());
  EXPECT_TRUE(v.unknown_authority) << v.error;
  v = VerifyChain(chain({&leaf, &inter}), {other.cert()}, now);
  EXPECT_TRUE(v.chain.empty());
  EXPECT_TRUE(v.unknown_authority) << v.error;
  // At a time after the certificates expire: a chain exists but is invalid.
  v = VerifyChain(chain({&leaf, &inter}), {root.cert()}, now + std::chrono::hours(72));
  EXPECT_TRUE(v.chain.empty());
  EXPECT_FALSE(v.unknown_authority);
  EXPECT_EQ(v.error, "certificate has expired");
  EXPECT_TRUE(VerifyChain({}, {root.cert()}, now).chain.empty());
  EXPECT_TRUE(VerifyChain(chain({&leaf}), {}, now).chain.empty());
}

}  // namespace
}  // namespace arca::auth::cert
