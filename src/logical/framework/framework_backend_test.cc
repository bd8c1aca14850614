#include "logical/framework/framework_backend.h"

#include <gtest/gtest.h>

#include <boost/regex.hpp>
#include <stdexcept>

namespace arca::logical::framework {
namespace {

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// A handler that echoes which path answered and the fields it saw.
Handler Echo(std::string tag) {
  return [tag](Request& req, FieldData& d) -> Result<Response> {
    Response r;
    r.data["path"] = tag;
    r.data["op"] = OperationName(req.operation);
    r.data["fields"] = d.Raw();
    if (d.Has("name")) r.data["name"] = d.GetString("name");
    if (d.Get("ttl").is_int64()) r.data["ttl"] = d.GetDuration("ttl").count();
    return r;
  };
}

FrameworkBackend::Options TestOptions() {
  FrameworkBackend::Options o;
  o.type = "test";
  o.help = "A backend for tests.";
  o.special_paths.unauthenticated = {"login"};
  // Order matters: "keys/rotate" must be matched before the generic "keys/<name>".
  o.paths.push_back(Path{
      .pattern = "keys/rotate",
      .operations = {{Operation::kUpdate, {Echo("rotate"), "Rotate"}}},
      .help_synopsis = "Rotate all keys.",
  });
  o.paths.push_back(Path{
      .pattern = "keys/" + GenericNameRegex("name"),
      .fields = {{"name", {.type = FieldType::kString, .description = "Name of the key."}},
                 {"ttl", {.type = FieldType::kDuration, .description = "Lifetime."}},
                 {"exportable", {.type = FieldType::kBool}}},
      .operations = {{Operation::kRead, {Echo("key"), "Read a key"}},
                     {Operation::kUpdate, {Echo("key"), "Write a key"}},
                     {Operation::kDelete, {Echo("key"), "Delete a key"}}},
      .existence_check = [](Request& req, FieldData& d) -> Result<bool> {
        return d.GetString("name") == "existing";
      },
      .help_synopsis = "Manage named keys.",
      .help_description = "Keys are created on first write.",
  });
  o.paths.push_back(Path{
      .pattern = "keys/?",
      .operations = {{Operation::kList, {Echo("list"), "List keys"}}},
  });
  o.paths.push_back(Path{
      .pattern = "raw" + OptionalParamRegex("rest"),
      .operations = {{Operation::kCreate, {Echo("raw-create")}},
                     {Operation::kUpdate, {Echo("raw-update")}},
                     {Operation::kRead, {[](Request&, FieldData&) -> Result<Response> {
                        throw std::runtime_error("boom");
                      }}}},
  });
  return o;
}

Request Req(Operation op, std::string path, std::string_view body = "{}") {
  Request r;
  r.operation = op;
  r.path = std::move(path);
  r.data = Obj(body);
  r.mount_point = "test/";
  return r;
}

class FrameworkBackendTest : public ::testing::Test {
 protected:
  FrameworkBackend backend_{TestOptions()};
};

TEST_F(FrameworkBackendTest, Basics) {
  EXPECT_TRUE(backend_.InitStatus().has_value());
  EXPECT_EQ(backend_.Type(), "test");
  EXPECT_EQ(backend_.Kind(), BackendKind::kLogical);
  EXPECT_EQ(backend_.GetSpecialPaths().unauthenticated, std::vector<std::string>{"login"});
}

TEST_F(FrameworkBackendTest, FirstMatchingPathWins) {
  struct Case {
    Operation op;
    const char* path;
    const char* tag;
  } cases[] = {
      {Operation::kUpdate, "keys/rotate", "rotate"},
      {Operation::kUpdate, "keys/rotatex", "key"},
      {Operation::kRead, "keys/my-key.1", "key"},
      {Operation::kList, "keys/", "list"},
      {Operation::kList, "keys", "list"},
      {Operation::kUpdate, "raw", "raw-update"},
      {Operation::kUpdate, "raw/a/b", "raw-update"},
  };
  for (const auto& c : cases) {
    Request req = Req(c.op, c.path);
    auto resp = backend_.HandleRequest(req);
    ASSERT_TRUE(resp.has_value()) << c.path << ": " << resp.error().ToString();
    EXPECT_EQ(resp->data.at("path"), c.tag) << c.path;
  }
}

TEST_F(FrameworkBackendTest, UnknownPathIs404) {
  for (const char* path : {"nope", "keys/-bad", "keys/a/b", "rawx", ""}) {
    Request req = Req(Operation::kRead, path);
    auto resp = backend_.HandleRequest(req);
    ASSERT_FALSE(resp.has_value()) << path;
    EXPECT_EQ(resp.error().http_status(), 404);
    EXPECT_EQ(resp.error().message(), "unsupported path");
  }
}

TEST_F(FrameworkBackendTest, MissingOperationIs405) {
  for (auto [op, path] :
       {std::pair{Operation::kRead, "keys/rotate"}, std::pair{Operation::kList, "keys/a"},
        std::pair{Operation::kPatch, "keys/a"}, std::pair{Operation::kDelete, "keys"}}) {
    Request req = Req(op, path);
    auto resp = backend_.HandleRequest(req);
    ASSERT_FALSE(resp.has_value()) << path;
    EXPECT_EQ(resp.error().http_status(), 405) << path;
    EXPECT_EQ(resp.error().message(), "unsupported operation");
  }
}

TEST_F(FrameworkBackendTest, CreateFallsBackToUpdate) {
  Request req = Req(Operation::kCreate, "keys/k");
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->data.at("path"), "key");
  // A path with its own create handler uses it.
  Request raw = Req(Operation::kCreate, "raw/x");
  auto raw_resp = backend_.HandleRequest(raw);
  ASSERT_TRUE(raw_resp.has_value());
  EXPECT_EQ(raw_resp->data.at("path"), "raw-create");
}

TEST_F(FrameworkBackendTest, CapturesOverrideBody) {
  Request req = Req(Operation::kUpdate, "keys/from-url", R"({"name":"from-body","ttl":"2m"})");
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->data.at("name"), "from-url");
  EXPECT_EQ(resp->data.at("ttl"), 120);
  EXPECT_TRUE(resp->warnings.empty());
}

TEST_F(FrameworkBackendTest, UnmatchedOptionalCaptureIsNotAField) {
  Request req = Req(Operation::kUpdate, "raw", R"({"rest":"body"})");
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->data.at("fields").at("rest"), "body");
  Request with = Req(Operation::kUpdate, "raw/a/b", R"({"rest":"body"})");
  auto with_resp = backend_.HandleRequest(with);
  ASSERT_TRUE(with_resp.has_value());
  EXPECT_EQ(with_resp->data.at("fields").at("rest"), "a/b");
}

TEST_F(FrameworkBackendTest, BadFieldIs400NamingTheField) {
  Request req = Req(Operation::kUpdate, "keys/k", R"({"ttl":"forever"})");
  auto resp = backend_.HandleRequest(req);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().http_status(), 400);
  EXPECT_TRUE(resp.error().message().starts_with("error converting input for field \"ttl\""))
      << resp.error().message();
}

TEST_F(FrameworkBackendTest, UnrecognizedParametersWarn) {
  Request req = Req(Operation::kUpdate, "keys/k", R"({"zeta":1,"alpha":2,"ttl":3})");
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value());
  ASSERT_EQ(resp->warnings.size(), 1u);
  EXPECT_EQ(resp->warnings[0], "Endpoint ignored these unrecognized parameters: [alpha zeta]");
  // Paths that declare no fields see the body without a warning.
  Request raw = Req(Operation::kUpdate, "raw/x", R"({"anything":1})");
  auto raw_resp = backend_.HandleRequest(raw);
  ASSERT_TRUE(raw_resp.has_value());
  EXPECT_TRUE(raw_resp->warnings.empty());
  EXPECT_EQ(raw_resp->data.at("fields").at("anything"), 1);
}

TEST_F(FrameworkBackendTest, TakesArbitraryInputSuppressesWarning) {
  auto o = TestOptions();
  o.paths[1].takes_arbitrary_input = true;
  FrameworkBackend b(std::move(o));
  Request req = Req(Operation::kUpdate, "keys/k", R"({"zeta":1})");
  auto resp = b.HandleRequest(req);
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->warnings.empty());
}

TEST_F(FrameworkBackendTest, HandlerExceptionBecomesInternalError) {
  Request req = Req(Operation::kRead, "raw/x");
  auto resp = backend_.HandleRequest(req);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().http_status(), 500);
}

TEST_F(FrameworkBackendTest, ExistenceCheck) {
  Request existing = Req(Operation::kUpdate, "keys/existing");
  auto e = backend_.HandleExistenceCheck(existing);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->supported);
  EXPECT_TRUE(e->exists);

  Request fresh = Req(Operation::kUpdate, "keys/fresh");
  e = backend_.HandleExistenceCheck(fresh);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->supported);
  EXPECT_FALSE(e->exists);

  Request unsupported = Req(Operation::kUpdate, "keys/rotate");
  e = backend_.HandleExistenceCheck(unsupported);
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->supported);

  Request unknown = Req(Operation::kUpdate, "zzz");
  e = backend_.HandleExistenceCheck(unknown);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().http_status(), 404);

  Request bad = Req(Operation::kUpdate, "keys/x", R"({"exportable":"maybe"})");
  e = backend_.HandleExistenceCheck(bad);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().http_status(), 400);
}

TEST_F(FrameworkBackendTest, ExistenceCheckRoutingIsReusedOnlyForTheSamePath) {
  // The existence check leaves its routing and validated fields for HandleRequest.
  Request req = Req(Operation::kUpdate, "keys/fresh", R"({"ttl":"1h"})");
  auto e = backend_.HandleExistenceCheck(req);
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(req.backend_scratch, nullptr);
  req.operation = Operation::kCreate;  // as the core does for a missing entry
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->data.at("name").as_string(), "fresh");
  EXPECT_EQ(resp->data.at("ttl").as_int64(), 3600);
  EXPECT_EQ(req.backend_scratch, nullptr);  // consumed

  // Scratch left for another path (or by another backend) is not used.
  Request moved = Req(Operation::kUpdate, "keys/first");
  ASSERT_TRUE(backend_.HandleExistenceCheck(moved).has_value());
  moved.path = "keys/second";
  resp = backend_.HandleRequest(moved);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->data.at("name").as_string(), "second");
  FrameworkBackend other(TestOptions());
  Request foreign = Req(Operation::kUpdate, "keys/mine");
  ASSERT_TRUE(other.HandleExistenceCheck(foreign).has_value());
  foreign.data = Obj(R"({"ttl":"2h"})");
  resp = backend_.HandleRequest(foreign);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->data.at("ttl").as_int64(), 7200);  // validated afresh from the data
}

TEST_F(FrameworkBackendTest, PathHelp) {
  Request req = Req(Operation::kHelp, "keys/k");
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  std::string help(resp->data.at("help").as_string());
  EXPECT_NE(help.find("Manage named keys."), std::string::npos) << help;
  EXPECT_NE(help.find("ttl (duration (sec))"), std::string::npos) << help;
  EXPECT_NE(help.find("Name of the key."), std::string::npos) << help;
  EXPECT_NE(help.find("Keys are created on first write."), std::string::npos) << help;
  const auto& doc = resp->data.at("openapi").as_object();
  EXPECT_EQ(doc.at("openapi"), "3.0.2");
  const auto& paths = doc.at("paths").as_object();
  ASSERT_TRUE(paths.contains("/test/keys/{name}")) << json::serialize(doc);
  EXPECT_EQ(paths.size(), 1u);
}

TEST_F(FrameworkBackendTest, RootHelpListsAllPaths) {
  Request req = Req(Operation::kHelp, "");
  auto resp = backend_.HandleRequest(req);
  ASSERT_TRUE(resp.has_value());
  std::string help(resp->data.at("help").as_string());
  EXPECT_NE(help.find("A backend for tests."), std::string::npos);
  EXPECT_NE(help.find("^keys/rotate$"), std::string::npos);
  EXPECT_NE(help.find("Rotate all keys."), std::string::npos);
  const auto& paths = resp->data.at("openapi").at("paths").as_object();
  EXPECT_TRUE(paths.contains("/test/keys/rotate"));
  EXPECT_TRUE(paths.contains("/test/raw/{rest}"));
  EXPECT_TRUE(paths.contains("/test/keys/"));  // the list operation
}

TEST_F(FrameworkBackendTest, HelpOnUnknownPathIs404) {
  Request req = Req(Operation::kHelp, "nope");
  auto resp = backend_.HandleRequest(req);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().http_status(), 404);
}

// Patterns of the shapes routed without the regex engine (prefix + MatchAllRegex, prefix +
// GenericNameRegex) answer exactly as Boost.Regex does, captures included.
TEST(FrameworkRoutingTest, FastShapesAgreeWithTheRegex) {
  const std::vector<std::string> patterns = {"data/" + MatchAllRegex("path"),
                                             "encrypt/" + GenericNameRegex("name"),
                                             MatchAllRegex("path")};
  const std::vector<std::string> rests = {"",      "a",
                                          "ab",    "a.b",
                                          "a-b",   "a_b",
                                          "-a",    "a-",
                                          ".a",    "a.",
                                          "a/b",   "a b",
                                          "a+b",   "A9_z",
                                          "_",     "-",
                                          ".",     "a..b",
                                          "x/",    "/x",
                                          "a%2Fb", "caf\xc3\xa9",
                                          "a\nb",  "a\tb",
                                          "a\rb",  std::string("a\0b", 3),
                                          "\x7f",  "very-long.name_with-many.parts_0123456789"};
  for (const std::string& pattern : patterns) {
    FrameworkBackend::Options o;
    o.type = "test";
    o.paths.push_back(Path{
        .pattern = pattern,
        .fields = {{CaptureNames(pattern).at(0), {.type = FieldType::kString}}},
        .operations = {{Operation::kRead, {Echo("hit")}}},
    });
    FrameworkBackend b(o);
    boost::regex re(NormalizePattern(pattern), boost::regex::perl);
    const std::string prefix = LiteralPrefix(pattern);
    const std::string capture = CaptureNames(pattern).at(0);
    for (const std::string& rest : rests) {
      std::string path = prefix + rest;
      boost::smatch m;
      bool want = boost::regex_match(path, m, re);
      Request req;
      req.operation = Operation::kRead;
      req.path = path;
      auto r = b.HandleRequest(req);
      ASSERT_EQ(r.has_value(), want) << pattern << " on \"" << path << "\"";
      if (want) {
        EXPECT_EQ(r->data.at("fields").at(capture), json::value(m[capture].str()))
            << pattern << " " << path;
      } else {
        EXPECT_EQ(r.error().http_status(), 404) << pattern << " " << path;
      }
    }
  }
}

TEST(FrameworkBackendInitTest, InvalidPatternFailsEveryRequest) {
  FrameworkBackend::Options o;
  o.type = "broken";
  o.paths.push_back(
      Path{.pattern = "keys/(unclosed", .operations = {{Operation::kRead, {Echo("x")}}}});
  FrameworkBackend b(o);
  EXPECT_FALSE(b.InitStatus().has_value());
  Request req = Req(Operation::kRead, "keys/(unclosed");
  auto resp = b.HandleRequest(req);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().http_status(), 500);
  EXPECT_FALSE(FrameworkBackend::Create(o).has_value());
}

TEST(FrameworkBackendInitTest, InvalidDefaultIsReported) {
  FrameworkBackend::Options o;
  o.paths.push_back(Path{.pattern = "x",
                         .fields = {{"n", {.type = FieldType::kInt, .default_value = "abc"}}},
                         .operations = {{Operation::kRead, {Echo("x")}}}});
  auto b = FrameworkBackend::Create(std::move(o));
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message().find("invalid default for field \"n\""), std::string::npos);
}

TEST(FrameworkBackendInitTest, InvalidateAndCleanupCallbacks) {
  std::string invalidated;
  bool cleaned = false;
  FrameworkBackend::Options o;
  o.invalidate = [&](std::string_view k) { invalidated = k; };
  o.clean = [&] { cleaned = true; };
  FrameworkBackend b(std::move(o));
  b.InvalidateKey("policy/x");
  b.Cleanup();
  EXPECT_EQ(invalidated, "policy/x");
  EXPECT_TRUE(cleaned);
}

}  // namespace
}  // namespace arca::logical::framework

namespace arca::logical::framework {
namespace {

TEST(FrameworkSecrets, RenewAndRevokeDispatchBySecretType) {
  int revoked = 0;
  FrameworkBackend::Options o;
  o.type = "test";
  o.secrets["creds"] = SecretType{
      .renew = [](Request& req) -> Result<Response> {
        Response r;
        r.secret = Secret{.ttl = req.renew_increment * 2};
        return r;
      },
      .revoke = [&revoked](Request& req) -> Result<Response> {
        if (req.secret_internal.at("user").as_string() != "u1") return InvalidRequest("wrong user");
        ++revoked;
        return Response{};
      }};
  o.secrets["static"] = SecretType{.revoke = [](Request&) -> Result<Response> { return Response{}; }};
  auto b = FrameworkBackend::Create(std::move(o));
  ASSERT_TRUE(b);

  Request req;
  req.operation = Operation::kRevoke;
  req.secret_internal = SecretInternal("creds", {{"user", "u1"}});
  ASSERT_TRUE((*b)->HandleRequest(req));
  EXPECT_EQ(revoked, 1);

  req.operation = Operation::kRenew;
  req.renew_increment = std::chrono::seconds(30);
  auto r = (*b)->HandleRequest(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->secret->ttl.count(), 60);

  // Not renewable, unknown type, missing type: 400.
  req.secret_internal = SecretInternal("static");
  EXPECT_EQ((*b)->HandleRequest(req).error().http_status(), 400);
  req.secret_internal = SecretInternal("other");
  EXPECT_EQ((*b)->HandleRequest(req).error().http_status(), 400);
  req.secret_internal = {};
  req.operation = Operation::kRevoke;
  EXPECT_EQ((*b)->HandleRequest(req).error().http_status(), 400);
  EXPECT_EQ(revoked, 1);
}

}  // namespace
}  // namespace arca::logical::framework
