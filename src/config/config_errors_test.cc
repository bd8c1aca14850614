#include <gtest/gtest.h>

#include "config/config.h"

namespace arca::config {
namespace {

constexpr char kTls[] = "tls_disable = true\n";

struct ErrorCase {
  const char* name;
  std::string src;
  std::string want_prefix;  // "file:line:col: " of the culprit
  std::string want_text;
};

TEST(ConfigErrors, NameFileLineAndCause) {
  const ErrorCase cases[] = {
      {"typo at top level", "ui = true\nstorag \"file\" {}\n",
       "c.hcl:2:1: ", "unknown key \"storag\" in the top level (did you mean \"storage\"?)"},
      {"typo in listener", std::string("listener \"tcp\" {\n") + kTls + "  adress = \"x\"\n}\n",
       "c.hcl:3:3: ", "unknown key \"adress\" in listener \"tcp\" (did you mean \"address\"?)"},
      {"unknown key without suggestion", "zzzzzzzz = 1\n",
       "c.hcl:1:1: ", "unknown key \"zzzzzzzz\" in the top level"},
      {"typo in telemetry", "telemetry {\n  disable_hostnam = true\n}\n",
       "c.hcl:2:3: ", "unknown key \"disable_hostnam\" in telemetry"},
      {"bad metrics prefix", "telemetry {\n  metrics_prefix = \"a.b\"\n}\n",
       "c.hcl:2:20: ", "metrics_prefix may only hold letters, digits and '_'"},
      {"typo in listener telemetry",
       std::string("listener \"tcp\" {\n") + kTls + "telemetry { unauth = true }\n}\n",
       "c.hcl:3:13: ", "unknown key \"unauth\" in listener telemetry"},
      {"bool is a list", "disable_mlock = [1]\n",
       "c.hcl:1:17: ", "disable_mlock: expected a bool, got list"},
      {"bool is a word", "ui = \"yes\"\n", "c.hcl:1:6: ", "ui: expected a bool"},
      {"string is a number", "api_addr = 8200\n",
       "c.hcl:1:12: ", "api_addr: expected a string, got number"},
      {"max_request_size not a number",
       std::string("listener \"tcp\" {\n") + kTls + "max_request_size = \"abc\"\n}\n",
       "c.hcl:3:20: ", "max_request_size: expected an integer"},
      {"bad duration", "default_lease_ttl = \"10x\"\n",
       "c.hcl:1:21: ", "default_lease_ttl: invalid duration"},
      {"negative duration", "max_lease_ttl = -5\n", "c.hcl:1:17: ", "non-negative"},
      {"duration is a list", "max_lease_ttl = []\n", "c.hcl:1:17: ", "expected a duration"},
      {"negative cache size", "cache_size = -1\n", "c.hcl:1:14: ", "must not be negative"},
      {"bad log level", "log_level = \"loud\"\n", "c.hcl:1:13: ", "log_level: invalid value"},
      {"bad log format", "log_format = \"xml\"\n", "c.hcl:1:14: ", "log_format: invalid value"},
      {"unknown storage type", "\n\nstorage \"fle\" {}\n", "c.hcl:3:1: ",
       "storage type \"fle\" is not supported (supported: inmem, file, lmdb, etcd, postgresql)"},
      {"vault storage arca lacks", "storage \"raft\" { path = \"/d\" }\n",
       "c.hcl:1:1: ", "storage type \"raft\" is not supported"},
      {"ha storage type", "ha_storage \"consul\" {}\n",
       "c.hcl:1:1: ", "ha_storage type \"consul\" is not supported"},
      {"storage option nested", "storage \"etcd\" {\n  tls { a = 1 }\n}\n", "c.hcl:2:7: ",
       "storage \"etcd\" option \"tls\": expected a string, number or bool, got object"},
      {"storage without label", "storage { path = \"/x\" }\n",
       "c.hcl:1:18: ", "expected a block body"},
      {"two storage stanzas", "storage \"inmem\" {}\nbackend \"file\" {}\n",
       "c.hcl:2:1: ", "only one storage stanza is allowed per file (the first is at line 1)"},
      {"two storage labels in one json object", R"({"storage": {"inmem": {}, "file": {}}})",
       "c.hcl:1:2: ", "must hold exactly one stanza, found 2"},
      {"unknown seal type", "seal \"gcpckms\" {}\n",
       "c.hcl:1:1: ", "seal type \"gcpckms\" is not supported"},
      {"two seals", "seal \"shamir\" {}\nseal \"static\" {}\n",
       "c.hcl:2:1: ", "only one seal stanza"},
      {"two disabled seals",
       "seal \"static\" { disabled = \"true\" }\nseal \"transit\" { disabled = \"true\" }\n",
       "c.hcl:2:1: ", "only one seal stanza may be disabled (the first is at line 1)"},
      {"disabled shamir", "seal \"shamir\" { disabled = \"true\" }\n",
       "c.hcl:1:1: ", "Shamir seals cannot be set disabled"},
      {"disabled not a bool", "seal \"static\" { disabled = \"yes\" }\n",
       "c.hcl:1:1: ", "disabled must be \"true\" or \"false\""},
      {"unix listener", "listener \"unix\" { address = \"/s\" }\n",
       "c.hcl:1:1: ", "listener type \"unix\" is not supported yet"},
      {"unknown listener type", "listener \"udp\" {}\n",
       "c.hcl:1:1: ", "unknown listener type \"udp\""},
      {"tls without cert", "listener \"tcp\" {\n  address = \"0.0.0.0:8200\"\n}\n",
       "c.hcl:1:1: ", "TLS is enabled but tls_cert_file and tls_key_file are not both set"},
      {"tls with cert only", "listener \"tcp\" { tls_cert_file = \"c\" }\n",
       "c.hcl:1:1: ", "TLS is enabled"},
      {"bad tls_min_version",
       "listener \"tcp\" {\n tls_cert_file = \"c\"\n tls_key_file = \"k\"\n"
       " tls_min_version = \"ssl3\"\n}\n",
       "c.hcl:4:20: ", "tls_min_version: invalid value \"ssl3\""},
      {"client cert flags conflict",
       "listener \"tcp\" {\n tls_cert_file = \"c\" tls_key_file = \"k\"\n"
       " tls_require_and_verify_client_cert = true tls_disable_client_certs = true\n}\n",
       "c.hcl:1:1: ", "mutually exclusive"},
      {"client certs without tls",
       "listener \"tcp\" {\n tls_disable = true tls_require_and_verify_client_cert = true\n}\n",
       "c.hcl:1:1: ", "needs TLS"},
      {"tls_cipher_suites refused",
       std::string("listener \"tcp\" {\n") + kTls + "  tls_cipher_suites = \"x\"\n}\n",
       "c.hcl:3:3: ",
       "\"tls_cipher_suites\" in listener \"tcp\" is not supported by Arca, and "
       "ignoring it would be unsafe: it changes how TLS is negotiated"},
      {"tls_max_version refused",
       std::string("listener \"tcp\" {\n") + kTls + "tls_max_version = \"tls12\"\n}\n",
       "c.hcl:3:1: ", "tls_max_version"},
      {"tls_prefer_server_cipher_suites refused",
       std::string("listener \"tcp\" {\n") + kTls + "tls_prefer_server_cipher_suites = true\n}\n",
       "c.hcl:3:1: ", "ignoring it would be unsafe"},
      {"tls acme refused",
       std::string("listener \"tcp\" {\n") + kTls + "tls_acme_email = \"a\"\n}\n",
       "c.hcl:3:1: ", "tls_acme_email"},
      {"xff hop skips refused",
       std::string("listener \"tcp\" {\n") + kTls + "x_forwarded_for_hop_skips = 1\n}\n",
       "c.hcl:3:1: ", "which client addresses"},
      {"redaction refused",
       std::string("listener \"tcp\" {\n") + kTls + "redact_version = true\n}\n",
       "c.hcl:3:1: ", "hides information"},
      {"bad xff cidr",
       std::string("listener \"tcp\" {\n") + kTls +
           "x_forwarded_for_authorized_addrs = [\"10.0.0.0/33\"]\n}\n",
       "c.hcl:3:36: ", "invalid address or CIDR \"10.0.0.0/33\""},
      {"bad xff address",
       std::string("listener \"tcp\" {\n") + kTls +
           "x_forwarded_for_authorized_addrs = \"nope\"\n}\n",
       "c.hcl:3:36: ", "invalid address or CIDR \"nope\""},
      {"empty address", std::string("listener \"tcp\" {\n") + kTls + "address = \"\"\n}\n",
       "c.hcl:3:1: ", "address must not be empty"},
      {"listener is a string", "listener = \"tcp\"\n", "c.hcl:1:12: ", "expected a block label"},
      {"audit refused", "audit \"file\" {}\n", "c.hcl:1:1: ", "audit devices would not record"},
      {"hcl syntax error", "ui = = true\n", "c.hcl:1:6: ", "expected a value"},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.src, "c.hcl");
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    const std::string& msg = r.error().message();
    EXPECT_TRUE(msg.starts_with(c.want_prefix)) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.want_text), std::string::npos) << c.name << ": " << msg;
  }
}

TEST(ConfigErrors, DefaultTtlAboveMax) {
  auto r = Parse("default_lease_ttl = \"2h\"\nmax_lease_ttl = \"1h\"\n", "c.hcl");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("greater than max_lease_ttl"), std::string::npos);
}

struct WarnCase {
  std::string src;
  std::string want;  // the exact warning
};

TEST(ConfigWarnings, IgnoredVaultKeysAreNamedWithTheirLine) {
  const WarnCase cases[] = {
      {"plugin_directory = \"/p\"",
       "w.hcl:1: \"plugin_directory\" in the top level is not "
       "supported by Arca and was ignored"},
      {"\nservice_registration \"consul\" { address = \"x\" }",
       "w.hcl:2: \"service_registration\" in the top level is not supported by Arca and was "
       "ignored"},
      {"enable_response_header_hostname = true", "w.hcl:1: \"enable_response_header_hostname\""},
      {"introspection_endpoint = true", "w.hcl:1: \"introspection_endpoint\""},
      {"default_max_request_duration = \"90s\"", "w.hcl:1: \"default_max_request_duration\""},
      {"license_path = \"/l\"", "w.hcl:1: \"license_path\""},
      {"user_lockout \"all\" { lockout_threshold = 5 }", "w.hcl:1: \"user_lockout\""},
      {"entropy \"seal\" { mode = \"augmentation\" }", "w.hcl:1: \"entropy\""},
      {"disable_clustering = true", "w.hcl:1: \"disable_clustering\""},
      {"disable_sealwrap = true", "w.hcl:1: \"disable_sealwrap\""},
      {"disable_performance_standby = true", "w.hcl:1: \"disable_performance_standby\""},
      {"disable_printable_check = true", "w.hcl:1: \"disable_printable_check\""},
      {"enable_ui = true", "w.hcl:1: \"enable_ui\""},
      {"log_file = \"/l\"", "w.hcl:1: \"log_file\""},
      {"telemetry {\n statsd_address = \"x\"\n}", "w.hcl:2: \"statsd_address\" in telemetry"},
      {"telemetry { circonus_api_token = \"x\" }", "w.hcl:1: \"circonus_api_token\" in telemetry"},
      {"listener \"tcp\" {\n tls_disable = true\n proxy_protocol_behavior = \"use_always\"\n}",
       "w.hcl:3: \"proxy_protocol_behavior\" in listener \"tcp\" is not supported by Arca and was "
       "ignored"},
      {"listener \"tcp\" {\n tls_disable = true\n custom_response_headers { default = {} }\n}",
       "w.hcl:3: \"custom_response_headers\" in listener \"tcp\""},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.src, "w.hcl");
    ASSERT_TRUE(r) << c.src << ": " << r.error().message();
    ASSERT_EQ(r->warnings.size(), 1u) << c.src;
    EXPECT_TRUE(r->warnings[0].starts_with(c.want)) << r->warnings[0];
  }
}

TEST(ConfigWarnings, CollectsEveryIgnoredKeyInOrder) {
  auto r = Parse("plugin_directory = \"/p\"\nui = true\nlicense_path = \"/l\"\n", "w.hcl");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_TRUE(r->warnings[0].starts_with("w.hcl:1: \"plugin_directory\""));
  EXPECT_TRUE(r->warnings[1].starts_with("w.hcl:3: \"license_path\""));
}

TEST(ConfigFuzz, TruncationsOfAValidConfigNeverCrash) {
  const std::string src = R"(ui = true
storage "file" { path = "/d" }
listener "tcp" {
  address = "0.0.0.0:8200"
  tls_cert_file = "c" tls_key_file = "k"
  x_forwarded_for_authorized_addrs = ["10.0.0.0/8"]
  telemetry { unauthenticated_metrics_access = true }
}
seal "static" { current_key_id = "a" }
telemetry { prometheus_retention_time = "1h" }
)";
  ASSERT_TRUE(Parse(src, "t.hcl"));
  int ok = 0;
  for (size_t n = 0; n <= src.size(); ++n) {
    auto r = Parse(std::string_view(src).substr(0, n), "t.hcl");
    if (r)
      ++ok;
    else
      EXPECT_TRUE(r.error().message().starts_with("t.hcl:")) << r.error().message();
  }
  EXPECT_GT(ok, 1);
}

}  // namespace
}  // namespace arca::config
