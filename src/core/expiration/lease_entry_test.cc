#include "core/expiration/lease_entry.h"

#include <gtest/gtest.h>

#include "core/expiration/lease_schedule.h"

namespace arca::core {
namespace {

TEST(LeaseEntryTest, JsonRoundTrip) {
  LeaseEntry e;
  e.lease_id = "database/creds/ro/abc";
  e.path = "database/creds/ro";
  e.mount_accessor = "database_1234";
  e.token_hash = "deadbeef";
  e.internal_data["username"] = "v-ro-1";
  e.issue_time = 1700000000;
  e.expire_time = 1700003600;
  e.last_renewal = 1700001000;
  e.max_expire = 1700007200;
  e.ttl = std::chrono::seconds(2600);
  e.renewable = true;
  e.irrevocable = true;
  e.revoke_error = "connection refused";
  auto back = LeaseEntry::FromJson(e.ToJson());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(json::serialize(back->ToJson()), json::serialize(e.ToJson()));
  EXPECT_EQ(back->internal_data.at("username").as_string(), "v-ro-1");
  EXPECT_EQ(back->ttl.count(), 2600);
}

TEST(LeaseEntryTest, FromJsonRejectsCorruptEntries) {
  const json::object cases[] = {
      {},                                                   // no lease_id
      {{"lease_id", ""}},                                   // empty lease_id
      {{"lease_id", 5}},                                    // wrong type
      {{"lease_id", "a/b"}, {"expire_time", "soon"}},       // wrong type
      {{"lease_id", "a/b"}, {"renewable", "yes"}},          // wrong type
      {{"lease_id", "a/b"}, {"internal_data", "x"}},        // not an object
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(LeaseEntry::FromJson(c)) << json::serialize(c);
  }
}

TEST(LeaseEntryTest, EscapeRoundTrip) {
  for (std::string id : {"a", "a/b/c", "100%/x%2F", "auth/token/create/h01"}) {
    std::string esc = EscapeLeaseId(id);
    EXPECT_EQ(esc.find('/'), std::string::npos) << esc;
    auto back = UnescapeLeaseId(esc);
    ASSERT_TRUE(back) << id;
    EXPECT_EQ(*back, id);
  }
  EXPECT_EQ(EscapeLeaseId("a/b%c"), "a%2Fb%25c");
}

TEST(LeaseEntryTest, UnescapeRejectsMalformed) {
  for (std::string_view bad : {"", "%", "%2", "%zz", "a/b", "%G1"}) {
    EXPECT_FALSE(UnescapeLeaseId(bad)) << bad;
  }
}

TEST(LeaseEntryTest, KeysAndDueLeafParsing) {
  EXPECT_EQ(LeaseEntryKey("a/b"), "id/a/b");
  EXPECT_EQ(DueKey(1700000000, "a/b"), "due/170000/1700000000.a%2Fb");
  EXPECT_EQ(DueKey(42, "x"), "due/000000/0000000042.x");
  EXPECT_EQ(TokenIndexKey("hh", "a/b"), "token/hh/a%2Fb");
  EXPECT_EQ(IrrevocableKey("a/b"), "irrevocable/a%2Fb");

  auto item = ParseDueLeaf("1700000000.a%2Fb");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->expire, 1700000000);
  EXPECT_EQ(item->lease_id, "a/b");
  for (std::string_view bad : {"", "1700000000", "1700000000.", "17000000x0.a", "170000000.ab",
                               "1700000000-a", "1700000000.%zz"}) {
    EXPECT_FALSE(ParseDueLeaf(bad)) << bad;
  }
}

TEST(LeaseEntryTest, Rfc3339) {
  EXPECT_EQ(UnixToRfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(UnixToRfc3339Utc(1700000000), "2023-11-14T22:13:20Z");
}

TEST(LeaseScheduleTest, OrdersByDueTimeAndPopsOnlyDueItems) {
  LeaseSchedule s;
  s.Add(30, "c");
  s.Add(10, "a");
  s.Add(20, "b");
  s.Add(10, "a");  // duplicate
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.NextDue(), 10);
  EXPECT_FALSE(s.PopDue(9));
  auto first = s.PopDue(25);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->lease_id, "a");
  EXPECT_EQ(first->expire, 10);
  EXPECT_EQ(first->attempts, 0);
  EXPECT_EQ(s.PopDue(25)->lease_id, "b");
  EXPECT_FALSE(s.PopDue(25));
  EXPECT_TRUE(s.Remove(30, "c"));
  EXPECT_FALSE(s.Remove(30, "c"));
  EXPECT_FALSE(s.NextDue());
}

TEST(LeaseScheduleTest, RetriesKeepTheirExpiryAndAttempts) {
  LeaseSchedule s;
  s.AddRetry(105, "a", 100, 2);
  s.Add(200, "b");
  EXPECT_EQ(s.retrying(), 1u);
  auto item = s.PopDue(105);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->when, 105);
  EXPECT_EQ(item->expire, 100);
  EXPECT_EQ(item->attempts, 2);
  EXPECT_EQ(s.retrying(), 0u);
  // A retry is removed by the expiry its due key records.
  s.AddRetry(110, "c", 100, 1);
  EXPECT_TRUE(s.Remove(100, "c"));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.retrying(), 0u);
}

}  // namespace
}  // namespace arca::core
