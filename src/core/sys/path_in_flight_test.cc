// sys/in-flight-req lists the requests being handled, the asking one included, and forgets
// them when they end; the table itself under nesting and many threads.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/in_flight.h"
#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

class InFlight : public sys_test::SysTest {};

TEST_F(InFlight, ListsTheAskingRequestAndForgetsFinishedOnes) {
  logical::Request req;
  req.id = "req-1";
  req.operation = Operation::kRead;
  req.path = "sys/in-flight-req";
  req.remote_addr = "10.1.2.3";
  req.client_token = root_;
  auto r = t_.core->HandleRequest(req);
  ASSERT_TRUE(r) << r.error().ToString();
  const json::object d = ParseRaw(*r).empty() ? r->data : ParseRaw(*r);
  ASSERT_EQ(d.size(), 1u) << json::serialize(d);
  const auto& me = d.at("req-1").as_object();
  EXPECT_EQ(me.at("request_path").as_string(), "/v1/sys/in-flight-req");
  EXPECT_EQ(me.at("request_method").as_string(), "GET");
  EXPECT_EQ(me.at("client_remote_address").as_string(), "10.1.2.3");
  EXPECT_TRUE(me.at("start_time").as_string().ends_with("Z"));
  EXPECT_TRUE(t_.core->in_flight().Snapshot().empty());
  std::string plain = TokenWith("none", "path \"secret/*\" { capabilities = [\"read\"] }");
  EXPECT_EQ(Code(Operation::kRead, "sys/in-flight-req", {}, plain), 403);
}

TEST(InFlightTable, NestedAndConcurrentScopes) {
  InFlightRequests t;
  logical::Request a, b;
  a.id = "a";
  a.path = "x";
  b.id = "b";
  b.path = "y";
  {
    auto sa = t.Track(a);
    {
      auto sb = t.Track(b);
      EXPECT_EQ(t.Snapshot().size(), 2u);
    }
    auto snap = t.Snapshot();
    ASSERT_EQ(snap.size(), 1u);
    EXPECT_EQ(snap[0].id, "a");
  }
  EXPECT_TRUE(t.Snapshot().empty());

  // Threads each hold a request until told to finish; a reader sees all of them.
  constexpr int kThreads = 4;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool finish = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      logical::Request r;
      r.id = "t" + std::to_string(i);
      auto s = t.Track(r);
      std::unique_lock lock(mu);
      ++started;
      cv.notify_all();
      cv.wait(lock, [&] { return finish; });
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started == kThreads; });
  }
  EXPECT_EQ(t.Snapshot().size(), static_cast<size_t>(kThreads));
  {
    std::lock_guard lock(mu);
    finish = true;
  }
  cv.notify_all();
  for (auto& th : threads) th.join();
  EXPECT_TRUE(t.Snapshot().empty());
}

}  // namespace
}  // namespace arca::core
