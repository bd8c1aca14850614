// The pkcs11 seal against a real SoftHSM2 token (tests/services/softhsm.h): key generation,
// wrap/unwrap, persistence across seal objects, RSA-OAEP with an imported key pair, token
// selection by label and by slot, and the errors for a wrong PIN, a missing key, an unsupported
// mechanism, a library that cannot be loaded and bad options.
#include "seal/pkcs11_seal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "common/json.h"
#include "services/softhsm.h"

namespace arca::seal {
namespace {

using testing::SoftHsm;
using Options = std::map<std::string, std::string>;

constexpr char kPin[] = "4321-test";

std::optional<std::string> NoEnv(std::string_view) { return std::nullopt; }

class Pkcs11SealTest : public ::testing::Test {
 protected:
  // One SoftHSM per test process: the library reads SOFTHSM2_CONF when it is initialised, and
  // every token must exist by then.
  static void SetUpTestSuite() {
    hsm_ = new SoftHsm();
    if (!hsm_->ok()) return;
    hsm_->UseInProcess();
    if (auto s = hsm_->InitToken("arca-test", kPin)) main_slot_ = *s;
    if (auto s = hsm_->InitToken("arca-other", kPin)) other_slot_ = *s;
    if (hsm_->ok()) hsm_->ImportRsaKeyPair("arca-test", kPin, "rsa-key", "0a0b");
  }
  static void TearDownTestSuite() {
    delete hsm_;
    hsm_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(hsm_ != nullptr && hsm_->ok()) << hsm_->error(); }

  static Options Base(const std::string& key_label) {
    return {{"lib", SoftHsm::kLib},
            {"token_label", "arca-test"},
            {"pin", kPin},
            {"key_label", key_label}};
  }
  static std::unique_ptr<core::SealAccess> Make(const Options& o) {
    auto seal = NewPkcs11SealWithEnv(o, NoEnv);
    EXPECT_TRUE(seal.has_value()) << seal.error().ToString();
    return seal ? std::move(*seal) : nullptr;
  }

  static inline SoftHsm* hsm_ = nullptr;
  static inline unsigned long main_slot_ = 0;
  static inline unsigned long other_slot_ = 0;
};

TEST_F(Pkcs11SealTest, GeneratesAnAesKeyAndRoundTrips) {
  auto o = Base("generated-aes");
  o["generate_key"] = "true";
  auto seal = Make(o);
  ASSERT_NE(seal, nullptr);
  EXPECT_EQ(seal->Type(), "pkcs11");
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  std::string key(32, '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i * 7 + 1);
  auto blob = seal->Wrap(key, "core/root-key");
  ASSERT_TRUE(blob) << blob.error().ToString();
  EXPECT_EQ(blob->find(key), std::string::npos);
  auto obj = ParseJsonObject(*blob);
  ASSERT_TRUE(obj);
  EXPECT_EQ(StringOr(*obj, "mechanism"), "CKM_AES_GCM");
  EXPECT_EQ(StringOr(*obj, "key_label"), "generated-aes");
  auto back = seal->Unwrap(*blob, "core/root-key");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->view(), key);
  // Two wraps of the same key differ (a fresh IV each time).
  EXPECT_NE(*seal->Wrap(key, "core/root-key"), *blob);
  EXPECT_TRUE(seal->Health()) << seal->Health().error().ToString();
  EXPECT_EQ(seal->KeyId(), "generated-aes");
}

TEST_F(Pkcs11SealTest, ASecondSealOpensTheFirstOnesBlob) {
  auto o = Base("persisted-aes");
  o["generate_key"] = "true";
  o["key_id"] = "0x1234";
  std::string blob;
  {
    auto first = Make(o);
    ASSERT_TRUE(first->Init());
    auto b = first->Wrap("root key bytes", "aad");
    ASSERT_TRUE(b) << b.error().ToString();
    blob = *b;
    first->Finalize();
  }
  // Every seal object is gone: the library was finalised; this one starts it again and finds
  // the key on the token (no generate_key this time).
  o.erase("generate_key");
  auto second = Make(o);
  ASSERT_TRUE(second->Init()) << second->Init().error().ToString();
  EXPECT_EQ(second->KeyId(), "persisted-aes:0x1234");
  auto back = second->Unwrap(blob, "aad");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->view(), "root key bytes");
}

TEST_F(Pkcs11SealTest, ConcurrentWrapAndUnwrap) {
  auto o = Base("concurrent-aes");
  o["generate_key"] = "true";
  auto seal = Make(o);
  ASSERT_TRUE(seal->Init());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string value = "value-" + std::to_string(t) + "-" + std::to_string(i);
        auto blob = seal->Wrap(value, "aad");
        if (!blob) continue;
        auto back = seal->Unwrap(*blob, "aad");
        if (back && back->view() == value) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST_F(Pkcs11SealTest, WrongAadOrTamperedBlobFails) {
  auto o = Base("aad-aes");
  o["generate_key"] = "true";
  auto seal = Make(o);
  ASSERT_TRUE(seal->Init());
  auto blob = seal->Wrap("secret", "right");
  ASSERT_TRUE(blob);
  auto wrong = seal->Unwrap(*blob, "wrong");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(wrong.error().message().find("message authentication failed"), std::string::npos)
      << wrong.error().message();

  auto obj = *ParseJsonObject(*blob);
  std::string ct = std::string(obj["ciphertext"].as_string());
  ct[0] = ct[0] == 'A' ? 'B' : 'A';
  obj["ciphertext"] = ct;
  EXPECT_FALSE(seal->Unwrap(ToJson(obj), "right"));
  EXPECT_FALSE(seal->Unwrap("not json", "right"));
  EXPECT_FALSE(seal->Unwrap(R"({"type":"static","version":1})", "right"));

  // A blob naming a key that is not on the token.
  obj = *ParseJsonObject(*blob);
  obj["key_label"] = "no-such-key";
  auto missing = seal->Unwrap(ToJson(obj), "right");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("no-such-key"), std::string::npos);
}

TEST_F(Pkcs11SealTest, WrongPinIsAClearError) {
  auto o = Base("pin-aes");
  o["pin"] = "0000-wrong";
  auto seal = Make(o);
  auto st = seal->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(st.error().message().find("CKR_PIN_INCORRECT"), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find("PIN is incorrect"), std::string::npos);
  // Nothing works before a successful Init.
  auto w = seal->Wrap("x", "y");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind(), ErrorKind::kUnavailable);
}

TEST_F(Pkcs11SealTest, PinFromTheEnvironmentWinsOverTheFile) {
  auto o = Base("env-aes");
  o["pin"] = "0000-wrong";
  o["generate_key"] = "true";
  auto env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "VAULT_HSM_PIN") return std::string(kPin);
    return std::nullopt;
  };
  auto seal = NewPkcs11SealWithEnv(o, env);
  ASSERT_TRUE(seal);
  EXPECT_TRUE((*seal)->Init()) << (*seal)->Init().error().ToString();
  // ARCA_HSM_PIN comes before VAULT_HSM_PIN.
  auto env2 = [](std::string_view name) -> std::optional<std::string> {
    if (name == "ARCA_HSM_PIN") return std::string("0000-wrong");
    if (name == "VAULT_HSM_PIN") return std::string(kPin);
    return std::nullopt;
  };
  auto seal2 = NewPkcs11SealWithEnv(Base("env-aes"), env2);
  ASSERT_TRUE(seal2);
  auto st = (*seal2)->Init();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("CKR_PIN_INCORRECT"), std::string::npos);
  // No pin anywhere.
  auto o3 = Base("env-aes");
  o3.erase("pin");
  auto none = NewPkcs11SealWithEnv(o3, NoEnv);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("\"pin\" is required"), std::string::npos);
  auto from_bao = NewPkcs11SealWithEnv(o3, [](std::string_view name) -> std::optional<std::string> {
    if (name == "BAO_HSM_PIN") return std::string(kPin);
    return std::nullopt;
  });
  ASSERT_TRUE(from_bao);
  EXPECT_TRUE((*from_bao)->Init());
}

TEST_F(Pkcs11SealTest, MissingKeyWithoutGenerateKeyIsAnError) {
  auto seal = Make(Base("never-created"));
  auto st = seal->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(st.error().message().find("no secret key with label never-created"), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find("generate_key"), std::string::npos);
  // And it was not created as a side effect.
  auto again = Make(Base("never-created"));
  EXPECT_FALSE(again->Init());
}

TEST_F(Pkcs11SealTest, RsaOaepWithAnImportedKeyPair) {
  // SoftHSM 2.6 refuses OAEP with SHA-256 (the default): Init says so and names the option.
  {
    auto o = Base("rsa-key");
    o["mechanism"] = "CKM_RSA_PKCS_OAEP";
    auto st = Make(o)->Init();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(st.error().message().find("refuses CKM_RSA_PKCS_OAEP with sha256"), std::string::npos)
        << st.error().message();
    EXPECT_NE(st.error().message().find("rsa_oaep_hash"), std::string::npos);
  }
  for (const char* hash : {"sha1", "SHA1"}) {
    SCOPED_TRACE(hash);
    auto o = Base("rsa-key");
    o["mechanism"] = "CKM_RSA_PKCS_OAEP";
    o["rsa_oaep_hash"] = hash;
    o["key_id"] = "0a0b";
    auto seal = Make(o);
    auto st = seal->Init();
    ASSERT_TRUE(st) << st.error().ToString();
    std::string key(64, 'k');
    auto blob = seal->Wrap(key, "aad-1");
    ASSERT_TRUE(blob) << blob.error().ToString();
    auto obj = *ParseJsonObject(*blob);
    EXPECT_EQ(StringOr(obj, "mechanism"), "CKM_RSA_PKCS_OAEP");
    EXPECT_EQ(StringOr(obj, "rsa_oaep_hash"), "sha1");
    auto back = seal->Unwrap(*blob, "aad-1");
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ(back->view(), key);
    auto wrong = seal->Unwrap(*blob, "aad-2");
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message().find("message authentication failed"), std::string::npos);
  }
  // Without `mechanism`, the key pair found selects RSA-OAEP.
  auto o = Base("rsa-key");
  o["rsa_oaep_hash"] = "sha1";
  auto seal = Make(o);
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  auto blob = seal->Wrap("abc", "");
  ASSERT_TRUE(blob) << blob.error().ToString();
  EXPECT_NE(blob->find("CKM_RSA_PKCS_OAEP"), std::string::npos);
  EXPECT_EQ(seal->Unwrap(*blob, "")->view(), "abc");
}

TEST_F(Pkcs11SealTest, MechanismThatDoesNotFitTheKey) {
  // An AES key asked to do RSA-OAEP: no RSA key by that label.
  auto gen = Base("aes-not-rsa");
  gen["generate_key"] = "true";
  ASSERT_TRUE(Make(gen)->Init());
  auto o = Base("aes-not-rsa");
  o["mechanism"] = "RSA_PKCS_OAEP";
  auto st = Make(o)->Init();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("no RSA private key"), std::string::npos)
      << st.error().message();
  // An RSA key asked to do AES-GCM.
  auto o2 = Base("rsa-key");
  o2["mechanism"] = "0x1087";
  auto st2 = Make(o2)->Init();
  ASSERT_FALSE(st2);
  EXPECT_NE(st2.error().message().find("no secret key"), std::string::npos)
      << st2.error().message();
}

TEST_F(Pkcs11SealTest, MechanismTheTokenDoesNotSupport) {
  // The same tokens, with CKM_AES_GCM switched off in SoftHSM's configuration. The library reads
  // it when initialised, which happens again here: no other seal object holds it.
  std::string conf = hsm_->dir() + "/no-gcm.conf";
  {
    std::ifstream in(hsm_->conf_path());
    std::ofstream out(conf);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("slots.mechanisms")) line = "slots.mechanisms = CKM_AES_KEY_GEN,CKM_RSA_PKCS_OAEP,CKM_RSA_PKCS_KEY_PAIR_GEN";
      out << line << "\n";
    }
  }
  ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  auto o = Base("unsupported-mech");
  o["generate_key"] = "true";
  auto seal = Make(o);
  auto st = seal->Init();
  seal.reset();
  hsm_->UseInProcess();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(st.error().message().find("does not support CKM_AES_GCM"), std::string::npos)
      << st.error().message();
}

TEST_F(Pkcs11SealTest, TokenBySlotOrByLabel) {
  // A key on the second token, chosen by slot number.
  Options by_slot = {{"lib", SoftHsm::kLib},
                     {"slot", std::to_string(other_slot_)},
                     {"pin", kPin},
                     {"key_label", "slot-key"},
                     {"generate_key", "true"}};
  auto a = Make(by_slot);
  ASSERT_TRUE(a->Init()) << a->Init().error().ToString();
  auto blob = a->Wrap("on the other token", "x");
  ASSERT_TRUE(blob);
  // The same slot in hex, together with the matching label.
  Options hex = by_slot;
  hex.erase("generate_key");
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", other_slot_);
  hex["slot"] = buf;
  hex["token_label"] = "arca-other";
  auto b = Make(hex);
  ASSERT_TRUE(b->Init()) << b->Init().error().ToString();
  EXPECT_EQ(b->Unwrap(*blob, "x")->view(), "on the other token");
  // By label: the other token is found the same way.
  Options by_label = hex;
  by_label.erase("slot");
  auto c = Make(by_label);
  ASSERT_TRUE(c->Init());
  EXPECT_EQ(c->Unwrap(*blob, "x")->view(), "on the other token");
  // The first token has no such key: selection really picked a token.
  Options main = by_label;
  main["token_label"] = "arca-test";
  auto d = Make(main);
  auto st = d->Init();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("no secret key with label slot-key"), std::string::npos);
  // A slot and a label that disagree.
  Options clash = hex;
  clash["token_label"] = "arca-test";
  auto st2 = Make(clash)->Init();
  ASSERT_FALSE(st2);
  EXPECT_NE(st2.error().message().find("labelled \"arca-other\", not \"arca-test\""),
            std::string::npos)
      << st2.error().message();
  // No token with that label: the service is not there (yet): kUnavailable, naming the tokens.
  Options nolabel = by_label;
  nolabel["token_label"] = "no-such-token";
  auto st3 = Make(nolabel)->Init();
  ASSERT_FALSE(st3);
  EXPECT_EQ(st3.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(st3.error().message().find("no token with label \"no-such-token\""), std::string::npos)
      << st3.error().message();
  EXPECT_NE(st3.error().message().find("\"arca-other\""), std::string::npos);
  // A slot that does not exist.
  Options noslot = by_slot;
  noslot["slot"] = "987654";
  auto st4 = Make(noslot)->Init();
  ASSERT_FALSE(st4);
  EXPECT_NE(st4.error().message().find("slot 987654"), std::string::npos) << st4.error().message();
}

TEST_F(Pkcs11SealTest, LibraryThatCannotBeLoaded) {
  auto o = Base("x");
  o["lib"] = "/nonexistent/libnothing.so";
  auto st = Make(o)->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(st.error().message().find("cannot load the PKCS#11 library /nonexistent/libnothing.so"),
            std::string::npos)
      << st.error().message();
  // A shared library that is not a PKCS#11 module.
  o["lib"] = "libz.so.1";
  auto st2 = Make(o)->Init();
  ASSERT_FALSE(st2);
  EXPECT_NE(st2.error().message().find("no C_GetFunctionList"), std::string::npos)
      << st2.error().message();
}

TEST_F(Pkcs11SealTest, BadOptionsNameTheOption) {
  struct Case {
    const char* name;
    Options options;
    const char* error;
  };
  auto with = [](Options o, const std::string& k, const std::string& v) {
    if (v.empty())
      o.erase(k);
    else
      o[k] = v;
    return o;
  };
  Options base = Base("k");
  std::vector<Case> cases = {
      {"no lib", with(base, "lib", ""), "\"lib\" is required"},
      {"no token", with(base, "token_label", ""), "\"slot\" or \"token_label\" is required"},
      {"no key label", with(base, "key_label", ""), "\"key_label\" is required"},
      {"bad slot", with(base, "slot", "twelve"), "slot \"twelve\" is not a number"},
      {"bad mechanism", with(base, "mechanism", "CKM_AES_CBC_PAD"),
       "mechanism \"CKM_AES_CBC_PAD\" is not supported"},
      {"bad hash", with(base, "rsa_oaep_hash", "md5"), "rsa_oaep_hash \"md5\""},
      {"bad key id", with(base, "key_id", "0xzz"), "key_id \"0xzz\" is not a hex string"},
      {"bad bool", with(base, "generate_key", "yes please"), "generate_key \"yes please\""},
      {"typo", with(base, "key_lable", "k"), "unknown option \"key_lable\""},
      {"generate rsa", with(with(base, "generate_key", "true"), "mechanism", "CKM_RSA_PKCS_OAEP"),
       "generate_key creates AES keys only"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = NewPkcs11SealWithEnv(c.options, NoEnv);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(r.error().message().find(c.error), std::string::npos) << r.error().message();
  }
  // Options that do not change anything here are accepted (with a warning), and `disabled` is
  // the core's.
  EXPECT_TRUE(NewPkcs11SealWithEnv(with(with(base, "max_parallel", "4"), "disabled", "false"), NoEnv));
}

}  // namespace
}  // namespace arca::seal
