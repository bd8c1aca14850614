// ApplyCors: Vault's CORS rules in front of the API.
#include "http/cors.h"

#include <gtest/gtest.h>

namespace arca::http {
namespace {

std::string Find(const std::vector<std::pair<std::string, std::string>>& h, std::string_view n) {
  for (const auto& [k, v] : h) {
    if (k == n) return v;
  }
  return "<none>";
}

TEST(Cors, PreflightSimpleAndRefusedOrigins) {
  CorsConfig c;
  c.enabled = true;
  c.allowed_origins = {"http://a.example"};
  c.allowed_headers = {"X-Vault-Token", "X-Custom"};
  std::vector<HeaderField> headers = {{"Origin", "http://a.example"},
                                      {"Access-Control-Request-Method", "PUT"}};
  HttpRequestView pre{"OPTIONS", "/v1/secret/x", headers, "", "127.0.0.1"};
  std::vector<std::pair<std::string, std::string>> extra;
  auto r = ApplyCors(c, pre, extra);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(Find(r->headers, "Access-Control-Allow-Origin"), "http://a.example");
  EXPECT_EQ(Find(r->headers, "Access-Control-Allow-Headers"), "X-Vault-Token,X-Custom");
  EXPECT_EQ(Find(r->headers, "Access-Control-Allow-Methods"), "DELETE, GET, OPTIONS, POST, PUT, LIST");
  EXPECT_TRUE(extra.empty());

  std::vector<HeaderField> bad_method = {{"origin", "http://a.example"},
                                         {"access-control-request-method", "TRACE"}};
  auto r405 = ApplyCors(c, HttpRequestView{"OPTIONS", "/v1/x", bad_method, "", ""}, extra);
  ASSERT_TRUE(r405);
  EXPECT_EQ(r405->status, 405);

  std::vector<HeaderField> simple = {{"Origin", "http://a.example"}};
  EXPECT_FALSE(ApplyCors(c, HttpRequestView{"GET", "/v1/x", simple, "", ""}, extra));
  EXPECT_EQ(Find(extra, "Access-Control-Allow-Origin"), "http://a.example");
  EXPECT_EQ(Find(extra, "Vary"), "Origin");

  extra.clear();
  std::vector<HeaderField> evil = {{"Origin", "http://evil.example"}};
  auto denied = ApplyCors(c, HttpRequestView{"GET", "/v1/x", evil, "", ""}, extra);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_NE(denied->body.find("origin not allowed"), std::string::npos);
  EXPECT_TRUE(extra.empty());

  // No Origin, or CORS disabled: nothing happens (even for an origin that would be refused).
  EXPECT_FALSE(ApplyCors(c, HttpRequestView{"GET", "/v1/x", {}, "", ""}, extra));
  c.enabled = false;
  EXPECT_FALSE(ApplyCors(c, HttpRequestView{"GET", "/v1/x", evil, "", ""}, extra));
  EXPECT_TRUE(extra.empty());

  c.enabled = true;
  c.allowed_origins = {"*"};
  EXPECT_FALSE(ApplyCors(c, HttpRequestView{"GET", "/v1/x", evil, "", ""}, extra));
  EXPECT_EQ(Find(extra, "Access-Control-Allow-Origin"), "http://evil.example");
}

}  // namespace
}  // namespace arca::http
