#include "common/blocking.h"

#include <gtest/gtest.h>

#include <thread>

namespace arca {
namespace {

struct Counter {
  int enters = 0, leaves = 0;
};

TEST(BlockingScope, CallsTheThreadsHooksOncePerOutermostScope) {
  Counter c;
  BlockingHooks hooks{[](void* p) { ++static_cast<Counter*>(p)->enters; },
                      [](void* p) { ++static_cast<Counter*>(p)->leaves; }, &c};
  { BlockingScope none; }  // no hooks installed: nothing happens
  SetThreadBlockingHooks(&hooks);
  {
    BlockingScope outer;
    EXPECT_EQ(c.enters, 1);
    {
      BlockingScope inner;  // nested: not reported again
      EXPECT_EQ(c.enters, 1);
    }
    EXPECT_EQ(c.leaves, 0);
  }
  EXPECT_EQ(c.leaves, 1);
  // Other threads have their own (no) hooks.
  std::thread([] { BlockingScope other; }).join();
  EXPECT_EQ(c.enters, 1);
  SetThreadBlockingHooks(nullptr);
  { BlockingScope after; }
  EXPECT_EQ(c.enters, 1);
}

}  // namespace
}  // namespace arca
