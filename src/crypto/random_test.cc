#include "crypto/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

namespace arca::crypto {
namespace {

TEST(RandomTest, RandomBytesFillsTheSpan) {
  std::vector<uint8_t> buf(64, 0);
  ASSERT_TRUE(RandomBytes(buf).has_value());
  // 64 zero bytes from a working CSPRNG has probability 2^-512.
  EXPECT_TRUE(std::any_of(buf.begin(), buf.end(), [](uint8_t b) { return b != 0; }));
}

TEST(RandomTest, EmptySpanSucceeds) { EXPECT_TRUE(RandomBytes({}).has_value()); }

TEST(RandomTest, SizesAreExact) {
  for (size_t n : {0, 1, 12, 16, 32, 1000}) {
    EXPECT_EQ(RandomKey(n).size(), n);
    EXPECT_EQ(RandomBytesString(n).size(), n);
  }
}

TEST(RandomTest, OutputsDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(seen.insert(RandomBytesString(16)).second);
    EXPECT_TRUE(seen.insert(std::string(RandomKey(16).view())).second);
  }
}

TEST(RandomTest, BytesAreRoughlyUniform) {
  // Every byte value appears in 64 KiB of output (expected 256 times each; a missing value has
  // probability about 256 * e^-256).
  const std::string bytes = RandomBytesString(65536);
  std::vector<int> counts(256, 0);
  for (unsigned char c : bytes) ++counts[c];
  EXPECT_TRUE(std::all_of(counts.begin(), counts.end(), [](int n) { return n > 100; }));
}

TEST(RandomTest, SmallBufferedDrawsAreUniqueAndUniform) {
  // 12-byte draws (nonces) come from the per-thread buffer: across many refills no draw repeats
  // and every byte value shows up.
  std::set<std::string> seen;
  std::vector<int> counts(256, 0);
  for (int i = 0; i < 20000; ++i) {
    std::string n = RandomBytesString(12);
    ASSERT_TRUE(seen.insert(n).second) << "repeat at draw " << i;
    for (unsigned char c : n) ++counts[c];
  }
  // 240,000 bytes: about 937 of each value expected.
  EXPECT_TRUE(std::all_of(counts.begin(), counts.end(), [](int n) { return n > 600; }));
}

TEST(RandomTest, ForkedChildDoesNotReplayTheParentsBuffer) {
  (void)RandomBytesString(12);  // the buffer holds unused bytes now
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string n = RandomBytesString(12);
    ssize_t w = ::write(fds[1], n.data(), n.size());
    ::_exit(w == 12 ? 0 : 1);
  }
  ::close(fds[1]);
  std::string parent = RandomBytesString(12);
  char child[12];
  ssize_t got = 0;
  while (got < 12) {
    ssize_t r = ::read(fds[0], child + got, sizeof(child) - got);
    if (r <= 0) break;
    got += r;
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_EQ(got, 12);
  EXPECT_NE(parent, std::string(child, 12));
}

}  // namespace
}  // namespace arca::crypto
