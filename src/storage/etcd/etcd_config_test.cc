// Config decoding of storage "etcd" (no etcd needed).
#include <gtest/gtest.h>

#include <map>

#include "storage/etcd/etcd_backend.h"

namespace arca::storage::etcd {
namespace {

using Env = std::map<std::string, std::string>;

Result<EtcdBackendOptions> Parse(const BackendConfig& config, const Env& env = {}) {
  return ParseEtcdConfig(config, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

void ExpectError(const BackendConfig& config, const std::string& fragment, const Env& env = {}) {
  auto r = Parse(config, env);
  ASSERT_FALSE(r) << "accepted a bad config containing: " << fragment;
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}

TEST(EtcdConfig, DefaultsAreVaults) {
  auto r = Parse({});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->client.endpoints, std::vector<std::string>{"http://127.0.0.1:2379"});
  EXPECT_EQ(r->path, "/vault/");
  EXPECT_FALSE(r->ha_enabled);
  EXPECT_EQ(r->client.request_timeout, std::chrono::seconds(5));
  EXPECT_EQ(r->lock_timeout, std::chrono::seconds(15));
  EXPECT_TRUE(r->sync);
  EXPECT_EQ(r->client.max_receive_size, 0u);
  EXPECT_TRUE(r->client.username.empty());
  EXPECT_EQ(r->transport, EtcdTransport::kGrpc);
}

TEST(EtcdConfig, TransportIsGrpcOrGateway) {
  auto g = Parse({{"transport", "gateway"}});
  ASSERT_TRUE(g) << g.error().ToString();
  EXPECT_EQ(g->transport, EtcdTransport::kGateway);
  auto r = Parse({{"transport", "grpc"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->transport, EtcdTransport::kGrpc);
  ExpectError({{"transport", "http2"}}, "transport \"http2\" is not supported");
  ExpectError({{"transport", ""}}, "transport \"\" is not supported");
  ExpectError({{"transport", "GRPC"}}, "transport \"GRPC\" is not supported");
}

TEST(EtcdConfig, ReadsEveryKey) {
  auto r = Parse({{"address", "http://10.0.0.1:2379, https://10.0.0.2:2379,"},
                  {"path", "arca"},
                  {"ha_enabled", "false"},
                  {"request_timeout", "750ms"},
                  {"lock_timeout", "20s"},
                  {"username", "u"},
                  {"password", "p"},
                  {"tls_ca_file", "/ca.pem"},
                  {"tls_cert_file", "/c.pem"},
                  {"tls_key_file", "/k.pem"},
                  {"max_receive_size", "4194304"},
                  {"sync", "0"},
                  {"etcd_api", "v3"},
                  {"cluster_addr", "https://node:8201"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->client.endpoints,
            (std::vector<std::string>{"http://10.0.0.1:2379", "https://10.0.0.2:2379"}));
  EXPECT_EQ(r->path, "/arca/");
  EXPECT_EQ(r->client.request_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(r->lock_timeout, std::chrono::seconds(20));
  EXPECT_EQ(r->client.username, "u");
  EXPECT_EQ(r->client.password, "p");
  EXPECT_EQ(r->client.tls_ca_file, "/ca.pem");
  EXPECT_EQ(r->client.tls_cert_file, "/c.pem");
  EXPECT_EQ(r->client.tls_key_file, "/k.pem");
  EXPECT_EQ(r->client.max_receive_size, 4194304u);
  EXPECT_FALSE(r->sync);
}

TEST(EtcdConfig, EnvironmentAsVaultReadsIt) {
  // ETCD_ADDR and ETCD_HA_ENABLED override the file; ETCD_USERNAME/PASSWORD fill in.
  auto r =
      Parse({{"address", "http://file:2379"}}, {{"ETCD_ADDR", "http://env1:2379,http://env2:2379"},
                                                {"ETCD_HA_ENABLED", "0"},
                                                {"ETCD_USERNAME", "envuser"},
                                                {"ETCD_PASSWORD", "envpass"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->client.endpoints,
            (std::vector<std::string>{"http://env1:2379", "http://env2:2379"}));
  EXPECT_EQ(r->client.username, "envuser");
  EXPECT_EQ(r->client.password, "envpass");
  auto file_wins = Parse({{"username", "fileuser"}, {"password", "filepass"}},
                         {{"ETCD_USERNAME", "envuser"}, {"ETCD_PASSWORD", "envpass"}});
  ASSERT_TRUE(file_wins);
  EXPECT_EQ(file_wins->client.username, "fileuser");
  ExpectError({{"ha_enabled", "false"}}, "'ha_enabled'", {{"ETCD_HA_ENABLED", "maybe"}});
}

TEST(EtcdConfig, UnknownKeyIsAnError) {
  ExpectError({{"adress", "http://127.0.0.1:2379"}}, "unknown key 'adress'");
  ExpectError({{"discovery_srv", "example.com"}}, "unknown key 'discovery_srv'");
}

TEST(EtcdConfig, BadAddresses) {
  ExpectError({{"address", ""}}, "'address'");
  ExpectError({{"address", " , "}}, "'address'");
  ExpectError({{"address", "127.0.0.1:2379"}}, "must start with http:// or https://");
  ExpectError({{"address", "http://a:2379,unix:///run/etcd.sock"}},
              "\"unix:///run/etcd.sock\" must start with http://");
}

TEST(EtcdConfig, BadTimeouts) {
  ExpectError({{"request_timeout", "soon"}}, "value [soon] of 'request_timeout'");
  ExpectError({{"request_timeout", "0s"}}, "'request_timeout'");
  ExpectError({{"request_timeout", "-5s"}}, "'request_timeout'");
  ExpectError({{"request_timeout", "0ms"}}, "'request_timeout'");
  ExpectError({{"request_timeout", "xms"}}, "'request_timeout'");
  ExpectError({{"lock_timeout", "15 seconds"}}, "'lock_timeout'");
  ExpectError({{"lock_timeout", "500ms"}}, "'lock_timeout' must be at least 2s");
  ExpectError({{"lock_timeout", "1s"}}, "'lock_timeout' must be at least 2s");
}

TEST(EtcdConfig, BadFlagsAndSizes) {
  ExpectError({{"ha_enabled", "yes please"}}, "value [yes please] of 'ha_enabled'");
  ExpectError({{"sync", "sometimes"}}, "'sync'");
  ExpectError({{"max_receive_size", "big"}}, "'max_receive_size'");
  ExpectError({{"max_receive_size", "0"}}, "'max_receive_size'");
  ExpectError({{"max_receive_size", "-1"}}, "'max_receive_size'");
  ExpectError({{"etcd_api", "v2"}}, "etcd_api \"v2\" is not supported");
  ExpectError({{"username", "u"}}, "'username' and 'password' must be given together");
  ExpectError({{"tls_cert_file", "/c.pem"}}, "'tls_cert_file' and 'tls_key_file'");
}

TEST(EtcdConfig, TlsFilesAreCheckedWhenTheBackendIsBuilt) {
  auto r = NewEtcdBackend(BackendConfig{{"address", "https://127.0.0.1:1"},
                                        {"tls_ca_file", "/nonexistent/ca.pem"},
                                        {"sync", "false"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(r.error().message().find("/nonexistent/ca.pem"), std::string::npos)
      << r.error().message();
}

TEST(EtcdConfig, PrefixEnd) {
  EXPECT_EQ(PrefixEnd("/vault/"), "/vault0");
  EXPECT_EQ(PrefixEnd("a\xff"), "b");
  EXPECT_EQ(PrefixEnd("\xff\xff"), std::string(1, '\0'));
  EXPECT_EQ(PrefixEnd(""), std::string(1, '\0'));
}

}  // namespace
}  // namespace arca::storage::etcd
