// KV version 1 -> 2 upgrade: collisions with the v2 layout, resumption after a crash, and the
// factory serving an upgraded store as version 2.
#include "engines/kv/kv_upgrade.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "engines/kv/kv.h"
#include "logical/storage.h"

namespace arca::engines::kv {
namespace {

using logical::Operation;

int64_t FixedNow() { return 1'700'000'000'000'000'000; }

Result<logical::Response> Do(logical::Backend& b, logical::Storage& s, Operation op,
                             std::string path, json::object data = {}) {
  logical::Request req;
  req.operation = op;
  req.path = std::move(path);
  req.data = std::move(data);
  req.storage = &s;
  return b.HandleRequest(req);
}

// v1 keys chosen to collide with the v2 layout's own names.
const std::vector<std::pair<std::string, std::string>> kV1 = {
    {"config", R"({"max_versions":"not a number"})"},
    {"metadata/app", R"({"owner":"ops"})"},
    {"versions/x@1", R"({"v":"1"})"},
    {"app", R"({"password":"hunter2"})"},
    {"team/db/creds", R"({"user":"u","pass":"p"})"},
};

void Fill(logical::Storage& s) {
  for (const auto& [k, v] : kV1) ASSERT_TRUE(s.Put(k, v));
}

void ExpectUpgraded(logical::Storage& s) {
  logical::BackendConfig cfg;
  cfg.storage = &s;
  cfg.options = {{"version", "1"}};  // the table may still say 1: the store decides
  auto b = NewKvBackend(cfg);
  ASSERT_TRUE(b) << b.error().ToString();
  for (const auto& [k, v] : kV1) {
    auto r = Do(**b, s, Operation::kRead, "data/" + k);
    ASSERT_TRUE(r) << k << ": " << r.error().ToString();
    auto want = ParseJsonObject(v);
    EXPECT_EQ(r->data.at("data").as_object(), *want) << k;
    EXPECT_EQ(r->data.at("metadata").as_object().at("version").as_int64(), 1);
  }
  auto list = Do(**b, s, Operation::kList, "metadata/");
  ASSERT_TRUE(list);
  EXPECT_EQ(json::serialize(list->data.at("keys")),
            R"(["app","config","metadata/","team/","versions/"])");
  // The mount config is the v2 default, not the v1 entry that was called "config".
  auto cfgr = Do(**b, s, Operation::kRead, "config");
  ASSERT_TRUE(cfgr) << cfgr.error().ToString();
  EXPECT_EQ(cfgr->data.at("max_versions").as_int64(), 0);
  // Writes create version 2.
  auto w = Do(**b, s, Operation::kUpdate, "data/app",
              {{"data", json::object{{"password", "new"}}}});
  ASSERT_TRUE(w) << w.error().ToString();
  EXPECT_EQ(w->data.at("version").as_int64(), 2);
}

TEST(KvUpgrade, MovesEveryEntryIncludingCollidingNames) {
  logical::InmemStorage s;
  Fill(s);
  ASSERT_TRUE(UpgradeV1ToV2(s, FixedNow));
  EXPECT_EQ(*UpgradeState(s), std::optional<std::string>("done"));
  ExpectUpgraded(s);
  // Running it again changes nothing.
  size_t before = s.size();
  ASSERT_TRUE(UpgradeV1ToV2(s, FixedNow));
  EXPECT_EQ(s.size(), before);
}

TEST(KvUpgrade, FactoryUpgradesOnlyWhenAsked) {
  logical::InmemStorage s;
  Fill(s);
  logical::BackendConfig cfg;
  cfg.storage = &s;
  cfg.options = {{"version", "1"}};
  ASSERT_TRUE(NewKvBackend(cfg));
  EXPECT_FALSE(*UpgradeState(s));  // a v1 mount stays v1
  cfg.options = {{"version", "2"}, {std::string(kUpgradeOption), "true"}};
  ASSERT_TRUE(NewKvBackend(cfg));
  ExpectUpgraded(s);
}

TEST(KvUpgrade, ResumesAfterACrashInEitherPhase) {
  // Crash during copying: the marker says "copying", some keys already moved.
  {
    logical::InmemStorage s;
    Fill(s);
    ASSERT_TRUE(logical::PutJson(s, kUpgradeMarkerKey,
                                 json::object{{"state", "copying"}, {"staging", ".kv-upgrade-t/"}}));
    ASSERT_TRUE(s.Put(".kv-upgrade-t/617070", R"({"password":"hunter2"})"));  // hex("app")
    ASSERT_TRUE(s.Delete("app"));
    logical::BackendConfig cfg;
    cfg.storage = &s;
    auto b = NewKvBackend(cfg);  // version 1 asked for: the interrupted upgrade is finished
    ASSERT_TRUE(b) << b.error().ToString();
    ExpectUpgraded(s);
  }
  // Crash during converting: one entry already converted, the others still staged.
  {
    logical::InmemStorage s;
    ASSERT_TRUE(logical::PutJson(
        s, kUpgradeMarkerKey, json::object{{"state", "converting"}, {"staging", ".kv-upgrade-t/"}}));
    for (const auto& [k, v] : kV1) ASSERT_TRUE(s.Put(".kv-upgrade-t/" + HexEncode(k), v));
    ASSERT_TRUE(UpgradeV1ToV2(s, FixedNow));
    ExpectUpgraded(s);
  }
}

TEST(KvUpgrade, CorruptMarkerIsAnError) {
  logical::InmemStorage s;
  ASSERT_TRUE(s.Put(std::string(kUpgradeMarkerKey), "[1]"));
  logical::BackendConfig cfg;
  cfg.storage = &s;
  EXPECT_FALSE(NewKvBackend(cfg));
}

}  // namespace
}  // namespace arca::engines::kv
