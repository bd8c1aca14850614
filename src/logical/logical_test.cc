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

TEST(EnvelopeTest, VaultShapeAndKeyOrderForEveryKindOfResponse) {
  Request req;
  req.id = "rid";
  req.mount_type = "kv";
  const std::string tail = R"("wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"})";

  EXPECT_EQ(SerializeEnvelope(req, Response{}),
            R"({"request_id":"rid","lease_id":"","renewable":false,"lease_duration":0,)"
            R"("data":null,)" + tail);

  Response plain;
  plain.data["value"] = "a \"q\" \\ b\n\u0001";
  plain.data["n"] = 1;
  EXPECT_EQ(SerializeEnvelope(req, plain),
            R"({"request_id":"rid","lease_id":"","renewable":false,"lease_duration":0,)"
            R"("data":{"value":"a \"q\" \\ b\n\u0001","n":1},)" + tail);

  Response leased;
  leased.data["n"] = 1;
  leased.secret = Secret{.lease_id = "db/creds/ro/abc", .ttl = std::chrono::seconds(3600)};
  leased.warnings = {"w1", "w2"};
  EXPECT_EQ(SerializeEnvelope(req, leased),
            R"({"request_id":"rid","lease_id":"db/creds/ro/abc","renewable":true,)"
            R"("lease_duration":3600,"data":{"n":1},"wrap_info":null,"warnings":["w1","w2"],)"
            R"("auth":null,"mount_type":"kv"})");

  Response wrapped = plain;
  wrapped.wrap_info = WrapInfo{.token = "hvs.w", .accessor = "wa", .ttl = std::chrono::seconds(300),
                               .creation_time = "2026-11-22T00:00:00Z",
                               .creation_path = "secret/data/x"};
  EXPECT_EQ(SerializeEnvelope(req, wrapped),
            R"({"request_id":"","lease_id":"","renewable":false,"lease_duration":0,"data":null,)"
            R"("wrap_info":{"token":"hvs.w","accessor":"wa","ttl":300,)"
            R"("creation_time":"2026-11-22T00:00:00Z","creation_path":"secret/data/x",)"
            R"("wrapped_accessor":""},"warnings":null,"auth":null,"mount_type":"kv"})");

  Response top;
  top.data["n"] = 1;
  top.data["mount_type"] = "shadowed";  // an envelope key: the envelope's value wins
  top.data["extra"] = true;
  top.data_at_top_level = true;
  EXPECT_EQ(SerializeEnvelope(req, top),
            R"({"request_id":"rid","lease_id":"","renewable":false,"lease_duration":0,)"
            R"("data":{"n":1,"mount_type":"shadowed","extra":true},)"
            R"("wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv","n":1,"extra":true})");

  Response login;
  login.auth = Auth{.client_token = "hvs.x", .accessor = "acc", .policies = {"default"}};
  auto parsed = json::parse(SerializeEnvelope(req, login)).as_object();
  std::vector<std::string> keys;
  for (const auto& kv : parsed) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"request_id", "lease_id", "renewable",
                                            "lease_duration", "data", "wrap_info", "warnings",
                                            "auth", "mount_type"}));
  EXPECT_EQ(parsed.at("auth").at("client_token").as_string(), "hvs.x");
  EXPECT_EQ(parsed.at("auth").at("policies").as_array().size(), 1u);
  EXPECT_TRUE(parsed.at("data").is_null());
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
