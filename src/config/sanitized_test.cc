// SanitizedJson: Vault's keys, and nothing that may be a credential.
#include <gtest/gtest.h>

#include "config/config.h"

namespace arca::config {
namespace {

TEST(Sanitized, KeepsSettingsAndDropsStorageAndSealOptions) {
  Config c;
  c.storage = StorageConfig{"postgresql", {{"connection_url", "postgres://u:s3cr3t@db/x"}}, 1};
  c.seal = SealConfig{"transit", {{"token", "hvs.SECRET"}}};
  ListenerConfig l;
  l.address = "0.0.0.0:8200";
  l.tls_cert_file = "/etc/arca/cert.pem";
  c.listeners.push_back(l);
  c.api_addr = "https://arca:8200";
  c.log_level = "debug";
  json::object o = SanitizedJson(c);
  EXPECT_EQ(o.at("api_addr").as_string(), "https://arca:8200");
  EXPECT_EQ(o.at("log_level").as_string(), "debug");
  EXPECT_EQ(o.at("storage").as_object().at("type").as_string(), "postgresql");
  EXPECT_EQ(o.at("storage").as_object().size(), 1u);
  EXPECT_EQ(o.at("seals").as_array()[0].as_object().at("type").as_string(), "transit");
  const auto& lc = o.at("listeners").as_array()[0].as_object();
  EXPECT_EQ(lc.at("type").as_string(), "tcp");
  EXPECT_EQ(lc.at("config").as_object().at("address").as_string(), "0.0.0.0:8200");
  const std::string text = json::serialize(o);
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(text.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace arca::config
