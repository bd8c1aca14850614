// sys/init with an auto seal (the real static seal) and PGP keys: recovery shares come back
// encrypted (recovery_pgp_keys), each decrypts with `gpg --decrypt` to the share's hex, and the
// decrypted shares are the recovery key; root_token_pgp_key too; bad keys change nothing.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "core/testing.h"
#include "seal/static_seal.h"
#include "services/gnupg.h"

namespace arca::seal {
namespace {

using core::Core;
using core::CoreConfig;
using core::InitParams;
using testing::GnupgHome;

std::unique_ptr<Core> NewCore() {
  CoreConfig cfg;
  cfg.physical = *storage::NewInmemBackend({});
  auto seal = NewStaticSeal({{"current_key_id", "k1"}, {"current_key", std::string(64, 'a')}});
  EXPECT_TRUE(seal) << seal.error().ToString();
  cfg.seal = std::move(*seal);
  return std::make_unique<Core>(std::move(cfg));
}

class RecoveryPgp : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      std::string fpr = home_.GenerateKey("Recovery " + std::to_string(i) + " <r" +
                                          std::to_string(i) + "@example.invalid>");
      ASSERT_FALSE(fpr.empty()) << home_.error();
      key_[i] = Base64Encode(home_.ExportPublic(fpr));
    }
  }
  std::string Decrypt(const std::string& message) {
    std::string plain;
    EXPECT_TRUE(home_.Decrypt(message, &plain)) << home_.error();
    return plain;
  }

  GnupgHome home_;
  std::string key_[3];
};

TEST_F(RecoveryPgp, RecoverySharesAndRootTokenAreEncrypted) {
  auto core = NewCore();
  InitParams p;
  p.recovery_shares = 3;
  p.recovery_threshold = 2;
  p.recovery_pgp_keys = {key_[0], key_[1], key_[2]};
  p.root_token_pgp_key = key_[0];
  auto r = core->Initialize(p);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->keys_hex.empty());
  ASSERT_EQ(r->recovery_keys_hex.size(), 3u);
  ASSERT_EQ(r->recovery_keys_base64.size(), 3u);

  std::vector<SecureBytes> shares;
  for (size_t i = 0; i < 3; ++i) {
    auto msg = Base64Decode(r->recovery_keys_base64[i]);
    ASSERT_TRUE(msg);
    EXPECT_EQ(HexEncode(*msg), r->recovery_keys_hex[i]);
    auto share = HexDecode(Decrypt(*msg));
    ASSERT_TRUE(share) << "the plaintext is the share's hex";
    shares.push_back(SecureBytes::FromString(*share));
  }
  // The decrypted shares are the recovery key (two of them suffice); the messages are not.
  std::vector<SecureBytes> two;
  two.push_back(shares[2].Clone());
  two.push_back(shares[0].Clone());
  EXPECT_TRUE(core->VerifyRecoveryShares(two));
  std::vector<SecureBytes> wrong;
  wrong.push_back(SecureBytes::FromString(*Base64Decode(r->recovery_keys_base64[0])));
  wrong.push_back(SecureBytes::FromString(*Base64Decode(r->recovery_keys_base64[1])));
  EXPECT_FALSE(core->VerifyRecoveryShares(wrong));

  // The root token, decrypted, is root (the auto seal unsealed the core after init).
  ASSERT_TRUE(core::Eventually([&] { return !core->Sealed(); }));
  std::string root = Decrypt(*Base64Decode(r->root_token));
  logical::Request req;
  req.operation = logical::Operation::kRead;
  req.path = "auth/token/lookup-self";
  req.client_token = root;
  auto self = core->HandleRequest(req);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(StringsOf(self->data, "policies"), std::vector<std::string>{"root"});
}

TEST_F(RecoveryPgp, BadKeysAreRefusedBeforeAnythingIsWritten) {
  auto core = NewCore();
  struct Case {
    const char* name;
    InitParams params;
    std::string message;
  };
  auto params = [&](std::vector<std::string> keys, int shares) {
    InitParams p;
    p.recovery_shares = shares;
    p.recovery_threshold = shares > 1 ? 2 : shares;
    p.recovery_pgp_keys = std::move(keys);
    return p;
  };
  InitParams root_bad = params({}, 1);
  root_bad.root_token_pgp_key = "keybase:alice";
  InitParams shamir_keys = params({}, 1);
  shamir_keys.pgp_keys = {key_[0]};
  std::vector<Case> cases = {
      {"count", params({key_[0], key_[1]}, 3),
       "invalid recovery configuration: count mismatch between number of provided PGP keys and "
       "number of shares"},
      {"no shares", params({key_[0]}, 0), "invalid recovery configuration: count mismatch"},
      {"not base64", params({key_[0], "@@@"}, 2),
       "invalid recovery configuration: error decoding given PGP key: "},
      {"garbage", params({Base64Encode("not a key")}, 1),
       "invalid recovery configuration: error parsing given PGP key: "},
      {"root token keybase", root_bad, "Keybase"},
      {"pgp_keys with an auto seal", shamir_keys, "PGP keys not supported when using auto unseal"},
  };
  for (auto& c : cases) {
    auto r = core->Initialize(c.params);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.name << ": " << r.error().message();
    auto init = core->Initialized();
    ASSERT_TRUE(init);
    EXPECT_FALSE(*init) << c.name;
  }
}

}  // namespace
}  // namespace arca::seal
