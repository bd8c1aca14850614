// Rate limit quotas over HTTP: 429 with Retry-After and X-Ratelimit-* headers, set up with the
// CLI, counted in sys/metrics.
#include <gtest/gtest.h>

#include "integration/harness.h"

namespace arca::testing {
namespace {

class Quotas : public DevServerTest {};

TEST_F(Quotas, RateLimitOverHttp) {
  Ok({"kv", "put", "secret/app", "k=v"});
  Ok({"write", "sys/quotas/rate-limit/secret-q", "path=secret", "rate=3", "interval=1m"});
  Ok({"write", "sys/quotas/config", "enable_rate_limit_response_headers=true"});
  auto read = Ok({"read", "-format=json", "sys/quotas/rate-limit/secret-q"});
  EXPECT_NE(read.find("\"path\": \"secret/\""), std::string::npos) << read;

  const std::map<std::string, std::string> auth{{"X-Vault-Token", root_}};
  for (int i = 0; i < 3; ++i) {
    auto ok = RawHttp(port_, "GET", "/v1/secret/data/app", "", auth);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.headers["x-ratelimit-limit"], "3");
    EXPECT_EQ(ok.headers["x-ratelimit-remaining"], std::to_string(2 - i));
  }
  auto refused = RawHttp(port_, "GET", "/v1/secret/data/app", "", auth);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(refused.body.find("rate limit quota exceeded"), std::string::npos);
  ASSERT_FALSE(refused.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(refused.headers["retry-after"]), 1);
  EXPECT_LE(std::stoi(refused.headers["retry-after"]), 60);
  EXPECT_EQ(refused.headers["x-ratelimit-remaining"], "0");
  // The CLI reports the refusal too.
  auto cli = Cli({"kv", "get", "secret/app"});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE((cli.out + cli.err).find("429"), std::string::npos) << cli.out << cli.err;
  // sys/ is outside the quota; the violation is counted.
  auto metrics = RawHttp(port_, "GET", "/v1/sys/metrics?format=prometheus", "", auth);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(R"(vault_quota_rate_limit_violation_total{name="secret-q"} )"),
            std::string::npos) << metrics.body;
  Ok({"delete", "sys/quotas/rate-limit/secret-q"});
  EXPECT_EQ(RawHttp(port_, "GET", "/v1/secret/data/app", "", auth).status, 200);
}

}  // namespace
}  // namespace arca::testing
