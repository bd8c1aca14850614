// Election primitives against real etcd: one holder at a time, takeover after resign and after
// the holder's lease is gone, fenced writes of a deposed holder refused, the local deadline.
#include "storage/etcd/etcd_election.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <future>

#include "services/etcd.h"
#include "storage/etcd/transport_testing.h"

namespace arca::storage::etcd {
namespace {

ARCA_ETCD_TRANSPORT_SUITE(EtcdElectionTest);
ARCA_ETCD_TRANSPORT_SUITE(EtcdSessionTest);

using arca::testing::EtcdCluster;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<EtcdClient> ClientFor(const std::string& url) {
  EtcdClientOptions o;
  o.endpoints = {url};
  o.request_timeout = seconds(2);
  auto c = NewEtcdClient(TestTransport(), o);
  EXPECT_TRUE(c) << c.error().ToString();
  return c ? std::move(*c) : nullptr;
}

std::string Prefix() {
  static std::atomic<int> n = 0;
  return "/election/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/core/lock/";
}

// A write that lands only while `l` is current.
Result<bool> FencedPut(EtcdClient& c, const Leadership& l, const std::string& key,
                       const std::string& value) {
  TxnRequest txn;
  txn.compare = {EtcdElection::Fence(l)};
  txn.success = {TxnOp{.kind = TxnOp::Kind::kPut, .key = key, .value = value}};
  ARCA_ASSIGN_OR_RETURN(TxnResponse r, c.Txn(txn));
  return r.succeeded;
}

template <typename T>
bool Ready(std::future<T>& f, milliseconds within) {
  return f.wait_for(within) == std::future_status::ready;
}

TEST_P(EtcdElectionTest, OneHolderThenTakeoverAfterResignAndAfterLeaseLoss) {
  EtcdCluster& etcd = arca::testing::SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto ca = ClientFor(etcd.ClientUrl(0));
  auto cb = ClientFor(etcd.ClientUrl(0));
  auto cc = ClientFor(etcd.ClientUrl(0));
  ASSERT_TRUE(ca && cb && cc);
  const std::string prefix = Prefix();
  const std::string data_key = prefix.substr(0, prefix.size() - 10) + "data";  // beside core/lock/
  EtcdElection ea(*ca, prefix), eb(*cb, prefix), ec(*cc, prefix);
  auto sa = EtcdSession::Start(*ca, seconds(5));  // margin for a loaded machine
  auto sb = EtcdSession::Start(*cb, seconds(3));
  auto sc = EtcdSession::Start(*cc, seconds(3));
  ASSERT_TRUE(sa && sb && sc);
  std::atomic<bool> stop = false;

  auto la = ea.Campaign(**sa, "node-a", stop);
  ASSERT_TRUE(la) << la.error().ToString();
  ASSERT_TRUE(la->has_value());
  auto leader = eb.Leader();
  ASSERT_TRUE(leader);
  EXPECT_EQ(*leader, "node-a");

  auto fb = std::async(std::launch::async, [&] { return eb.Campaign(**sb, "node-b", stop); });
  // B waits while A holds: A's keepalives keep the lock through many of B's polls.
  EXPECT_FALSE(Ready(fb, milliseconds(2500)));
  auto wa = FencedPut(*ca, **la, data_key, "from-a");
  ASSERT_TRUE(wa);
  EXPECT_TRUE(*wa);

  // A resigns: B takes over; A's fenced writes are refused from then on.
  ASSERT_TRUE(ea.Resign(**la));
  ASSERT_TRUE(Ready(fb, seconds(5)));
  auto lb = fb.get();
  ASSERT_TRUE(lb) << lb.error().ToString();
  ASSERT_TRUE(lb->has_value());
  EXPECT_GT((*lb)->revision, (*la)->revision);
  auto stale = FencedPut(*ca, **la, data_key, "from-deposed-a");
  ASSERT_TRUE(stale);
  EXPECT_FALSE(*stale);
  auto wb = FencedPut(*cb, **lb, data_key, "from-b");
  ASSERT_TRUE(wb);
  EXPECT_TRUE(*wb);
  auto data = ca->Range(RangeRequest{.key = data_key});
  ASSERT_TRUE(data);
  ASSERT_EQ(data->kvs.size(), 1u);
  EXPECT_EQ(data->kvs[0].value, "from-b");

  // B's lease is revoked (as etcd expires the lease of a crashed node): C takes over.
  auto fc = std::async(std::launch::async, [&] { return ec.Campaign(**sc, "node-c", stop); });
  ASSERT_TRUE(cb->LeaseRevoke((*sb)->lease()));
  ASSERT_TRUE(Ready(fc, seconds(5)));
  auto lc = fc.get();
  ASSERT_TRUE(lc) << lc.error().ToString();
  ASSERT_TRUE(lc->has_value());
  EXPECT_TRUE((*sb)->WaitLost(seconds(3)));  // B's keepalive learns that its lease is gone
  auto stale_b = FencedPut(*cb, **lb, data_key, "from-deposed-b");
  ASSERT_TRUE(stale_b);
  EXPECT_FALSE(*stale_b);
  leader = ea.Leader();
  ASSERT_TRUE(leader);
  EXPECT_EQ(*leader, "node-c");
}

TEST_P(EtcdElectionTest, StopEndsACampaignAndRemovesTheKey) {
  EtcdCluster& etcd = arca::testing::SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto ca = ClientFor(etcd.ClientUrl(0));
  auto cb = ClientFor(etcd.ClientUrl(0));
  const std::string prefix = Prefix();
  EtcdElection ea(*ca, prefix), eb(*cb, prefix);
  auto sa = EtcdSession::Start(*ca, seconds(5));
  auto sb = EtcdSession::Start(*cb, seconds(5));
  ASSERT_TRUE(sa && sb);
  std::atomic<bool> stop_a = false, stop_b = false;
  auto la = ea.Campaign(**sa, "a", stop_a);
  ASSERT_TRUE(la && la->has_value());
  auto fb = std::async(std::launch::async, [&] { return eb.Campaign(**sb, "b", stop_b); });
  stop_b = true;
  ASSERT_TRUE(Ready(fb, seconds(3)));
  auto lb = fb.get();
  ASSERT_TRUE(lb) << lb.error().ToString();
  EXPECT_FALSE(lb->has_value());
  auto keys = ca->Range(RangeRequest{.key = prefix, .range_end = PrefixEnd(prefix)});
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->kvs.size(), 1u);  // only A's key remains
  EXPECT_EQ(keys->kvs[0].value, "a");
  EXPECT_FALSE(EtcdSession::Start(*ca, seconds(1)));  // too short a TTL
}

TEST_P(EtcdSessionTest, LocalDeadlineStepsDownBeforeTheLeaseCanExpire) {
  EtcdCluster etcd;
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  auto c = ClientFor(etcd.ClientUrl(0));
  ASSERT_TRUE(c);
  auto s = EtcdSession::Start(*c, seconds(3));
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_FALSE((*s)->WaitLost(milliseconds(1500)));  // keepalives succeed (every 1 s)
  const auto killed = std::chrono::steady_clock::now();
  etcd.Kill(0);
  // No keepalive can succeed: lost() within TTL - TTL/3 = 2 s of the last success, i.e.
  // before etcd (had it survived) could have expired the lease 3 s after it.
  ASSERT_TRUE((*s)->WaitLost(seconds(4)));
  EXPECT_LT(std::chrono::steady_clock::now() - killed, seconds(3));
}

}  // namespace
}  // namespace arca::storage::etcd
