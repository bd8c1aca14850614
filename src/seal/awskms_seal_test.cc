// The awskms seal against tests/services/kms_standin.py: a STAND-IN for AWS KMS on loopback (no
// real KMS is reachable here) that checks the SigV4 signature of every request with its own
// implementation, so a request Arca signs wrongly is refused as AWS would refuse it.
#include "seal/awskms_seal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/json.h"
#include "seal/factory.h"
#include "services/kms_standin.h"

namespace arca::seal {
namespace {

using ::testing::HasSubstr;
using testing::KmsStandin;
using testing::KmsStandinOptions;

constexpr const char* kKey1 = "0f9a3c2e-1b4d-4e5f-8a7b-6c5d4e3f2a10";
constexpr const char* kKey2 = "7d2c1b0a-9e8f-4a6b-8c5d-4e3f2a1b0c9d";
constexpr const char* kKeyOff = "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b";
constexpr const char* kAccess = "AKIDARCATEST";
constexpr const char* kSecret = "arca/test+secret/key0123456789abcdefghij";
constexpr const char* kSessionAccess = "ASIAARCATEST";
constexpr const char* kSessionSecret = "session/secret/key0123456789abcdefghijkl";
constexpr const char* kSessionToken = "FwoGZXIvYXdzEArca//session+token==";

std::string Arn(const std::string& id) { return "arn:aws:kms:us-east-1:111122223333:key/" + id; }

KmsStandinOptions StandardOptions() {
  KmsStandinOptions o;
  o.keys = {kKey1, kKey2};
  o.aliases = {{"alias/arca", kKey1}};
  o.disabled = {kKeyOff};
  o.credentials = {{kAccess, kSecret, ""}, {kSessionAccess, kSessionSecret, kSessionToken}};
  return o;
}

// An environment with only what the test puts in it (HOME points at an empty directory so no
// real ~/.aws file is read).
class FakeEnv {
 public:
  FakeEnv() {
    home_ = std::filesystem::temp_directory_path() /
            ("arca-kms-home-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_));
    std::filesystem::create_directories(home_);
    vars_["HOME"] = home_.string();
  }
  ~FakeEnv() {
    std::error_code ec;
    std::filesystem::remove_all(home_, ec);
  }
  void Set(const std::string& k, const std::string& v) { vars_[k] = v; }
  std::string Home() const { return home_.string(); }
  EnvLookup Lookup() const {
    auto vars = vars_;
    return [vars](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path home_;
  std::map<std::string, std::string> vars_;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class AwsKmsSealTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { standin_ = new KmsStandin(StandardOptions()); }
  static void TearDownTestSuite() {
    delete standin_;
    standin_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(standin_->ok()) << standin_->error(); }

  std::map<std::string, std::string> Options(const std::string& key = kKey1) const {
    return {{"kms_key_id", key},
            {"region", "us-east-1"},
            {"endpoint", standin_->endpoint()},
            {"access_key", kAccess},
            {"secret_key", kSecret}};
  }
  std::unique_ptr<core::SealAccess> MakeSeal(const std::map<std::string, std::string>& options,
                                             const FakeEnv& env) {
    auto seal = NewAwsKmsSeal(options, env.Lookup());
    EXPECT_TRUE(seal.has_value()) << seal.error().ToString();
    return seal ? std::move(*seal) : nullptr;
  }
  std::unique_ptr<core::SealAccess> MakeSeal(const std::map<std::string, std::string>& options) {
    return MakeSeal(options, env_);
  }

  static KmsStandin* standin_;
  FakeEnv env_;
};
KmsStandin* AwsKmsSealTest::standin_ = nullptr;

const std::string kRootKey = std::string("0123456789abcdef0123456789ABCDEF", 32);

TEST(KmsStandinSelfTest, SigV4VerifierMatchesAwsTestSuite) {
  std::string out;
  EXPECT_EQ(KmsStandin::SelfTest(&out), 0) << out;
  EXPECT_THAT(out, HasSubstr("self-test: ok"));
}

TEST_F(AwsKmsSealTest, WrapUnwrapRoundTripThroughTheStandin) {
  auto before = standin_->Stats();
  auto seal = MakeSeal(Options());
  ASSERT_NE(seal, nullptr);
  EXPECT_EQ(seal->Type(), "awskms");
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  EXPECT_EQ(seal->KeyId(), kKey1);

  auto blob = seal->Wrap(kRootKey, "core/seal/root-key");
  ASSERT_TRUE(blob) << blob.error().ToString();
  EXPECT_EQ(seal->KeyId(), Arn(kKey1));  // what Encrypt reported
  EXPECT_EQ(blob->find(kRootKey), std::string::npos);
  auto obj = ParseJsonObject(*blob);
  ASSERT_TRUE(obj);
  EXPECT_EQ(StringOr(*obj, "seal"), "awskms");
  EXPECT_EQ(StringOr(*obj, "key_id"), Arn(kKey1));
  EXPECT_EQ(StringOr(*obj, "mechanism"), "kms-envelope-aes256-gcm");
  EXPECT_EQ(IntOr(*obj, "version"), 1);

  auto plain = seal->Unwrap(*blob, "core/seal/root-key");
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->view(), kRootKey);

  // Two wraps of the same key differ (fresh data key and iv).
  auto blob2 = seal->Wrap(kRootKey, "core/seal/root-key");
  ASSERT_TRUE(blob2);
  EXPECT_NE(*blob, *blob2);

  auto after = standin_->Stats();
  EXPECT_EQ(after["DescribeKey"] - before["DescribeKey"], 1);  // Init()
  EXPECT_EQ(after["Encrypt"] - before["Encrypt"], 2);
  EXPECT_EQ(after["Decrypt"] - before["Decrypt"], 1);
  EXPECT_EQ(after["rejected"], before["rejected"]);
  ASSERT_TRUE(seal->Health());
}

TEST_F(AwsKmsSealTest, WrongAadOrTamperedBlobIsAnErrorNeverGarbage) {
  auto seal = MakeSeal(Options());
  ASSERT_TRUE(seal->Init());
  auto blob = seal->Wrap(kRootKey, "aad-1");
  ASSERT_TRUE(blob);
  auto wrong_aad = seal->Unwrap(*blob, "aad-2");
  ASSERT_FALSE(wrong_aad);
  EXPECT_EQ(wrong_aad.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_THAT(wrong_aad.error().message(), HasSubstr("cannot open the blob"));

  auto obj = *ParseJsonObject(*blob);
  // Flip the first ciphertext character to another base64 digit.
  std::string ct = StringOr(obj, "ciphertext");
  ct[0] = ct[0] == 'A' ? 'B' : 'A';
  json::object tampered = obj;
  tampered["ciphertext"] = ct;
  auto r1 = seal->Unwrap(json::serialize(tampered), "aad-1");
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().kind(), ErrorKind::kInvalidRequest);

  // A wrapped data key KMS did not make: KMS's InvalidCiphertextException.
  json::object bad_key = obj;
  bad_key["wrapped_key"] = "Ym9ndXMga2V5";
  auto r2 = seal->Unwrap(json::serialize(bad_key), "aad-1");
  ASSERT_FALSE(r2);
  EXPECT_THAT(r2.error().message(), HasSubstr("InvalidCiphertextException"));

  for (std::string junk : {std::string("not json"), std::string(R"({"seal":"static"})"),
                           std::string(R"({"seal":"awskms","version":2})"),
                           std::string(R"({"seal":"awskms","version":1,)"
                                       R"("mechanism":"kms-envelope-aes256-gcm","iv":"AAAA"})")}) {
    auto r = seal->Unwrap(junk, "aad-1");
    ASSERT_FALSE(r) << junk;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << junk;
  }
}

TEST_F(AwsKmsSealTest, AliasNamesTheKey) {
  auto seal = MakeSeal(Options("alias/arca"));
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  EXPECT_EQ(seal->KeyId(), kKey1);
  auto blob = seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);
  EXPECT_EQ(StringOr(*ParseJsonObject(*blob), "key_id"), Arn(kKey1));
}

TEST_F(AwsKmsSealTest, BlobOfAPreviousKeyStillOpens) {
  auto old_seal = MakeSeal(Options(kKey1));
  ASSERT_TRUE(old_seal->Init());
  auto blob = old_seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);
  auto new_seal = MakeSeal(Options(kKey2));
  ASSERT_TRUE(new_seal->Init());
  EXPECT_EQ(new_seal->KeyId(), kKey2);
  auto plain = new_seal->Unwrap(*blob, "a");
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->view(), kRootKey);
}

TEST_F(AwsKmsSealTest, WrongSecretKeyIsRejectedBySignatureCheck) {
  auto before = standin_->Stats();
  auto opts = Options();
  opts["secret_key"] = "not-the-right-secret-key-at-all-000000000";
  auto seal = MakeSeal(opts);
  auto st = seal->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_THAT(st.error().message(), HasSubstr("KMS DescribeKey failed: InvalidSignatureException"));
  EXPECT_THAT(st.error().message(), HasSubstr("signature we calculated does not match"));
  EXPECT_THAT(st.error().message(), HasSubstr("(HTTP 400)"));
  EXPECT_THAT(st.error().message(), ::testing::Not(HasSubstr("not-the-right-secret")));
  auto w = seal->Wrap(kRootKey, "a");
  ASSERT_FALSE(w);
  EXPECT_THAT(w.error().message(), HasSubstr("InvalidSignatureException"));
  EXPECT_EQ(standin_->Stats()["rejected"] - before["rejected"], 2);
}

TEST_F(AwsKmsSealTest, UnknownAccessKeyIsRejected) {
  auto opts = Options();
  opts["access_key"] = "AKIDUNKNOWN";
  auto st = MakeSeal(opts)->Init();
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message(), HasSubstr("UnrecognizedClientException"));
}

TEST_F(AwsKmsSealTest, WrongRegionIsRejectedByTheCredentialScope) {
  auto opts = Options();
  opts["region"] = "eu-west-1";
  auto st = MakeSeal(opts)->Init();
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message(), HasSubstr("InvalidSignatureException"));
  EXPECT_THAT(st.error().message(), HasSubstr("region"));
}

TEST_F(AwsKmsSealTest, SessionTokenIsSentAndChecked) {
  auto opts = Options();
  opts["access_key"] = kSessionAccess;
  opts["secret_key"] = kSessionSecret;
  opts["session_token"] = kSessionToken;
  auto seal = MakeSeal(opts);
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  auto blob = seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);
  ASSERT_TRUE(seal->Unwrap(*blob, "a"));

  opts.erase("session_token");  // temporary credentials without their token
  auto st = MakeSeal(opts)->Init();
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message(), HasSubstr("UnrecognizedClientException"));
  opts["session_token"] = "some-other-token";
  st = MakeSeal(opts)->Init();
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message(), HasSubstr("UnrecognizedClientException"));
}

TEST_F(AwsKmsSealTest, UnknownKeyIsAClearError) {
  auto seal = MakeSeal(Options("11111111-2222-3333-4444-555555555555"));
  auto st = seal->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_THAT(st.error().message(), HasSubstr("NotFoundException"));
  EXPECT_THAT(st.error().message(), HasSubstr("11111111-2222-3333-4444-555555555555"));
  EXPECT_FALSE(seal->Health());
  auto w = seal->Wrap(kRootKey, "a");
  ASSERT_FALSE(w);
  EXPECT_THAT(w.error().message(), HasSubstr("KMS Encrypt failed: NotFoundException"));

  auto alias = MakeSeal(Options("alias/missing"))->Init();
  ASSERT_FALSE(alias);
  EXPECT_THAT(alias.error().message(), HasSubstr("alias/missing is not found"));
}

TEST_F(AwsKmsSealTest, DisabledKeyIsAClearError) {
  auto st = MakeSeal(Options(kKeyOff))->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_THAT(st.error().message(), HasSubstr("is Disabled, not Enabled"));
}

TEST_F(AwsKmsSealTest, CredentialsAndSettingsFromTheEnvironment) {
  FakeEnv env;
  env.Set("AWS_ACCESS_KEY_ID", kAccess);
  env.Set("AWS_SECRET_ACCESS_KEY", kSecret);
  env.Set("AWS_REGION", "us-east-1");
  env.Set("VAULT_AWSKMS_SEAL_KEY_ID", kKey2);         // wins over kms_key_id
  env.Set("AWS_KMS_ENDPOINT", standin_->endpoint());  // wins over endpoint
  std::map<std::string, std::string> opts = {{"kms_key_id", "alias/missing"},
                                             {"endpoint", "http://127.0.0.1:9/"}};
  auto seal = MakeSeal(opts, env);
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  EXPECT_EQ(seal->KeyId(), kKey2);
  auto blob = seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);
  EXPECT_EQ(seal->Unwrap(*blob, "a")->view(), kRootKey);

  // The session token comes from AWS_SESSION_TOKEN with the environment's key pair.
  FakeEnv session;
  session.Set("AWS_ACCESS_KEY_ID", kSessionAccess);
  session.Set("AWS_SECRET_ACCESS_KEY", kSessionSecret);
  session.Set("AWS_SESSION_TOKEN", kSessionToken);
  session.Set("AWS_DEFAULT_REGION", "us-east-1");
  session.Set("AWS_KMS_ENDPOINT", standin_->endpoint());
  session.Set("AWSKMS_WRAPPER_KEY_ID", kKey1);
  auto s2 = MakeSeal({}, session);
  ASSERT_TRUE(s2->Init()) << s2->Init().error().ToString();

  // Stanza credentials take precedence over the environment's.
  FakeEnv wrong;
  wrong.Set("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN");
  wrong.Set("AWS_SECRET_ACCESS_KEY", "whatever");
  ASSERT_TRUE(MakeSeal(Options(), wrong)->Init());
}

TEST_F(AwsKmsSealTest, CredentialsFromTheSharedCredentialsFile) {
  FakeEnv env;
  const std::string file = env.Home() + "/creds";
  WriteFile(file, std::string("# test credentials\n[default]\naws_access_key_id = AKIDUNKNOWN\n"
                              "aws_secret_access_key = wrong\n\n[arca]\naws_access_key_id = ") +
                      kAccess + "\naws_secret_access_key = " + kSecret +
                      "\n[session]\naws_access_key_id=" + kSessionAccess +
                      "\naws_secret_access_key=" + kSessionSecret +
                      "\naws_session_token=" + kSessionToken + "\n");
  env.Set("AWS_SHARED_CREDENTIALS_FILE", file);
  env.Set("AWS_PROFILE", "arca");
  std::map<std::string, std::string> opts = {{"kms_key_id", kKey1},
                                             {"endpoint", standin_->endpoint()}};
  auto seal = MakeSeal(opts, env);
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  auto blob = seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);
  EXPECT_EQ(seal->Unwrap(*blob, "a")->view(), kRootKey);

  // The default profile holds an unknown key: refused by the stand-in.
  FakeEnv env_default;
  env_default.Set("AWS_SHARED_CREDENTIALS_FILE", file);
  auto st = MakeSeal(opts, env_default)->Init();
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message(), HasSubstr("UnrecognizedClientException"));

  // shared_creds_filename / shared_creds_profile in the stanza, with a session token.
  auto with_stanza = opts;
  with_stanza["shared_creds_filename"] = file;
  with_stanza["shared_creds_profile"] = "session";
  ASSERT_TRUE(MakeSeal(with_stanza, env_default)->Init());

  // ~/.aws/credentials when nothing else is set.
  FakeEnv home;
  WriteFile(home.Home() + "/.aws/credentials", std::string("[default]\naws_access_key_id = ") +
                                                   kAccess +
                                                   "\naws_secret_access_key = " + kSecret + "\n");
  ASSERT_TRUE(MakeSeal(opts, home)->Init());

  // A profile that is not there: a clear configuration error, before any request.
  FakeEnv missing;
  missing.Set("AWS_SHARED_CREDENTIALS_FILE", file);
  missing.Set("AWS_PROFILE", "nope");
  auto r = NewAwsKmsSeal(opts, missing.Lookup());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("no AWS credentials"));
  EXPECT_THAT(r.error().message(), HasSubstr("profile \"nope\""));
}

TEST_F(AwsKmsSealTest, RegionFromTheSharedConfigFile) {
  KmsStandinOptions o = StandardOptions();
  o.region = "eu-central-1";
  KmsStandin eu(o);
  ASSERT_TRUE(eu.ok()) << eu.error();
  FakeEnv env;
  WriteFile(env.Home() + "/.aws/config",
            "[default]\nregion = us-west-2\n[profile arca]\n"
            "region = eu-central-1\n");
  env.Set("AWS_PROFILE", "arca");
  env.Set("AWS_ACCESS_KEY_ID", kAccess);
  env.Set("AWS_SECRET_ACCESS_KEY", kSecret);
  auto seal = MakeSeal({{"kms_key_id", kKey1}, {"endpoint", eu.endpoint()}}, env);
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  auto blob = seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);
  EXPECT_EQ(StringOr(*ParseJsonObject(*blob), "key_id"),
            "arn:aws:kms:eu-central-1:111122223333:key/" + std::string(kKey1));
}

TEST_F(AwsKmsSealTest, SecretsFromEnvAndFileReferences) {
  FakeEnv env;
  env.Set("ARCA_TEST_KMS_SECRET", kSecret);
  WriteFile(env.Home() + "/access", std::string(kAccess) + "\n");
  auto opts = Options();
  opts["access_key"] = "file://" + env.Home() + "/access";
  opts["secret_key"] = "env://ARCA_TEST_KMS_SECRET";
  ASSERT_TRUE(MakeSeal(opts, env)->Init());
  opts["secret_key"] = "env://ARCA_TEST_KMS_UNSET";
  auto r = NewAwsKmsSeal(opts, env.Lookup());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("secret_key: environment variable"));
}

TEST_F(AwsKmsSealTest, ConfigurationErrorsNameTheOption) {
  struct Case {
    std::map<std::string, std::string> options;
    const char* message_part;
  };
  std::vector<Case> cases = {
      {{{"region", "us-east-1"}}, "kms_key_id is required"},
      {{{"kms_key_id", kKey1}, {"kms_keyid", "typo"}}, "unknown option \"kms_keyid\""},
      {{{"kms_key_id", kKey1}, {"role_arn", "arn:aws:iam::1:role/x"}},
       "option \"role_arn\" is not supported"},
      {{{"kms_key_id", kKey1}, {"access_key", kAccess}}, "access_key and secret_key"},
      {{{"kms_key_id", kKey1}, {"secret_key", kSecret}}, "access_key and secret_key"},
      {{{"kms_key_id", kKey1},
        {"access_key", kAccess},
        {"secret_key", kSecret},
        {"endpoint", "ftp://127.0.0.1/"}},
       "endpoint"},
      {{{"kms_key_id", kKey1},
        {"access_key", kAccess},
        {"secret_key", kSecret},
        {"region", "us east/1"}},
       "invalid region"},
      {{{"kms_key_id", kKey1}}, "no AWS credentials"},
  };
  for (const Case& c : cases) {
    auto r = NewAwsKmsSeal(c.options, env_.Lookup());
    ASSERT_FALSE(r) << c.message_part;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_THAT(r.error().message(), HasSubstr(c.message_part));
  }
  // `disabled` (seal migration) is accepted.
  auto opts = Options();
  opts["disabled"] = "true";
  EXPECT_TRUE(NewAwsKmsSeal(opts, env_.Lookup()));
}

TEST_F(AwsKmsSealTest, TheFactoryBuildsIt) {
  config::SealConfig c;
  c.type = "awskms";
  c.options = Options();
  auto seal = NewSeal(c);
  ASSERT_TRUE(seal) << seal.error().ToString();
  ASSERT_NE(*seal, nullptr);
  EXPECT_EQ((*seal)->Type(), "awskms");
  ASSERT_TRUE((*seal)->Init());
  c.options.erase("kms_key_id");
  auto bad = NewSeal(c);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("seal \"awskms\": awskms seal: kms_key_id"));
}

// An HTTPS stand-in with a throw-away certificate (openssl CLI): verified against AWS_CA_BUNDLE,
// refused without it.
TEST(AwsKmsSealTlsTest, HttpsEndpointVerifiedAgainstAwsCaBundle) {
  FakeEnv env;
  const std::string cert = env.Home() + "/kms.crt", key = env.Home() + "/kms.key";
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout " +
      key + " -out " + cert +
      " -days 1 -subj /CN=kms-standin -addext subjectAltName=IP:127.0.0.1 "
      ">/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  KmsStandinOptions o = StandardOptions();
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  KmsStandin standin(o);
  ASSERT_TRUE(standin.ok()) << standin.error();
  ASSERT_TRUE(standin.endpoint().starts_with("https://"));
  std::map<std::string, std::string> opts = {{"kms_key_id", kKey1},
                                             {"region", "us-east-1"},
                                             {"endpoint", standin.endpoint()},
                                             {"access_key", kAccess},
                                             {"secret_key", kSecret}};
  auto untrusted = NewAwsKmsSeal(opts, env.Lookup());
  ASSERT_TRUE(untrusted);
  auto st = (*untrusted)->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(st.error().message(), HasSubstr("tls: failed to verify certificate"));

  env.Set("AWS_CA_BUNDLE", cert);
  auto trusted = NewAwsKmsSeal(opts, env.Lookup());
  ASSERT_TRUE(trusted);
  ASSERT_TRUE((*trusted)->Init()) << (*trusted)->Init().error().ToString();
  auto blob = (*trusted)->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob) << blob.error().ToString();
  auto plain = (*trusted)->Unwrap(*blob, "a");
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->view(), kRootKey);
}

TEST(AwsKmsSealDownTest, ThrottlingIsUnavailableSoTheServerRetries) {
  KmsStandinOptions o = StandardOptions();
  o.throttle_first = 2;
  KmsStandin standin(o);
  ASSERT_TRUE(standin.ok()) << standin.error();
  FakeEnv env;
  auto made = NewAwsKmsSeal({{"kms_key_id", kKey1},
                             {"region", "us-east-1"},
                             {"endpoint", standin.endpoint()},
                             {"access_key", kAccess},
                             {"secret_key", kSecret}},
                            env.Lookup());
  ASSERT_TRUE(made);
  for (int i = 0; i < 2; ++i) {
    auto st = (*made)->Init();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
    EXPECT_THAT(st.error().message(),
                HasSubstr("KMS DescribeKey failed: ThrottlingException: Rate exceeded (HTTP 400)"));
  }
  ASSERT_TRUE((*made)->Init()) << (*made)->Init().error().ToString();
  EXPECT_EQ(standin.Stats()["throttled"], 2);
}

TEST(AwsKmsSealDownTest, UnreachableEndpointIsUnavailableAndRecovers) {
  KmsStandin standin(StandardOptions());
  ASSERT_TRUE(standin.ok()) << standin.error();
  FakeEnv env;
  std::map<std::string, std::string> opts = {{"kms_key_id", kKey1},
                                             {"region", "us-east-1"},
                                             {"endpoint", standin.endpoint()},
                                             {"access_key", kAccess},
                                             {"secret_key", kSecret}};
  auto made = NewAwsKmsSeal(opts, env.Lookup());
  ASSERT_TRUE(made);
  auto& seal = *made;
  ASSERT_TRUE(seal->Init());
  auto blob = seal->Wrap(kRootKey, "a");
  ASSERT_TRUE(blob);

  standin.Stop();
  auto st = seal->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(st.error().message(), HasSubstr("connection refused"));
  auto h = seal->Health();
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().kind(), ErrorKind::kUnavailable);
  auto u = seal->Unwrap(*blob, "a");
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind(), ErrorKind::kUnavailable);
  auto w = seal->Wrap(kRootKey, "a");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind(), ErrorKind::kUnavailable);

  // Back on the same port with the same keys: the old blob opens again.
  ASSERT_TRUE(standin.Start()) << standin.error();
  ASSERT_TRUE(seal->Init()) << seal->Init().error().ToString();
  auto plain = seal->Unwrap(*blob, "a");
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->view(), kRootKey);
}

TEST(AwsKmsSealDownTest, NothingListeningIsUnavailableWithTheUrlInTheMessage) {
  FakeEnv env;
  auto made = NewAwsKmsSeal({{"kms_key_id", kKey1},
                             {"region", "us-east-1"},
                             {"access_key", kAccess},
                             {"secret_key", kSecret},
                             {"endpoint", "http://127.0.0.1:1"}},
                            env.Lookup());
  ASSERT_TRUE(made);
  auto st = (*made)->Init();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(st.error().message(),
              HasSubstr("awskms seal: KMS DescribeKey: Post \"http://127.0.0.1:1\""));
}

}  // namespace
}  // namespace arca::seal
