// Broker: enable/disable validation, persistence of the table and salts, the fail-closed rule
// and its time bound.
#include "audit/broker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "audit/test_listener.h"
#include "audit/test_util.h"

namespace arca::audit {
namespace {

using namespace std::chrono_literals;
using testing::Listener;
using testing::ReadFile;
using testing::TempDir;

DeviceEntry File(std::string path, std::string file, OptionMap extra = {}) {
  DeviceEntry e{.path = std::move(path), .type = "file"};
  e.options = std::move(extra);
  e.options["file_path"] = std::move(file);
  return e;
}

class AuditBrokerTest : public ::testing::Test {
 protected:
  AuditBrokerTest() {
    req_.id = "r1";
    req_.operation = logical::Operation::kUpdate;
    req_.path = "secret/foo";
    req_.client_token = "hvs.TOPSECRET";
    req_.data = json::object{{"password", "hunter2"}};
    in_.request = &req_;
    in_.response = &resp_;
  }
  logical::InmemStorage storage_;
  TempDir dir_;
  logical::Request req_;
  logical::Response resp_;
  LogInput in_;
};

TEST_F(AuditBrokerTest, NoDevicesIsOk) {
  Broker b(storage_);
  EXPECT_FALSE(b.HasDevices());
  EXPECT_TRUE(b.LogRequest(in_));
  EXPECT_TRUE(b.LogResponse(in_));
}

TEST_F(AuditBrokerTest, LogsToFileWithoutSecrets) {
  Broker b(storage_);
  ASSERT_TRUE(b.Enable(File("file", dir_.File("audit.log"))));
  EXPECT_TRUE(b.HasDevices());
  EXPECT_FALSE(b.HasQueuedDevices());  // a regular file is written on the caller's thread
  ASSERT_TRUE(b.LogRequest(in_));
  resp_.data = json::object{{"value", "response-secret"}};
  ASSERT_TRUE(b.LogResponse(in_));
  std::string text = ReadFile(dir_.File("audit.log"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(text.find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(text.find("response-secret"), std::string::npos);
  EXPECT_NE(text.find(*b.Hash("file", "hunter2")), std::string::npos);
  EXPECT_NE(text.find("\"type\":\"response\""), std::string::npos);
}

TEST_F(AuditBrokerTest, EnableValidation) {
  Broker b(storage_);
  struct Bad {
    DeviceEntry entry;
    std::string message_part;
  };
  std::vector<Bad> cases = {
      {DeviceEntry{.path = "x", .type = "carrier-pigeon"}, "unknown audit device type"},
      {DeviceEntry{.path = "", .type = "file", .options = {{"file_path", "discard"}}}, "empty"},
      {DeviceEntry{.path = "x", .type = "file"}, "file_path is required"},
      {File("x", "discard", {{"bogus", "1"}}), "unknown option \"bogus\""},
      {File("x", "discard", {{"log_raw", "maybe"}}), "log_raw"},
      {File("x", "discard", {{"mode", "0999"}}), "mode"},
      {File("x", "discard", {{"format", "jsonx"}}), "format"},
      {File("x", "discard", {{"write_timeout", "soon"}}), "invalid duration"},
      {File("x", "discard", {{"rotate_max_files", "0"}}), "rotate_max_files"},
      {File("x", dir_.File("missing/dir/a.log")), "its directory cannot be resolved"},
      {DeviceEntry{.path = "x", .type = "syslog", .options = {{"facility", "NOPE"}}}, "facility"},
      {DeviceEntry{.path = "x", .type = "socket"}, "address is required"},
      {DeviceEntry{.path = "x",
                   .type = "socket",
                   .options = {{"address", "127.0.0.1:1"}, {"socket_type", "sctp"}}},
       "socket_type"},
      {DeviceEntry{.path = "x",
                   .type = "socket",
                   .options = {{"address", dir_.File("none.sock")}, {"socket_type", "unix"}}},
       "failed to connect"},
  };
  for (auto& c : cases) {
    Status st = b.Enable(c.entry);
    ASSERT_FALSE(st) << c.message_part;
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest) << c.message_part;
    EXPECT_NE(st.error().message().find(c.message_part), std::string::npos) << st.error().message();
  }
  EXPECT_TRUE(b.List().empty());
  EXPECT_FALSE(b.HasDevices());
  EXPECT_TRUE(*storage_.List("") == std::vector<std::string>{});  // nothing persisted
}

TEST_F(AuditBrokerTest, SkipTestAllowsUnreachableSocket) {
  Broker b(storage_);
  ASSERT_TRUE(b.Enable(DeviceEntry{
      .path = "sock",
      .type = "socket",
      .options = {
          {"address", dir_.File("none.sock")}, {"socket_type", "unix"}, {"skip_test", "true"}}}));
  EXPECT_TRUE(b.HasDevices());
  EXPECT_TRUE(b.HasQueuedDevices());  // sockets have a writer thread
  ASSERT_TRUE(b.Disable("sock"));
  EXPECT_FALSE(b.HasQueuedDevices());
}

TEST_F(AuditBrokerTest, PathConflicts) {
  Broker b(storage_);
  ASSERT_TRUE(b.Enable(File("/team/a", "discard")));
  EXPECT_EQ(b.List().at(0).path, "team/a/");
  for (std::string p : {"team/a", "team/a/", "team", "team/a/b"}) {
    Status st = b.Enable(File(p, "discard"));
    ASSERT_FALSE(st) << p;
    EXPECT_NE(st.error().message().find("path already in use"), std::string::npos);
  }
  EXPECT_TRUE(b.Enable(File("team/b", "discard")));
  EXPECT_EQ(b.List().size(), 2u);
}

TEST_F(AuditBrokerTest, OneFailingDeviceAloneFailsTheRequest) {
  Broker b(storage_);
  // A socket nobody listens on: every write fails.
  ASSERT_TRUE(b.Enable(DeviceEntry{.path = "full",
                                   .type = "socket",
                                   .options = {{"socket_type", "unix"},
                                               {"address", dir_.File("nobody-listens.sock")},
                                               {"skip_test", "true"}}}));
  Status st = b.LogRequest(in_);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
  EXPECT_EQ(st.error().message(), "no audit backend succeeded in logging the request");
  Status rs = b.LogResponse(in_);
  ASSERT_FALSE(rs);
  EXPECT_EQ(rs.error().message(), "no audit backend succeeded in logging the response");

  ASSERT_TRUE(b.Enable(File("good", dir_.File("good.log"))));
  EXPECT_TRUE(b.LogRequest(in_));
  EXPECT_NE(ReadFile(dir_.File("good.log")).find("\"type\":\"request\""), std::string::npos);

  ASSERT_TRUE(b.Disable("good"));
  EXPECT_FALSE(b.LogRequest(in_));
}

TEST_F(AuditBrokerTest, HungSocketCostsAtMostItsTimeout) {
  Listener hung(SocketType::kTcp, /*read=*/false);
  Broker b(storage_);
  ASSERT_TRUE(b.Enable(DeviceEntry{
      .path = "sock",
      .type = "socket",
      .options = {{"address", hung.address()}, {"write_timeout", "200ms"}, {"log_raw", "true"}}}));
  ASSERT_TRUE(b.Enable(File("file", dir_.File("ok.log"))));
  req_.data["blob"] = std::string(8 << 20, 'x');
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(b.LogRequest(in_));  // the file device records it
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);

  ASSERT_TRUE(b.Disable("file"));
  start = std::chrono::steady_clock::now();
  EXPECT_FALSE(b.LogRequest(in_));  // only the hung socket is left
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 1500ms);
}

TEST_F(AuditBrokerTest, PersistenceAndSalts) {
  std::string hash;
  {
    Broker b(storage_);
    ASSERT_TRUE(b.Enable(File("file", dir_.File("p.log"), {{"prefix", "P:"}})));
    ASSERT_TRUE(b.SetAuditedHeader("X-Request-Id", true));
    hash = *b.Hash("file/", "input");
    EXPECT_TRUE(hash.starts_with("hmac-sha256:"));
  }
  Broker b(storage_);
  EXPECT_FALSE(b.HasDevices());
  ASSERT_TRUE(b.Load());
  ASSERT_EQ(b.List().size(), 1u);
  EXPECT_EQ(b.List()[0].options.at("prefix"), "P:");
  EXPECT_EQ(*b.Hash("file", "input"), hash);  // salt survived the restart
  EXPECT_EQ(b.AuditedHeaders().at("x-request-id"), true);
  ASSERT_TRUE(b.LogRequest(in_));
  EXPECT_TRUE(ReadFile(dir_.File("p.log")).starts_with("P:{"));

  b.Reset();
  EXPECT_FALSE(b.HasDevices());
  EXPECT_TRUE(b.LogRequest(in_));
  ASSERT_TRUE(b.Load());
  ASSERT_TRUE(b.Disable("file"));
  ASSERT_TRUE(b.Enable(File("file", dir_.File("p.log"))));
  EXPECT_NE(*b.Hash("file", "input"), hash);  // re-enabled: new salt
}

TEST_F(AuditBrokerTest, LoadFailsClosedNamingTheDevice) {
  std::string log = dir_.File("restore.log");
  {
    Broker b(storage_);
    ASSERT_TRUE(b.Enable(File("discard", "discard")));
    ASSERT_TRUE(b.Enable(File("team/file", log)));
  }
  // The file's place is taken by a directory: that device cannot be rebuilt.
  std::filesystem::remove(log);
  std::filesystem::create_directory(log);
  Broker b(storage_);
  Status st = b.Load();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
  EXPECT_NE(st.error().message().find("audit device \"team/file/\" could not be restored"),
            std::string::npos)
      << st.error().message();
  EXPECT_FALSE(b.HasDevices());  // not even the device that could be rebuilt
  EXPECT_TRUE(b.List().empty());
  // Once the path is usable again, both devices come back and log.
  std::filesystem::remove(log);
  ASSERT_TRUE(b.Load());
  EXPECT_EQ(b.List().size(), 2u);
  ASSERT_TRUE(b.LogRequest(in_));
  EXPECT_NE(ReadFile(log).find("\"type\":\"request\""), std::string::npos);
}

TEST_F(AuditBrokerTest, LoadRefusesEntriesThatNoLongerValidateOrCannotBeRead) {
  // A table written by an older version, which accepted an executable mode.
  std::string old_log = dir_.File("old.log");
  json::object entry{{"path", "old/"},
                     {"type", "file"},
                     {"description", ""},
                     {"options", json::object{{"file_path", old_log}, {"mode", "0755"}}},
                     {"local", false}};
  ASSERT_TRUE(logical::PutJson(storage_, "config", json::object{{"entries", json::array{entry}}}));
  Broker b(storage_);
  Status st = b.Load();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("\"old/\""), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find("mode"), std::string::npos) << st.error().message();
  EXPECT_FALSE(b.HasDevices());
  EXPECT_FALSE(std::filesystem::exists(old_log));
  // An entry that is not even an object.
  ASSERT_TRUE(logical::PutJson(storage_, "config",
                               json::object{{"entries", json::array{"garbage"}}}));
  st = b.Load();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("audit table"), std::string::npos) << st.error().message();
  // The check could pass: a valid mode restores.
  entry["options"].as_object()["mode"] = "0600";
  ASSERT_TRUE(logical::PutJson(storage_, "config", json::object{{"entries", json::array{entry}}}));
  ASSERT_TRUE(b.Load());
  EXPECT_TRUE(b.HasDevices());
  EXPECT_TRUE(std::filesystem::exists(old_log));
}

TEST_F(AuditBrokerTest, HashOfUnknownDevice) {
  Broker b(storage_);
  auto h = b.Hash("nope", "x");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().kind(), ErrorKind::kInvalidRequest);
}

TEST_F(AuditBrokerTest, DisableUnknownSucceedsAndChangesNothing) {
  Broker b(storage_);
  ASSERT_TRUE(b.Enable(File("file", "discard")));
  EXPECT_TRUE(b.Disable("other"));
  EXPECT_EQ(b.List().size(), 1u);
}

TEST_F(AuditBrokerTest, AuditedHeadersAppearInEntries) {
  Broker b(storage_);
  ASSERT_TRUE(b.Enable(File("file", dir_.File("h.log"))));
  ASSERT_TRUE(b.SetAuditedHeader("X-Plain", false));
  ASSERT_TRUE(b.SetAuditedHeader("X-Secret", true));
  req_.headers["x-plain"] = {"plainvalue"};
  req_.headers["x-secret"] = {"hiddenvalue"};
  req_.headers["x-other"] = {"othervalue"};
  ASSERT_TRUE(b.LogRequest(in_));
  std::string text = ReadFile(dir_.File("h.log"));
  EXPECT_NE(text.find("plainvalue"), std::string::npos);
  EXPECT_EQ(text.find("hiddenvalue"), std::string::npos);
  EXPECT_EQ(text.find("othervalue"), std::string::npos);
  ASSERT_TRUE(b.DeleteAuditedHeader("x-plain"));
  EXPECT_FALSE(b.AuditedHeaders().contains("x-plain"));
  EXPECT_FALSE(b.SetAuditedHeader("", true));
}

TEST_F(AuditBrokerTest, ReopenAfterExternalRotation) {
  Broker b(storage_);
  std::string p = dir_.File("ro.log");
  ASSERT_TRUE(b.Enable(File("file", p)));
  ASSERT_TRUE(b.LogRequest(in_));
  std::filesystem::rename(p, p + ".1");
  ASSERT_TRUE(b.Reopen());
  ASSERT_TRUE(b.LogRequest(in_));
  std::string text = ReadFile(p);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST_F(AuditBrokerTest, ConcurrentLoggingWritesWholeLines) {
  Broker b(storage_);
  std::string p = dir_.File("c.log");
  ASSERT_TRUE(b.Enable(File("file", p)));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!b.LogRequest(in_) || !b.LogResponse(in_)) ++failures;
      }
    });
  }
  // Admin calls race with logging.
  ASSERT_TRUE(b.Enable(File("other", "discard")));
  ASSERT_TRUE(b.Disable("other"));
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::istringstream lines(ReadFile(p));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    ASSERT_TRUE(ParseJsonObject(line)) << line;
  }
  EXPECT_EQ(n, 800);
}

TEST_F(AuditBrokerTest, SyslogDeviceThroughHook) {
  std::vector<std::string> messages;
  std::mutex mu;
  Broker::Options o;
  o.hooks.syslog_write = [&](int, std::string_view, std::string_view m) {
    std::lock_guard lock(mu);
    messages.emplace_back(m);
  };
  Broker b(storage_, o);
  ASSERT_TRUE(b.Enable(DeviceEntry{.path = "syslog", .type = "syslog"}));
  ASSERT_TRUE(b.LogRequest(in_));
  std::lock_guard lock(mu);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].find("TOPSECRET"), std::string::npos);
}

}  // namespace
}  // namespace arca::audit
