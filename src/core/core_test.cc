// The core through HandleRequest: init, unseal, seal, mounts, routing, tokens.
#include "core/core.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

TEST(CoreLifecycle, InitUnsealSeal) {
  TestCore t;
  auto init = t.Do(Operation::kRead, "sys/init");
  ASSERT_TRUE(init);
  EXPECT_FALSE(init->data.empty() && !init->raw);
  EXPECT_EQ(ParseRaw(*init)["initialized"].as_bool(), false);

  // Sealed and uninitialized: ordinary paths answer 503.
  auto sealed = t.Do(Operation::kRead, "secret/foo");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().http_status(), 503);

  json::object body{{"secret_shares", 5}, {"secret_threshold", 3}};
  auto r = t.Do(Operation::kUpdate, "sys/init", body);
  ASSERT_TRUE(r) << r.error().ToString();
  json::object out = ParseRaw(*r);
  ASSERT_EQ(out["keys"].as_array().size(), 5u);
  ASSERT_EQ(out["keys_base64"].as_array().size(), 5u);
  std::string root = std::string(out["root_token"].as_string());
  EXPECT_TRUE(root.starts_with("hvs."));
  EXPECT_GE(root.size(), 40u);

  // A second init is refused.
  auto again = t.Do(Operation::kUpdate, "sys/init", body);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().http_status(), 400);

  // Progress shown, nonce stable, then unsealed with three keys.
  std::string nonce;
  for (int i = 0; i < 3; ++i) {
    json::object k{{"key", out["keys"].as_array()[i]}};
    auto u = t.Do(Operation::kUpdate, "sys/unseal", k);
    ASSERT_TRUE(u) << u.error().ToString();
    json::object st = ParseRaw(*u);
    if (i < 2) {
      EXPECT_TRUE(st["sealed"].as_bool());
      EXPECT_EQ(st["progress"].as_int64(), i + 1);
      if (i == 0) nonce = std::string(st["nonce"].as_string());
      EXPECT_EQ(st["nonce"].as_string(), nonce);
    } else {
      EXPECT_FALSE(st["sealed"].as_bool());
      EXPECT_EQ(st["progress"].as_int64(), 0);
      EXPECT_FALSE(st["cluster_id"].as_string().empty());
    }
  }
  auto self = t.Do(Operation::kRead, "auth/token/lookup-self", {}, root);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data["policies"].as_array().at(0).as_string(), "root");
  EXPECT_EQ(self->data["id"].as_string(), root);

  // Seal needs a token.
  auto no_token = t.Do(Operation::kUpdate, "sys/seal");
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().http_status(), 403);
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/seal", {}, root));
  EXPECT_TRUE(t.core->Sealed());
  auto after = t.Do(Operation::kRead, "auth/token/lookup-self", {}, root);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().http_status(), 503);
}

TEST(CoreLifecycle, WrongKeysAndReset) {
  TestCore t;
  auto init = t.core->Initialize({3, 2});
  ASSERT_TRUE(init);
  TestCore other;
  auto other_init = other.core->Initialize({3, 2});
  ASSERT_TRUE(other_init);

  // Keys of another initialization do not open this one; progress resets.
  ASSERT_TRUE(t.core->SubmitUnsealKey(other_init->keys_hex[0]));
  auto bad = t.core->SubmitUnsealKey(other_init->keys_hex[1]);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
  EXPECT_TRUE(t.core->Sealed());
  EXPECT_EQ(t.core->GetSealStatus()->progress, 0);

  // Malformed keys.
  for (const char* k : {"zz-not-a-key", "abcd", ""}) {
    json::object body{{"key", k}};
    auto r = t.Do(Operation::kUpdate, "sys/unseal", body);
    ASSERT_FALSE(r) << k;
    EXPECT_EQ(r.error().http_status(), 400) << k;
  }
  EXPECT_EQ(t.core->GetSealStatus()->progress, 0);

  // Duplicate keys do not advance progress; reset discards progress.
  ASSERT_TRUE(t.core->SubmitUnsealKey(init->keys_base64[0]));
  ASSERT_TRUE(t.core->SubmitUnsealKey(init->keys_hex[0]));
  EXPECT_EQ(t.core->GetSealStatus()->progress, 1);
  json::object reset{{"reset", true}};
  auto r = t.Do(Operation::kUpdate, "sys/unseal", reset);
  ASSERT_TRUE(r);
  EXPECT_EQ(ParseRaw(*r)["progress"].as_int64(), 0);
  ASSERT_TRUE(t.core->SubmitUnsealKey(init->keys_hex[2]));
  auto done = t.core->SubmitUnsealKey(init->keys_base64[1]);
  ASSERT_TRUE(done);
  EXPECT_FALSE(done->sealed);
}

TEST(CoreLifecycle, InvalidInitParameters) {
  TestCore t;
  struct Case { json::object body; } cases[] = {
      {{{"secret_shares", 0}, {"secret_threshold", 0}}},
      {{{"secret_shares", 3}, {"secret_threshold", 4}}},
      {{{"secret_shares", 300}, {"secret_threshold", 2}}},
      {{{"secret_shares", 3}, {"secret_threshold", 1}}},
      {{{"secret_shares", "x"}, {"secret_threshold", 2}}},
      {{{"secret_threshold", 2}}},
  };
  for (auto& c : cases) {
    auto r = t.Do(Operation::kUpdate, "sys/init", c.body);
    ASSERT_FALSE(r) << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), 400) << json::serialize(c.body);
  }
  EXPECT_FALSE(*t.core->Initialized());
}

TEST(CoreHealth, StatusCodesFollowState) {
  TestCore t;
  auto code = [&](json::object q = {}) {
    auto r = t.Do(Operation::kRead, "sys/health", q);
    EXPECT_TRUE(r);
    return r ? r->raw->status : -1;
  };
  EXPECT_EQ(code(), 501);
  EXPECT_EQ(code({{"uninitcode", "299"}}), 299);
  auto init = t.core->Initialize({1, 1});
  ASSERT_TRUE(init);
  EXPECT_EQ(code(), 503);
  EXPECT_EQ(code({{"sealedcode", 200}}), 200);
  ASSERT_TRUE(t.core->UnsealWithKeys(init->keys_hex));
  EXPECT_EQ(code(), 200);
  EXPECT_EQ(code({{"activecode", "204"}}), 204);
  auto bad = t.Do(Operation::kRead, "sys/health", json::object{{"activecode", "abc"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
  auto out_of_range = t.Do(Operation::kRead, "sys/health", json::object{{"activecode", 1000}});
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(out_of_range.error().http_status(), 400);
}

TEST(CoreMounts, GenericIsKvVersion1AndKvV2IsVersion2) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/old", json::object{{"type", "generic"}}, root));
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/new", json::object{{"type", "kv-v2"}}, root));
  auto list = t.Do(Operation::kRead, "sys/mounts", {}, root);
  ASSERT_TRUE(list);
  const auto& old_mount = list->data.at("old/").as_object();
  EXPECT_EQ(old_mount.at("type").as_string(), "kv");
  EXPECT_EQ(old_mount.at("options").at("version").as_string(), "1");
  EXPECT_EQ(list->data.at("new/").at("options").at("version").as_string(), "2");
  // generic/ behaves as KV version 1: a plain write and read at the key's path.
  ASSERT_TRUE(t.Do(Operation::kUpdate, "old/app", json::object{{"pw", "x"}}, root));
  auto read = t.Do(Operation::kRead, "old/app", {}, root);
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("pw").as_string(), "x");
}

TEST(CoreMounts, EnableReadListTuneDisable) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  json::object body{{"type", "kv"}, {"description", "my kv"},
                    {"config", json::object{{"default_lease_ttl", "1h"}, {"max_lease_ttl", 7200}}}};
  auto r = t.Do(Operation::kUpdate, "sys/mounts/kv", body, root);
  ASSERT_TRUE(r) << r.error().ToString();

  auto list = t.Do(Operation::kRead, "sys/mounts", {}, root);
  ASSERT_TRUE(list);
  ASSERT_TRUE(list->data.contains("kv/"));
  ASSERT_TRUE(list->data.contains("sys/"));
  EXPECT_TRUE(list->data_at_top_level);
  EXPECT_EQ(list->data["kv/"].as_object().at("type").as_string(), "kv");
  EXPECT_TRUE(list->data["kv/"].as_object().at("accessor").as_string().starts_with("kv_"));

  auto tune = t.Do(Operation::kRead, "sys/mounts/kv/tune", {}, root);
  ASSERT_TRUE(tune);
  EXPECT_EQ(tune->data["default_lease_ttl"].as_int64(), 3600);
  EXPECT_EQ(tune->data["max_lease_ttl"].as_int64(), 7200);
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/kv/tune",
                   json::object{{"default_lease_ttl", "30m"}, {"description", "tuned"}}, root));
  tune = t.Do(Operation::kRead, "sys/mounts/kv/tune", {}, root);
  EXPECT_EQ(tune->data["default_lease_ttl"].as_int64(), 1800);
  EXPECT_EQ(tune->data["description"].as_string(), "tuned");

  // Write through the mount, then survive seal/unseal (mount table is persisted).
  ASSERT_TRUE(t.Do(Operation::kUpdate, "kv/hello", json::object{{"a", "b"}}, root));
  ASSERT_TRUE(t.core->Seal());
  ASSERT_TRUE(t.core->UnsealWithKeys(t.keys));
  auto read = t.Do(Operation::kRead, "kv/hello", {}, root);
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data["a"].as_string(), "b");
  EXPECT_EQ(t.Do(Operation::kRead, "sys/mounts/kv/tune", {}, root)->data["default_lease_ttl"].as_int64(), 1800);

  ASSERT_TRUE(t.Do(Operation::kDelete, "sys/mounts/kv", {}, root));
  auto gone = t.Do(Operation::kRead, "kv/hello", {}, root);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().http_status(), 404);
  // Re-enabling gives an empty mount: the data went with the old one.
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root));
  auto fresh = t.Do(Operation::kRead, "kv/hello", {}, root);
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error().http_status(), 404);
}

TEST(CoreMounts, BadInputChangesNothing) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root));
  struct Case { std::string path; json::object body; int status; } cases[] = {
      {"sys/mounts/kv", {{"type", "kv"}}, 400},                 // in use
      {"sys/mounts/kv/nested", {{"type", "kv"}}, 400},          // under an existing mount
      {"sys/mounts/other", {{"type", "nope"}}, 400},            // unknown type
      {"sys/mounts/other", {}, 400},                            // no type
      {"sys/mounts/sys", {{"type", "kv"}}, 400},                // reserved
      {"sys/mounts/auth/x", {{"type", "kv"}}, 400},             // auth/ prefix
      {"sys/mounts/other", {{"type", "kv"}, {"config", json::object{{"default_lease_ttl", "bogus"}}}}, 400},
      {"sys/mounts/other", {{"type", "kv"}, {"config", json::object{{"default_lease_ttl", "2h"}, {"max_lease_ttl", "1h"}}}}, 400},
      {"sys/mounts/other", {{"type", "kv"}, {"options", json::object{{"version", "7"}}}}, 400},
      {"sys/mounts/other", {{"type", "kv"}, {"config", "not-a-map"}}, 400},
      {"sys/mounts/other", {{"type", 5}}, 400},
  };
  for (auto& c : cases) {
    auto r = t.Do(Operation::kUpdate, c.path, c.body, root);
    ASSERT_FALSE(r) << c.path << " " << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << " " << r.error().ToString();
  }
  auto list = t.Do(Operation::kRead, "sys/mounts", {}, root);
  EXPECT_EQ(list->data.size(), 4u);  // sys/, cubbyhole/, identity/ and kv/
  // Cannot remove the system mounts.
  EXPECT_FALSE(t.Do(Operation::kDelete, "sys/mounts/sys", {}, root));
  EXPECT_FALSE(t.Do(Operation::kDelete, "sys/auth/token", {}, root));
  // Unknown route and unknown sys path.
  auto nope = t.Do(Operation::kRead, "nope/x", {}, root);
  ASSERT_FALSE(nope);
  EXPECT_EQ(nope.error().http_status(), 404);
  auto unsupported = t.Do(Operation::kDelete, "sys/mounts", {}, root);
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().http_status(), 405);
}

TEST(CoreAuth, TokensAreRequiredAndChecked) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  for (const char* token : {"", "hvs.bogus", "root"}) {
    auto r = t.Do(Operation::kRead, "sys/mounts", {}, token);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().http_status(), 403) << token;
  }
  // Unauthenticated sys paths work without a token.
  EXPECT_TRUE(t.Do(Operation::kRead, "sys/seal-status"));
  auto ui = t.Do(Operation::kRead, "sys/internal/ui/mounts");
  ASSERT_TRUE(ui);
  EXPECT_TRUE(ui->data["secret"].as_object().empty());  // nothing listed as unauth
  auto ui_root = t.Do(Operation::kRead, "sys/internal/ui/mounts", {}, root);
  EXPECT_TRUE(ui_root->data["secret"].as_object().contains("sys/"));
}

TEST(CoreAuth, AuthMounts) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  auto list = t.Do(Operation::kRead, "sys/auth", {}, root);
  ASSERT_TRUE(list);
  ASSERT_TRUE(list->data.contains("token/"));
  EXPECT_EQ(list->data["token/"].as_object().at("type").as_string(), "token");
  // No auth methods are registered in this test core: enabling one is a 400.
  auto r = t.Do(Operation::kUpdate, "sys/auth/userpass", json::object{{"type", "userpass"}}, root);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 400);
}

TEST(CoreKeys, RotateAndKeyStatus) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  auto ks = t.Do(Operation::kRead, "sys/key-status", {}, root);
  ASSERT_TRUE(ks);
  EXPECT_EQ(ks->data["term"].as_int64(), 1);
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/rotate", {}, root));
  ks = t.Do(Operation::kRead, "sys/key-status", {}, root);
  EXPECT_EQ(ks->data["term"].as_int64(), 2);
  EXPECT_FALSE(ks->data["install_time"].as_string().empty());
}

}  // namespace
}  // namespace arca::core
