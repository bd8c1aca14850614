#include "config/config.h"

#include <gtest/gtest.h>

#include <limits>

namespace arca::config {
namespace {

Config MustParse(std::string_view text, std::string_view file = "arca.hcl") {
  auto r = Parse(text, file);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : Config{};
}

TEST(Config, Defaults) {
  Config c = MustParse("");
  EXPECT_FALSE(c.storage);
  EXPECT_FALSE(c.ha_storage);
  EXPECT_FALSE(c.seal);
  EXPECT_TRUE(c.listeners.empty());
  EXPECT_FALSE(c.disable_mlock);
  EXPECT_FALSE(c.ui);
  EXPECT_EQ(c.cache_size, 131072);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, "standard");
  EXPECT_EQ(c.default_lease_ttl, Seconds(768 * 3600));
  EXPECT_EQ(c.max_lease_ttl, Seconds(768 * 3600));
  EXPECT_EQ(c.telemetry.prometheus_retention_time, Seconds(86400));
  EXPECT_EQ(c.telemetry.metrics_prefix, "vault");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Config, CoreDumpProtectionKeyAndPluginDirectory) {
  EXPECT_FALSE(MustParse("").disable_core_dump_protection);
  Config c = MustParse("disable_core_dump_protection = true\nplugin_directory = \"/opt/p\"\n");
  EXPECT_TRUE(c.disable_core_dump_protection);
  EXPECT_EQ(c.plugin_directory, "/opt/p");  // kept for the audit file check
  ASSERT_EQ(c.warnings.size(), 1u);         // and still reported as not used
  EXPECT_TRUE(c.warnings[0].starts_with("arca.hcl:2: \"plugin_directory\"")) << c.warnings[0];
  EXPECT_TRUE(MustParse("disable_core_dump_protection = \"false\"\n").warnings.empty());
  auto bad = Parse("disable_core_dump_protection = [1]\n", "c.hcl");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("disable_core_dump_protection"), std::string::npos);
}

TEST(Config, StandbyReadKeys) {
  Config d = MustParse("");
  EXPECT_FALSE(d.disable_standby_reads);
  EXPECT_EQ(d.standby_read_max_staleness, std::chrono::milliseconds(1000));
  Config c = MustParse("disable_standby_reads = true\nstandby_read_max_staleness = \"250ms\"\n");
  EXPECT_TRUE(c.disable_standby_reads);
  EXPECT_TRUE(c.warnings.empty());  // no longer an ignored key
  EXPECT_EQ(c.standby_read_max_staleness, std::chrono::milliseconds(250));
  EXPECT_EQ(MustParse("standby_read_max_staleness = \"1.5s\"\n").standby_read_max_staleness,
            std::chrono::milliseconds(1500));
  EXPECT_EQ(MustParse("standby_read_max_staleness = \"2m\"\n").standby_read_max_staleness,
            std::chrono::milliseconds(120000));
  EXPECT_EQ(MustParse("standby_read_max_staleness = 3\n").standby_read_max_staleness,
            std::chrono::milliseconds(3000));
  EXPECT_EQ(MustParse("{\"disable_standby_reads\": \"true\"}").disable_standby_reads, true);
  for (const char* bad : {"\"0s\"", "\"-1s\"", "\"1x\"", "\"ms\"", "\"\"", "[1]", "0"}) {
    auto r = Parse(std::string("standby_read_max_staleness = ") + bad + "\n", "c.hcl");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("standby_read_max_staleness"), std::string::npos)
        << r.error().message();
  }
  auto b = Parse("disable_standby_reads = [1]\n", "c.hcl");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("disable_standby_reads"), std::string::npos);
  json::object o = SanitizedJson(c);
  EXPECT_TRUE(o.at("disable_standby_reads").as_bool());
  EXPECT_EQ(o.at("standby_read_max_staleness").as_string(), "250ms");
}

TEST(Config, FullHclConfig) {
  Config c = MustParse(R"(
ui            = true
api_addr      = "https://node1:8200"
cluster_addr  = "https://node1:8201"
cluster_name  = "arca-1"
disable_mlock = "true"
raw_storage_endpoint = 1
disable_cache = false
cache_size    = "1000"
log_level     = "DEBUG"
log_format    = "json"
pid_file      = "/run/arca.pid"
default_lease_ttl = "1h"
max_lease_ttl     = 7200

storage "file" {
  path      = "/var/lib/arca"
  max_size  = 1024
  sync      = true
}

ha_storage "etcd" { address = "http://127.0.0.1:2379" }

listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8301"
  tls_cert_file   = "/etc/arca/cert.pem"
  tls_key_file    = "/etc/arca/key.pem"
  tls_client_ca_file = "/etc/arca/ca.pem"
  tls_min_version = "tls13"
  tls_require_and_verify_client_cert = true
  max_request_size = 1048576
  max_request_duration = "2m"
  http_read_timeout = "10s"
  http_idle_timeout = 60
  x_forwarded_for_authorized_addrs = ["10.0.0.0/8", "192.168.1.5", "fd00::/8"]
  telemetry {
    unauthenticated_metrics_access = true
  }
}

listener "tcp" {
  tls_disable = "1"
  x_forwarded_for_authorized_addrs = "127.0.0.1/32, ::1"
}

seal "transit" {
  address    = "https://vault:8200"
  key_name   = "autounseal"
  mount_path = "transit/"
  disable_renewal = false
}

telemetry {
  prometheus_retention_time = "12h"
  disable_hostname = true
  metrics_prefix = "arca"
}
)");
  EXPECT_TRUE(c.ui);
  EXPECT_EQ(c.api_addr, "https://node1:8200");
  EXPECT_EQ(c.cluster_addr, "https://node1:8201");
  EXPECT_EQ(c.cluster_name, "arca-1");
  EXPECT_TRUE(c.disable_mlock);
  EXPECT_TRUE(c.raw_storage_endpoint);
  EXPECT_FALSE(c.disable_cache);
  EXPECT_EQ(c.cache_size, 1000);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.pid_file, "/run/arca.pid");
  EXPECT_EQ(c.default_lease_ttl, Seconds(3600));
  EXPECT_EQ(c.max_lease_ttl, Seconds(7200));

  ASSERT_TRUE(c.storage);
  EXPECT_EQ(c.storage->type, "file");
  EXPECT_EQ(c.storage->line, 16);
  EXPECT_EQ(c.storage->options.at("path"), "/var/lib/arca");
  EXPECT_EQ(c.storage->options.at("max_size"), "1024");
  EXPECT_EQ(c.storage->options.at("sync"), "true");
  ASSERT_TRUE(c.ha_storage);
  EXPECT_EQ(c.ha_storage->type, "etcd");

  ASSERT_EQ(c.listeners.size(), 2u);
  const ListenerConfig& l = c.listeners[0];
  EXPECT_EQ(l.cluster_address, "0.0.0.0:8301");
  EXPECT_EQ(l.type, "tcp");
  EXPECT_EQ(l.line, 24);
  EXPECT_EQ(l.address, "0.0.0.0:8200");
  EXPECT_FALSE(l.tls_disable);
  EXPECT_EQ(l.tls_cert_file, "/etc/arca/cert.pem");
  EXPECT_EQ(l.tls_key_file, "/etc/arca/key.pem");
  EXPECT_EQ(l.tls_client_ca_file, "/etc/arca/ca.pem");
  EXPECT_EQ(l.tls_min_version, "tls13");
  EXPECT_TRUE(l.tls_require_and_verify_client_cert);
  EXPECT_EQ(l.max_request_size, 1048576u);
  EXPECT_EQ(l.max_request_duration, Seconds(120));
  EXPECT_EQ(l.http_read_timeout, Seconds(10));
  EXPECT_EQ(l.http_idle_timeout, Seconds(60));
  EXPECT_EQ(l.x_forwarded_for_authorized_addrs.size(), 3u);
  EXPECT_TRUE(l.unauthenticated_metrics_access);

  const ListenerConfig& plain = c.listeners[1];
  EXPECT_TRUE(plain.tls_disable);
  EXPECT_EQ(plain.address, "127.0.0.1:8200");  // default
  EXPECT_EQ(plain.max_request_size, 33554432u);
  EXPECT_EQ(plain.max_request_duration, Seconds(90));
  EXPECT_EQ(plain.http_read_timeout, Seconds(30));
  EXPECT_EQ(plain.http_idle_timeout, Seconds(300));
  EXPECT_EQ(plain.tls_min_version, "tls12");
  EXPECT_EQ(plain.x_forwarded_for_authorized_addrs,
            (std::vector<std::string>{"127.0.0.1/32", "::1"}));
  EXPECT_FALSE(plain.unauthenticated_metrics_access);

  ASSERT_TRUE(c.seal);
  EXPECT_EQ(c.seal->type, "transit");
  EXPECT_EQ(c.seal->options.at("key_name"), "autounseal");
  EXPECT_EQ(c.seal->options.at("disable_renewal"), "false");
  EXPECT_EQ(c.telemetry.prometheus_retention_time, Seconds(12 * 3600));
  EXPECT_TRUE(c.telemetry.disable_hostname);
  EXPECT_EQ(c.telemetry.metrics_prefix, "arca");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings[0];
}

TEST(Config, JsonConfig) {
  Config c = MustParse(R"({
  "ui": true,
  "storage": {"lmdb": {"path": "/data"}},
  "listener": [
    {"tcp": {"address": "127.0.0.1:8200", "tls_disable": true}},
    {"tcp": {"address": "127.0.0.1:8201", "tls_disable": "true",
             "telemetry": {"unauthenticated_metrics_access": true}}}
  ],
  "seal": {"static": {"current_key_id": "k1", "current_key": "file:///key"}},
  "telemetry": {"prometheus_retention_time": "0s"},
  "default_lease_ttl": "10m",
  "max_lease_ttl": "1h"
})",
                       "arca.json");
  EXPECT_TRUE(c.ui);
  ASSERT_TRUE(c.storage);
  EXPECT_EQ(c.storage->type, "lmdb");
  EXPECT_EQ(c.storage->line, 3);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[1].address, "127.0.0.1:8201");
  EXPECT_TRUE(c.listeners[1].unauthenticated_metrics_access);
  ASSERT_TRUE(c.seal);
  EXPECT_EQ(c.seal->type, "static");
  EXPECT_EQ(c.telemetry.prometheus_retention_time, Seconds(0));
  EXPECT_EQ(c.default_lease_ttl, Seconds(600));
}

TEST(Config, ListenerForms) {
  // Zero-label form with a type key, and a JSON object keyed by type holding a list.
  Config c = MustParse(R"(
listener { type = "tcp"  address = "127.0.0.1:1"  tls_disable = true }
)");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].address, "127.0.0.1:1");
  c = MustParse(R"({"listener": {"tcp": [{"address": ":1", "tls_disable": 1},
                                           {"address": ":2", "tls_disable": 1}]}})");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[1].address, ":2");
}

TEST(Config, MaxRequestSizeRules) {
  struct Case {
    const char* value;
    uint64_t want;
  } cases[] = {
      {"0", 33554432u},
      {"-1", std::numeric_limits<uint64_t>::max()},
      {"\"2048\"", 2048u},
      {"512", 512u},
  };
  for (const auto& c : cases) {
    Config cfg = MustParse(
        std::string("listener \"tcp\" { tls_disable = true max_request_size = ") + c.value + " }");
    ASSERT_EQ(cfg.listeners.size(), 1u) << c.value;
    EXPECT_EQ(cfg.listeners[0].max_request_size, c.want) << c.value;
  }
}

TEST(Config, StorageTypesAndDeprecatedAliases) {
  for (const char* type : {"inmem", "file", "lmdb", "etcd", "postgresql"}) {
    Config c = MustParse(std::string("storage \"") + type + "\" {}");
    ASSERT_TRUE(c.storage) << type;
    EXPECT_EQ(c.storage->type, type);
    EXPECT_TRUE(c.storage->options.empty());
  }
  Config c = MustParse("backend \"inmem\" {}\nha_backend \"etcd\" { address = \"x\" }\n");
  ASSERT_TRUE(c.storage);
  EXPECT_EQ(c.storage->type, "inmem");
  ASSERT_TRUE(c.ha_storage);
  EXPECT_EQ(c.ha_storage->options.at("address"), "x");
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_EQ(c.warnings[0], "arca.hcl:1: \"backend\" is deprecated; use \"storage\"");
  EXPECT_EQ(c.warnings[1], "arca.hcl:2: \"ha_backend\" is deprecated; use \"ha_storage\"");
}

TEST(Config, SealTypes) {
  for (const char* type : {"shamir", "static", "transit", "pkcs11", "awskms"}) {
    Config c = MustParse(std::string("seal \"") + type + "\" { a = \"b\" n = 3 }");
    ASSERT_TRUE(c.seal) << type;
    EXPECT_EQ(c.seal->type, type);
    EXPECT_EQ(c.seal->options.at("n"), "3");
  }
}

TEST(Config, LaterScalarsWinWithinAFile) {
  Config c = MustParse(
      "ui = true\nui = false\ntelemetry { disable_hostname = true }\n"
      "telemetry { prometheus_retention_time = \"1h\" }\n");
  EXPECT_FALSE(c.ui);
  EXPECT_TRUE(c.telemetry.disable_hostname);  // telemetry blocks merge key by key
  EXPECT_EQ(c.telemetry.prometheus_retention_time, Seconds(3600));
}

TEST(Config, LogLevels) {
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    EXPECT_EQ(MustParse(std::string("log_level = \"") + level + "\"").log_level, level);
  }
  EXPECT_EQ(MustParse("log_level = \"Warning\"").log_level, "warn");
}

}  // namespace
}  // namespace arca::config

namespace arca::config {
namespace {

TEST(Config, SealMigrationStanzas) {
  // auto -> auto: the old seal disabled, the new one enabled, in either order.
  Config c = MustParse(
      "seal \"transit\" { key_name = \"old\" disabled = \"true\" }\n"
      "seal \"static\" { current_key_id = \"k\" }\n");
  ASSERT_TRUE(c.seal);
  EXPECT_EQ(c.seal->type, "static");
  EXPECT_FALSE(c.seal->disabled);
  ASSERT_TRUE(c.disabled_seal);
  EXPECT_EQ(c.disabled_seal->type, "transit");
  EXPECT_TRUE(c.disabled_seal->disabled);
  EXPECT_EQ(c.disabled_seal->options.count("disabled"), 0u);  // taken out of the options
  EXPECT_EQ(c.disabled_seal->options.at("key_name"), "old");
  // auto -> Shamir: only a disabled stanza.
  Config d = MustParse("seal \"static\" {\n  current_key_id = \"k\"\n  disabled = true\n}\n");
  EXPECT_FALSE(d.seal);
  ASSERT_TRUE(d.disabled_seal);
  // disabled = "false" is an ordinary seal.
  Config e = MustParse("seal \"static\" { current_key_id = \"k\" disabled = \"false\" }\n");
  ASSERT_TRUE(e.seal);
  EXPECT_FALSE(e.disabled_seal);
}

}  // namespace
}  // namespace arca::config
