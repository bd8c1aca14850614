// Crash test: a child process writes through the LMDB backend from several threads and reports
// each acknowledged write on a pipe; the parent SIGKILLs it at a random moment, reopens the
// directory and checks that every acknowledged write is there with its exact value, and that
// no key holds anything but its intended value (no torn writes).
//
// A SIGKILL tests acknowledgement order, atomicity and recovery of the reader table and write
// lock; it cannot test power loss (the page cache survives a killed process).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <thread>

#include "storage/lmdb/lmdb_backend.h"
#include "storage/test_util.h"

namespace arca::storage {
namespace {

constexpr int kWriters = 4;
constexpr uint32_t kMaxIndex = 1'000'000;

std::string Key(int round, uint32_t i) {
  return "r" + std::to_string(round) + "/k" + std::to_string(i);
}

// Distinctive, with sizes from a few bytes to several pages (LMDB overflow pages).
std::string Value(int round, uint32_t i) {
  std::string v = "value-" + std::to_string(round) + "-" + std::to_string(i) + "-";
  v.append((i * 7919) % 9000, static_cast<char>('a' + i % 26));
  return v;
}

// The child: plain code only (no gtest), ends with _exit.
[[noreturn]] void RunChild(const std::string& dir, int round, int ack_fd) {
  auto backend = LmdbBackend::Open({.path = dir});
  if (!backend) _exit(2);
  LmdbBackend& b = **backend;
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (uint32_t i = t; i < kMaxIndex; i += kWriters) {
        if (!b.Put(Key(round, i), Value(round, i))) _exit(3);
        if (::write(ack_fd, &i, sizeof i) != sizeof i) _exit(4);
      }
    });
  }
  threads.emplace_back([&] {  // a reader, so that read transactions are live at the kill
    for (uint32_t n = 0;; ++n) (void)b.Get(Key(round, n % 1000));
  });
  for (auto& th : threads) th.join();
  _exit(0);
}

TEST(LmdbCrashTest, AcknowledgedWritesSurviveSigkill) {
  testing::ScopedTempDir tmp;
  const std::string dir = tmp.path() + "/db";
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<std::set<uint32_t>> acked_by_round;

  for (int round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(dir, round, fds[1]);
    }
    ::close(fds[1]);
    std::set<uint32_t> acked;
    uint32_t index = 0;
    // Wait for the first acknowledgement, then let the child run for 50-300 ms.
    ASSERT_EQ(::read(fds[0], &index, sizeof index), ssize_t{sizeof index}) << "child died early";
    acked.insert(index);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 251));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "status " << wstatus;
    ssize_t n;
    while ((n = ::read(fds[0], &index, sizeof index)) == sizeof index) acked.insert(index);
    ::close(fds[0]);
    acked_by_round.push_back(std::move(acked));

    // Reopen: every acknowledged write of every round so far is present and exact.
    auto reopened = LmdbBackend::Open({.path = dir});
    ASSERT_TRUE(reopened) << reopened.error().ToString();
    LmdbBackend& b = **reopened;
    for (int r = 0; r <= round; ++r) {
      for (uint32_t i : acked_by_round[r]) {
        auto got = b.Get(Key(r, i));
        ASSERT_TRUE(got) << got.error().ToString();
        ASSERT_EQ(*got, Value(r, i)) << Key(r, i);
      }
    }
    // Everything present (acknowledged or not) holds exactly its own value.
    auto keys = b.List("r" + std::to_string(round) + "/");
    ASSERT_TRUE(keys);
    EXPECT_GE(keys->size(), acked_by_round[round].size());
    for (const std::string& name : *keys) {
      uint32_t i = std::stoul(name.substr(1));
      EXPECT_EQ(*b.Get(Key(round, i)), Value(round, i));
    }
    // The store is writable after the crash (write lock and reader table recovered).
    ASSERT_TRUE(b.Put("after-crash", std::to_string(round)));
    std::printf("round %d: %zu acknowledged, %zu present\n", round, acked_by_round[round].size(),
                keys->size());
  }  // the reopened backend closes before the next fork
}

}  // namespace
}  // namespace arca::storage
