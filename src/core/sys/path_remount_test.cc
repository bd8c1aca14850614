// sys/remount and sys/remount/status through the core: data, configuration and accessor follow
// the mount; leases are revoked (Vault); reserved, missing, taken and cross-table moves are 400
// and change nothing; the move survives a seal/unseal; a non-root token without sudo gets 403.
#include <gtest/gtest.h>

#include <atomic>

#include "core/testing.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
namespace fw = logical::framework;

// A secrets engine whose "creds" secret has a lease; counts revocations.
logical::Factory LeasingFactory(std::atomic<int>* revoked) {
  return [revoked](const logical::BackendConfig&) -> Result<std::unique_ptr<logical::Backend>> {
    fw::FrameworkBackend::Options o;
    o.type = "leasing";
    fw::Path creds;
    creds.pattern = "creds";
    creds.operations[Operation::kRead] = {[](logical::Request&, fw::FieldData&)
                                              -> Result<logical::Response> {
      logical::Response r = logical::Response::WithData({{"username", "u"}});
      r.secret = logical::Secret{.ttl = std::chrono::seconds(3600), .renewable = true,
                                 .internal_data = fw::SecretInternal("creds", {})};
      return r;
    }, "issue"};
    o.paths.push_back(std::move(creds));
    o.secrets["creds"] = fw::SecretType{
        .renew = [](logical::Request& req) -> Result<logical::Response> {
          logical::Response r;
          r.secret = logical::Secret{.ttl = req.renew_increment};
          return r;
        },
        .revoke = [revoked](logical::Request&) -> Result<logical::Response> {
          ++*revoked;
          return logical::Response{};
        }};
    return fw::FrameworkBackend::Create(std::move(o));
  };
}

class Remount : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.secret_engines["leasing"] = LeasingFactory(&revoked_);
    cfg.auth_methods["kvauth"] = engines::kv::NewKvBackend;  // any backend will do in a table
    t_.core = std::make_unique<Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/kv1", {{"type", "kv"}, {"description", "d1"}}));
    ASSERT_TRUE(Do(Operation::kUpdate, "kv1/foo", {{"a", "1"}}));
  }
  Result<logical::Response> Do(Operation op, const std::string& path, json::object body = {}) {
    return t_.Do(op, path, std::move(body), root_);
  }
  int Code(Operation op, const std::string& path, json::object body = {}, std::string tok = "") {
    auto r = t_.Do(op, path, std::move(body), tok.empty() ? root_ : tok);
    return r ? 200 : r.error().http_status();
  }
  json::object Mounts(const std::string& which = "sys/mounts") {
    auto r = Do(Operation::kRead, which);
    return r ? ParseRaw(*r) : json::object{};
  }
  std::atomic<int> revoked_{0};
  TestCore t_;
  std::string root_;
};

TEST_F(Remount, MovesDataConfigAndAccessorAndReportsSuccess) {
  json::object before = Mounts().at("kv1/").as_object();
  auto r = Do(Operation::kUpdate, "sys/remount", {{"from", "kv1"}, {"to", "kv2"}});
  ASSERT_TRUE(r) << r.error().ToString();
  std::string id(r->data.at("migration_id").as_string());
  ASSERT_FALSE(id.empty());

  auto st = Do(Operation::kRead, "sys/remount/status/" + id);
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(st->data.at("migration_id").as_string(), id);
  const auto& info = st->data.at("migration_info").as_object();
  EXPECT_EQ(info.at("source_mount").as_string(), "kv1");
  EXPECT_EQ(info.at("target_mount").as_string(), "kv2");
  EXPECT_EQ(info.at("status").as_string(), "success");

  auto read = Do(Operation::kRead, "kv2/foo");
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("a").as_string(), "1");
  EXPECT_EQ(Code(Operation::kRead, "kv1/foo"), 404);

  json::object mounts = Mounts();
  EXPECT_FALSE(mounts.contains("kv1/"));
  ASSERT_TRUE(mounts.contains("kv2/"));
  const auto& after = mounts.at("kv2/").as_object();
  EXPECT_EQ(after.at("uuid"), before.at("uuid"));
  EXPECT_EQ(after.at("accessor"), before.at("accessor"));
  EXPECT_EQ(after.at("description").as_string(), "d1");

  // The new path takes writes; the old one is free for a new mount that starts empty.
  ASSERT_TRUE(Do(Operation::kUpdate, "kv2/bar", {{"b", "2"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/kv1", {{"type", "kv"}}));
  EXPECT_EQ(Code(Operation::kRead, "kv1/foo"), 404);
  EXPECT_EQ(Code(Operation::kRead, "sys/remount/status/no-such-id"), 404);
}

TEST_F(Remount, SurvivesSealAndUnseal) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/remount", {{"from", "kv1/"}, {"to", "moved/"}}));
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  auto read = Do(Operation::kRead, "moved/foo");
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("a").as_string(), "1");
  EXPECT_EQ(Code(Operation::kRead, "kv1/foo"), 404);
}

TEST_F(Remount, RevokesTheMountsLeasesAsVaultDoes) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/db", {{"type", "leasing"}}));
  auto c = Do(Operation::kRead, "db/creds");
  ASSERT_TRUE(c && c->secret) << (c ? "no secret" : c.error().ToString());
  const std::string lease = c->secret->lease_id;
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/leases/lookup", {{"lease_id", lease}}));
  ASSERT_EQ(revoked_.load(), 0);
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/remount", {{"from", "db"}, {"to", "db2"}}));
  EXPECT_EQ(revoked_.load(), 1);
  EXPECT_EQ(Code(Operation::kUpdate, "sys/leases/lookup", {{"lease_id", lease}}), 400);
  // Secrets issued after the move get leases under the new path, which renew and revoke.
  auto c2 = Do(Operation::kRead, "db2/creds");
  ASSERT_TRUE(c2 && c2->secret);
  EXPECT_TRUE(c2->secret->lease_id.starts_with("db2/creds/")) << c2->secret->lease_id;
  EXPECT_EQ(Code(Operation::kUpdate, "sys/leases/renew", {{"lease_id", c2->secret->lease_id}}), 200);
  EXPECT_EQ(Code(Operation::kUpdate, "sys/leases/revoke", {{"lease_id", c2->secret->lease_id}}), 200);
  EXPECT_EQ(revoked_.load(), 2);
}

TEST_F(Remount, MovesAuthMountsWithinTheAuthTable) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/auth/up", {{"type", "kvauth"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "auth/up/x", {{"v", "1"}}));
  auto r = Do(Operation::kUpdate, "sys/remount", {{"from", "auth/up"}, {"to", "auth/up2"}});
  ASSERT_TRUE(r) << r.error().ToString();
  json::object auth = Mounts("sys/auth");
  EXPECT_FALSE(auth.contains("up/"));
  EXPECT_TRUE(auth.contains("up2/"));
  auto read = Do(Operation::kRead, "auth/up2/x");
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("v").as_string(), "1");
}

TEST_F(Remount, BadMovesAre400AndChangeNothing) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/other", {{"type", "kv"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/auth/up", {{"type", "kvauth"}}));
  const json::object mounts = Mounts(), auth = Mounts("sys/auth");
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"", "x"},                    // missing from
           {"kv1", ""},                  // missing to
           {"sys", "system2"},           // reserved source
           {"cubbyhole", "cubby2"},
           {"auth/token", "auth/tok2"},
           {"kv1", "sys/kv"},            // reserved targets
           {"kv1", "cubbyhole/x"},
           {"kv1", "identity"},
           {"kv1", "auth/kv"},           // secrets -> auth table
           {"auth/up", "up2"},           // auth -> secrets table
           {"nope", "nope2"},            // no such mount
           {"kv1", "other"},             // target taken
           {"kv1", "other/sub"},         // target nested under a mount
           {"kv1", "kv1/sub"},           // nested under itself
           {"kv1", "kv1"},               // same
           {"kv1", "a/../b"}}) {
    auto r = Do(Operation::kUpdate, "sys/remount", {{"from", from}, {"to", to}});
    ASSERT_FALSE(r) << from << " -> " << to;
    EXPECT_EQ(r.error().http_status(), 400) << from << " -> " << to << ": " << r.error().ToString();
  }
  EXPECT_EQ(Mounts(), mounts);
  EXPECT_EQ(Mounts("sys/auth"), auth);
  auto read = Do(Operation::kRead, "kv1/foo");
  ASSERT_TRUE(read);
  EXPECT_EQ(Code(Operation::kRead, "sys/remount"), 405);
}

TEST_F(Remount, NeedsSudo) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/mover",
                 {{"policy", "path \"sys/remount\" { capabilities = [\"update\", \"create\"] }"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/mover-sudo",
                 {{"policy", "path \"sys/remount\" { capabilities = [\"update\", \"create\", \"sudo\"] }"}}));
  auto plain = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"mover"}}});
  auto sudo = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"mover-sudo"}}});
  ASSERT_TRUE(plain && sudo);
  const json::object mounts = Mounts();
  EXPECT_EQ(Code(Operation::kUpdate, "sys/remount", {{"from", "kv1"}, {"to", "kv9"}},
                 plain->auth->client_token), 403);
  EXPECT_EQ(Mounts(), mounts);
  EXPECT_EQ(Code(Operation::kUpdate, "sys/remount", {{"from", "kv1"}, {"to", "kv9"}},
                 sudo->auth->client_token), 200);
  EXPECT_TRUE(Mounts().contains("kv9/"));
}

}  // namespace
}  // namespace arca::core
