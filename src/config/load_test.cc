#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace arca::config {
namespace {

namespace fs = std::filesystem;

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "arca-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(LoadTest, SingleHclFile) {
  std::string path = Write("server.hcl", "ui = true\nstorage \"inmem\" {}\n");
  auto r = LoadPath(path);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->ui);
  EXPECT_EQ(r->storage->type, "inmem");
}

TEST_F(LoadTest, SniffsJsonInAnyExtension) {
  std::string path = Write("server.conf", R"({"ui": true, "storage": {"inmem": {}}})");
  auto r = LoadPath(path);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->ui);
}

TEST_F(LoadTest, JsonFileMustHoldAnObject) {
  std::string path = Write("server.json", "ui = true\n");
  auto r = LoadPath(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("must hold a JSON object"), std::string::npos);
}

TEST_F(LoadTest, ErrorsNameTheFile) {
  std::string path = Write("bad.hcl", "ui = true\nadress = 1\n");
  auto r = LoadPath(path);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message().starts_with(path + ":2:1: unknown key \"adress\""))
      << r.error().message();
}

TEST_F(LoadTest, DirectoryMergesInNameOrder) {
  Write("10-base.hcl", R"(
ui = true
log_level = "debug"
storage "inmem" {}
listener "tcp" { address = "127.0.0.1:1" tls_disable = true }
telemetry { disable_hostname = true }
plugin_directory = "/p"
)");
  Write("20-override.json", R"({
  "log_level": "warn",
  "storage": {"lmdb": {"path": "/data"}},
  "listener": {"tcp": {"address": "127.0.0.1:2", "tls_disable": true}},
  "telemetry": {"prometheus_retention_time": "1h"}
})");
  Write("30-seal.hcl",
        "seal \"static\" { current_key_id = \"a\" }\nlistener \"tcp\" { "
        "address = \"127.0.0.1:3\"\n tls_disable = true }\n");
  Write("README.md", "not a config = [");
  fs::create_directory(dir_ / "sub.hcl");  // directories are skipped even with the extension

  auto r = LoadPath(dir_.string());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->ui);
  EXPECT_EQ(r->log_level, "warn");  // later file wins
  ASSERT_TRUE(r->storage);
  EXPECT_EQ(r->storage->type, "lmdb");  // later stanza replaces
  EXPECT_EQ(r->storage->options.at("path"), "/data");
  ASSERT_EQ(r->listeners.size(), 3u);  // appended
  EXPECT_EQ(r->listeners[0].address, "127.0.0.1:1");
  EXPECT_EQ(r->listeners[1].address, "127.0.0.1:2");
  EXPECT_EQ(r->listeners[2].address, "127.0.0.1:3");
  EXPECT_TRUE(r->telemetry.disable_hostname);  // telemetry keys merge
  EXPECT_EQ(r->telemetry.prometheus_retention_time, Seconds(3600));
  ASSERT_TRUE(r->seal);
  EXPECT_EQ(r->seal->type, "static");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_TRUE(r->warnings[0].starts_with((dir_ / "10-base.hcl").string() + ":7: "))
      << r->warnings[0];
}

TEST_F(LoadTest, DirectoryErrorNamesTheBadFile) {
  Write("a.hcl", "ui = true\n");
  Write("b.hcl", "\n\nstorage \"raft\" {}\n");
  auto r = LoadPath(dir_.string());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message().starts_with((dir_ / "b.hcl").string() + ":3:1: "))
      << r.error().message();
}

TEST_F(LoadTest, OneStoragePerFileButLaterFilesReplace) {
  Write("a.hcl", "storage \"inmem\" {}\n");
  Write("b.hcl", "storage \"file\" { path = \"/x\" }\n");
  auto r = LoadPath(dir_.string());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->storage->type, "file");
}

TEST_F(LoadTest, ValidationRunsOnTheMergedResult) {
  Write("a.hcl", "default_lease_ttl = \"2h\"\n");
  Write("b.hcl", "max_lease_ttl = \"3h\"\n");
  EXPECT_TRUE(LoadPath(dir_.string()));
  Write("c.hcl", "max_lease_ttl = \"1h\"\n");
  auto r = LoadPath(dir_.string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("greater than max_lease_ttl"), std::string::npos);
}

TEST_F(LoadTest, MissingPathsAndEmptyDirectories) {
  auto r = LoadPath((dir_ / "nope.hcl").string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("does not exist"), std::string::npos);
  r = LoadPath(dir_.string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no .hcl or .json files"), std::string::npos);
}

}  // namespace
}  // namespace arca::config
