// Start-up hardening: the process is made non-dumpable unless the configuration asks otherwise,
// and the directories audit files may not be written into come from the configuration.
#include "server/hardening.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <filesystem>

namespace arca::server {
namespace {

int Dumpable() { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

// Restores the test process's dumpable flag whatever a test did.
class CoreDumpProtection : public ::testing::Test {
 protected:
  void SetUp() override { before_ = Dumpable(); }
  void TearDown() override { ::prctl(PR_SET_DUMPABLE, before_, 0, 0, 0); }
  int before_ = 1;
};

TEST_F(CoreDumpProtection, OnByDefaultOffWhenDisabled) {
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
  ASSERT_EQ(Dumpable(), 1);
  ASSERT_TRUE(ApplyCoreDumpProtection(/*disable_protection=*/false));
  EXPECT_EQ(Dumpable(), 0);
  ASSERT_TRUE(ApplyCoreDumpProtection(/*disable_protection=*/true));
  EXPECT_EQ(Dumpable(), 1);
}

TEST(AuditForbiddenDirs, StorageConfigurationAndPluginDirectories) {
  std::string cwd = std::filesystem::current_path().string();
  std::string tmp = ::testing::TempDir();
  std::filesystem::path conf_dir =
      std::filesystem::path(tmp) / ("hardening-" + std::to_string(::getpid()));
  std::filesystem::create_directories(conf_dir);
  config::Config c;
  c.storage = config::StorageConfig{"file", {{"path", "/var/lib/arca/data"}}, 0};
  c.plugin_directory = "plugins";
  auto dirs = AuditForbiddenDirs(c, {"/etc/arca/arca.hcl", conf_dir.string(), "relative.hcl"});
  std::vector<std::string> want = {"/var/lib/arca/data", "/etc/arca",
                                   conf_dir.lexically_normal().string(), cwd, cwd + "/plugins"};
  EXPECT_EQ(dirs, want);
  std::filesystem::remove_all(conf_dir);
  // Dev mode: in-memory storage, no files.
  config::Config dev;
  dev.storage = config::StorageConfig{"inmem", {}, 0};
  EXPECT_TRUE(AuditForbiddenDirs(dev, {}).empty());
}

}  // namespace
}  // namespace arca::server
