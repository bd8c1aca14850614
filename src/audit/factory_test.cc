// BuildDevice: what the file device refuses (executable / setuid modes, control characters in
// the prefix, paths in the server's own directories or on non-regular files) and the test it
// runs in each build mode.
#include "audit/factory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "audit/test_util.h"

namespace arca::audit {
namespace {

using testing::TempDir;

OptionMap FileAt(const std::string& path, OptionMap extra = {}) {
  extra["file_path"] = path;
  return extra;
}

// The error message of a refused build; "" when it was accepted.
std::string Refusal(std::string_view type, const OptionMap& o, const FilePolicy& policy = {},
                    BuildMode mode = BuildMode::kEnable) {
  auto b = BuildDevice(type, o, mode, {}, policy);
  if (b) return "";
  EXPECT_EQ(b.error().kind(), ErrorKind::kInvalidRequest) << b.error().message();
  return b.error().message();
}

TEST(AuditFactory, ModesWithExecuteSetuidSetgidOrStickyBitsAreRefused) {
  TempDir dir;
  // The check could pass: an ordinary mode creates the file with exactly that mode.
  ASSERT_EQ(Refusal("file", FileAt(dir.File("ok.log"), {{"mode", "0640"}})), "");
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("ok.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  for (std::string mode : {"0755", "0700", "0610", "0601", "0777", "4600", "2600", "1600", "6644",
                           "7777", "100", "1"}) {
    std::string file = dir.File("m" + mode + ".log");
    std::string msg = Refusal("file", FileAt(file, {{"mode", mode}}));
    EXPECT_NE(msg.find("may not be executable, setuid, setgid or sticky"), std::string::npos)
        << mode << ": " << msg;
    EXPECT_FALSE(std::filesystem::exists(file)) << mode;  // nothing was created
  }
  for (std::string mode : {"0600", "0644", "0666", "0000", "0400"}) {
    EXPECT_EQ(Refusal("file", FileAt(dir.File("ok" + mode + ".log"), {{"mode", mode}})), "")
        << mode;
  }
}

TEST(AuditFactory, PrefixWithControlCharactersIsRefusedForEveryType) {
  TempDir dir;
  ASSERT_EQ(Refusal("file", FileAt(dir.File("p.log"), {{"prefix", "arca: [audit] "}})), "");
  for (std::string prefix : {std::string("a\nb"), std::string("\r"), std::string("x\x1b[31m"),
                             std::string("t\tab"), std::string("d\x7f"), std::string("n\0l", 3)}) {
    std::string file = dir.File("c.log");
    std::string msg = Refusal("file", FileAt(file, {{"prefix", prefix}}));
    EXPECT_NE(msg.find("\"prefix\": control characters"), std::string::npos) << msg;
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_NE(Refusal("syslog", {{"prefix", prefix}}), "");
    EXPECT_NE(
        Refusal("socket", {{"address", "127.0.0.1:1"}, {"skip_test", "true"}, {"prefix", prefix}}),
        "");
  }
}

TEST(AuditFactory, PathsInForbiddenDirectoriesAreRefusedThroughSymlinksToo) {
  TempDir dir;
  std::string storage = dir.File("storage");
  std::filesystem::create_directories(storage + "/sub");
  std::filesystem::create_directories(dir.File("logs"));
  FilePolicy policy{.forbidden_dirs = {storage, dir.File("plugins-not-created-yet")}};
  // Outside the forbidden directories: accepted, even under a similar name.
  ASSERT_EQ(Refusal("file", FileAt(dir.File("logs/a.log")), policy), "");
  ASSERT_EQ(Refusal("file", FileAt(dir.File("storage2.log")), policy), "");
  // Without the policy the same paths inside are accepted: the refusal below is the policy's.
  ASSERT_EQ(Refusal("file", FileAt(storage + "/free.log")), "");
  std::filesystem::remove(storage + "/free.log");

  std::filesystem::create_directory_symlink(storage, dir.File("link-to-storage"));
  std::filesystem::create_directory_symlink(storage + "/sub", dir.File("logs/sub-link"));
  { std::ofstream(storage + "/existing.log") << ""; }
  std::filesystem::create_symlink(storage + "/existing.log", dir.File("logs/file-link.log"));
  for (std::string path :
       {storage + "/a.log", storage + "/sub/a.log", storage + "/../storage/b.log",
        dir.File("link-to-storage/c.log"), dir.File("logs/sub-link/d.log"),
        dir.File("logs/file-link.log"), storage + "/existing.log"}) {
    std::string msg = Refusal("file", FileAt(path), policy);
    EXPECT_NE(msg.find("audit files may not be written there"), std::string::npos)
        << path << ": " << msg;
    EXPECT_EQ(Refusal("file", FileAt(path, {{"skip_test", "true"}}), policy), msg) << path;
  }
  EXPECT_FALSE(std::filesystem::exists(storage + "/a.log"));
  EXPECT_FALSE(std::filesystem::exists(storage + "/sub/d.log"));
  // A forbidden directory that does not exist is compared as written.
  std::filesystem::create_directories(dir.File("plugins-not-created-yet"));
  EXPECT_NE(Refusal("file", FileAt(dir.File("plugins-not-created-yet/p.log")), policy), "");
}

TEST(AuditFactory, APathSwappedIntoAForbiddenDirectoryIsRefusedAtReopen) {
  TempDir dir;
  std::string storage = dir.File("storage");
  std::filesystem::create_directories(storage);
  std::filesystem::create_directories(dir.File("logs"));
  FilePolicy policy{.forbidden_dirs = {storage}};
  const std::string log = dir.File("logs/audit.log");
  auto built = BuildDevice("file", FileAt(log), BuildMode::kEnable, {}, policy);
  ASSERT_TRUE(built) << built.error().message();
  Sink& sink = *built->sink;
  ASSERT_TRUE(sink.Write("first\n"));
  // A reopen of the same, legitimate file works (the check can pass).
  ASSERT_TRUE(sink.Reopen());
  ASSERT_TRUE(sink.Write("second\n"));
  // The log is replaced by a symlink into the storage directory; SIGHUP reopens.
  { std::ofstream(storage + "/data.mdb") << "DB"; }
  ::chmod((storage + "/data.mdb").c_str(), 0644);
  std::filesystem::rename(log, dir.File("logs/audit.log.old"));
  std::filesystem::create_symlink(storage + "/data.mdb", log);
  auto reopened = sink.Reopen();
  ASSERT_FALSE(reopened);
  EXPECT_NE(reopened.error().message().find("audit files may not be written there"),
            std::string::npos)
      << reopened.error().message();
  EXPECT_FALSE(sink.Write("third\n"));
  std::ifstream in(storage + "/data.mdb");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "DB");  // nothing was appended, the mode was not changed
  struct stat st {};
  ASSERT_EQ(::stat((storage + "/data.mdb").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // the device's 0600 was not applied to it
}

TEST(AuditFactory, NonRegularFilesAndOddPathsAreRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("a-dir"));
  ASSERT_EQ(::mkfifo(dir.File("fifo").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/null", dir.File("null-link"));
  std::filesystem::create_symlink(dir.File("nowhere/x"), dir.File("dangling"));
  std::filesystem::create_symlink(dir.File("a-dir"), dir.File("dir-link"));
  { std::ofstream(dir.File("script.sh")) << "#!/bin/sh\n"; }
  ASSERT_EQ(::chmod(dir.File("script.sh").c_str(), 0700), 0);
  std::filesystem::create_symlink(dir.File("script.sh"), dir.File("script-link"));
  struct Case {
    std::string path;
    std::string why;
  } cases[] = {
      {dir.File("a-dir"), "not a regular file"},
      {dir.File("dir-link"), "not a regular file"},
      {"/dev/null", "not a regular file"},
      {"/dev/full", "not a regular file"},
      {dir.File("fifo"), "not a regular file"},
      {dir.File("null-link"), "not a regular file"},
      {dir.File("dangling"), "a symlink that leads nowhere"},
      {dir.File("script.sh"), "exists and is executable"},
      {dir.File("script-link"), "exists and is executable"},
      {dir.File("a-dir/"), "not a file name"},
      {dir.File("a-dir/.."), "not a file name"},
      {dir.File("no/such/dir/x.log"), "its directory cannot be resolved"},
      {dir.File("new\nline.log"), "control characters are not allowed"},
  };
  for (const Case& c : cases) {
    std::string msg = Refusal("file", FileAt(c.path, {{"skip_test", "true"}}));
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.path << ": " << msg;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.File("nowhere")));
  // The special values and a symlink to a regular file still work.
  EXPECT_EQ(Refusal("file", FileAt("stdout")), "");
  EXPECT_EQ(Refusal("file", FileAt("discard")), "");
  { std::ofstream(dir.File("real.log")) << ""; }
  std::filesystem::create_symlink(dir.File("real.log"), dir.File("good-link"));
  EXPECT_EQ(Refusal("file", FileAt(dir.File("good-link"))), "");
}

TEST(AuditFactory, RestoreOpensTheFileNowUnlessSkipTest) {
  TempDir dir;
  std::string file = dir.File("r.log");
  ASSERT_EQ(Refusal("file", FileAt(file), {}, BuildMode::kRestore), "");
  EXPECT_TRUE(std::filesystem::exists(file));  // opened (created) at build time
  std::filesystem::remove(file);
  ASSERT_EQ(Refusal("file", FileAt(file, {{"skip_test", "true"}}), {}, BuildMode::kRestore), "");
  EXPECT_FALSE(std::filesystem::exists(file));  // skip_test: opened on the first write
  std::filesystem::create_directory(file);      // now the path is a directory
  EXPECT_NE(Refusal("file", FileAt(file), {}, BuildMode::kRestore).find("not a regular file"),
            std::string::npos);
  // A socket is connected lazily at restore (a collector that is down does not block unseal),
  // but tested at enable.
  EXPECT_EQ(Refusal("socket", {{"address", "127.0.0.1:1"}}, {}, BuildMode::kRestore), "");
  EXPECT_NE(Refusal("socket", {{"address", "127.0.0.1:1"}}, {}, BuildMode::kEnable), "");
}

}  // namespace
}  // namespace arca::audit
