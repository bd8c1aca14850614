#include "http/translate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.h"

namespace arca::http {
namespace {

using logical::Operation;
using ::testing::ElementsAre;
using ::testing::Pair;

// Builds a request from a method, a target, headers and a body, from peer 10.0.0.1.
struct Req {
  std::string method = "GET";
  std::string target = "/v1/secret/foo";
  std::vector<HeaderField> headers;
  std::string body;
  std::string peer = "10.0.0.1";

  Result<logical::Request> Build(const CidrSet& trusted = CidrSet()) const {
    HttpRequestView v{method, target, headers, body, peer};
    return BuildRequest(v, trusted);
  }
};

json::value Parse(const std::string& s) { return json::parse(s); }

std::string HeaderValue(const HttpResponseOut& out, std::string_view name) {
  for (const auto& [n, v] : out.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

// ---- methods and operations ----

struct OpCase {
  std::string method;
  std::string target;
  std::vector<HeaderField> headers;
  Operation op;
  std::string path;
};

TEST(BuildRequest, MapsMethodsAndQueryFlagsToOperations) {
  const std::vector<HeaderField> merge = {{"Content-Type", "application/merge-patch+json"}};
  const std::vector<OpCase> cases = {
      {"GET", "/v1/secret/foo", {}, Operation::kRead, "secret/foo"},
      {"HEAD", "/v1/secret/foo", {}, Operation::kRead, "secret/foo"},
      {"GET", "/v1/secret/foo?list=true", {}, Operation::kList, "secret/foo/"},
      {"GET", "/v1/secret/foo/?list=1", {}, Operation::kList, "secret/foo/"},
      {"GET", "/v1/secret/foo?list=false", {}, Operation::kRead, "secret/foo"},
      {"GET", "/v1/secret/foo?scan=true", {}, Operation::kScan, "secret/foo/"},
      {"GET", "/v1/secret/foo?help=1", {}, Operation::kHelp, "secret/foo"},
      {"POST", "/v1/secret/foo", {}, Operation::kUpdate, "secret/foo"},
      {"PUT", "/v1/secret/foo", {}, Operation::kUpdate, "secret/foo"},
      {"POST", "/v1/secret/foo?help=1", {}, Operation::kHelp, "secret/foo"},
      {"DELETE", "/v1/secret/foo", {}, Operation::kDelete, "secret/foo"},
      {"PATCH", "/v1/secret/foo", merge, Operation::kPatch, "secret/foo"},
      {"LIST", "/v1/secret/foo", {}, Operation::kList, "secret/foo/"},
      {"LIST", "/v1/secret/", {}, Operation::kList, "secret/"},
      {"SCAN", "/v1/secret", {}, Operation::kScan, "secret/"},
      {"GET", "/v1/sys/health", {}, Operation::kRead, "sys/health"},
      {"GET", "http://vault.example:8200/v1/sys/health", {}, Operation::kRead, "sys/health"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    Req r{c.method, c.target, c.headers};
    auto req = r.Build();
    ASSERT_TRUE(req.has_value()) << req.error().ToString();
    EXPECT_EQ(req->operation, c.op);
    EXPECT_EQ(req->path, c.path);
  }
}

TEST(BuildRequest, UnknownMethodIs405WithNoMessages) {
  auto req = Req{"BREW"}.Build();
  ASSERT_FALSE(req.has_value());
  EXPECT_EQ(req.error().http_status(), 405);
  EXPECT_TRUE(req.error().messages().empty());
}

TEST(BuildRequest, PatchNeedsMergePatchContentType) {
  for (std::string ct : {"", "application/json", "text/plain"}) {
    Req r{"PATCH"};
    if (!ct.empty()) r.headers = {{"Content-Type", ct}};
    auto req = r.Build();
    ASSERT_FALSE(req.has_value()) << ct;
    EXPECT_EQ(req.error().http_status(), 415);
    EXPECT_EQ(req.error().message(), "PATCH requires Content-Type application/merge-patch+json");
  }
  Req ok{"PATCH"};
  ok.headers = {{"content-type", "Application/Merge-Patch+JSON; charset=utf-8"}};
  ok.body = R"({"a":null})";
  auto req = ok.Build();
  ASSERT_TRUE(req.has_value()) << req.error().ToString();
  EXPECT_TRUE(req->data.at("a").is_null());
}

// ---- paths ----

TEST(BuildRequest, NonApiTargetsAre404WithEmptyErrors) {
  for (std::string t : {"/", "/ui/", "/v1", "/v2/secret", "/favicon.ico", "/V1/secret"}) {
    auto req = Req{"GET", t}.Build();
    ASSERT_FALSE(req.has_value()) << t;
    EXPECT_EQ(req.error().http_status(), 404) << t;
    EXPECT_TRUE(req.error().messages().empty()) << t;
  }
}

TEST(BuildRequest, RejectsTraversalAndOddPaths) {
  const std::vector<std::string> bad = {
      "/v1/secret/../sys/seal",
      "/v1/secret/./foo",
      "/v1/..",
      "/v1/secret/%2e%2e/sys",
      "/v1/secret/%2E%2e",
      "/v1/secret/.%2e/x",
      "/v1/secret%2f..%2fsys",
      "/v1/secret/%2e",
      "/v1/secret/a%00b",
      "/v1/secret\\foo",
      "/v1/secret/%5cfoo",
      "/v1/secret//foo",
      "/v1//secret",
      "/v1/secret/%zz",
      "/v1/secret/%4",
  };
  for (const auto& t : bad) {
    auto req = Req{"GET", t}.Build();
    ASSERT_FALSE(req.has_value()) << t;
    EXPECT_EQ(req.error().http_status(), 400) << t;
    EXPECT_EQ(req.error().message(), "invalid request path") << t;
  }
}

TEST(BuildRequest, DecodesPercentEscapesInPath) {
  auto req = Req{"GET", "/v1/secret/a%20b/c%2Fd/..x/.hidden/"}.Build();
  ASSERT_TRUE(req.has_value()) << req.error().ToString();
  EXPECT_EQ(req->path, "secret/a b/c/d/..x/.hidden/");
  auto root = Req{"GET", "/v1/"}.Build();
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->path, "");
}

// ---- data ----

TEST(BuildRequest, QueryParametersBecomeDataForReadLikeMethods) {
  for (std::string m : {"GET", "DELETE", "LIST", "HEAD"}) {
    auto req = Req{m, "/v1/kv/data/x?version=3&a=1&a=2&list=true&help=0&s=x+y%21"}.Build();
    ASSERT_TRUE(req.has_value()) << m;
    EXPECT_EQ(req->data.at("version"), "3") << m;
    EXPECT_EQ(req->data.at("s"), "x y!") << m;
    EXPECT_EQ(json::serialize(req->data.at("a")), R"(["1","2"])") << m;
    EXPECT_FALSE(req->data.contains("list")) << m;
    EXPECT_FALSE(req->data.contains("help")) << m;
  }
  // Writes take the body only.
  Req post{"POST", "/v1/secret/foo?x=1"};
  post.body = R"({"y":2})";
  auto req = post.Build();
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(json::serialize(req->data), R"({"y":2})");
}

TEST(BuildRequest, JsonBodies) {
  struct Case {
    std::string body;
    bool ok;
    std::string data;
  };
  const std::vector<Case> cases = {
      {"", true, "{}"},
      {"  \n", true, "{}"},
      {R"({"a":"b","n":1,"o":{"x":[1,2]}})", true, R"({"a":"b","n":1,"o":{"x":[1,2]}})"},
      {"[1,2]", false, ""},
      {R"("str")", false, ""},
      {"42", false, ""},
      {"{", false, ""},
      {R"({"a":1}garbage)", false, ""},
  };
  for (const auto& c : cases) {
    Req r{"PUT"};
    r.body = c.body;
    auto req = r.Build();
    ASSERT_EQ(req.has_value(), c.ok) << c.body;
    if (c.ok) {
      EXPECT_EQ(json::serialize(req->data), c.data);
    } else {
      EXPECT_EQ(req.error().http_status(), 400);
      EXPECT_TRUE(req.error().message().starts_with("failed to parse JSON input: "))
          << req.error().message();
    }
  }
}

TEST(BuildRequest, FormBodies) {
  Req r{"POST"};
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "password=p%40ss+word&policies=a&policies=b&empty=";
  auto req = r.Build();
  ASSERT_TRUE(req.has_value()) << req.error().ToString();
  EXPECT_EQ(req->data.at("password"), "p@ss word");
  EXPECT_EQ(req->data.at("policies"), "a,b");
  EXPECT_EQ(req->data.at("empty"), "");
  EXPECT_EQ(req->content_type, "application/x-www-form-urlencoded; charset=utf-8");

  r.body = "a=%zz";
  auto bad = r.Build();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().http_status(), 400);

  // curl -d '{...}' sends the form content type with a JSON body: parsed as JSON, as Vault does.
  r.body = " {\"type\": \"kv\"}";
  auto json_body = r.Build();
  ASSERT_TRUE(json_body.has_value()) << json_body.error().ToString();
  EXPECT_EQ(json_body->data.at("type"), "kv");
}

TEST(BuildRequest, BinaryBodiesAreKeptRaw) {
  Req r{"POST"};
  r.headers = {{"Content-Type", "application/ocsp-request"}};
  r.body = std::string("\x30\x03\x02\x01\x00", 5);
  auto req = r.Build();
  ASSERT_TRUE(req.has_value()) << req.error().ToString();
  EXPECT_EQ(req->raw_body, r.body);
  EXPECT_TRUE(req->data.empty());

  r.headers = {{"Content-Type", "application/json"}};
  r.body = "{\"a\": 1}";
  auto json_req = r.Build();
  ASSERT_TRUE(json_req.has_value());
  EXPECT_TRUE(json_req->raw_body.empty());
}

// ---- headers ----

TEST(BuildRequest, TokenFromVaultHeaderOrBearer) {
  struct Case {
    std::vector<HeaderField> headers;
    std::string token;
  };
  const std::vector<Case> cases = {
      {{{"X-Vault-Token", "hvs.abc"}}, "hvs.abc"},
      {{{"x-vault-token", "s.lower"}}, "s.lower"},
      {{{"Authorization", "Bearer hvs.xyz"}}, "hvs.xyz"},
      {{{"Authorization", "bearer  hvs.xyz "}}, "hvs.xyz"},
      {{{"Authorization", "Basic dXNlcjpw"}}, ""},
      {{{"X-Vault-Token", "hvs.first"}, {"Authorization", "Bearer hvs.second"}}, "hvs.first"},
      {{}, ""},
  };
  for (const auto& c : cases) {
    Req r;
    r.headers = c.headers;
    auto req = r.Build();
    ASSERT_TRUE(req.has_value());
    EXPECT_EQ(req->client_token, c.token);
  }
}

TEST(BuildRequest, WrapTtlHeader) {
  struct Case {
    std::string value;
    bool ok;
    int64_t seconds;
  };
  const std::vector<Case> cases = {
      {"90s", true, 90}, {"90", true, 90},  {"1h30m", true, 5400}, {"5m", true, 300},
      {"", true, 0},     {"abc", false, 0}, {"-5s", false, 0},     {"10parsecs", false, 0},
  };
  for (const auto& c : cases) {
    Req r{"POST", "/v1/sys/wrapping/wrap"};
    r.headers = {{"X-Vault-Wrap-TTL", c.value}};
    auto req = r.Build();
    ASSERT_EQ(req.has_value(), c.ok) << c.value;
    if (c.ok) {
      EXPECT_EQ(req->wrap_ttl.count(), c.seconds) << c.value;
    } else {
      EXPECT_EQ(req.error().http_status(), 400) << c.value;
    }
  }
}

TEST(BuildRequest, FillsIdHeadersAndRemoteAddr) {
  Req r;
  r.headers = {{"X-Custom", "1"}, {"x-custom", "2"}, {"Content-Type", "application/json"}};
  auto a = r.Build();
  auto b = r.Build();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_TRUE(IsUuid(a->id));
  EXPECT_NE(a->id, b->id);
  EXPECT_THAT(a->headers.at("x-custom"), ElementsAre("1", "2"));
  EXPECT_EQ(a->content_type, "application/json");
  EXPECT_EQ(a->remote_addr, "10.0.0.1");
  EXPECT_EQ(a->wrap_ttl.count(), 0);
}

TEST(BuildRequest, XForwardedForOnlyFromTrustedProxies) {
  auto trusted = CidrSet::Parse({"10.0.0.0/8", "fd00::/8"});
  ASSERT_TRUE(trusted.has_value());
  struct Case {
    std::string peer;
    std::vector<HeaderField> headers;
    bool ok;
    std::string remote;
  };
  const std::vector<Case> cases = {
      // Trusted peer: the right-most address (what the proxy saw).
      {"10.1.2.3", {{"X-Forwarded-For", "1.1.1.1, 2.2.2.2"}}, true, "2.2.2.2"},
      {"10.1.2.3",
       {{"X-Forwarded-For", "1.1.1.1"}, {"X-Forwarded-For", "3.3.3.3"}},
       true,
       "3.3.3.3"},
      {"10.1.2.3", {{"X-Forwarded-For", "2001:db8::1"}}, true, "2001:db8::1"},
      {"fd00::5", {{"X-Forwarded-For", "4.4.4.4"}}, true, "4.4.4.4"},
      {"10.1.2.3", {}, true, "10.1.2.3"},
      {"10.1.2.3", {{"X-Forwarded-For", "not-an-ip"}}, false, ""},
      // Untrusted peers: the header is ignored.
      {"192.168.1.1", {{"X-Forwarded-For", "1.1.1.1"}}, true, "192.168.1.1"},
      {"2001:db8::9", {{"X-Forwarded-For", "1.1.1.1"}}, true, "2001:db8::9"},
  };
  for (const auto& c : cases) {
    Req r;
    r.peer = c.peer;
    r.headers = c.headers;
    auto req = r.Build(*trusted);
    ASSERT_EQ(req.has_value(), c.ok) << c.peer;
    if (c.ok) {
      EXPECT_EQ(req->remote_addr, c.remote) << c.peer;
    }
    // The same rule for untranslated requests (a malformed header gives the peer).
    HttpRequestView view{"GET", "/v1/x", c.headers, "", c.peer};
    EXPECT_EQ(ClientAddress(view, *trusted), c.ok ? c.remote : c.peer) << c.peer;
    EXPECT_EQ(ClientAddress(view, CidrSet()), c.peer) << c.peer;
  }
  // Without a trusted set the header never applies.
  Req r;
  r.headers = {{"X-Forwarded-For", "1.1.1.1"}};
  EXPECT_EQ(r.Build()->remote_addr, "10.0.0.1");
}

TEST(PercentDecode, HandlesPlusAndBadEscapes) {
  EXPECT_EQ(PercentDecode("a+b%2B", true), "a b+");
  EXPECT_EQ(PercentDecode("a+b%2B", false), "a+b+");
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("%a", false).has_value());
  EXPECT_FALSE(PercentDecode("%gg", false).has_value());
}

// ---- responses ----

logical::Request ReqWithId() {
  logical::Request r;
  r.id = "11111111-2222-4333-8444-555555555555";
  r.mount_type = "kv";
  return r;
}

TEST(BuildResponse, EnvelopeWithData) {
  logical::Response resp = logical::Response::WithData({{"foo", "bar"}});
  auto out = BuildResponse(ReqWithId(), resp, false);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(HeaderValue(out, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderValue(out, "Cache-Control"), "no-store");
  EXPECT_EQ(Parse(out.body), Parse(R"({"request_id":"11111111-2222-4333-8444-555555555555",
      "lease_id":"","renewable":false,"lease_duration":0,"data":{"foo":"bar"},"wrap_info":null,
      "warnings":null,"auth":null,"mount_type":"kv"})"));
  // Key order follows Vault's.
  EXPECT_TRUE(out.body.starts_with(R"({"request_id":)"));
}

TEST(BuildResponse, SecretAuthAndWarnings) {
  logical::Response resp;
  resp.secret.emplace();
  resp.secret->lease_id = "database/creds/ro/abc";
  resp.secret->ttl = std::chrono::seconds(3600);
  resp.secret->renewable = true;
  resp.warnings = {"careful"};
  resp.auth.emplace();
  resp.auth->client_token = "hvs.tok";
  resp.auth->accessor = "acc";
  resp.auth->policies = {"default", "dev"};
  resp.auth->token_policies = {"default", "dev"};
  resp.auth->metadata = {{"username", "bob"}};
  resp.auth->lease_duration = std::chrono::seconds(60);
  resp.auth->renewable = true;
  resp.auth->num_uses = 3;
  auto out = BuildResponse(ReqWithId(), resp, false);
  EXPECT_EQ(out.status, 200);
  auto v = Parse(out.body).as_object();
  EXPECT_EQ(v.at("lease_id"), "database/creds/ro/abc");
  EXPECT_EQ(v.at("renewable"), true);
  EXPECT_EQ(v.at("lease_duration"), 3600);
  EXPECT_TRUE(v.at("data").is_null());
  EXPECT_EQ(json::serialize(v.at("warnings")), R"(["careful"])");
  EXPECT_EQ(v.at("auth"), Parse(R"({"client_token":"hvs.tok","accessor":"acc",
      "policies":["default","dev"],"token_policies":["default","dev"],
      "metadata":{"username":"bob"},"lease_duration":60,"renewable":true,"entity_id":"",
      "token_type":"service","orphan":false,"mfa_requirement":null,"num_uses":3})"));

  // Empty policy lists and metadata: null / omitted, as Vault encodes them.
  logical::Response bare;
  bare.auth.emplace();
  auto a = Parse(BuildResponse(ReqWithId(), bare, false).body).as_object().at("auth").as_object();
  EXPECT_TRUE(a.at("policies").is_null());
  EXPECT_TRUE(a.at("metadata").is_null());
  EXPECT_FALSE(a.contains("token_policies"));
  EXPECT_FALSE(a.contains("identity_policies"));
}

TEST(BuildResponse, WrapInfoNullsDataAndRequestId) {
  logical::Response resp = logical::Response::WithData({{"foo", "bar"}});
  resp.wrap_info = logical::WrapInfo{
      "hvs.wrap",   "wacc", std::chrono::seconds(300), "2024-01-01T00:00:00.000000001Z",
      "secret/foo", ""};
  auto v = Parse(BuildResponse(ReqWithId(), resp, false).body).as_object();
  EXPECT_EQ(v.at("request_id"), "");
  EXPECT_TRUE(v.at("data").is_null());
  EXPECT_EQ(v.at("wrap_info"), Parse(R"({"token":"hvs.wrap","accessor":"wacc","ttl":300,
      "creation_time":"2024-01-01T00:00:00.000000001Z","creation_path":"secret/foo",
      "wrapped_accessor":""})"));
}

TEST(BuildResponse, NoContentIs204WithoutBody) {
  logical::Request req = ReqWithId();
  req.operation = logical::Operation::kUpdate;
  auto out = BuildResponse(req, logical::Response(), false);
  EXPECT_EQ(out.status, 204);
  EXPECT_TRUE(out.body.empty());
  EXPECT_EQ(HeaderValue(out, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderValue(out, "Content-Type"), "<absent>");
}

// A read that found nothing (Vault's nil response) is 404 {"errors":[]}, as Vault answers it;
// an explicit status (e.g. a 204 a backend chose) is kept.
TEST(BuildResponse, ReadOfNothingIs404WithEmptyErrors) {
  logical::Request req = ReqWithId();
  req.operation = logical::Operation::kRead;
  auto out = BuildResponse(req, logical::Response(), false);
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(out.body, R"({"errors":[]})");
  logical::Response explicit_204;
  explicit_204.status_code = 204;
  EXPECT_EQ(BuildResponse(req, explicit_204, false).status, 204);
  req.operation = logical::Operation::kDelete;
  EXPECT_EQ(BuildResponse(req, logical::Response(), false).status, 204);
}

TEST(BuildResponse, EmptyListIs404WithEmptyErrors) {
  auto out = BuildResponse(ReqWithId(), logical::Response::ListResponse({}), false);
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(out.body, R"({"errors":[]})");
  auto full = BuildResponse(ReqWithId(), logical::Response::ListResponse({"a", "b/"}), false);
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(Parse(full.body).as_object().at("data"), Parse(R"({"keys":["a","b/"]})"));
}

TEST(BuildResponse, StatusOverrideAndExtraHeaders) {
  logical::Response resp = logical::Response::WithData({{"sealed", true}});
  resp.status_code = 503;
  resp.headers = {{"X-Vault-Hostname", "node1"}, {"cache-control", "max-age=5"}};
  auto out = BuildResponse(ReqWithId(), resp, false);
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(Parse(out.body).as_object().at("data"), Parse(R"({"sealed":true})"));
  EXPECT_EQ(HeaderValue(out, "X-Vault-Hostname"), "node1");
  EXPECT_EQ(HeaderValue(out, "Cache-Control"), "max-age=5");  // replaced, not duplicated

  logical::Response empty;
  empty.status_code = 429;
  auto e = BuildResponse(ReqWithId(), empty, false);
  EXPECT_EQ(e.status, 429);
  EXPECT_TRUE(e.body.empty());
}

TEST(BuildResponse, RawBypassesEnvelope) {
  logical::Response resp;
  resp.raw = logical::RawBody{200, "application/pkix-crl", std::string("\x30\x82\x00\x01", 4)};
  resp.data = {{"ignored", true}};
  auto out = BuildResponse(ReqWithId(), resp, false);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, std::string("\x30\x82\x00\x01", 4));
  EXPECT_EQ(HeaderValue(out, "Content-Type"), "application/pkix-crl");
  EXPECT_EQ(HeaderValue(out, "Cache-Control"), "no-store");
}

TEST(BuildResponse, DataAtTopLevelDoesNotOverrideEnvelopeKeys) {
  logical::Response resp =
      logical::Response::WithData({{"secret/", {{"type", "kv"}}}, {"lease_id", "spoof"}});
  resp.data_at_top_level = true;
  auto v = Parse(BuildResponse(ReqWithId(), resp, false).body).as_object();
  EXPECT_EQ(v.at("secret/"), Parse(R"({"type":"kv"})"));
  EXPECT_EQ(v.at("lease_id"), "");
  EXPECT_EQ(v.at("data").as_object().at("lease_id"), "spoof");
}

TEST(BuildResponse, HeadNeverHasABody) {
  auto ok = BuildResponse(ReqWithId(), logical::Response::WithData({{"a", 1}}), true);
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(ok.body.empty());
  auto err = BuildResponse(ReqWithId(), NotFound("nope"), true);
  EXPECT_EQ(err.status, 404);
  EXPECT_TRUE(err.body.empty());
}

TEST(BuildResponse, ErrorsUseKindStatusAndMessages) {
  struct Case {
    Error err;
    int status;
    std::string body;
  };
  const std::vector<Case> cases = {
      {Error(ErrorKind::kPermissionDenied, "permission denied"), 403,
       R"({"errors":["permission denied"]})"},
      {Error(ErrorKind::kInvalidRequest, std::vector<std::string>{"a", "b"}), 400,
       R"({"errors":["a","b"]})"},
      {Error(ErrorKind::kSealed, "Vault is sealed"), 503, R"({"errors":["Vault is sealed"]})"},
      {Error(ErrorKind::kInternal, "boom"), 500, R"({"errors":["boom"]})"},
  };
  for (const auto& c : cases) {
    auto out = BuildResponse(ReqWithId(), std::unexpected(c.err), false);
    EXPECT_EQ(out.status, c.status);
    EXPECT_EQ(out.body, c.body);
    EXPECT_EQ(HeaderValue(out, "Content-Type"), "application/json");
    EXPECT_EQ(HeaderValue(out, "Cache-Control"), "no-store");
  }
}

TEST(OverloadedResponse, Is503WithRetryAfter) {
  auto out = OverloadedResponse();
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(out.body, R"({"errors":["server is overloaded, retry later"]})");
  EXPECT_EQ(HeaderValue(out, "Retry-After"), "1");
}

}  // namespace
}  // namespace arca::http
