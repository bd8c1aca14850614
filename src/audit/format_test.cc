// Formatter and Hasher: entry shapes, and that no secret or token appears in clear.
#include "audit/format.h"

#include <gtest/gtest.h>

#include "audit/hasher.h"

namespace arca::audit {
namespace {

constexpr std::string_view kToken = "hvs.SECRET-TOKEN-123";
constexpr std::string_view kAccessor = "ACCESSOR-abc";

json::object Parse(const std::string& line, std::string_view prefix = "") {
  EXPECT_TRUE(line.ends_with("\n"));
  EXPECT_TRUE(line.starts_with(prefix));
  auto v = ParseJsonObject(std::string_view(line).substr(prefix.size()));
  EXPECT_TRUE(v) << line;
  return v ? *v : json::object{};
}

struct Fixture {
  Fixture() {
    req.id = "req-1";
    req.operation = logical::Operation::kUpdate;
    req.path = "creds";
    req.original_path = "secret/creds";
    req.mount_point = "secret/";
    req.mount_type = "kv";
    req.mount_accessor = "kv_123";
    req.client_token = kToken;
    req.client_token_accessor = kAccessor;
    req.remote_addr = "10.0.0.1";
    req.data = json::object{{"password", "hunter2"},
                            {"nested", json::object{{"inner", "s3cret"}, {"n", 5}}},
                            {"list", json::array{"listsecret", true}},
                            {"public", "visible-only-if-exempt"}};
    req.headers["x-forwarded-for"] = {"1.2.3.4"};
    req.headers["x-custom"] = {"customvalue"};
    req.headers["authorization"] = {"not-audited"};
    resp.data = json::object{{"value", "response-secret"}, {"ttl", 30}};
    resp.secret = logical::Secret{.lease_id = "secret/creds/lease1"};
    logical::Auth a;
    a.client_token = "hvs.NEW-LOGIN-TOKEN";
    a.accessor = "NEW-ACCESSOR";
    a.policies = {"default"};
    resp.auth = a;
    logical::WrapInfo w;
    w.token = "hvs.WRAP-TOKEN";
    w.accessor = "WRAP-ACCESSOR";
    w.ttl = std::chrono::seconds(60);
    w.creation_path = "secret/creds";
    resp.wrap_info = w;
    resp.warnings = {"a warning"};
    in.request = &req;
    in.response = &resp;
    in.auth = AuthInfoFromRequest(req);
    in.auth.token_type = "service";
    in.auth.token_ttl = 3600;
    in.auth.remaining_uses = 2;
    in.time = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
              std::chrono::nanoseconds(5);
  }
  logical::Request req;
  logical::Response resp;
  LogInput in;
};

Formatter Make(FormatOptions o = {}) {
  return Formatter(std::move(o), std::make_shared<const Hasher>("salt-salt-salt"));
}

TEST(AuditHasher, RfcVectorAndShape) {
  // RFC 4231 test case 2.
  Hasher h("Jefe");
  EXPECT_EQ(h.Hash("what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  Hasher other("other");
  EXPECT_NE(other.Hash("x"), h.Hash("x"));
  json::value v = json::array{"a", 1, json::object{{"k", "b"}, {"z", nullptr}}};
  h.HashStrings(v);
  EXPECT_EQ(v.as_array()[0].as_string(), h.Hash("a"));
  EXPECT_EQ(v.as_array()[1].as_int64(), 1);
  EXPECT_EQ(v.as_array()[2].as_object().at("k").as_string(), h.Hash("b"));
  EXPECT_TRUE(v.as_array()[2].as_object().at("z").is_null());
}

TEST(AuditFormat, RequestEntryShape) {
  Fixture f;
  Formatter fmt = Make();
  HeaderConfig headers{{"x-forwarded-for", false}, {"x-custom", true}};
  json::object e = Parse(fmt.FormatRequest(f.in, headers));
  const Hasher& h = fmt.hasher();
  EXPECT_EQ(e.at("type").as_string(), "request");
  EXPECT_EQ(e.at("time").as_string(), "2023-11-14T22:13:20.000000005Z");
  EXPECT_EQ(e.at("error").as_string(), "");
  const auto& r = e.at("request").as_object();
  EXPECT_EQ(r.at("id").as_string(), "req-1");
  EXPECT_EQ(r.at("operation").as_string(), "update");
  EXPECT_EQ(r.at("path").as_string(), "secret/creds");
  EXPECT_EQ(r.at("mount_point").as_string(), "secret/");
  EXPECT_EQ(r.at("mount_type").as_string(), "kv");
  EXPECT_EQ(r.at("mount_accessor").as_string(), "kv_123");
  EXPECT_EQ(r.at("namespace").as_object().at("id").as_string(), "root");
  EXPECT_EQ(r.at("remote_address").as_string(), "10.0.0.1");
  EXPECT_EQ(r.at("client_token").as_string(), h.Hash(kToken));
  EXPECT_EQ(r.at("client_token_accessor").as_string(), h.Hash(kAccessor));
  const auto& d = r.at("data").as_object();
  EXPECT_EQ(d.at("password").as_string(), h.Hash("hunter2"));
  EXPECT_EQ(d.at("nested").as_object().at("inner").as_string(), h.Hash("s3cret"));
  EXPECT_EQ(d.at("nested").as_object().at("n").as_int64(), 5);
  EXPECT_EQ(d.at("list").as_array()[0].as_string(), h.Hash("listsecret"));
  EXPECT_EQ(d.at("list").as_array()[1].as_bool(), true);
  const auto& hd = r.at("headers").as_object();
  EXPECT_EQ(hd.at("x-forwarded-for").as_array()[0].as_string(), "1.2.3.4");
  EXPECT_EQ(hd.at("x-custom").as_array()[0].as_string(), h.Hash("customvalue"));
  EXPECT_FALSE(hd.contains("authorization"));
  const auto& a = e.at("auth").as_object();
  EXPECT_EQ(a.at("client_token").as_string(), h.Hash(kToken));
  EXPECT_EQ(a.at("accessor").as_string(), h.Hash(kAccessor));
  EXPECT_EQ(a.at("token_type").as_string(), "service");
  EXPECT_EQ(a.at("token_ttl").as_int64(), 3600);
  EXPECT_EQ(a.at("remaining_uses").as_int64(), 2);
}

TEST(AuditFormat, NoSecretInClear) {
  Fixture f;
  Formatter fmt = Make();
  HeaderConfig headers{{"x-custom", true}};
  std::string lines = fmt.FormatRequest(f.in, headers) + fmt.FormatResponse(f.in, headers);
  for (std::string_view secret :
       {kToken, kAccessor, std::string_view("hunter2"), std::string_view("s3cret"),
        std::string_view("listsecret"), std::string_view("response-secret"),
        std::string_view("NEW-LOGIN-TOKEN"), std::string_view("NEW-ACCESSOR"),
        std::string_view("WRAP-TOKEN"), std::string_view("WRAP-ACCESSOR"),
        std::string_view("customvalue"), std::string_view("not-audited")}) {
    EXPECT_EQ(lines.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(lines.find("hmac-sha256:"), std::string::npos);
}

TEST(AuditFormat, ResponseEntryShape) {
  Fixture f;
  Formatter fmt = Make();
  json::object e = Parse(fmt.FormatResponse(f.in, {}));
  const Hasher& h = fmt.hasher();
  EXPECT_EQ(e.at("type").as_string(), "response");
  ASSERT_TRUE(e.contains("request"));
  const auto& r = e.at("response").as_object();
  EXPECT_EQ(r.at("mount_point").as_string(), "secret/");
  EXPECT_EQ(r.at("secret").as_object().at("lease_id").as_string(), "secret/creds/lease1");
  EXPECT_EQ(r.at("data").as_object().at("value").as_string(), h.Hash("response-secret"));
  EXPECT_EQ(r.at("data").as_object().at("ttl").as_int64(), 30);
  EXPECT_EQ(r.at("auth").as_object().at("client_token").as_string(), h.Hash("hvs.NEW-LOGIN-TOKEN"));
  EXPECT_EQ(r.at("auth").as_object().at("accessor").as_string(), h.Hash("NEW-ACCESSOR"));
  EXPECT_EQ(r.at("warnings").as_array()[0].as_string(), "a warning");
  const auto& w = r.at("wrap_info").as_object();
  EXPECT_EQ(w.at("token").as_string(), h.Hash("hvs.WRAP-TOKEN"));
  EXPECT_EQ(w.at("accessor").as_string(), h.Hash("WRAP-ACCESSOR"));
  EXPECT_EQ(w.at("ttl").as_int64(), 60);
  EXPECT_EQ(w.at("creation_path").as_string(), "secret/creds");
}

TEST(AuditFormat, ErrorIsRecorded) {
  Fixture f;
  f.in.error = "permission denied";
  json::object e = Parse(Make().FormatRequest(f.in, {}));
  EXPECT_EQ(e.at("error").as_string(), "permission denied");
}

TEST(AuditFormat, LogRawAndHmacAccessorOptions) {
  Fixture f;
  std::string raw = Make({.log_raw = true}).FormatResponse(f.in, {{"x-custom", true}});
  EXPECT_NE(raw.find(kToken), std::string::npos);
  EXPECT_NE(raw.find("hunter2"), std::string::npos);
  EXPECT_NE(raw.find("customvalue"), std::string::npos);
  EXPECT_EQ(raw.find("hmac-sha256:"), std::string::npos);

  Formatter no_acc = Make({.hmac_accessor = false});
  json::object e = Parse(no_acc.FormatResponse(f.in, {}));
  EXPECT_EQ(e.at("request").as_object().at("client_token_accessor").as_string(), kAccessor);
  EXPECT_EQ(e.at("auth").as_object().at("accessor").as_string(), kAccessor);
  EXPECT_EQ(e.at("request").as_object().at("client_token").as_string(),
            no_acc.hasher().Hash(kToken));
  EXPECT_EQ(e.at("response").as_object().at("wrap_info").as_object().at("token").as_string(),
            no_acc.hasher().Hash("hvs.WRAP-TOKEN"));
}

TEST(AuditFormat, NonHmacKeysArePerTopLevelKey) {
  Fixture f;
  std::vector<std::string> req_keys = {"public"}, resp_keys = {"value"};
  f.in.non_hmac_request_keys = req_keys;
  f.in.non_hmac_response_keys = resp_keys;
  Formatter fmt = Make();
  json::object e = Parse(fmt.FormatResponse(f.in, {}));
  const auto& rd = e.at("request").as_object().at("data").as_object();
  EXPECT_EQ(rd.at("public").as_string(), "visible-only-if-exempt");
  EXPECT_EQ(rd.at("password").as_string(), fmt.hasher().Hash("hunter2"));
  EXPECT_EQ(e.at("response").as_object().at("data").as_object().at("value").as_string(),
            "response-secret");
}

TEST(AuditFormat, ElideListResponsesAndPrefix) {
  Fixture f;
  f.req.operation = logical::Operation::kList;
  f.resp = logical::Response::WithData(json::object{
      {"keys", json::array{"a", "b", "c"}}, {"key_info", json::object{{"a", 1}, {"b", 2}}}});
  Formatter fmt = Make({.elide_list_responses = true, .prefix = "AUDIT: "});
  json::object e = Parse(fmt.FormatResponse(f.in, {}), "AUDIT: ");
  const auto& d = e.at("response").as_object().at("data").as_object();
  EXPECT_EQ(d.at("keys").as_int64(), 3);
  EXPECT_EQ(d.at("key_info").as_int64(), 2);

  json::object kept = Parse(Make().FormatResponse(f.in, {}));
  EXPECT_TRUE(kept.at("response").as_object().at("data").as_object().at("keys").is_array());
}

TEST(AuditFormat, RawResponseBodyIsHashed) {
  Fixture f;
  f.resp = logical::Response{};
  f.resp.raw = logical::RawBody{200, "text/plain", "raw-body-secret"};
  Formatter fmt = Make();
  std::string line = fmt.FormatResponse(f.in, {});
  EXPECT_EQ(line.find("raw-body-secret"), std::string::npos);
  json::object e = Parse(line);
  const auto& d = e.at("response").as_object().at("data").as_object();
  EXPECT_EQ(d.at("http_status_code").as_int64(), 200);
  EXPECT_EQ(d.at("http_raw_body").as_string(), fmt.hasher().Hash("raw-body-secret"));
}

TEST(AuditFormat, UnauthenticatedRequestHasEmptyAuth) {
  logical::Request req;
  req.operation = logical::Operation::kRead;
  req.path = "sys/health";
  LogInput in;
  in.request = &req;
  json::object e = Parse(Make().FormatRequest(in, {}));
  EXPECT_TRUE(e.at("auth").as_object().empty());
  EXPECT_FALSE(e.at("request").as_object().contains("client_token"));
  EXPECT_FALSE(e.at("request").as_object().contains("data"));
  EXPECT_EQ(e.at("request").as_object().at("path").as_string(), "sys/health");
}

}  // namespace
}  // namespace arca::audit

namespace arca::audit {
namespace {

TEST(AuditFormat, ResponseEntryReusesTheRequestEntrysParts) {
  Fixture f;
  Formatter fmt = Make();
  Formatter other(FormatOptions{}, std::make_shared<const Hasher>("another-salt"));
  HeaderConfig headers{{"x-custom", true}};
  const std::string fresh = fmt.FormatResponse(f.in, headers);
  // The field-by-field shape of a fresh response entry, for comparison below.
  json::object expected = Parse(fresh);

  EntryMemo memo;
  f.in.memo = &memo;
  const std::string request_line = fmt.FormatRequest(f.in, headers);
  ASSERT_EQ(memo.parts.size(), 1u);
  // The same bytes as a response entry formatted from scratch.
  EXPECT_EQ(fmt.FormatResponse(f.in, headers), fresh);
  // Both entries show the request as it was logged first: a change made in between (by a
  // backend) does not reach the response entry's request object.
  f.req.data["password"] = "changed";
  json::object reused = Parse(fmt.FormatResponse(f.in, headers));
  EXPECT_EQ(reused.at("request"), expected.at("request"));
  EXPECT_EQ(reused.at("auth"), Parse(request_line).at("auth"));
  // Another device's formatter (another salt) does not take this one's parts.
  f.in.memo = nullptr;
  const std::string other_fresh = other.FormatResponse(f.in, headers);
  f.in.memo = &memo;
  EXPECT_EQ(other.FormatResponse(f.in, headers), other_fresh);
  EXPECT_NE(Parse(other_fresh).at("request"), expected.at("request"));
}

}  // namespace
}  // namespace arca::audit
