#include "common/log.h"

#include <gtest/gtest.h>

#include <atomic>

namespace arca::log {
namespace {

class LogStreamTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Init("info", "standard")); }
  void TearDown() override { (void)Init("info", "standard"); }
};

TEST_F(LogStreamTest, SubscriberSeesItsLevelWithoutChangingTheLoggers) {
  auto logger = GetLogger("stream-test");
  ASSERT_FALSE(logger->should_log(spdlog::level::debug));
  {
    auto sub = Subscribe(spdlog::level::debug, Format::kStandard);
    EXPECT_EQ(SubscriberCount(), 1u);
    logger->debug("detail {}", 1);
    spdlog::trace("too detailed");
    spdlog::info("general");
    std::string out;
    sub->Drain(out);
    EXPECT_NE(out.find("[debug] stream-test: detail 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("[info] arca: general\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("too detailed"), std::string::npos) << out;
    // The configured levels (sys/loggers) are unchanged.
    EXPECT_EQ(Levels()["stream-test"], "info");
    EXPECT_EQ(Levels()["arca"], "info");
    out.clear();
    sub->Drain(out);
    EXPECT_EQ(out, "");
  }
  EXPECT_EQ(SubscriberCount(), 0u);
  EXPECT_FALSE(logger->should_log(spdlog::level::debug));
  EXPECT_TRUE(logger->should_log(spdlog::level::info));
}

TEST_F(LogStreamTest, LevelAboveTheLoggersFilters) {
  auto sub = Subscribe(spdlog::level::warn, Format::kJson);
  spdlog::info("not for you");
  spdlog::warn("quote \" here");
  std::string out;
  sub->Drain(out);
  EXPECT_EQ(out.find("not for you"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("@level":"warning","@module":"arca","@message":"quote \" here"})"),
            std::string::npos)
      << out;
}

TEST_F(LogStreamTest, FullQueueDropsInsteadOfBlocking) {
  auto sub = Subscribe(spdlog::level::info, Format::kStandard, 3);
  for (int i = 0; i < 10; ++i) spdlog::info("line {}", i);
  std::string out;
  sub->Drain(out);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_NE(out.find("line 2"), std::string::npos);
  EXPECT_EQ(out.find("line 3"), std::string::npos);
  EXPECT_EQ(sub->dropped(), 7u);
}

TEST_F(LogStreamTest, WakerRunsWhenAnEmptyQueueGetsALine) {
  auto sub = Subscribe(spdlog::level::info, Format::kStandard);
  std::atomic<int> wakes{0};
  sub->SetWaker([&] { wakes++; });
  EXPECT_EQ(wakes, 0);
  spdlog::info("one");
  spdlog::info("two");
  EXPECT_EQ(wakes, 1);  // only the first line into an empty queue
  std::string out;
  sub->Drain(out);
  spdlog::info("three");
  EXPECT_EQ(wakes, 2);
  sub.reset();
  spdlog::info("four");
  EXPECT_EQ(wakes, 2);
}

TEST_F(LogStreamTest, SetLevelWhileSubscribedKeepsTheFloor) {
  auto logger = GetLogger("stream-floor");
  auto sub = Subscribe(spdlog::level::debug, Format::kStandard);
  ASSERT_TRUE(SetLevel("error", "stream-floor"));
  EXPECT_EQ(Levels()["stream-floor"], "error");
  logger->debug("still streamed");
  std::string out;
  sub->Drain(out);
  EXPECT_NE(out.find("still streamed"), std::string::npos) << out;
  sub.reset();
  EXPECT_FALSE(logger->should_log(spdlog::level::warn));
  EXPECT_TRUE(logger->should_log(spdlog::level::err));
}

}  // namespace
}  // namespace arca::log
