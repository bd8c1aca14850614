// Golden tests of `operator rekey` and `operator generate-root` against canned API answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "cli/cli_test_util.h"

namespace arca::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CliTest;

constexpr char kNotStarted[] =
    R"({"nonce":"","started":false,"t":0,"n":0,"progress":0,"required":3,)"
    R"("pgp_fingerprints":null,"backup":false,"verification_required":false})";
constexpr char kStarted[] =
    R"({"nonce":"n-1","started":true,"t":2,"n":3,"progress":1,"required":3,)"
    R"("pgp_fingerprints":null,"backup":false,"verification_required":true})";
constexpr char kVerifyStatus[] =
    R"({"nonce":"v-1","started":true,"t":2,"n":3,"progress":0})";
constexpr char kComplete[] =
    R"({"nonce":"n-1","complete":true,"keys":["aa01","bb02","cc03"],)"
    R"("keys_base64":["qgE=","uwI=","zAM="],"pgp_fingerprints":null,"backup":false,)"
    R"("verification_required":true,"verification_nonce":"v-1"})";

TEST_F(CliTest, RekeyInitTable) {
  AddRoute("PUT sys/rekey/init", 200, kStarted);
  EXPECT_EQ(Run({"operator", "rekey", "-init", "-key-shares=3", "-key-threshold=2", "-verify"}), 0);
  EXPECT_EQ(calls_[0].body,
            R"({"secret_shares":3,"secret_threshold":2,"pgp_keys":null,"backup":false,)"
            R"("require_verification":true})");
  EXPECT_EQ(err(),
            "WARNING! If you lose the keys after they are returned, there is no recovery.\n"
            "Consider canceling this operation and re-initializing with the -pgp-keys flag to\n"
            "protect the returned unseal keys along with -backup to allow recovery of the\n"
            "encrypted keys in case of emergency. You can delete the stored keys later using\n"
            "the -delete flag.\n");
  EXPECT_EQ(out(),
            "\n"
            "Key                      Value\n"
            "---                      -----\n"
            "Nonce                    n-1\n"
            "Started                  true\n"
            "Rekey Progress           1/3\n"
            "New Shares               3\n"
            "New Threshold            2\n"
            "Verification Required    true\n");
}

TEST_F(CliTest, RekeyStatusFormats) {
  AddRoute("GET sys/rekey/init", 200, kNotStarted);
  EXPECT_EQ(Run({"operator", "rekey", "-status"}), 0);
  EXPECT_EQ(out(),
            "Key        Value\n"
            "---        -----\n"
            "Nonce      n/a\n"
            "Started    false\n");
  EXPECT_EQ(Run({"operator", "rekey", "-status", "-format=json"}), 0);
  EXPECT_EQ(out(),
            "{\n"
            "  \"nonce\": \"\",\n"
            "  \"started\": false,\n"
            "  \"t\": 0,\n"
            "  \"n\": 0,\n"
            "  \"progress\": 0,\n"
            "  \"required\": 3,\n"
            "  \"pgp_fingerprints\": null,\n"
            "  \"backup\": false,\n"
            "  \"verification_required\": false,\n"
            "  \"verification_nonce\": \"\"\n"
            "}\n");
  AddRoute("GET sys/rekey/verify", 200, kVerifyStatus);
  EXPECT_EQ(Run({"operator", "rekey", "-status", "-verify"}), 0);
  EXPECT_EQ(out(),
            "Key                      Value\n"
            "---                      -----\n"
            "Started                  true\n"
            "New Shares               3\n"
            "New Threshold            2\n"
            "Verification Nonce       v-1\n"
            "Verification Progress    0/2\n");
}

TEST_F(CliTest, RekeyProvideProgressAndCompletionWithVerification) {
  AddRoute("GET sys/rekey/init", 200, kStarted);
  AddRoute("PUT sys/rekey/update", 200, kStarted);
  // Not complete: the status again.
  EXPECT_EQ(Run({"operator", "rekey", "-nonce=n-1", "key-one"}), 0);
  EXPECT_EQ(calls_[1].body, R"({"key":"key-one","nonce":"n-1"})");
  EXPECT_THAT(out(), HasSubstr("Rekey Progress           1/3\n"));
  // Without -nonce a key given as an argument is refused.
  EXPECT_EQ(Run({"operator", "rekey", "key-one"}), 1);
  EXPECT_EQ(err(), "Missing nonce value: specify it via the -nonce flag\n");

  AddRoute("PUT sys/rekey/update", 200, kComplete);
  AddRoute("GET sys/rekey/verify", 200, kVerifyStatus);
  calls_.clear();
  EXPECT_EQ(Run({"operator", "rekey", "-nonce=n-1", "-"}, "key-three\n"), 0);
  EXPECT_EQ(calls_[1].body, R"({"key":"key-three","nonce":"n-1"})");
  EXPECT_EQ(out(),
            "\n"
            "Key 1: qgE=\n"
            "Key 2: uwI=\n"
            "Key 3: zAM=\n"
            "\n"
            "Operation nonce: n-1\n"
            "\n"
            "Arca has created a new unseal key, split into 3 key shares and a key threshold\n"
            "of 2. These will not be active until after verification is complete. Please\n"
            "securely distribute the key shares printed above. When Arca is re-sealed,\n"
            "restarted, or stopped, you must supply at least 2 of these keys to unseal it\n"
            "before it can start servicing requests.\n"
            "\n"
            "\n"
            "\n"
            "Key                      Value\n"
            "---                      -----\n"
            "Started                  true\n"
            "New Shares               3\n"
            "New Threshold            2\n"
            "Verification Nonce       v-1\n"
            "Verification Progress    0/2\n");
  EXPECT_EQ(err(),
            "Again, these key shares are _not_ valid until verification is performed. Do not\n"
            "lose or discard your current key shares until after verification is complete or\n"
            "you will be unable to unseal Arca. If you cancel the rekey process or seal Arca\n"
            "before verification is complete the new shares will be discarded and the current\n"
            "shares will remain valid.\n"
            "The current verification status, including initial nonce, is shown below.\n");
}

TEST_F(CliTest, RekeyCompletionWithoutVerificationAndJson) {
  std::string started = kStarted;
  started.replace(started.find("\"verification_required\":true"), 28,
                  "\"verification_required\":false");
  AddRoute("GET sys/rekey/init", 200, started);
  AddRoute("PUT sys/rekey/update", 200,
           R"({"nonce":"n-1","complete":true,"keys":["aa01","bb02","cc03"],)"
           R"("keys_base64":["qgE=","uwI=","zAM="],"pgp_fingerprints":null,"backup":false,)"
           R"("verification_required":false})");
  EXPECT_EQ(Run({"operator", "rekey", "-nonce=n-1", "k"}), 0);
  EXPECT_EQ(out(),
            "\n"
            "Key 1: qgE=\n"
            "Key 2: uwI=\n"
            "Key 3: zAM=\n"
            "\n"
            "Operation nonce: n-1\n"
            "\n"
            "Arca unseal keys rekeyed to 3 key shares and a key threshold of 2. Please\n"
            "securely distribute the key shares printed above. When Arca is re-sealed,\n"
            "restarted, or stopped, you must supply at least 2 of these keys to unseal it\n"
            "before it can start servicing requests.\n");
  EXPECT_EQ(Run({"operator", "rekey", "-nonce=n-1", "-format=json", "k"}), 0);
  EXPECT_EQ(out(),
            "{\n"
            "  \"nonce\": \"n-1\",\n"
            "  \"complete\": true,\n"
            "  \"keys\": [\n"
            "    \"aa01\",\n"
            "    \"bb02\",\n"
            "    \"cc03\"\n"
            "  ],\n"
            "  \"keys_base64\": [\n"
            "    \"qgE=\",\n"
            "    \"uwI=\",\n"
            "    \"zAM=\"\n"
            "  ],\n"
            "  \"pgp_fingerprints\": null,\n"
            "  \"backup\": false,\n"
            "  \"verification_required\": false\n"
            "}\n");
}

TEST_F(CliTest, RekeyVerifyPromptAndCompletion) {
  AddRoute("GET sys/rekey/verify", 200, kVerifyStatus);
  AddRoute("PUT sys/rekey/verify", 200, R"({"nonce":"v-1","complete":true})");
  stdin_is_terminal_ = true;
  hidden_input_ = "new-key";
  EXPECT_EQ(Run({"operator", "rekey", "-verify"}), 0);
  EXPECT_EQ(prompts_, 1);
  EXPECT_EQ(calls_[1].path, "sys/rekey/verify");
  EXPECT_EQ(calls_[1].body, R"({"key":"new-key","nonce":"v-1"})");
  EXPECT_EQ(out(),
            "Rekey operation nonce: v-1\n"
            "Unseal Key (will be hidden): \n"
            "Rekey verification successful. The rekey operation is complete and the new keys\n"
            "are now active.\n");
}

TEST_F(CliTest, RekeyErrorsCancelAndBackup) {
  AddRoute("GET sys/rekey/init", 200, kNotStarted);
  EXPECT_EQ(Run({"operator", "rekey", "k"}), 1);
  EXPECT_EQ(err(),
            "No rekey is in progress. Start a rekey process by running \"arca operator rekey\n"
            "-init\".\n");
  AddRoute("PUT sys/rekey/init", 400, R"({"errors":["rekey already in progress"]})");
  EXPECT_EQ(Run({"operator", "rekey", "-init"}), 2);
  EXPECT_THAT(err(), StartsWith("Error initializing rekey: Error making API request."));
  EXPECT_THAT(err(), HasSubstr("* rekey already in progress"));
  EXPECT_EQ(Run({"operator", "rekey", "-target=other", "-status"}), 1);
  EXPECT_EQ(err(), "Unknown target: other\n");

  AddRoute("DELETE sys/rekey/init", 204, "");
  EXPECT_EQ(Run({"operator", "rekey", "-cancel"}), 0);
  EXPECT_EQ(out(), "Success! Canceled rekeying (if it was started)\n");
  AddRoute("DELETE sys/rekey/verify", 200, kVerifyStatus);
  EXPECT_EQ(Run({"operator", "rekey", "-cancel", "-verify"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/rekey/verify");
  AddRoute("DELETE sys/rekey/recovery-key-backup", 204, "");
  EXPECT_EQ(Run({"operator", "rekey", "-backup-delete", "-target=recovery"}), 0);
  EXPECT_EQ(out(), "Success! Deleted backed up keys (if they existed)\n");
  AddRoute("GET sys/rekey/backup", 400, R"({"errors":["no backed-up keys found"]})");
  EXPECT_EQ(Run({"operator", "rekey", "-backup-retrieve"}), 2);
  EXPECT_THAT(err(), StartsWith("Error retrieving rekey backed up keys: "));
  AddRoute("GET sys/rekey-recovery-key/init", 400,
           R"({"errors":["recovery rekeying not supported"]})");
  EXPECT_EQ(Run({"operator", "rekey", "-status", "-target=recovery"}), 2);
  EXPECT_THAT(err(), HasSubstr("recovery rekeying not supported"));
}

TEST_F(CliTest, RekeyPgpKeyFiles) {
  // A binary key file is sent base64, a base64 file as is (cli/pgp_flags.h).
  std::string dir = ::testing::TempDir();
  std::string bin = dir + "/k.bin", b64 = dir + "/k.b64";
  std::ofstream(bin, std::ios::binary) << std::string("\x99\x01\x0d", 3);
  std::ofstream(b64) << "mQEN\n";
  AddRoute("PUT sys/rekey/init", 200, kStarted);
  EXPECT_EQ(Run({"operator", "rekey", "-init", "-key-shares=2", "-key-threshold=2",
                 "-pgp-keys=" + bin + "," + b64}),
            0);
  EXPECT_EQ(calls_[0].body,
            R"({"secret_shares":2,"secret_threshold":2,"pgp_keys":["mQEN","mQEN"],)"
            R"("backup":false,"require_verification":false})");
  EXPECT_THAT(err(), StartsWith("WARNING! You are using PGP keys for encryption of resulting"));
  EXPECT_EQ(Run({"operator", "rekey", "-init", "-pgp-keys=" + dir + "/missing"}), 1);
  EXPECT_THAT(err(), HasSubstr("for flag -pgp-keys: open "));
  EXPECT_EQ(Run({"operator", "rekey", "-init", "-pgp-keys=keybase:someone"}), 1);
  EXPECT_THAT(err(), HasSubstr("keybase user lookups are not supported"));
  std::remove(bin.c_str());
  std::remove(b64.c_str());
}

constexpr char kGenNotStarted[] =
    R"({"nonce":"","started":false,"progress":0,"required":3,"complete":false,)"
    R"("encoded_token":"","encoded_root_token":"","pgp_fingerprint":"","otp":"","otp_length":40})";

TEST_F(CliTest, GenerateRootInitWithGeneratedOtp) {
  AddRoute("PUT sys/generate-root/attempt", 200,
           R"({"nonce":"g-1","started":true,"progress":0,"required":3,"complete":false,)"
           R"("encoded_token":"","encoded_root_token":"","pgp_fingerprint":"",)"
           R"("otp":"OTPOTPOTPOTPOTPOTPOTPOTPOTPOTPOTPOTPOTP1","otp_length":40})");
  EXPECT_EQ(Run({"operator", "generate-root", "-init"}), 0);
  EXPECT_EQ(calls_[0].body, R"({"otp":"","pgp_key":""})");
  EXPECT_EQ(out(),
            "Nonce         g-1\n"
            "Started       true\n"
            "Progress      0/3\n"
            "Complete      false\n"
            "OTP           OTPOTPOTPOTPOTPOTPOTPOTPOTPOTPOTPOTPOTP1\n"
            "OTP Length    40\n");
  EXPECT_EQ(err(),
            "A One-Time-Password has been generated for you and is shown in the OTP field.\n"
            "You will need this value to decode the resulting root token, so keep it safe.\n");
  EXPECT_EQ(Run({"operator", "generate-root", "-init", "-otp=x", "-pgp-key=y"}), 1);
  EXPECT_EQ(err(), "Error initializing: cannot specify both -otp and -pgp-key\n");
}

TEST_F(CliTest, GenerateRootProvideAndDecode) {
  AddRoute("GET sys/generate-root/attempt", 200,
           R"({"nonce":"g-1","started":true,"progress":2,"required":3,"complete":false,)"
           R"("encoded_token":"","encoded_root_token":"","pgp_fingerprint":"","otp":"",)"
           R"("otp_length":40})");
  AddRoute("PUT sys/generate-root/update", 200,
           R"({"nonce":"g-1","started":true,"progress":3,"required":3,"complete":true,)"
           R"("encoded_token":"WEdBHXV3dQ","encoded_root_token":"WEdBHXV3dQ",)"
           R"("pgp_fingerprint":"","otp":"","otp_length":0})");
  EXPECT_EQ(Run({"operator", "generate-root", "-nonce=g-1", "k3"}), 0);
  EXPECT_EQ(calls_[1].body, R"({"key":"k3","nonce":"g-1"})");
  EXPECT_EQ(out(),
            "Nonce            g-1\n"
            "Started          true\n"
            "Progress         3/3\n"
            "Complete         true\n"
            "Encoded Token    WEdBHXV3dQ\n");

  EXPECT_EQ(Run({"operator", "generate-root", "-decode=WEdBHXV3dQ", "-otp=0123456"}), 0);
  EXPECT_EQ(out(), "hvs.ABC");  // no newline when stdout is not a terminal (Vault's PrintRaw)
  EXPECT_EQ(Run({"operator", "generate-root", "-decode=-", "-otp=0123456", "-format=json"},
                "WEdBHXV3dQ==\n"),
            0);
  EXPECT_EQ(out(), "{\n  \"token\": \"hvs.ABC\"\n}\n");
  EXPECT_EQ(Run({"operator", "generate-root", "-decode=WEdBHXV3dQ"}), 1);
  EXPECT_EQ(err(), "Missing otp: use -otp to supply it\n");
  EXPECT_EQ(Run({"operator", "generate-root", "-decode=WEdBHXV3dQ", "-otp=01"}), 1);
  EXPECT_EQ(err(),
            "Error decoding root token: error xoring token: length of byte slices is not "
            "equivalent: 7 != 2\n");
}

TEST_F(CliTest, GenerateRootNotStartedStatusCancelOtp) {
  AddRoute("GET sys/generate-root/attempt", 200, kGenNotStarted);
  EXPECT_EQ(Run({"operator", "generate-root", "k"}), 1);
  EXPECT_EQ(err(),
            "No root generation is in progress. Start a root generation by running \"arca\n"
            "operator generate-root -init\".\n"
            "If starting root generation using the OTP method and generating your own OTP,\n"
            "the length of the OTP string needs to be 40 characters in length.\n");
  EXPECT_EQ(Run({"operator", "generate-root", "-status"}), 0);
  EXPECT_EQ(out(),
            "Nonce         n/a\n"
            "Started       false\n"
            "Progress      0/3\n"
            "Complete      false\n"
            "OTP Length    40\n");
  EXPECT_EQ(Run({"operator", "generate-root", "-generate-otp"}), 0);
  ASSERT_EQ(out().size(), 40u);
  for (char c : out()) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << out();
  AddRoute("DELETE sys/generate-root/attempt", 204, "");
  EXPECT_EQ(Run({"operator", "generate-root", "-cancel"}), 0);
  EXPECT_EQ(out(), "Success! Root token generation canceled (if it was started)\n");
}

}  // namespace
}  // namespace arca::cli
