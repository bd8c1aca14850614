#include "config/migrate.h"

#include <gtest/gtest.h>

namespace arca::config {
namespace {

std::string ErrorOf(std::string_view text) {
  auto r = ParseMigrate(text, "migrate.hcl");
  EXPECT_FALSE(r.has_value());
  return r ? "" : r.error().message();
}

TEST(MigrateConfig, HclStanzas) {
  auto r = ParseMigrate(R"(
storage_source "file" {
  path = "/var/lib/arca"
}
storage_destination "etcd" {
  address    = "http://127.0.0.1:2379"
  ha_enabled = true
}
cluster_addr = "https://127.0.0.1:8201"
)",
                        "migrate.hcl");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->source.type, "file");
  EXPECT_EQ(r->source.options.at("path"), "/var/lib/arca");
  EXPECT_EQ(r->destination.type, "etcd");
  EXPECT_EQ(r->destination.options.at("address"), "http://127.0.0.1:2379");
  EXPECT_EQ(r->destination.options.at("ha_enabled"), "true");
  EXPECT_EQ(r->cluster_addr, "https://127.0.0.1:8201");
}

TEST(MigrateConfig, JsonForm) {
  auto r = ParseMigrate(
      R"({"storage_source": {"inmem": {}}, "storage_destination": {"lmdb": {"path": "/d"}}})",
      "migrate.json");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->source.type, "inmem");
  EXPECT_EQ(r->destination.type, "lmdb");
  EXPECT_EQ(r->destination.options.at("path"), "/d");
}

TEST(MigrateConfig, BadInput) {
  EXPECT_NE(ErrorOf(R"(storage_destination "file" { path = "/d" })")
                .find("exactly one \"storage_source\" block is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(storage_source "file" { path = "/d" })")
                .find("exactly one \"storage_destination\" block is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(
storage_source "file" { path = "/a" }
storage_source "file" { path = "/b" }
storage_destination "file" { path = "/c" })")
                .find("exactly one \"storage_source\" block is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(
storage_source "floppy" { path = "/a" }
storage_destination "file" { path = "/c" })")
                .find("type \"floppy\" is not supported"),
            std::string::npos);
  // The server's `storage` key is not a migrator key; a typo gets a hint.
  std::string unknown = ErrorOf(R"(
storage "file" { path = "/a" }
storage_source "file" { path = "/a" }
storage_destination "file" { path = "/c" })");
  EXPECT_NE(unknown.find("storage"), std::string::npos);
  EXPECT_NE(ErrorOf("storage_source \"file\" {").find("migrate.hcl"), std::string::npos);
}

TEST(MigrateConfig, LoadRefusesMissingFilesAndDirectories) {
  auto missing = LoadMigrate("/nonexistent/migrate.hcl");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("does not exist"), std::string::npos);
  auto dir = LoadMigrate("/tmp");
  ASSERT_FALSE(dir.has_value());
  EXPECT_EQ(dir.error().message(), "location is a directory, not a file");
}

}  // namespace
}  // namespace arca::config
