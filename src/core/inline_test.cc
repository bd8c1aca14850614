// Core::RunsInline (which requests the HTTP I/O threads may answer themselves) and the
// server's disable_cache reaching the backends.
#include <gtest/gtest.h>

#include "audit/broker.h"
#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

logical::Request Req(Operation op, std::string path) {
  logical::Request r;
  r.operation = op;
  r.path = std::move(path);
  return r;
}

TEST(CoreRunsInline, LocalReadsOfMemoryBackedMountsOnly) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  ASSERT_FALSE(root.empty());
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/kv1", {{"type", "kv"}}, root));
  const Core& core = *t.core;

  EXPECT_TRUE(core.RunsInline(Req(Operation::kRead, "kv1/a")));
  EXPECT_TRUE(core.RunsInline(Req(Operation::kList, "kv1/")));
  EXPECT_TRUE(core.RunsInline(Req(Operation::kRead, "cubbyhole/x")));
  EXPECT_TRUE(core.RunsInline(Req(Operation::kRead, "sys/health")));
  EXPECT_TRUE(core.RunsInline(Req(Operation::kRead, "nowhere/x")));  // a 404 at once
  // Writes may wait for fsync; the system backend's other paths and other engines may block.
  EXPECT_FALSE(core.RunsInline(Req(Operation::kUpdate, "kv1/a")));
  EXPECT_FALSE(core.RunsInline(Req(Operation::kDelete, "kv1/a")));
  EXPECT_FALSE(core.RunsInline(Req(Operation::kScan, "kv1/")));
  EXPECT_FALSE(core.RunsInline(Req(Operation::kRead, "sys/mounts")));
  EXPECT_FALSE(core.RunsInline(Req(Operation::kRead, "auth/token/lookup-self")));
  // A wrapped response creates a token (a storage write).
  logical::Request wrapped = Req(Operation::kRead, "kv1/a");
  wrapped.wrap_ttl = std::chrono::seconds(60);
  EXPECT_FALSE(core.RunsInline(wrapped));

  // Tokens: one the cache knows without a use limit runs inline; one with a use limit (each
  // use is a storage write) and one the cache does not know (yet) do not.
  auto plain =
      t.Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"default"}}}, root);
  auto limited = t.Do(Operation::kUpdate, "auth/token/create",
                      {{"policies", json::array{"default"}}, {"num_uses", 5}}, root);
  ASSERT_TRUE(plain && limited);
  std::string plain_token(plain->auth->client_token), limited_token(limited->auth->client_token);
  logical::Request with_token = Req(Operation::kRead, "kv1/a");
  with_token.client_token = "hvs.not-a-known-token";
  EXPECT_FALSE(core.RunsInline(with_token));
  with_token.client_token = plain_token;
  (void)t.Do(Operation::kRead, "kv1/a", {}, plain_token);  // looked up once: now cached
  EXPECT_TRUE(core.RunsInline(with_token));
  with_token.client_token = limited_token;
  (void)t.Do(Operation::kRead, "kv1/a", {}, limited_token);
  EXPECT_FALSE(core.RunsInline(with_token));
  with_token.client_token = root;
  EXPECT_TRUE(core.RunsInline(with_token));

  // An audit device with a writer thread (a socket) makes every request wait for that thread.
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/audit/sock",
                   {{"type", "socket"},
                    {"options", json::object{{"address", "/nonexistent/audit.sock"},
                                             {"socket_type", "unix"},
                                             {"skip_test", "true"}}}},
                   root));
  EXPECT_FALSE(core.RunsInline(Req(Operation::kRead, "kv1/a")));
  // (The unreachable device refuses every request, its own removal included: the operator's
  // way out is the broker.)
  ASSERT_TRUE(t.core->audit().Disable("sock"));
  EXPECT_TRUE(core.RunsInline(Req(Operation::kRead, "kv1/a")));
  // A file device writes on the caller's thread.
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/audit/file",
                   {{"type", "file"}, {"options", json::object{{"file_path", "discard"}}}}, root));
  EXPECT_TRUE(core.RunsInline(Req(Operation::kRead, "kv1/a")));
}

TEST(CoreRunsInline, NotOnRemoteStorage) {
  // Anything but inmem, file and lmdb could wait for the network.
  class RemoteStorage : public storage::Backend {
   public:
    explicit RemoteStorage(std::unique_ptr<storage::Backend> inner) : inner_(std::move(inner)) {}
    Result<std::optional<std::string>> Get(std::string_view key) override {
      return inner_->Get(key);
    }
    Status Put(std::string_view key, std::string_view value) override {
      return inner_->Put(key, value);
    }
    Status Delete(std::string_view key) override { return inner_->Delete(key); }
    Result<std::vector<std::string>> List(std::string_view prefix) override {
      return inner_->List(prefix);
    }
    std::string_view Type() const override { return "etcd"; }
    storage::Transactional* AsTransactional() override { return inner_->AsTransactional(); }

   private:
    std::unique_ptr<storage::Backend> inner_;
  };
  TestCore t(std::make_unique<RemoteStorage>(*storage::NewInmemBackend({})));
  ASSERT_FALSE(t.InitAndUnseal().empty());
  EXPECT_FALSE(t.core->RunsInline(Req(Operation::kRead, "cubbyhole/x")));
  EXPECT_FALSE(t.core->RunsInline(Req(Operation::kRead, "sys/health")));
}

TEST(CoreConfig, DisableCacheReachesTheBackends) {
  for (bool disable : {false, true}) {
    std::optional<bool> seen;
    CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.disable_cache = disable;
    cfg.secret_engines["kv"] = [&seen](const logical::BackendConfig& c) {
      seen = c.disable_cache;
      return engines::kv::NewKvBackend(c);
    };
    TestCore t;
    t.core = std::make_unique<Core>(std::move(cfg));
    std::string root = t.InitAndUnseal();
    ASSERT_FALSE(root.empty());
    ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root));
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(*seen, disable);
  }
}

}  // namespace
}  // namespace arca::core
