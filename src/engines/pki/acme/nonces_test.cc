#include "engines/pki/acme/nonces.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace arca::pki::acme {
namespace {

TEST(NonceStore, SingleUseAndUnique) {
  NonceStore store;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string n = store.Issue();
    EXPECT_GE(n.size(), 22u);
    EXPECT_TRUE(seen.insert(n).second);
  }
  std::string n = *seen.begin();
  EXPECT_TRUE(store.Consume(n));
  EXPECT_FALSE(store.Consume(n));
  EXPECT_FALSE(store.Consume("never-issued"));
  EXPECT_EQ(store.size(), 99u);
}

TEST(NonceStore, ExpiredNoncesAreRefused) {
  NonceStore store(std::chrono::seconds(0));
  std::string n = store.Issue();
  EXPECT_FALSE(store.Consume(n));
}

TEST(NonceStore, CapacityIsBounded) {
  NonceStore store(std::chrono::minutes(5), 64);
  for (int i = 0; i < 1000; ++i) store.Issue();
  EXPECT_LE(store.size(), 64u);
  std::string fresh = store.Issue();
  EXPECT_TRUE(store.Consume(fresh));  // the newest survive pruning
}

}  // namespace
}  // namespace arca::pki::acme
