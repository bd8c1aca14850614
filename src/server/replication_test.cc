#include "server/replication.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"

namespace arca::server {
namespace {

std::vector<json::object> Lines(const std::string& body) {
  std::vector<json::object> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    EXPECT_NE(nl, std::string::npos) << "every line ends with a newline";
    if (nl == std::string::npos) break;
    auto o = ParseJsonObject(std::string_view(body).substr(start, nl - start));
    EXPECT_TRUE(o.has_value()) << body;
    if (o) out.push_back(*o);
    start = nl + 1;
  }
  return out;
}

void Record(InvalidationLog& log, std::vector<std::string_view> keys) { log.Record(keys, false); }

TEST(IndexHeader, RoundTrip) {
  std::string h = EncodeIndexHeader({"e1-abc", 42});
  auto raw = Base64Decode(h);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(*raw, "arca1:e1-abc:42");
  auto back = DecodeIndexHeader(h);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->epoch, "e1-abc");
  EXPECT_EQ(back->index, 42u);
}

TEST(IndexHeader, RefusesOtherValues) {
  EXPECT_FALSE(DecodeIndexHeader("not base64 !!!"));
  EXPECT_FALSE(DecodeIndexHeader(Base64Encode("vault:1:2")));
  EXPECT_FALSE(DecodeIndexHeader(Base64Encode("arca1:e:")));
  EXPECT_FALSE(DecodeIndexHeader(Base64Encode("arca1::5")));
  EXPECT_FALSE(DecodeIndexHeader(Base64Encode("arca1:e:5x")));
  EXPECT_FALSE(DecodeIndexHeader(""));
}

TEST(InvalidationsTarget, ParsesEpochAndFromAndRefusesBadInput) {
  auto ok = ParseInvalidationsTarget("/cluster/invalidations?epoch=abc-1&from=42");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->epoch, "abc-1");
  EXPECT_EQ(ok->index, 42u);
  ok = ParseInvalidationsTarget("/cluster/invalidations?from=0&epoch=-");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->epoch, "-");
  for (std::string_view bad :
       {"/cluster/invalidations", "/cluster/invalidations?epoch=e", "/cluster/invalidations?from=1",
        "/cluster/invalidations?epoch=&from=1", "/cluster/invalidations?epoch=e&from=",
        "/cluster/invalidations?epoch=e&from=-1", "/cluster/invalidations?epoch=e&from=1x",
        "/cluster/invalidations?epoch=e&from=99999999999999999999999"}) {
    auto r = ParseInvalidationsTarget(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().http_status(), 400) << bad;
  }
}

TEST(InvalidationLog, UnknownEpochGetsAReset) {
  InvalidationLog log;
  Record(log, {"a"});
  ReplicationPosition pos = log.Position();
  auto lines = Lines(log.LinesAfter("-", 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(BoolOr(lines[0], "reset"));
  EXPECT_EQ(StringOr(lines[0], "epoch"), pos.epoch);
  EXPECT_EQ(IntOr(lines[0], "index"), 1);
}

TEST(InvalidationLog, BatchesAfterFromThenHeartbeat) {
  InvalidationLog log;
  Record(log, {"a", "b"});
  Record(log, {"c"});
  Record(log, {"d"});
  const std::string epoch = log.Position().epoch;
  auto lines = Lines(log.LinesAfter(epoch, 1));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(IntOr(lines[0], "index"), 2);
  EXPECT_EQ(StringsOf(lines[0], "keys"), std::vector<std::string>{"c"});
  EXPECT_EQ(IntOr(lines[1], "index"), 3);
  EXPECT_EQ(StringsOf(lines[1], "keys"), std::vector<std::string>{"d"});
  EXPECT_EQ(lines[2].count("keys"), 0u);
  EXPECT_FALSE(BoolOr(lines[2], "reset"));
  EXPECT_EQ(IntOr(lines[2], "index"), 3);
  // Up to date: the heartbeat alone.
  lines = Lines(log.LinesAfter(epoch, 3));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(IntOr(lines[0], "index"), 3);
  EXPECT_EQ(lines[0].count("keys"), 0u);
}

TEST(InvalidationLog, CutShortHeartbeatNamesTheLastBatchSent) {
  InvalidationLog log;
  for (int i = 0; i < 10; ++i) Record(log, {"k"});
  auto lines = Lines(log.LinesAfter(log.Position().epoch, 0, 4));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(IntOr(lines[4], "index"), 4);
}

TEST(InvalidationLog, FollowerBehindTheRingOrAheadGetsAReset) {
  InvalidationLog log(4, 1000);
  for (int i = 0; i < 10; ++i) Record(log, {"k"});
  const std::string epoch = log.Position().epoch;
  auto behind = Lines(log.LinesAfter(epoch, 2));
  ASSERT_EQ(behind.size(), 1u);
  EXPECT_TRUE(BoolOr(behind[0], "reset"));
  EXPECT_EQ(IntOr(behind[0], "index"), 10);
  // The oldest kept batch is 7: from = 6 still works.
  auto edge = Lines(log.LinesAfter(epoch, 6));
  ASSERT_EQ(edge.size(), 5u);
  EXPECT_FALSE(BoolOr(edge[0], "reset"));
  auto ahead = Lines(log.LinesAfter(epoch, 11));
  ASSERT_EQ(ahead.size(), 1u);
  EXPECT_TRUE(BoolOr(ahead[0], "reset"));
}

TEST(InvalidationLog, KeyBudgetBoundsTheRing) {
  InvalidationLog log(1000, 5);
  for (int i = 0; i < 4; ++i) Record(log, {"a", "b"});
  auto lines = Lines(log.LinesAfter(log.Position().epoch, 1));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(BoolOr(lines[0], "reset"));
}

TEST(InvalidationLog, RestoreOfEverythingResetsFollowersBehindIt) {
  InvalidationLog log;
  Record(log, {"a"});
  log.Record({}, true);
  Record(log, {"b"});
  const std::string epoch = log.Position().epoch;
  auto before = Lines(log.LinesAfter(epoch, 1));
  ASSERT_EQ(before.size(), 1u);
  EXPECT_TRUE(BoolOr(before[0], "reset"));
  auto after = Lines(log.LinesAfter(epoch, 2));
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(StringsOf(after[0], "keys"), std::vector<std::string>{"b"});
}

TEST(InvalidationLog, ActivateStartsANewEpoch) {
  InvalidationLog log;
  Record(log, {"a"});
  ReplicationPosition old = log.Position();
  log.Activate();
  EXPECT_NE(log.Position().epoch, old.epoch);
  auto lines = Lines(log.LinesAfter(old.epoch, old.index));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(BoolOr(lines[0], "reset"));
}

struct Recorder {
  std::vector<std::vector<std::string>> applied;
  int purges = 0;
  FollowerOptions Options() {
    FollowerOptions o;
    o.apply = [this](const std::vector<std::string>& k) { applied.push_back(k); };
    o.purge = [this] { ++purges; };
    return o;
  }
};

TEST(StandbyFollower, FollowsResetBatchesAndHeartbeats) {
  Recorder rec;
  StandbyFollower f(rec.Options());
  InvalidationLog log;
  Record(log, {"x"});
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(f.Fresh(std::chrono::seconds(1)));
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter("-", 0), t0).has_value());
  EXPECT_EQ(rec.purges, 1);
  EXPECT_TRUE(f.Fresh(std::chrono::seconds(1)));
  EXPECT_EQ(f.GetState().applied.index, 1u);
  Record(log, {"a", "b"});
  Record(log, {"c"});
  StandbyFollower::State st = f.GetState();
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter(st.applied.epoch, st.applied.index), t0).has_value());
  ASSERT_EQ(rec.applied.size(), 2u);
  EXPECT_EQ(rec.applied[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rec.applied[1], (std::vector<std::string>{"c"}));
  EXPECT_EQ(f.GetState().applied.index, 3u);
  EXPECT_EQ(rec.purges, 1);
  EXPECT_TRUE(f.WaitFor(log.Position(), std::chrono::milliseconds(0)));
  EXPECT_FALSE(f.WaitFor({log.Position().epoch, 4}, std::chrono::milliseconds(20)));
  EXPECT_FALSE(f.WaitFor({"other", 1}, std::chrono::milliseconds(0)));
}

TEST(StandbyFollower, StaleWhenNotHeardWithinTheBound) {
  Recorder rec;
  StandbyFollower f(rec.Options());
  InvalidationLog log;
  const auto long_ago = std::chrono::steady_clock::now() - std::chrono::seconds(5);
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter("-", 0), long_ago).has_value());
  EXPECT_FALSE(f.Fresh(std::chrono::seconds(1)));
  EXPECT_TRUE(f.Fresh(std::chrono::seconds(10)));
}

TEST(StandbyFollower, AGapOrABadLineStartsOver) {
  Recorder rec;
  StandbyFollower f(rec.Options());
  InvalidationLog log;
  const auto now = std::chrono::steady_clock::now();
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter("-", 0), now).has_value());
  const std::string epoch = log.Position().epoch;
  // Batch 2 without batch 1.
  std::string gap = R"({"epoch":")" + epoch +
                    R"(","index":2,"keys":["k"]})"
                    "\n" +
                    R"({"epoch":")" + epoch +
                    R"(","index":2})"
                    "\n";
  EXPECT_FALSE(f.ApplyAnswer(gap, now).has_value());
  EXPECT_TRUE(rec.applied.empty());
  EXPECT_FALSE(f.Fresh(std::chrono::seconds(1)));
  EXPECT_TRUE(f.GetState().applied.epoch.empty());
  // Back in step with a reset.
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter("-", 0), now).has_value());
  EXPECT_TRUE(f.Fresh(std::chrono::seconds(1)));
  EXPECT_FALSE(f.ApplyAnswer("not json\n", now).has_value());
  EXPECT_FALSE(f.Fresh(std::chrono::seconds(1)));
  // An answer without a heartbeat is not proof of freshness.
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter("-", 0), now).has_value());
  std::string no_hb = R"({"epoch":")" + epoch +
                      R"(","index":1,"keys":["k"]})"
                      "\n";
  EXPECT_FALSE(f.ApplyAnswer(no_hb, now).has_value());
  EXPECT_FALSE(f.Fresh(std::chrono::seconds(1)));
}

TEST(StandbyFollower, WaitForIsWokenByAnApplication) {
  Recorder rec;
  StandbyFollower f(rec.Options());
  InvalidationLog log;
  ASSERT_TRUE(f.ApplyAnswer(log.LinesAfter("-", 0), std::chrono::steady_clock::now()).has_value());
  Record(log, {"a"});
  std::thread t([&] {
    StandbyFollower::State st = f.GetState();
    (void)f.ApplyAnswer(log.LinesAfter(st.applied.epoch, st.applied.index),
                        std::chrono::steady_clock::now());
  });
  EXPECT_TRUE(f.WaitFor(log.Position(), std::chrono::seconds(5)));
  t.join();
}

TEST(StandbyFollower, PurgesOnceWhenTheStateBecomesReadyBeforeItIsCaughtUp) {
  std::atomic<int> purges{0};
  std::atomic<bool> ready{false};
  FollowerOptions o;
  o.leader = [] { return std::optional<LeaderInfo>(); };
  o.purge = [&] { ++purges; };
  o.ready = [&] { return ready.load(); };
  o.interval = std::chrono::milliseconds(5);
  StandbyFollower f(std::move(o));
  f.Start();
  auto eventually = [](auto pred) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return pred();
  };
  f.Wake();
  EXPECT_FALSE(f.CaughtUp());
  ready = true;
  ASSERT_TRUE(eventually([&] { return f.CaughtUp(); }));
  EXPECT_EQ(purges.load(), 1);
  ready = false;
  ASSERT_TRUE(eventually([&] { return !f.CaughtUp(); }));
  ready = true;
  ASSERT_TRUE(eventually([&] { return f.CaughtUp(); }));
  EXPECT_EQ(purges.load(), 2);
  f.Stop();
}

TEST(StandbyFollower, PollWithoutALeaderFails) {
  Recorder rec;
  FollowerOptions o = rec.Options();
  o.leader = [] { return std::optional<LeaderInfo>(); };
  StandbyFollower f(std::move(o));
  EXPECT_FALSE(f.Poll().has_value());
}

}  // namespace
}  // namespace arca::server
