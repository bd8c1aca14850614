// Tests of src/logical/*.cc: Response helpers, PathMatchesAny, the storage views.
#include <gtest/gtest.h>

#include "logical/backend.h"
#include "logical/envelope.h"
#include "logical/response.h"
#include "logical/storage.h"

namespace arca::logical {
namespace {

TEST(OperationNameTest, Names) {
  EXPECT_EQ(OperationName(Operation::kRead), "read");
  EXPECT_EQ(OperationName(Operation::kCreate), "create");
  EXPECT_EQ(OperationName(Operation::kList), "list");
  EXPECT_EQ(OperationName(Operation::kHelp), "help");
}

TEST(ResponseTest, ListResponse) {
  Response r = Response::ListResponse({"a", "b/"});
  EXPECT_FALSE(r.empty_list);
  EXPECT_EQ(r.data.at("keys"), json::array({"a", "b/"}));
  EXPECT_TRUE(r.HasContent());
  Response empty = Response::ListResponse({});
  EXPECT_TRUE(empty.empty_list);
  EXPECT_FALSE(Response{}.HasContent());
}

TEST(EnvelopeTest, SerializedDirectlyAsTheEnvelopeObjectSerializes) {
  // SerializeEnvelope must write byte for byte what serializing EncodeEnvelope's object does,
  // for every shape of response.
  Request req;
  req.id = "11111111-2222-3333-4444-555555555555";
  req.mount_type = "kv";
  std::vector<Response> cases;
  cases.emplace_back();  // no data
  Response plain;
  plain.data["value"] = "a \"quoted\" \\ value\n\u0001";
  plain.data["nested"] = json::object{{"n", 1}, {"list", json::array{1, "two", nullptr}}};
  cases.push_back(plain);
  Response leased = plain;
  leased.secret = Secret{.lease_id = "database/creds/ro/abc", .ttl = std::chrono::seconds(3600)};
  leased.warnings = {"first warning", "second"};
  cases.push_back(leased);
  Response login;
  login.auth = Auth{.client_token = "hvs.x", .accessor = "acc", .policies = {"default", "p"},
                    .metadata = {{"role", "r"}}, .lease_duration = std::chrono::seconds(60)};
  cases.push_back(login);
  Response wrapped = plain;
  wrapped.wrap_info = WrapInfo{.token = "hvs.w", .accessor = "wa", .ttl = std::chrono::seconds(300),
                               .creation_time = "2026-11-22T00:00:00Z",
                               .creation_path = "secret/data/x"};
  cases.push_back(wrapped);
  Response top = plain;
  top.data_at_top_level = true;
  top.data["mount_type"] = "shadowed";  // an envelope key: the envelope's value wins
  top.data["extra"] = true;
  cases.push_back(top);
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(SerializeEnvelope(req, cases[i]), json::serialize(EncodeEnvelope(req, cases[i])));
  }
}

TEST(PathMatchesAnyTest, ExactAndPrefix) {
  std::vector<std::string> patterns = {"login", "certs/*", ""};
  EXPECT_TRUE(PathMatchesAny("login", patterns));
  EXPECT_FALSE(PathMatchesAny("login/x", patterns));
  EXPECT_TRUE(PathMatchesAny("certs/", patterns));
  EXPECT_TRUE(PathMatchesAny("certs/a/b", patterns));
  EXPECT_FALSE(PathMatchesAny("cert", patterns));
  EXPECT_FALSE(PathMatchesAny("other", patterns));  // "" never matches a non-empty path
}

TEST(PathMatchesAnyTest, PlusMatchesOneSegment) {
  std::vector<std::string> patterns = {"issuer/+/crl", "roles/+/acme/*", "a/+"};
  EXPECT_TRUE(PathMatchesAny("issuer/default/crl", patterns));
  EXPECT_FALSE(PathMatchesAny("issuer/a/b/crl", patterns));
  EXPECT_FALSE(PathMatchesAny("issuer//crl", patterns));
  EXPECT_FALSE(PathMatchesAny("issuer/x/crl/pem", patterns));
  EXPECT_TRUE(PathMatchesAny("roles/web/acme/directory", patterns));
  EXPECT_TRUE(PathMatchesAny("roles/web/acme/", patterns));
  EXPECT_FALSE(PathMatchesAny("roles/web/acm", patterns));
  EXPECT_TRUE(PathMatchesAny("a/b", patterns));
  EXPECT_FALSE(PathMatchesAny("a/b/c", patterns));
  EXPECT_FALSE(PathMatchesAny("a/", patterns));
  // A '+' inside a segment is a literal character.
  EXPECT_TRUE(PathMatchesAny("x+y", {"x+y"}));
  EXPECT_FALSE(PathMatchesAny("xzy", {"x+y"}));
}

TEST(InmemStorageTest, CrudAndList) {
  InmemStorage s;
  ASSERT_TRUE(s.Put("a", "1").has_value());
  ASSERT_TRUE(s.Put("dir/b", "2").has_value());
  ASSERT_TRUE(s.Put("dir/sub/c", "3").has_value());
  EXPECT_EQ(s.Get("a").value(), std::optional<std::string>("1"));
  EXPECT_EQ(s.Get("missing").value(), std::nullopt);
  EXPECT_EQ(s.List("").value(), (std::vector<std::string>{"a", "dir/"}));
  EXPECT_EQ(s.List("dir/").value(), (std::vector<std::string>{"b", "sub/"}));
  EXPECT_TRUE(s.List("nope/").value().empty());
  ASSERT_TRUE(s.Delete("a").has_value());
  ASSERT_TRUE(s.Delete("a").has_value());  // absent: still fine
  EXPECT_EQ(s.size(), 2u);
}

TEST(PrefixedStorageTest, PrefixesKeys) {
  InmemStorage inner;
  PrefixedStorage view(inner, "logical/x/");
  ASSERT_TRUE(view.Put("k", "v").has_value());
  EXPECT_EQ(inner.Get("logical/x/k").value(), std::optional<std::string>("v"));
  EXPECT_EQ(view.List("").value(), std::vector<std::string>{"k"});
  ASSERT_TRUE(view.Delete("k").has_value());
  EXPECT_EQ(inner.size(), 0u);
}

TEST(JsonStorageTest, RoundTripAndCorruption) {
  InmemStorage s;
  ASSERT_TRUE(PutJson(s, "j", json::object{{"a", 1}}).has_value());
  auto v = GetJson(s, "j");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ((*v)->at("a"), 1);
  EXPECT_FALSE(GetJson(s, "absent").value().has_value());
  ASSERT_TRUE(s.Put("bad", "{not json").has_value());
  auto bad = GetJson(s, "bad");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInternal);
}

}  // namespace
}  // namespace arca::logical
