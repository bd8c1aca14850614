// sys/monitor through the core: parameters checked (400, nothing subscribed), a read answers a
// stream whose source is a log subscription (level and format as asked), dropping the
// response unsubscribes, and the stream ends once the core is sealed.
#include "common/log.h"
#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

class Monitor : public sys_test::SysTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(log::Init("info", "standard"));
    SysTest::SetUp();
  }
  void TearDown() override { (void)log::Init("info", "standard"); }
};

TEST_F(Monitor, BadParametersAre400AndSubscribeNothing) {
  EXPECT_EQ(Code(Operation::kRead, "sys/monitor", {{"log_level", "loud"}}), 400);
  EXPECT_EQ(Code(Operation::kRead, "sys/monitor", {{"log_format", "xml"}}), 400);
  auto r = Do(Operation::kRead, "sys/monitor", {{"log_level", "loud"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().messages(), std::vector<std::string>{"unknown log level"});
  EXPECT_EQ(Code(Operation::kUpdate, "sys/monitor"), 405);
  EXPECT_EQ(log::SubscriberCount(), 0u);
}

TEST_F(Monitor, StreamCarriesLinesAtItsLevelAndUnsubscribesWhenDropped) {
  auto r = Do(Operation::kRead, "sys/monitor", {{"log_level", "DEBUG"}, {"log_format", "JSON"}});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->stream);
  EXPECT_EQ(r->stream->content_type(), "text/plain; charset=utf-8");
  EXPECT_EQ(log::SubscriberCount(), 1u);
  int wakes = 0;
  r->stream->SetWaker([&] { ++wakes; });
  spdlog::debug("a debug line");  // below the server's level (info), above the stream's
  std::string out;
  EXPECT_TRUE(r->stream->Read(out));
  EXPECT_NE(out.find(R"("@level":"debug","@module":"arca","@message":"a debug line"})"),
            std::string::npos)
      << out;
  EXPECT_EQ(wakes, 1);
  r->stream.reset();
  EXPECT_EQ(log::SubscriberCount(), 0u);
}

TEST_F(Monitor, StreamEndsWhenSealed) {
  auto r = Do(Operation::kRead, "sys/monitor");
  ASSERT_TRUE(r && r->stream);
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/seal"));
  std::string out;
  EXPECT_FALSE(r->stream->Read(out));
  EXPECT_NE(out.find("core received sealed state change, ending monitor session\n"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace arca::core
