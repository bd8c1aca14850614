// Device (queue, writer thread, timeouts), FileSink (rotation, reopen, mode) and SyslogSink.
#include "audit/device.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <syslog.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit/file_sink.h"
#include "audit/syslog_sink.h"
#include "audit/test_util.h"

namespace arca::audit {
namespace {

using namespace std::chrono_literals;
using testing::ReadFile;
using testing::TempDir;

// A sink that blocks each write until released.
class BlockingSink : public Sink {
 public:
  Status Write(std::string_view line) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    ++written_;
    return OkStatus();
  }
  Status Reopen() override { return OkStatus(); }
  void Close() override {}
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Waits (up to 10 s) until a write has begun; false on timeout.
  bool WaitEntered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return entered_.load() > 0; });
  }
  std::atomic<int> written_{0};
  std::atomic<int> entered_{0};  // writes begun (blocked until Release)

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

// Logs `line` through `d` (write_timeout 150ms) and expects the timeout error after about that.
void ExpectTimeout(Device& d, std::string line) {
  auto start = std::chrono::steady_clock::now();
  Status st = d.Log(std::move(line));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("timed out"), std::string::npos);
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 1s);
}

TEST(AuditDevice, WritesAndAcknowledges) {
  TempDir dir;
  auto sink = std::make_unique<FileSink>(FileSinkOptions{.path = dir.File("a.log")});
  ASSERT_TRUE(sink->Open());
  Device d(std::move(sink), 2s);
  ASSERT_TRUE(d.Log("one\n"));
  ASSERT_TRUE(d.Log("two\n"));
  EXPECT_EQ(ReadFile(dir.File("a.log")), "one\ntwo\n");
}

TEST(AuditDevice, HungSinkTimesOutAndLateWriteHappens) {
  auto owned = std::make_unique<BlockingSink>();
  BlockingSink* sink = owned.get();
  Device d(std::move(owned), 150ms);
  ExpectTimeout(d, "x\n");
  sink->Release();
  // The queued line is still written once the sink recovers.
  ASSERT_TRUE(d.Log("y\n"));
  EXPECT_EQ(sink->written_.load(), 2);
}

TEST(AuditDevice, FullQueueFailsAtOnce) {
  auto owned = std::make_unique<BlockingSink>();
  BlockingSink* sink = owned.get();
  Device d(std::move(owned), 5s);
  std::vector<Device::Ticket> tickets;
  tickets.push_back(d.Submit("x\n"));
  // Once the writer is stuck on the first line, kMaxQueue more fill the queue exactly.
  EXPECT_TRUE(sink->WaitEntered());  // (no ASSERT: the sink must still be released)
  for (size_t i = 0; i < Device::kMaxQueue; ++i) tickets.push_back(d.Submit("x\n"));
  for (const auto& t : tickets) ASSERT_TRUE(t.ack.valid());
  auto start = std::chrono::steady_clock::now();
  Status st = d.Log("overflow\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("queue full"), std::string::npos);
  sink->Release();
  EXPECT_TRUE(d.Wait(tickets.front()));
}

TEST(AuditDevice, ClosedDeviceRefuses) {
  Device d(std::make_unique<FileSink>(FileSinkOptions{.path = "discard"}), 1s);
  ASSERT_TRUE(d.Log("x\n"));
  d.Close();
  EXPECT_FALSE(d.Log("y\n"));
}

// As BlockingSink, but declaring itself inline: the Device writes on the caller's thread.
class InlineBlockingSink : public BlockingSink {
 public:
  bool WritesInline() const override { return true; }
};

TEST(AuditDevice, FileDeviceWritesOnTheCallersThread) {
  TempDir dir;
  auto sink = std::make_unique<FileSink>(FileSinkOptions{.path = dir.File("i.log")});
  ASSERT_TRUE(sink->WritesInline());
  Device d(std::move(sink), 2s);
  Device::Ticket t = d.Submit("one\n");
  // Nothing is left to wait for: the line is in the file when Submit returns.
  EXPECT_FALSE(t.ack.valid());
  EXPECT_EQ(ReadFile(dir.File("i.log")), "one\n");
  EXPECT_TRUE(d.Wait(t));
  ASSERT_TRUE(d.Reopen());
  ASSERT_TRUE(d.Log("two\n"));
  EXPECT_EQ(ReadFile(dir.File("i.log")), "one\ntwo\n");
  d.Close();
  Status st = d.Log("three\n");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("closed"), std::string::npos);
  EXPECT_EQ(ReadFile(dir.File("i.log")), "one\ntwo\n");
}

TEST(AuditDevice, InlineWriterStuckCostsOthersAtMostTheTimeout) {
  auto owned = std::make_unique<InlineBlockingSink>();
  InlineBlockingSink* sink = owned.get();
  Device d(std::move(owned), 150ms);
  std::thread stuck([&] { EXPECT_TRUE(d.Log("a\n")); });  // blocks inside Write
  EXPECT_TRUE(sink->WaitEntered());  // (no ASSERT: the sink must still be released)
  ExpectTimeout(d, "b\n");
  sink->Release();
  stuck.join();
  // The timed-out line was dropped, not queued: only "a" reached the sink.
  EXPECT_EQ(sink->written_.load(), 1);
  ASSERT_TRUE(d.Log("c\n"));
  EXPECT_EQ(sink->written_.load(), 2);
}

TEST(AuditFileSink, OnlyRegularFilesAreWrittenInline) {
  TempDir dir;
  EXPECT_TRUE(FileSink({.path = dir.File("new.log")}).WritesInline());  // created as a file
  EXPECT_TRUE(FileSink({.path = "discard"}).WritesInline());
  EXPECT_FALSE(FileSink({.path = "stdout"}).WritesInline());
  std::string fifo = dir.File("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(FileSink({.path = fifo}).WritesInline());  // its reader may stall
}

TEST(AuditFileSink, ModeIsApplied) {
  TempDir dir;
  FileSink s({.path = dir.File("m.log"), .mode = 0640});
  ASSERT_TRUE(s.Open());
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("m.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(AuditFileSink, OpenFailsInMissingDirectory) {
  TempDir dir;
  FileSink s({.path = dir.File("no/such/dir/a.log")});
  Status st = s.Open();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_FALSE(s.Write("x\n"));
}

TEST(AuditFileSink, FullDiskIsAnError) {
  FileSink s({.path = "/dev/full", .mode = 0});
  ASSERT_TRUE(s.Open());
  Status st = s.Write("x\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
}

TEST(AuditFileSink, DiscardWritesNothing) {
  FileSink s({.path = "discard"});
  EXPECT_TRUE(s.Open());
  EXPECT_TRUE(s.Write("x\n"));
}

TEST(AuditFileSink, RotatesBySizeKeepingMaxFiles) {
  TempDir dir;
  std::string p = dir.File("r.log");
  FileSink s({.path = p, .rotate_bytes = 10, .rotate_max_files = 2});
  for (std::string line : {"aaaaaa\n", "bbbbbb\n", "cccccc\n", "dddddd\n"}) {
    ASSERT_TRUE(s.Write(line));
  }
  EXPECT_EQ(ReadFile(p), "dddddd\n");
  EXPECT_EQ(ReadFile(p + ".1"), "cccccc\n");
  EXPECT_EQ(ReadFile(p + ".2"), "bbbbbb\n");
  EXPECT_FALSE(std::filesystem::exists(p + ".3"));  // "aaaaaa" was dropped
}

TEST(AuditFileSink, RotatesByAge) {
  TempDir dir;
  std::string p = dir.File("age.log");
  auto now = std::chrono::system_clock::now();
  FileSink s({.path = p, .rotate_interval = 60s, .now = [&now] { return now; }});
  ASSERT_TRUE(s.Write("first\n"));
  now += 30s;
  ASSERT_TRUE(s.Write("second\n"));
  now += 31s;
  ASSERT_TRUE(s.Write("third\n"));
  EXPECT_EQ(ReadFile(p + ".1"), "first\nsecond\n");
  EXPECT_EQ(ReadFile(p), "third\n");
}

TEST(AuditFileSink, ReopenFollowsExternalRotation) {
  TempDir dir;
  std::string p = dir.File("h.log");
  Device d(std::make_unique<FileSink>(FileSinkOptions{.path = p}), 2s);
  ASSERT_TRUE(d.Log("before\n"));
  std::filesystem::rename(p, p + ".old");
  ASSERT_TRUE(d.Log("still-old\n"));  // the open descriptor follows the renamed file
  ASSERT_TRUE(d.Reopen());
  ASSERT_TRUE(d.Log("after\n"));
  EXPECT_EQ(ReadFile(p + ".old"), "before\nstill-old\n");
  EXPECT_EQ(ReadFile(p), "after\n");
}

TEST(AuditSyslogSink, FacilityNames) {
  EXPECT_EQ(*ParseSyslogFacility("AUTH"), LOG_AUTH);
  EXPECT_EQ(*ParseSyslogFacility("local7"), LOG_LOCAL7);
  auto bad = ParseSyslogFacility("NOPE");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidRequest);
}

TEST(AuditSyslogSink, WritesThroughHookWithoutNewline) {
  int priority = -1;
  std::string tag, message;
  SyslogSink s({.facility = LOG_LOCAL3,
                .tag = "mytag",
                .write = [&](int p, std::string_view t, std::string_view m) {
                  priority = p;
                  tag = t;
                  message = m;
                }});
  ASSERT_TRUE(s.Write("{\"type\":\"request\"}\n"));
  EXPECT_EQ(priority, LOG_LOCAL3 | LOG_INFO);
  EXPECT_EQ(tag, "mytag");
  EXPECT_EQ(message, "{\"type\":\"request\"}");
}

TEST(AuditSyslogSink, RealSyslogOpensAndCloses) {
  // syslog(3) never reports failure; this checks that the real path runs and closes cleanly.
  Device d(
      std::make_unique<SyslogSink>(SyslogSinkOptions{.facility = LOG_USER, .tag = "arca-test"}),
      2s);
  EXPECT_TRUE(d.Log("arca audit test line\n"));
  d.Close();
}

}  // namespace
}  // namespace arca::audit
