#include "engines/kv/kv.h"

#include <gtest/gtest.h>

#include "logical/storage.h"

namespace arca::engines::kv {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

class FixedSystemView : public logical::SystemView {
 public:
  std::chrono::seconds DefaultLeaseTtl() const override { return std::chrono::hours(1); }
  std::chrono::seconds MaxLeaseTtl() const override { return std::chrono::hours(2); }
};

class KvV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    logical::BackendConfig config;
    config.storage = &storage_;
    config.mount_path = "secret/";
    auto b = NewKvV1Backend(config);
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
  }

  Result<Response> Do(Operation op, std::string path, std::string_view body = "{}") {
    Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = Obj(body);
    req.mount_point = "secret/";
    req.storage = &storage_;
    return backend_->HandleRequest(req);
  }

  logical::InmemStorage storage_;
  std::unique_ptr<logical::Backend> backend_;
};

TEST_F(KvV1Test, TypeAndKind) {
  EXPECT_EQ(backend_->Type(), "kv");
  EXPECT_EQ(backend_->Kind(), logical::BackendKind::kLogical);
}

TEST_F(KvV1Test, WriteReadDelete) {
  auto w = Do(Operation::kUpdate, "app/db", R"({"user":"u","pass":"p","n":{"x":[1,2]}})");
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  EXPECT_FALSE(w->HasContent());  // 204

  auto r = Do(Operation::kRead, "app/db");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data, Obj(R"({"user":"u","pass":"p","n":{"x":[1,2]}})"));
  ASSERT_TRUE(r->secret.has_value());
  EXPECT_EQ(r->secret->ttl, std::chrono::hours(768));  // no SystemView: 768h
  EXPECT_FALSE(r->secret->renewable);
  EXPECT_FALSE(r->secret->register_lease);
  EXPECT_TRUE(r->warnings.empty());

  // A write replaces the whole entry.
  ASSERT_TRUE(Do(Operation::kUpdate, "app/db", R"({"only":"this"})").has_value());
  EXPECT_EQ(Do(Operation::kRead, "app/db")->data, Obj(R"({"only":"this"})"));

  auto d = Do(Operation::kDelete, "app/db");
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(d->HasContent());
  EXPECT_EQ(storage_.size(), 0u);
  ASSERT_TRUE(Do(Operation::kDelete, "app/db").has_value());  // absent: still 204
}

TEST_F(KvV1Test, ReadMissingIs404WithNoMessages) {
  auto r = Do(Operation::kRead, "nope");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status(), 404);
  EXPECT_TRUE(r.error().messages().empty());
}

TEST_F(KvV1Test, CreateIsAcceptedLikeUpdate) {
  ASSERT_TRUE(Do(Operation::kCreate, "new", R"({"a":"b"})").has_value());
  EXPECT_EQ(Do(Operation::kRead, "new")->data.at("a"), "b");
}

TEST_F(KvV1Test, BodyKeyNamedPathIsStoredNotUsedAsKey) {
  ASSERT_TRUE(Do(Operation::kUpdate, "real", R"({"path":"elsewhere"})").has_value());
  EXPECT_EQ(Do(Operation::kRead, "real")->data.at("path"), "elsewhere");
  EXPECT_FALSE(Do(Operation::kRead, "elsewhere").has_value());
}

TEST_F(KvV1Test, ListNesting) {
  for (const char* p : {"a", "b/c", "b/d/e", "b/f", "g/h"}) {
    ASSERT_TRUE(Do(Operation::kUpdate, p, R"({"v":1})").has_value()) << p;
  }
  struct Case {
    const char* path;
    std::vector<std::string> keys;
  } cases[] = {
      {"", {"a", "b/", "g/"}},
      {"b/", {"c", "d/", "f"}},
      {"b", {"c", "d/", "f"}},  // trailing slash added
      {"b/d/", {"e"}},
  };
  for (const auto& c : cases) {
    auto r = Do(Operation::kList, c.path);
    ASSERT_TRUE(r.has_value()) << c.path << ": " << r.error().ToString();
    json::array expected;
    for (const auto& k : c.keys) expected.emplace_back(k);
    EXPECT_EQ(r->data.at("keys"), expected) << c.path;
    EXPECT_FALSE(r->empty_list);
  }
  auto empty = Do(Operation::kList, "nothing/");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty_list);  // the HTTP layer answers 404 {"errors":[]}
}

TEST_F(KvV1Test, TtlKey) {
  struct Case {
    const char* body;
    std::chrono::seconds ttl;
  } cases[] = {
      {R"({"v":1,"ttl":"30m"})", std::chrono::minutes(30)},
      {R"({"v":1,"ttl":90})", std::chrono::seconds(90)},
      {R"({"v":1,"ttl":"120"})", std::chrono::seconds(120)},
      {R"({"v":1,"lease":"2h"})", std::chrono::hours(2)},
      {R"({"v":1,"ttl":"soon"})", std::chrono::hours(768)},  // unparsable: default
      {R"({"v":1,"ttl":{"x":1}})", std::chrono::hours(768)},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(Do(Operation::kUpdate, "t", c.body).has_value()) << c.body;
    auto r = Do(Operation::kRead, "t");
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->secret.has_value());
    EXPECT_EQ(r->secret->ttl, c.ttl) << c.body;
    EXPECT_TRUE(r->data.contains("v"));  // the ttl key stays in the data
  }
}

TEST_F(KvV1Test, DefaultTtlFromSystemView) {
  FixedSystemView system;
  logical::BackendConfig config;
  config.storage = &storage_;
  config.system = &system;
  auto b = NewKvV1Backend(config);
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE(storage_.Put("k", R"({"a":1})").has_value());
  Request req;
  req.operation = Operation::kRead;
  req.path = "k";  // no req.storage: the config's storage is used
  auto r = (*b)->HandleRequest(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->secret->ttl, std::chrono::hours(1));
}

TEST_F(KvV1Test, ReqStorageWinsOverConfig) {
  logical::InmemStorage other;
  Request req;
  req.operation = Operation::kUpdate;
  req.path = "x";
  req.data = Obj(R"({"a":1})");
  req.storage = &other;
  ASSERT_TRUE(backend_->HandleRequest(req).has_value());
  EXPECT_EQ(other.size(), 1u);
  EXPECT_EQ(storage_.size(), 0u);
}

TEST_F(KvV1Test, BadInput) {
  auto empty = Do(Operation::kUpdate, "x", "{}");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().http_status(), 400);
  EXPECT_EQ(empty.error().message(), "missing data fields");

  auto no_path = Do(Operation::kUpdate, "", R"({"a":1})");
  ASSERT_FALSE(no_path.has_value());
  EXPECT_EQ(no_path.error().http_status(), 400);
  EXPECT_EQ(no_path.error().message(), "missing path");

  for (Operation op : {Operation::kPatch, Operation::kScan, Operation::kRenew}) {
    auto r = Do(op, "x", R"({"a":1})");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().http_status(), 405) << logical::OperationName(op);
  }
  EXPECT_EQ(storage_.size(), 0u);
}

TEST_F(KvV1Test, CorruptEntryIs500) {
  ASSERT_TRUE(storage_.Put("broken", "{not json").has_value());
  ASSERT_TRUE(storage_.Put("array", "[1,2]").has_value());
  for (const char* key : {"broken", "array"}) {
    auto r = Do(Operation::kRead, key);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().http_status(), 500) << key;
  }
}

TEST_F(KvV1Test, NoStorageIs500) {
  auto b = NewKvV1Backend(logical::BackendConfig{});
  ASSERT_TRUE(b.has_value());
  Request req;
  req.operation = Operation::kRead;
  req.path = "x";
  auto r = (*b)->HandleRequest(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status(), 500);
}

TEST_F(KvV1Test, ExistenceCheck) {
  Request req;
  req.operation = Operation::kUpdate;
  req.path = "e";
  req.storage = &storage_;
  auto before = backend_->HandleExistenceCheck(req);
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(before->supported);
  EXPECT_FALSE(before->exists);
  ASSERT_TRUE(Do(Operation::kUpdate, "e", R"({"a":1})").has_value());
  auto after = backend_->HandleExistenceCheck(req);
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->exists);
}

TEST_F(KvV1Test, Help) {
  auto r = Do(Operation::kHelp, "foo");
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(std::string(r->data.at("help").as_string()).find("Pass-through"), std::string::npos);
  EXPECT_TRUE(r->data.at("openapi").at("paths").as_object().contains("/secret/{path}"));
}

TEST(NewKvBackendTest, VersionDispatch) {
  logical::InmemStorage storage;
  logical::BackendConfig config;
  config.storage = &storage;
  auto v1 = NewKvBackend(config);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ((*v1)->Type(), "kv");

  config.options["version"] = "1";
  EXPECT_TRUE(NewKvBackend(config).has_value());

  config.options["version"] = "2";
  auto v2 = NewKvBackend(config);
  ASSERT_TRUE(v2.has_value()) << v2.error().ToString();
  logical::Request req;
  req.operation = Operation::kRead;
  req.path = "config";  // a v2-only path
  req.storage = &storage;
  EXPECT_TRUE((*v2)->HandleRequest(req).has_value());

  config.options["version"] = "3";
  auto v3 = NewKvBackend(config);
  ASSERT_FALSE(v3.has_value());
  EXPECT_EQ(v3.error().http_status(), 400);
}

}  // namespace
}  // namespace arca::engines::kv
