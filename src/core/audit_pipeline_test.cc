// Audit devices in the request path: every request and response recorded with secrets HMAC'd;
// no device able to record means no answer (500) and no change.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "audit/broker.h"
#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AuditPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("audit-pipeline-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  int Enable(const std::string& name, json::object options) {
    auto r = t_.Do(Operation::kUpdate, "sys/audit/" + name,
                   {{"type", "file"}, {"options", std::move(options)}}, root_);
    return r ? 200 : r.error().http_status();
  }
  int Status(Operation op, const std::string& path, json::object body = {}) {
    auto r = t_.Do(op, path, std::move(body), root_);
    return r ? 200 : r.error().http_status();
  }
  std::filesystem::path dir_;
  TestCore t_;
  std::string root_;
};

TEST_F(AuditPipeline, EntriesHideSecretsAndTokens) {
  std::string log = (dir_ / "audit.log").string();
  ASSERT_EQ(Enable("file", {{"file_path", log}}), 200);
  ASSERT_EQ(Status(Operation::kUpdate, "kv/app", {{"password", "hunter2-s3cret"}}), 200);
  auto r = t_.Do(Operation::kRead, "kv/app", {}, root_);
  ASSERT_TRUE(r);
  EXPECT_EQ(Status(Operation::kRead, "kv/app", {}), 200);
  // A denied request is recorded too.
  EXPECT_EQ(t_.Do(Operation::kRead, "kv/app", {}, "not-a-token").error().http_status(), 403);

  std::string text = ReadFile(log);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find("hunter2-s3cret"), std::string::npos);
  EXPECT_EQ(text.find(root_), std::string::npos);
  EXPECT_EQ(text.find("not-a-token"), std::string::npos);
  EXPECT_NE(text.find("hmac-sha256:"), std::string::npos);
  int requests = 0, responses = 0, denied = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto o = ParseJsonObject(line);
    ASSERT_TRUE(o) << line;
    std::string type(o->at("type").as_string());
    if (type == "request") ++requests;
    if (type == "response") ++responses;
    if (o->contains("error") && o->at("error").is_string() &&
        o->at("error").as_string() == "permission denied") {
      ++denied;
    }
  }
  EXPECT_EQ(requests, responses);
  EXPECT_GE(requests, 4);
  EXPECT_GE(denied, 1);
  // sys/audit-hash gives the same HMAC the log uses.
  auto h = t_.Do(Operation::kUpdate, "sys/audit-hash/file", {{"input", "hunter2-s3cret"}}, root_);
  ASSERT_TRUE(h) << h.error().ToString();
  std::string hash(h->data.at("hash").as_string());
  EXPECT_NE(text.find(hash), std::string::npos);
}

TEST_F(AuditPipeline, NoDeviceRecordingMeansNoAnswerAndNoChange) {
  ASSERT_EQ(Status(Operation::kUpdate, "kv/app", {{"v", "before"}}), 200);
  // A device that cannot write (a socket nobody listens on), alone.
  auto full = t_.Do(Operation::kUpdate, "sys/audit/full",
                    {{"type", "socket"},
                     {"options", json::object{{"socket_type", "unix"},
                                              {"address", (dir_ / "nobody.sock").string()},
                                              {"skip_test", "true"},
                                              {"write_timeout", "500ms"}}}},
                    root_);
  ASSERT_TRUE(full) << full.error().ToString();
  EXPECT_EQ(Status(Operation::kUpdate, "kv/app", {{"v", "after"}}), 500);
  EXPECT_EQ(Status(Operation::kRead, "kv/app"), 500);
  // sys/audit itself is audited, so the operator's way out is the config (here: the broker).
  EXPECT_EQ(Enable("ok", {{"file_path", (dir_ / "ok.log").string()}}), 500);
  // With a second, working device requests succeed again, and the refused write changed nothing.
  std::string log = (dir_ / "ok.log").string();
  ASSERT_TRUE(t_.core->audit().Enable(
      audit::DeviceEntry{.path = "ok/", .type = "file", .options = {{"file_path", log}}}));
  auto r = t_.Do(Operation::kRead, "kv/app", {}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("v").as_string(), "before");
  ASSERT_EQ(Status(Operation::kDelete, "sys/audit/full"), 200);
  ASSERT_EQ(Status(Operation::kUpdate, "kv/app", {{"v", "after"}}), 200);
}

TEST_F(AuditPipeline, DevicesSurviveSealAndUnseal) {
  std::string log = (dir_ / "audit.log").string();
  ASSERT_EQ(Enable("file", {{"file_path", log}}), 200);
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  auto list = t_.Do(Operation::kRead, "sys/audit", {}, root_);
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_TRUE(list->data.contains("file/"));
  size_t before = ReadFile(log).size();
  ASSERT_EQ(Status(Operation::kRead, "sys/mounts"), 200);
  EXPECT_GT(ReadFile(log).size(), before);
}

// Issue 16 #9: sys/seal was answered before the audit stage (and sys/step-down had no handler):
// neither left a trace. Both are now recorded, refused calls included, with the token HMAC'd.
TEST_F(AuditPipeline, SealAndStepDownAreAudited) {
  std::string log = (dir_ / "audit.log").string();
  ASSERT_EQ(Enable("file", {{"file_path", log}}), 200);
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policies/acl/sealer",
                    {{"policy", R"(path "sys/seal" { capabilities = ["update", "sudo"] }
                                   path "sys/step-down" { capabilities = ["update", "sudo"] })"}},
                    root_));
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policies/acl/nosudo",
                    {{"policy", R"(path "sys/seal" { capabilities = ["update"] })"}}, root_));
  auto token = [&](const char* policy) {
    auto r = t_.Do(Operation::kUpdate, "auth/token/create", {{"policies", policy}}, root_);
    return r && r->auth ? r->auth->client_token : std::string();
  };
  const std::string sealer = token("sealer"), nosudo = token("nosudo");
  ASSERT_FALSE(sealer.empty());
  ASSERT_FALSE(nosudo.empty());

  // Refused (no sudo; no token): recorded, and nothing sealed.
  auto refused = t_.Do(Operation::kUpdate, "sys/seal", {}, nosudo);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status(), 403);
  EXPECT_EQ(t_.Do(Operation::kUpdate, "sys/seal", {}, "").error().http_status(), 403);
  EXPECT_FALSE(t_.core->Sealed());
  // Step-down: a no-op on one node, still checked and recorded.
  EXPECT_EQ(t_.Do(Operation::kUpdate, "sys/step-down", {}, nosudo).error().http_status(), 403);
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/step-down", {}, root_));
  EXPECT_FALSE(t_.core->Sealed());
  // Update and sudo on sys/seal suffice (Vault's rule), not only a root token.
  auto sealed = t_.Do(Operation::kUpdate, "sys/seal", {}, sealer);
  ASSERT_TRUE(sealed) << sealed.error().ToString();
  EXPECT_TRUE(t_.core->Sealed());

  const std::string text = ReadFile(log);
  for (const std::string& secret : {root_, sealer, nosudo}) {
    EXPECT_EQ(text.find(secret), std::string::npos);
  }
  struct Seen {
    int requests = 0, denied = 0, responses = 0;
  };
  std::map<std::string, Seen> seen;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto o = ParseJsonObject(line);
    ASSERT_TRUE(o) << line;
    const json::object& request = o->at("request").as_object();
    const std::string path(request.at("path").as_string());
    if (path != "sys/seal" && path != "sys/step-down") continue;
    Seen& s = seen[path];
    if (o->at("type").as_string() == "response") {
      ++s.responses;
      continue;
    }
    ++s.requests;
    const bool denied =
        o->contains("error") && o->at("error").is_string() && !o->at("error").as_string().empty();
    if (denied) {
      ++s.denied;
      continue;
    }
    // The token that was let through is in the entry, HMAC'd.
    const json::object& auth = o->at("auth").as_object();
    EXPECT_TRUE(auth.at("client_token").as_string().starts_with("hmac-sha256:")) << line;
    EXPECT_EQ(request.at("operation").as_string(), "update") << line;
  }
  EXPECT_EQ(seen["sys/seal"].requests, 3);  // nosudo, no token, sealer
  EXPECT_EQ(seen["sys/seal"].denied, 2);
  EXPECT_EQ(seen["sys/step-down"].requests, 2);
  EXPECT_EQ(seen["sys/step-down"].denied, 1);
  EXPECT_EQ(seen["sys/step-down"].responses, 2);
}

TEST_F(AuditPipeline, UnsealIsRefusedWhileADeviceCannotBeRestored) {
  std::string log = (dir_ / "audit.log").string();
  ASSERT_EQ(Enable("file", {{"file_path", log}}), 200);
  ASSERT_TRUE(t_.core->Seal());
  // The log file is replaced by a directory while sealed.
  std::filesystem::remove(log);
  std::filesystem::create_directory(log);
  arca::Status st = t_.core->UnsealWithKeys(t_.keys);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("audit device \"file/\" could not be restored"),
            std::string::npos)
      << st.error().message();
  EXPECT_TRUE(t_.core->Sealed());
  auto sealed = t_.Do(Operation::kRead, "sys/mounts", {}, root_);
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().http_status(), 503);
  // Path fixed: the same keys unseal, and requests are audited again.
  std::filesystem::remove(log);
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  EXPECT_FALSE(t_.core->Sealed());
  ASSERT_EQ(Status(Operation::kRead, "sys/mounts"), 200);
  EXPECT_NE(ReadFile(log).find("sys/mounts"), std::string::npos);
}

}  // namespace
}  // namespace arca::core
