// The transit engine over HTTP against a real dev server, with its output checked by outside
// tools: an exported AES-256-GCM key opens Arca's ciphertext through a direct OpenSSL EVP call,
// and Ed25519 / ECDSA P-256 signatures verify with the `openssl` command-line tool.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>

#include "common/encoding.h"
#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

class Transit : public SharedDevServerSuite {
 protected:
  static void SetUpTestSuite() {
    SharedDevServerSuite::SetUpTestSuite();
    if (HasFatalFailure()) return;
    auto m = Req("POST", "/v1/sys/mounts/transit", R"({"type":"transit"})");
    ASSERT_EQ(m.status, 204) << m.body;
  }
  // The "data" object of a 200 answer.
  static json::object Data(const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    auto o = ParseJsonObject(r.body);
    if (!o || !o->contains("data") || !(*o)["data"].is_object()) return {};
    return (*o)["data"].as_object();
  }
  static std::string Str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
  }
  static void WriteFile(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
};

// AES-256-GCM open with plain EVP, independent of Arca's code: nonce(12) || ct || tag(16).
bool EvpGcmOpen(const std::string& key, const std::string& sealed, std::string* out) {
  if (key.size() != 32 || sealed.size() < 28) return false;
  const std::string nonce = sealed.substr(0, 12);
  const std::string ct = sealed.substr(12, sealed.size() - 28);
  std::string tag = sealed.substr(sealed.size() - 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  out->assign(ct.size(), '\0');
  int len = 0;
  int fin = 0;
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  bool ok =
      EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, u(key), u(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out->data()), &len, u(ct),
                        static_cast<int>(ct.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out->data()) + len, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

TEST_F(Transit, ExportedAesKeyDecryptsArcaCiphertextWithOpenSsl) {
  ASSERT_EQ(Req("POST", "/v1/transit/keys/aes", R"({"exportable":true})").status, 200);
  json::object enc = Data(Req("POST", "/v1/transit/encrypt/aes",
                              R"({"plaintext":")" + Base64Encode("integration secret") + "\"}"));
  const std::string ct = Str(enc["ciphertext"]);
  ASSERT_TRUE(ct.starts_with("vault:v1:")) << ct;
  json::object exp = Data(Req("GET", "/v1/transit/export/encryption-key/aes/1"));
  auto key = Base64Decode(Str(exp["keys"].as_object()["1"]));
  auto sealed = Base64Decode(std::string_view(ct).substr(9));
  ASSERT_TRUE(key && sealed);
  std::string plain;
  ASSERT_TRUE(EvpGcmOpen(*key, *sealed, &plain));
  EXPECT_EQ(plain, "integration secret");
  // And the engine decrypts its own output.
  json::object dec =
      Data(Req("POST", "/v1/transit/decrypt/aes", R"({"ciphertext":")" + ct + "\"}"));
  EXPECT_EQ(Str(dec["plaintext"]), Base64Encode("integration secret"));
}

TEST_F(Transit, Ed25519SignatureVerifiesWithOpenSslPkeyutl) {
  ASSERT_EQ(Req("POST", "/v1/transit/keys/ed", R"({"type":"ed25519"})").status, 200);
  const std::string msg = "signed by arca";
  json::object s =
      Data(Req("POST", "/v1/transit/sign/ed", R"({"input":")" + Base64Encode(msg) + "\"}"));
  auto sig = Base64Decode(Str(s["signature"]).substr(9));
  json::object pub = Data(Req("GET", "/v1/transit/export/public-key/ed/1"));
  auto raw_pub = Base64Decode(Str(pub["keys"].as_object()["1"]));
  ASSERT_TRUE(sig && raw_pub);
  ASSERT_EQ(raw_pub->size(), 32u);
  // SubjectPublicKeyInfo for Ed25519: a fixed 12-byte prefix and the raw key.
  auto prefix = HexDecode("302a300506032b6570032100");
  std::string pem = "-----BEGIN PUBLIC KEY-----\n" + Base64Encode(*prefix + *raw_pub) +
                    "\n-----END PUBLIC KEY-----\n";
  TempDir dir;
  WriteFile(dir.File("pub.pem"), pem);
  WriteFile(dir.File("msg"), msg);
  WriteFile(dir.File("sig"), *sig);
  const std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + dir.File("pub.pem") +
                          " -rawin -in " + dir.File("msg") + " -sigfile " + dir.File("sig") +
                          " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  WriteFile(dir.File("msg"), "tampered");
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST_F(Transit, EcdsaP256SignatureVerifiesWithOpenSslDgst) {
  ASSERT_EQ(Req("POST", "/v1/transit/keys/ec", R"({"type":"ecdsa-p256"})").status, 200);
  const std::string msg = "ecdsa over http";
  json::object s = Data(
      Req("POST", "/v1/transit/sign/ec/sha2-256", R"({"input":")" + Base64Encode(msg) + "\"}"));
  auto sig = Base64Decode(Str(s["signature"]).substr(9));
  ASSERT_TRUE(sig);
  json::object key = Data(Req("GET", "/v1/transit/keys/ec"));
  std::string pem = Str(key["keys"].as_object()["1"].as_object()["public_key"]);
  ASSERT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----")) << pem;
  TempDir dir;
  WriteFile(dir.File("pub.pem"), pem);
  WriteFile(dir.File("msg"), msg);
  WriteFile(dir.File("sig.der"), *sig);
  const std::string cmd = "openssl dgst -sha256 -verify " + dir.File("pub.pem") + " -signature " +
                          dir.File("sig.der") + " " + dir.File("msg") + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST_F(Transit, ErrorsAndBatchStatusesOverHttp) {
  ASSERT_EQ(Req("POST", "/v1/transit/keys/b").status, 200);
  auto bad = Req("POST", "/v1/transit/decrypt/b",
                 R"({"ciphertext":"vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("message authentication failed"), std::string::npos) << bad.body;
  auto batch = Req("POST", "/v1/transit/encrypt/b",
                   R"({"batch_input":[{"plaintext":"YQ=="},{"plaintext":"%%"}]})");
  EXPECT_EQ(batch.status, 400) << batch.body;
  EXPECT_NE(batch.body.find("batch_results"), std::string::npos) << batch.body;
  auto del = Req("DELETE", "/v1/transit/keys/b");
  EXPECT_EQ(del.status, 400) << del.body;
  // Encrypt on a missing key creates it (root has the create capability).
  auto up = Req("POST", "/v1/transit/encrypt/fresh", R"({"plaintext":"YQ=="})");
  EXPECT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(Req("GET", "/v1/transit/keys/fresh").status, 200);
}

}  // namespace
}  // namespace arca::testing
