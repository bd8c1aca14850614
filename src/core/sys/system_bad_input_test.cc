// Every system endpoint answers bad input with the right status, and changes nothing.
#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

struct Case {
  Operation op;
  std::string path;
  json::object body;
  int status;
};

TEST(SystemBadInput, EveryEndpoint) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  ASSERT_FALSE(root.empty());
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root));
  auto before_mounts = json::serialize(t.Do(Operation::kRead, "sys/mounts", {}, root)->data);
  auto before_auth = json::serialize(t.Do(Operation::kRead, "sys/auth", {}, root)->data);

  const Case cases[] = {
      // lifecycle
      {Operation::kDelete, "sys/init", {}, 405},
      {Operation::kUpdate, "sys/init", {{"secret_shares", 1}, {"secret_threshold", 1}}, 400},
      {Operation::kUpdate, "sys/init", {{"secret_shares", json::array{1}}}, 400},
      {Operation::kRead, "sys/unseal", {}, 405},
      {Operation::kUpdate, "sys/unseal", {{"key", json::array{1}}}, 400},
      {Operation::kUpdate, "sys/unseal", {{"reset", "maybe"}}, 400},
      {Operation::kUpdate, "sys/seal-status", {}, 405},
      {Operation::kRead, "sys/seal", {}, 405},
      {Operation::kUpdate, "sys/health", {}, 405},
      {Operation::kRead, "sys/health", {{"standbyok", "perhaps"}}, 400},
      {Operation::kRead, "sys/health", {{"sealedcode", 42}}, 400},
      {Operation::kDelete, "sys/leader", {}, 405},
      // mounts
      {Operation::kUpdate, "sys/mounts", {}, 405},
      {Operation::kUpdate, "sys/mounts/kv/tune", {{"default_lease_ttl", "bogus"}}, 400},
      {Operation::kUpdate, "sys/mounts/kv/tune", {{"max_lease_ttl", json::array{}}}, 400},
      {Operation::kUpdate, "sys/mounts/kv/tune", {{"listing_visibility", "everyone"}}, 400},
      {Operation::kUpdate, "sys/mounts/kv/tune", {{"options", "version=2"}}, 400},
      {Operation::kUpdate, "sys/mounts/kv/tune", {{"default_lease_ttl", "2h"}, {"max_lease_ttl", "1h"}}, 400},
      {Operation::kUpdate, "sys/mounts/kv/tune", {{"description", 7}}, 400},
      {Operation::kRead, "sys/mounts/nope/tune", {}, 400},
      {Operation::kRead, "sys/mounts/nope", {}, 400},
      {Operation::kUpdate, "sys/mounts/x", {{"type", "kv"}, {"local", "sometimes"}}, 400},
      // auth
      {Operation::kUpdate, "sys/auth", {}, 405},
      {Operation::kUpdate, "sys/auth/x", {}, 400},
      {Operation::kUpdate, "sys/auth/x", {{"type", "nope"}}, 400},
      {Operation::kUpdate, "sys/auth/token", {{"type", "token"}}, 400},
      {Operation::kUpdate, "sys/auth/token/tune", {{"token_type", "weird"}}, 400},
      {Operation::kDelete, "sys/auth/token", {}, 400},
      // keys
      {Operation::kRead, "sys/rotate", {}, 405},
      {Operation::kUpdate, "sys/key-status", {}, 405},
      // ui mounts
      {Operation::kUpdate, "sys/internal/ui/mounts", {}, 405},
      // No such mount: 403, as when the token has no access (Vault: no probing for mounts).
      {Operation::kRead, "sys/internal/ui/mounts/nothing/here", {}, 403},
      // token lookups
      {Operation::kUpdate, "auth/token/lookup", {}, 400},
      {Operation::kUpdate, "auth/token/lookup", {{"token", "hvs.nope"}}, 403},  // Vault: bad token
      {Operation::kUpdate, "auth/token/lookup-accessor", {{"accessor", "nope"}}, 400},
      {Operation::kUpdate, "auth/token/lookup-self", {}, 405},
      {Operation::kRead, "auth/token/nothing", {}, 404},
      {Operation::kRead, "sys/nothing", {}, 404},
      // scheduled snapshots
      {Operation::kUpdate, "sys/storage/raft/snapshot-auto/config/s",
       {{"interval", "1h"}, {"storage_type", "aws-s3"}, {"path_prefix", "/tmp/s"}}, 400},
      {Operation::kUpdate, "sys/storage/raft/snapshot-auto/config/s",
       {{"interval", "soon"}, {"storage_type", "local"}, {"path_prefix", "/tmp/s"}}, 400},
      {Operation::kUpdate, "sys/storage/raft/snapshot-auto/config/s", {{"interval", "1h"}}, 400},
      {Operation::kRead, "sys/storage/raft/snapshot-auto/config/s", {}, 404},
      {Operation::kRead, "sys/storage/raft/snapshot-auto/status/s", {}, 404},
      {Operation::kUpdate, "sys/storage/raft/snapshot-auto/status/s", {}, 405},
  };
  for (const auto& c : cases) {
    auto r = t.Do(c.op, c.path, c.body, root);
    ASSERT_FALSE(r) << c.path << " " << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << " " << json::serialize(c.body)
                                                 << ": " << r.error().ToString();
    EXPECT_FALSE(r.error().messages().empty() && c.status != 404) << c.path;
  }
  EXPECT_EQ(json::serialize(t.Do(Operation::kRead, "sys/mounts", {}, root)->data), before_mounts);
  EXPECT_EQ(json::serialize(t.Do(Operation::kRead, "sys/auth", {}, root)->data), before_auth);
  EXPECT_FALSE(t.core->Sealed());
  EXPECT_EQ(t.Do(Operation::kRead, "sys/key-status", {}, root)->data["term"].as_int64(), 1);
}

TEST(SystemBadInput, SealedAnswers503ExceptLifecycle) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  ASSERT_TRUE(t.core->Seal());
  for (const char* p : {"sys/mounts", "sys/auth", "sys/key-status", "auth/token/lookup-self",
                        "sys/internal/ui/mounts"}) {
    auto r = t.Do(Operation::kRead, p, {}, root);
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(r.error().http_status(), 503) << p;
    EXPECT_EQ(r.error().message(), "Vault is sealed") << p;
  }
  for (const char* p : {"sys/seal-status", "sys/health", "sys/init"}) {
    EXPECT_TRUE(t.Do(Operation::kRead, p)) << p;
  }
  // Bad unseal keys while sealed: 400, progress unchanged.
  for (json::value key : {json::value(5), json::value("a"), json::value(""), json::value("zz")}) {
    auto r = t.Do(Operation::kUpdate, "sys/unseal", json::object{{"key", key}});
    ASSERT_FALSE(r) << json::serialize(key);
    EXPECT_EQ(r.error().http_status(), 400) << json::serialize(key);
  }
  EXPECT_EQ(t.core->GetSealStatus()->progress, 0);
  EXPECT_TRUE(t.core->Sealed());
}

}  // namespace
}  // namespace arca::core
