// sys/loggers: levels change at runtime, per logger or all, revert to the configured level;
// bad levels and unknown loggers are 400 and change nothing.
#include "common/log.h"
#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

class Loggers : public sys_test::SysTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(log::Init("info", "standard"));
    logger_ = log::GetLogger("kvtest");
    SysTest::SetUp();
  }
  void TearDown() override { (void)log::Init("info", "standard"); }
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(Loggers, ReadSetAndRevert) {
  auto r = Do(Operation::kRead, "sys/loggers");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("kvtest").as_string(), "info");
  EXPECT_EQ(r->data.at("arca").as_string(), "info");
  ASSERT_FALSE(logger_->should_log(spdlog::level::debug));

  ASSERT_TRUE(Do(Operation::kUpdate, "sys/loggers/kvtest", {{"level", "debug"}}));
  EXPECT_TRUE(logger_->should_log(spdlog::level::debug));
  EXPECT_FALSE(spdlog::default_logger()->should_log(spdlog::level::debug));  // only that one
  auto one = Do(Operation::kRead, "sys/loggers/kvtest");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->data.at("kvtest").as_string(), "debug");

  ASSERT_TRUE(Do(Operation::kUpdate, "sys/loggers", {{"level", "error"}}));
  EXPECT_FALSE(logger_->should_log(spdlog::level::warn));
  EXPECT_FALSE(spdlog::default_logger()->should_log(spdlog::level::warn));
  EXPECT_EQ(log::GetLogger("kvtest"), logger_);  // one logger per name

  ASSERT_TRUE(Do(Operation::kDelete, "sys/loggers/kvtest"));
  EXPECT_TRUE(logger_->should_log(spdlog::level::info));
  EXPECT_FALSE(spdlog::default_logger()->should_log(spdlog::level::info));
  ASSERT_TRUE(Do(Operation::kDelete, "sys/loggers"));
  EXPECT_TRUE(spdlog::default_logger()->should_log(spdlog::level::info));
  EXPECT_FALSE(spdlog::default_logger()->should_log(spdlog::level::debug));
}

TEST_F(Loggers, BadInputIs400AndChangesNothing) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/loggers/kvtest", {{"level", "warn"}}));
  auto before = Do(Operation::kRead, "sys/loggers");
  ASSERT_TRUE(before);
  struct Case {
    Operation op;
    std::string path;
    json::object body;
  };
  for (const auto& c : std::vector<Case>{{Operation::kUpdate, "sys/loggers", {{"level", "loud"}}},
                                         {Operation::kUpdate, "sys/loggers", {}},
                                         {Operation::kUpdate, "sys/loggers/kvtest", {{"level", "off"}}},
                                         {Operation::kUpdate, "sys/loggers/nobody", {{"level", "debug"}}},
                                         {Operation::kDelete, "sys/loggers/nobody", {}}}) {
    auto r = Do(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.path << " " << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), 400) << c.path;
  }
  EXPECT_EQ(Code(Operation::kRead, "sys/loggers/nobody"), 404);
  auto after = Do(Operation::kRead, "sys/loggers");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->data, before->data);
  EXPECT_TRUE(logger_->should_log(spdlog::level::warn));
  EXPECT_FALSE(logger_->should_log(spdlog::level::info));
  // A token without a policy for sys/loggers cannot change levels.
  std::string tok = TokenWith("nothing", "path \"secret/*\" { capabilities = [\"read\"] }");
  ASSERT_FALSE(tok.empty());
  EXPECT_EQ(Code(Operation::kUpdate, "sys/loggers", {{"level", "trace"}}, tok), 403);
  EXPECT_FALSE(logger_->should_log(spdlog::level::info));
}

}  // namespace
}  // namespace arca::core
