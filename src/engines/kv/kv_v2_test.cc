#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engines/kv/kv.h"
#include "engines/kv/kv_v2_internal.h"
#include "logical/storage.h"

namespace arca::engines::kv {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using std::chrono::system_clock;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// 2024-05-01T10:00:00Z
constexpr int64_t kStartSeconds = 1714557600;

class KvV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = system_clock::time_point(std::chrono::seconds(kStartSeconds)) +
           std::chrono::nanoseconds(123456789);
    logical::BackendConfig config;
    config.storage = &storage_;
    config.mount_path = "secret/";
    config.options["version"] = "2";
    auto b = NewKvV2Backend(config, [this] { return now_; });
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

  // Writes and asserts success; returns the response data.
  json::object Put(const std::string& path, std::string_view body) {
    auto r = Do(Operation::kUpdate, "data/" + path, body);
    EXPECT_TRUE(r.has_value()) << path << ": " << r.error().ToString();
    return r ? r->data : json::object{};
  }

  json::object Meta(const std::string& path) {
    auto r = Do(Operation::kRead, "metadata/" + path);
    EXPECT_TRUE(r.has_value()) << path << ": " << r.error().ToString();
    return r ? r->data : json::object{};
  }

  void Advance(std::chrono::seconds d) { now_ += d; }

  logical::InmemStorage storage_;
  std::unique_ptr<logical::Backend> backend_;
  system_clock::time_point now_;
};

void ExpectStatus(const Result<Response>& r, int status, std::string_view message = "") {
  ASSERT_FALSE(r.has_value()) << "expected " << status;
  EXPECT_EQ(r.error().http_status(), status) << r.error().ToString();
  if (!message.empty()) {
    EXPECT_EQ(r.error().message(), message);
  }
}

TEST_F(KvV2Test, WriteResponseAndTimeFormat) {
  json::object w = Put("app", R"({"data":{"k":"v"}})");
  EXPECT_EQ(w, Obj(R"({"created_time":"2024-05-01T10:00:00.123456789Z","custom_metadata":null,
                       "deletion_time":"","destroyed":false,"version":1})"));
  EXPECT_EQ(v2::FormatTime(0), "");
  EXPECT_EQ(v2::FormatTime(1'000'000'005), "1970-01-01T00:00:01.000000005Z");
  EXPECT_EQ(v2::FormatTime(1'700'000'000'123'456'789), "2023-11-14T22:13:20.123456789Z");
}

TEST_F(KvV2Test, VersionsAndReadByVersion) {
  Put("app", R"({"data":{"n":1}})");
  Advance(std::chrono::seconds(1));
  EXPECT_EQ(Put("app", R"({"data":{"n":2}})").at("version"), 2);

  auto latest = Do(Operation::kRead, "data/app");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->data.at("data"), Obj(R"({"n":2})"));
  EXPECT_EQ(latest->data.at("metadata").at("version"), 2);
  EXPECT_EQ(latest->data.at("metadata").at("created_time"), "2024-05-01T10:00:01.123456789Z");

  auto v1 = Do(Operation::kRead, "data/app", R"({"version":"1"})");  // query strings
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->data.at("data"), Obj(R"({"n":1})"));
  EXPECT_EQ(v1->data.at("metadata").at("version"), 1);

  auto v0 = Do(Operation::kRead, "data/app", R"({"version":0})");
  ASSERT_TRUE(v0.has_value());
  EXPECT_EQ(v0->data.at("metadata").at("version"), 2);

  ExpectStatus(Do(Operation::kRead, "data/app", R"({"version":3})"), 404);
  ExpectStatus(Do(Operation::kRead, "data/nope"), 404);
  ExpectStatus(Do(Operation::kRead, "data/app", R"({"version":-1})"), 400);
  ExpectStatus(Do(Operation::kRead, "data/app", R"({"version":"abc"})"), 400);
  ExpectStatus(Do(Operation::kRead, "data/"), 400);
}

TEST_F(KvV2Test, CheckAndSet) {
  struct Case {
    std::string body;
    int status;  // 0 = success
    int64_t version_after;
  };
  const std::vector<Case> cases = {
      {R"({"data":{"a":1},"options":{"cas":1}})", 400, 0},  // key absent: current is 0
      {R"({"data":{"a":1},"options":{"cas":0}})", 0, 1},    // only if absent
      {R"({"data":{"a":1},"options":{"cas":0}})", 400, 1},  // now exists
      {R"({"data":{"a":1},"options":{"cas":2}})", 400, 1},
      {R"({"data":{"a":1},"options":{"cas":-1}})", 400, 1},
      {R"({"data":{"a":1},"options":{"cas":"x"}})", 400, 1},
      {R"({"data":{"a":1},"options":"notjson"})", 400, 1},
      {R"({"data":{"a":1},"options":{"cas":1}})", 0, 2},
      {R"({"data":{"a":1},"options":{}})", 0, 3},  // no cas, not required
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = Do(Operation::kUpdate, "data/k", c.body);
    if (c.status == 0) {
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
    } else {
      ExpectStatus(r, c.status);
    }
    auto m = Do(Operation::kRead, "metadata/k");
    int64_t current = m ? m->data.at("current_version").as_int64() : 0;
    EXPECT_EQ(current, c.version_after);
  }
  ExpectStatus(Do(Operation::kUpdate, "data/k", R"({"data":{"a":1},"options":{"cas":1}})"), 400,
               "check-and-set parameter did not match the current version");
  // A negative cas is a mismatch in Vault's words, not a type error; nothing is written.
  auto before = Do(Operation::kRead, "metadata/k");
  ExpectStatus(Do(Operation::kUpdate, "data/k", R"({"data":{"a":1},"options":{"cas":-1}})"), 400,
               "check-and-set parameter did not match the current version");
  auto after = Do(Operation::kRead, "metadata/k");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->data.at("current_version"), before->data.at("current_version"));
}

TEST_F(KvV2Test, CasRequiredOnMountAndKey) {
  ASSERT_TRUE(Do(Operation::kUpdate, "config", R"({"cas_required":true})").has_value());
  ExpectStatus(Do(Operation::kUpdate, "data/a", R"({"data":{"x":1}})"), 400,
               "check-and-set parameter required for this call");
  Put("a", R"({"data":{"x":1},"options":{"cas":0}})");
  ASSERT_TRUE(Do(Operation::kUpdate, "config", R"({"cas_required":false})").has_value());
  Put("b", R"({"data":{"x":1}})");

  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/b", R"({"cas_required":true})").has_value());
  ExpectStatus(Do(Operation::kUpdate, "data/b", R"({"data":{"x":2}})"), 400);
  ExpectStatus(Do(Operation::kPatch, "data/b", R"({"data":{"x":2}})"), 400);
  EXPECT_EQ(Meta("b").at("current_version"), 1);
  Put("b", R"({"data":{"x":2},"options":{"cas":1}})");
  EXPECT_EQ(Meta("b").at("current_version"), 2);
}

TEST_F(KvV2Test, ConcurrentCasHasOneWinner) {
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (Do(Operation::kUpdate, "data/race", R"({"data":{"a":1},"options":{"cas":0}})")) ++wins;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(Meta("race").at("current_version"), 1);
}

TEST_F(KvV2Test, SoftDeleteUndeleteDestroy) {
  Put("s", R"({"data":{"v":1}})");
  Put("s", R"({"data":{"v":2}})");
  Advance(std::chrono::seconds(5));
  auto del = Do(Operation::kDelete, "data/s");
  ASSERT_TRUE(del.has_value());
  EXPECT_FALSE(del->HasContent());

  auto r = Do(Operation::kRead, "data/s");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status_code, 404);
  EXPECT_TRUE(r->data.at("data").is_null());
  EXPECT_EQ(r->data.at("metadata").at("deletion_time"), "2024-05-01T10:00:05.123456789Z");
  EXPECT_EQ(r->data.at("metadata").at("version"), 2);
  // Version 1 still readable.
  EXPECT_EQ(Do(Operation::kRead, "data/s", R"({"version":1})")->status_code, 0);
  // Patching a deleted latest version: 404.
  ExpectStatus(Do(Operation::kPatch, "data/s", R"({"data":{"x":1}})"), 404);

  ASSERT_TRUE(Do(Operation::kUpdate, "undelete/s", R"({"versions":[2]})").has_value());
  auto back = Do(Operation::kRead, "data/s");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status_code, 0);
  EXPECT_EQ(back->data.at("data"), Obj(R"({"v":2})"));
  EXPECT_EQ(back->data.at("metadata").at("deletion_time"), "");

  ASSERT_TRUE(Do(Operation::kUpdate, "delete/s", R"({"versions":"1,2,77"})").has_value());
  EXPECT_EQ(Do(Operation::kRead, "data/s", R"({"version":1})")->status_code, 404);

  ASSERT_TRUE(Do(Operation::kUpdate, "destroy/s", R"({"versions":[1]})").has_value());
  EXPECT_FALSE(storage_.Get(v2::VersionKey("s", 1))->has_value());
  EXPECT_TRUE(storage_.Get(v2::VersionKey("s", 2))->has_value());
  ASSERT_TRUE(Do(Operation::kUpdate, "undelete/s", R"({"versions":[1,2]})").has_value());
  auto v1 = Do(Operation::kRead, "data/s", R"({"version":1})");
  EXPECT_EQ(v1->status_code, 404);
  EXPECT_EQ(v1->data.at("metadata").at("destroyed"), true);
  EXPECT_EQ(Do(Operation::kRead, "data/s")->status_code, 0);  // v2 undeleted

  json::object versions = Meta("s").at("versions").as_object();
  EXPECT_EQ(versions.at("1").at("destroyed"), true);
  EXPECT_EQ(versions.at("2").at("destroyed"), false);
  EXPECT_EQ(versions.at("2").at("deletion_time"), "");
}

TEST_F(KvV2Test, VersionActionsRejectBadInput) {
  Put("s", R"({"data":{"v":1}})");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"delete/s", R"({})"},
      {"delete/s", R"({"versions":[]})"},
      {"undelete/s", R"({"versions":["a"]})"},
      {"destroy/s", R"({"versions":[-1]})"},
      {"destroy/s", R"({"versions":{"x":1}})"},
      {"destroy/", R"({"versions":[1]})"},
  };
  json::object before = Meta("s");
  for (const auto& [path, body] : cases) {
    SCOPED_TRACE(path + " " + body);
    ExpectStatus(Do(Operation::kUpdate, path, body), 400);
  }
  EXPECT_EQ(Meta("s"), before);
  EXPECT_EQ(Do(Operation::kRead, "data/s")->data.at("data"), Obj(R"({"v":1})"));
  // Absent keys: nothing to do, 204.
  EXPECT_TRUE(Do(Operation::kUpdate, "destroy/none", R"({"versions":[1]})").has_value());
}

TEST_F(KvV2Test, WriteRejectsBadInputAndChangesNothing) {
  Put("w", R"({"data":{"v":1}})");
  size_t size_before = storage_.size();
  json::object before = Meta("w");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"data/w", R"({})"},
      {"data/w", R"({"data":null})"},
      {"data/w", R"({"data":5})"},
      {"data/w", R"({"data":"not json"})"},
      {"data/w", R"({"data":[1,2]})"},
      {"data/", R"({"data":{"a":1}})"},
  };
  for (const auto& [path, body] : cases) {
    SCOPED_TRACE(body);
    ExpectStatus(Do(Operation::kUpdate, path, body), 400);
    ExpectStatus(Do(Operation::kPatch, path, body), 400);
  }
  ExpectStatus(Do(Operation::kUpdate, "data/w", "{}"), 400, "no data provided");
  EXPECT_EQ(storage_.size(), size_before);
  EXPECT_EQ(Meta("w"), before);
}

TEST_F(KvV2Test, Patch) {
  ExpectStatus(Do(Operation::kPatch, "data/p", R"({"data":{"a":1}})"), 404);
  Put("p", R"({"data":{"a":1,"b":{"x":1,"y":2},"c":"keep"}})");
  auto r = Do(Operation::kPatch, "data/p", R"({"data":{"a":null,"b":{"y":null,"z":3},"d":[1]}})");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data.at("version"), 2);
  EXPECT_EQ(Do(Operation::kRead, "data/p")->data.at("data"),
            Obj(R"({"b":{"x":1,"z":3},"c":"keep","d":[1]})"));
  ExpectStatus(Do(Operation::kPatch, "data/p", R"({"data":{"a":1},"options":{"cas":1}})"), 400);
  ASSERT_TRUE(Do(Operation::kPatch, "data/p", R"({"data":{"a":1},"options":{"cas":2}})"));
  EXPECT_EQ(Meta("p").at("current_version"), 3);
}

TEST_F(KvV2Test, MetadataReadWritePatchDelete) {
  ExpectStatus(Do(Operation::kRead, "metadata/m"), 404);
  Put("m", R"({"data":{"a":1}})");
  json::object m = Meta("m");
  EXPECT_EQ(m, Obj(R"({"cas_required":false,"created_time":"2024-05-01T10:00:00.123456789Z",
      "current_version":1,"custom_metadata":null,"delete_version_after":"0s","max_versions":0,
      "oldest_version":0,"updated_time":"2024-05-01T10:00:00.123456789Z",
      "versions":{"1":{"created_time":"2024-05-01T10:00:00.123456789Z","deletion_time":"",
      "destroyed":false}}})"));

  Advance(std::chrono::seconds(1));
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/m",
                 R"({"max_versions":5,"cas_required":true,"delete_version_after":"1h",
                     "custom_metadata":{"owner":"ops","team":"x"}})"));
  m = Meta("m");
  EXPECT_EQ(m.at("max_versions"), 5);
  EXPECT_EQ(m.at("cas_required"), true);
  EXPECT_EQ(m.at("delete_version_after"), "1h0m0s");
  EXPECT_EQ(m.at("custom_metadata"), Obj(R"({"owner":"ops","team":"x"})"));
  EXPECT_EQ(m.at("updated_time"), "2024-05-01T10:00:01.123456789Z");
  EXPECT_EQ(m.at("created_time"), "2024-05-01T10:00:00.123456789Z");

  // custom_metadata shows up in data reads.
  EXPECT_EQ(Do(Operation::kRead, "data/m")->data.at("metadata").at("custom_metadata"),
            Obj(R"({"owner":"ops","team":"x"})"));

  // PATCH merges custom_metadata and leaves other fields alone.
  ASSERT_TRUE(
      Do(Operation::kPatch, "metadata/m", R"({"custom_metadata":{"team":null,"env":"prod"}})"));
  m = Meta("m");
  EXPECT_EQ(m.at("custom_metadata"), Obj(R"({"owner":"ops","env":"prod"})"));
  EXPECT_EQ(m.at("max_versions"), 5);
  EXPECT_EQ(m.at("cas_required"), true);
  ExpectStatus(Do(Operation::kPatch, "metadata/absent", R"({"max_versions":1})"), 404);

  // POST replaces custom_metadata.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/m", R"({"custom_metadata":{"only":"this"}})"));
  EXPECT_EQ(Meta("m").at("custom_metadata"), Obj(R"({"only":"this"})"));

  // Metadata for a key with no versions yet.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/fresh", R"({"max_versions":2})"));
  EXPECT_EQ(Meta("fresh").at("current_version"), 0);
  ExpectStatus(Do(Operation::kRead, "data/fresh"), 404);

  ASSERT_TRUE(Do(Operation::kDelete, "metadata/m"));
  ASSERT_TRUE(Do(Operation::kDelete, "metadata/fresh"));
  ExpectStatus(Do(Operation::kRead, "metadata/m"), 404);
  ExpectStatus(Do(Operation::kRead, "data/m"), 404);
  EXPECT_EQ(storage_.size(), 0u);
  EXPECT_TRUE(Do(Operation::kDelete, "metadata/m").has_value());  // idempotent
}

TEST_F(KvV2Test, MetadataRejectsBadInput) {
  Put("m", R"({"data":{"a":1}})");
  json::object before = Meta("m");
  auto many = [](int n) {
    json::object o;
    for (int i = 0; i < n; ++i) o["k" + std::to_string(i)] = "v";
    return json::serialize(json::object{{"custom_metadata", o}});
  };
  auto kv = [](std::string k, std::string v) {
    return json::serialize(json::object{{"custom_metadata", json::object{{k, v}}}});
  };
  const std::vector<std::string> bad = {
      many(65),
      kv(std::string(129, 'k'), "v"),
      kv("k", std::string(513, 'v')),
      R"({"custom_metadata":{"k":1}})",
      R"({"custom_metadata":5})",
      R"({"max_versions":-1})",
      R"({"max_versions":"lots"})",
      R"({"cas_required":"maybe"})",
      R"({"delete_version_after":"-1h"})",
      R"({"delete_version_after":"soon"})",
  };
  for (const auto& body : bad) {
    SCOPED_TRACE(body.substr(0, 80));
    ExpectStatus(Do(Operation::kUpdate, "metadata/m", body), 400);
    ExpectStatus(Do(Operation::kPatch, "metadata/m", body), 400);
  }
  EXPECT_EQ(Meta("m"), before);
  ExpectStatus(Do(Operation::kUpdate, "metadata/", R"({"max_versions":1})"), 400);

  // The limits themselves are allowed.
  for (const auto& body : {many(64), kv(std::string(128, 'k'), std::string(512, 'v'))}) {
    EXPECT_TRUE(Do(Operation::kUpdate, "metadata/m", body).has_value());
  }
  // A patch that would exceed 64 keys in total is refused.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/m", many(64)));
  ExpectStatus(Do(Operation::kPatch, "metadata/m", R"({"custom_metadata":{"extra":"v"}})"), 400);
  EXPECT_EQ(Meta("m").at("custom_metadata").as_object().size(), 64u);
}

TEST_F(KvV2Test, MaxVersionsPrunesOldest) {
  ASSERT_TRUE(Do(Operation::kUpdate, "config", R"({"max_versions":2})"));
  for (int i = 1; i <= 4; ++i) Put("p", json::serialize(json::object{{"data", {{"i", i}}}}));
  json::object m = Meta("p");
  EXPECT_EQ(m.at("current_version"), 4);
  EXPECT_EQ(m.at("oldest_version"), 3);
  EXPECT_EQ(m.at("versions").as_object().size(), 2u);
  EXPECT_TRUE(m.at("versions").as_object().contains("3"));
  EXPECT_FALSE(storage_.Get(v2::VersionKey("p", 1))->has_value());
  EXPECT_FALSE(storage_.Get(v2::VersionKey("p", 2))->has_value());
  ExpectStatus(Do(Operation::kRead, "data/p", R"({"version":2})"), 404);
  EXPECT_EQ(Do(Operation::kRead, "data/p", R"({"version":3})")->data.at("data"), Obj(R"({"i":3})"));

  // The key's own max_versions wins.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/p", R"({"max_versions":1})"));
  Put("p", R"({"data":{"i":5}})");
  m = Meta("p");
  EXPECT_EQ(m.at("oldest_version"), 5);
  EXPECT_EQ(m.at("versions").as_object().size(), 1u);
}

TEST_F(KvV2Test, DefaultMaxVersionsIsTen) {
  for (int i = 1; i <= 12; ++i) Put("d", R"({"data":{"a":1}})");
  json::object m = Meta("d");
  EXPECT_EQ(m.at("versions").as_object().size(), 10u);
  EXPECT_EQ(m.at("oldest_version"), 3);
}

TEST_F(KvV2Test, DeleteVersionAfter) {
  ASSERT_TRUE(Do(Operation::kUpdate, "config", R"({"delete_version_after":"1h"})"));
  json::object w = Put("t", R"({"data":{"a":1}})");
  EXPECT_EQ(w.at("deletion_time"), "2024-05-01T11:00:00.123456789Z");
  EXPECT_EQ(Do(Operation::kRead, "data/t")->status_code, 0);  // not yet deleted
  Advance(std::chrono::hours(2));
  auto r = Do(Operation::kRead, "data/t");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status_code, 404);
  EXPECT_TRUE(r->data.at("data").is_null());

  // A shorter key value applies; a longer one is capped by the mount's.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/t", R"({"delete_version_after":"10m"})"));
  EXPECT_EQ(Put("t", R"({"data":{"a":2}})").at("deletion_time"), "2024-05-01T12:10:00.123456789Z");
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/t", R"({"delete_version_after":"5h"})"));
  EXPECT_EQ(Put("t", R"({"data":{"a":3}})").at("deletion_time"), "2024-05-01T13:00:00.123456789Z");
}

TEST_F(KvV2Test, Config) {
  auto r = Do(Operation::kRead, "config");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, Obj(R"({"max_versions":0,"cas_required":false,"delete_version_after":"0s"})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "config",
                 R"({"max_versions":"7","cas_required":true,"delete_version_after":3600})"));
  EXPECT_EQ(Do(Operation::kRead, "config")->data,
            Obj(R"({"max_versions":7,"cas_required":true,"delete_version_after":"1h0m0s"})"));
  for (const char* bad : {R"({"max_versions":-1})", R"({"max_versions":"x"})",
                          R"({"cas_required":[1]})", R"({"delete_version_after":"x"})"}) {
    SCOPED_TRACE(bad);
    ExpectStatus(Do(Operation::kUpdate, "config", bad), 400);
  }
  EXPECT_EQ(Do(Operation::kRead, "config")->data.at("max_versions"), 7);
}

TEST_F(KvV2Test, List) {
  Put("a", R"({"data":{"x":1}})");
  Put("dir/b", R"({"data":{"x":1}})");
  Put("dir/c", R"({"data":{"x":1}})");
  Put("dir/sub/d", R"({"data":{"x":1}})");
  struct Case {
    std::string path;
    std::vector<std::string> keys;
  };
  for (const Case& c : std::vector<Case>{{"metadata", {"a", "dir/"}},
                                         {"metadata/", {"a", "dir/"}},
                                         {"metadata/dir", {"b", "c", "sub/"}},
                                         {"metadata/dir/", {"b", "c", "sub/"}},
                                         {"metadata/nope/", {}}}) {
    SCOPED_TRACE(c.path);
    auto r = Do(Operation::kList, c.path);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    if (c.keys.empty()) {
      EXPECT_TRUE(r->empty_list);
      continue;
    }
    json::array want;
    for (const auto& k : c.keys) want.push_back(json::value(k));
    EXPECT_EQ(r->data.at("keys"), want);
  }
}

TEST_F(KvV2Test, Subkeys) {
  Put("s", R"({"data":{"a":1,"b":{"c":"x","d":{"e":[1,2]}},"f":{}}})");
  struct Case {
    std::string query;
    std::string want;
  };
  for (const Case& c :
       std::vector<Case>{{R"({})", R"({"a":null,"b":{"c":null,"d":{"e":null}},"f":{}})"},
                         {R"({"depth":"1"})", R"({"a":null,"b":null,"f":null})"},
                         {R"({"depth":2})", R"({"a":null,"b":{"c":null,"d":null},"f":{}})"}}) {
    SCOPED_TRACE(c.query);
    auto r = Do(Operation::kRead, "subkeys/s", c.query);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->data.at("subkeys"), Obj(c.want));
    EXPECT_EQ(r->data.at("metadata").at("version"), 1);
  }
  ExpectStatus(Do(Operation::kRead, "subkeys/s", R"({"depth":-1})"), 400);
  ExpectStatus(Do(Operation::kRead, "subkeys/s", R"({"version":-2})"), 400);
  ExpectStatus(Do(Operation::kRead, "subkeys/s", R"({"version":9})"), 404);
  ExpectStatus(Do(Operation::kRead, "subkeys/none"), 404);
  ASSERT_TRUE(Do(Operation::kDelete, "data/s"));
  auto deleted = Do(Operation::kRead, "subkeys/s");
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->status_code, 404);
  EXPECT_TRUE(deleted->data.at("subkeys").is_null());
}

TEST_F(KvV2Test, RoutingErrors) {
  ExpectStatus(Do(Operation::kRead, "bogus/x"), 404);
  ExpectStatus(Do(Operation::kList, "data/x"), 405);
  ExpectStatus(Do(Operation::kRead, "delete/x"), 405);
  ExpectStatus(Do(Operation::kPatch, "config", R"({"max_versions":1})"), 405);
}

TEST_F(KvV2Test, ExistenceCheck) {
  Request req;
  req.operation = Operation::kUpdate;
  req.path = "data/e";
  req.storage = &storage_;
  auto before = backend_->HandleExistenceCheck(req);
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(before->supported);
  EXPECT_FALSE(before->exists);
  Put("e", R"({"data":{"a":1}})");
  EXPECT_TRUE(backend_->HandleExistenceCheck(req)->exists);
}

TEST_F(KvV2Test, HelpListsEveryPath) {
  auto r = Do(Operation::kHelp, "");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const json::object& paths = r->data.at("openapi").at("paths").as_object();
  for (const char* p :
       {"/secret/config", "/secret/data/{path}", "/secret/metadata/{path}", "/secret/delete/{path}",
        "/secret/undelete/{path}", "/secret/destroy/{path}", "/secret/subkeys/{path}"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
  auto h = Do(Operation::kHelp, "metadata/x");
  ASSERT_TRUE(h.has_value()) << h.error().ToString();
  EXPECT_NE(json::serialize(h->data.at("help")).find("custom_metadata"), std::string::npos);
}

// Storage that counts reads and writes, to see the caches and the write batches at work.
class CountingStorage : public logical::Storage {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    ++gets;
    return inner.Get(key);
  }
  Status Put(std::string_view key, std::string_view value) override {
    ++puts;
    if (fail_commits) return Unavailable("storage down");
    return inner.Put(key, value);
  }
  Status Delete(std::string_view key) override {
    ++deletes;
    return inner.Delete(key);
  }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return inner.List(prefix);
  }
  Status Commit(std::span<const logical::WriteOp> ops) override {
    ++commits;
    last_commit.assign(ops.begin(), ops.end());
    if (fail_commits) return Unavailable("storage down");
    return inner.Commit(ops);
  }
  logical::InmemStorage inner;
  std::atomic<int> gets{0}, puts{0}, deletes{0}, commits{0};
  std::vector<logical::WriteOp> last_commit;
  bool fail_commits = false;  // Commit and Put fail
};

class KvV2CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logical::BackendConfig config;
    config.storage = &storage_;
    config.mount_path = "secret/";
    auto b = NewKvV2Backend(config, [this] { return now_; });
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
  }
  Result<Response> Do(Operation op, std::string path, std::string_view body = "{}",
                      logical::Storage* storage = nullptr) {
    Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = Obj(body);
    req.mount_point = "secret/";
    req.storage = storage != nullptr ? storage : &storage_;
    return backend_->HandleRequest(req);
  }
  // The latest version's data, or its HTTP status when it is not readable.
  json::value Read(const std::string& path) {
    auto r = Do(Operation::kRead, "data/" + path);
    if (!r) return r.error().http_status();
    if (r->status_code != 0) return r->status_code;
    return r->data.at("data");
  }
  CountingStorage storage_;
  std::unique_ptr<logical::Backend> backend_;
  system_clock::time_point now_ = system_clock::time_point(std::chrono::seconds(kStartSeconds));
};

TEST_F(KvV2CacheTest, RepeatedReadsSkipStorage) {
  ASSERT_TRUE(Do(Operation::kUpdate, "data/a", R"({"data":{"v":1}})"));
  EXPECT_EQ(Read("a"), Obj(R"({"v":1})"));
  int after_first = storage_.gets;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Read("a"), Obj(R"({"v":1})"));
  EXPECT_EQ(storage_.gets, after_first);
  // An older version is not cached: it is read from storage each time.
  ASSERT_TRUE(Do(Operation::kUpdate, "data/a", R"({"data":{"v":2}})"));
  EXPECT_EQ(Read("a"), Obj(R"({"v":2})"));
  int before = storage_.gets;
  auto v1 = Do(Operation::kRead, "data/a", R"({"version":1})");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->data.at("data"), Obj(R"({"v":1})"));
  EXPECT_EQ(storage_.gets, before + 1);
  // Reads through another storage view than the mount's are neither served from nor put in
  // the cache.
  logical::InmemStorage other;
  auto none = Do(Operation::kRead, "data/a", "{}", &other);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().http_status(), 404);
}

TEST_F(KvV2CacheTest, DisableCacheReadsStorageEveryTime) {
  logical::BackendConfig config;
  config.storage = &storage_;
  config.mount_path = "secret/";
  config.disable_cache = true;
  auto b = NewKvV2Backend(config, [this] { return now_; });
  ASSERT_TRUE(b.has_value());
  backend_ = std::move(*b);
  ASSERT_TRUE(Do(Operation::kUpdate, "data/a", R"({"data":{"v":1}})"));
  EXPECT_EQ(Read("a"), Obj(R"({"v":1})"));
  int before = storage_.gets;
  EXPECT_EQ(Read("a"), Obj(R"({"v":1})"));
  EXPECT_EQ(storage_.gets, before + 2);  // metadata and data
}

TEST_F(KvV2CacheTest, EveryMutationIsSeenByTheNextRead) {
  ASSERT_TRUE(Do(Operation::kUpdate, "data/k", R"({"data":{"v":1}})"));
  EXPECT_EQ(Read("k"), Obj(R"({"v":1})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "data/k", R"({"data":{"v":2}})"));  // write
  EXPECT_EQ(Read("k"), Obj(R"({"v":2})"));
  ASSERT_TRUE(Do(Operation::kPatch, "data/k", R"({"data":{"w":3}})"));  // patch
  EXPECT_EQ(Read("k"), Obj(R"({"v":2,"w":3})"));
  ASSERT_TRUE(Do(Operation::kDelete, "data/k"));  // soft delete of the latest
  EXPECT_EQ(Read("k"), 404);
  ASSERT_TRUE(Do(Operation::kUpdate, "undelete/k", R"({"versions":[3]})"));
  EXPECT_EQ(Read("k"), Obj(R"({"v":2,"w":3})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "delete/k", R"({"versions":[3]})"));
  EXPECT_EQ(Read("k"), 404);
  ASSERT_TRUE(Do(Operation::kUpdate, "undelete/k", R"({"versions":[3]})"));
  EXPECT_EQ(Read("k"), Obj(R"({"v":2,"w":3})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "destroy/k", R"({"versions":[3]})"));
  EXPECT_EQ(Read("k"), 404);
  ASSERT_TRUE(Do(Operation::kUpdate, "data/k", R"({"data":{"v":4}})"));
  EXPECT_EQ(Read("k"), Obj(R"({"v":4})"));
  // Metadata changes show in the version metadata of the next read.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/k", R"({"custom_metadata":{"team":"x"}})"));
  auto r = Do(Operation::kRead, "data/k");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.at("metadata").at("custom_metadata"), Obj(R"({"team":"x"})"));
  ASSERT_TRUE(Do(Operation::kPatch, "metadata/k", R"({"custom_metadata":{"team":"y"}})"));
  r = Do(Operation::kRead, "data/k");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.at("metadata").at("custom_metadata"), Obj(R"({"team":"y"})"));
  ASSERT_TRUE(Do(Operation::kDelete, "metadata/k"));  // the key and all its versions
  EXPECT_EQ(Read("k"), 404);
  // A soft delete in the future (delete_version_after) takes effect as time passes, with the
  // key cached.
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/t", R"({"delete_version_after":"10s"})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "data/t", R"({"data":{"v":1}})"));
  EXPECT_EQ(Read("t"), Obj(R"({"v":1})"));
  now_ += std::chrono::seconds(11);
  EXPECT_EQ(Read("t"), 404);
}

TEST_F(KvV2CacheTest, ConcurrentReadsNeverSeeAnOlderVersionThanAcknowledged) {
  ASSERT_TRUE(Do(Operation::kUpdate, "data/c", R"({"data":{"n":0}})"));
  std::atomic<int64_t> acknowledged{0};
  std::atomic<bool> done{false}, stale{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        int64_t floor = acknowledged.load();
        json::value v = Read("c");
        if (!v.is_object() || v.as_object().at("n").as_int64() < floor) {
          ADD_FAILURE() << "read " << json::serialize(v) << " after " << floor
                        << " was acknowledged";
          stale = true;
        }
      }
    });
  }
  for (int64_t n = 1; n <= 300; ++n) {
    ASSERT_TRUE(Do(Operation::kUpdate, "data/c", "{\"data\":{\"n\":" + std::to_string(n) + "}}"));
    acknowledged = n;
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_FALSE(stale);
  EXPECT_EQ(Read("c"), Obj(R"({"n":300})"));
}

TEST_F(KvV2CacheTest, BoundedNumberOfKeys) {
  const size_t n = v2::kReadCacheKeys + 500;
  for (size_t i = 0; i < n; ++i) {
    std::string path = "k" + std::to_string(i);
    ASSERT_TRUE(Do(Operation::kUpdate, "data/" + path, R"({"data":{"v":1}})"));
    EXPECT_EQ(Read(path), Obj(R"({"v":1})"));
  }
  // Every key still reads correctly; at most kReadCacheKeys of them come from the cache, the
  // others cost two storage reads each (metadata and data).
  int before = storage_.gets;
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(Read("k" + std::to_string(i)), Obj(R"({"v":1})"));
  EXPECT_GE(static_cast<size_t>(storage_.gets - before), 2 * (n - v2::kReadCacheKeys));
}

// A write of a known key reads nothing from storage (metadata and mount config come from the
// cache) and writes one batch: the new version and the metadata (and the pruned versions).
TEST_F(KvV2CacheTest, WriteOfACachedKeyIsOneBatchAndNoRead) {
  ASSERT_TRUE(Do(Operation::kUpdate, "config", R"({"max_versions":2})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "data/w", R"({"data":{"v":1}})"));
  const int gets = storage_.gets, puts = storage_.puts, commits = storage_.commits;
  ASSERT_TRUE(Do(Operation::kUpdate, "data/w", R"({"data":{"v":2}})"));
  EXPECT_EQ(storage_.gets, gets);
  EXPECT_EQ(storage_.puts, puts);
  EXPECT_EQ(storage_.commits, commits + 1);
  ASSERT_EQ(storage_.last_commit.size(), 2u);
  EXPECT_EQ(storage_.last_commit[0].key, "versions/w@2");
  EXPECT_EQ(storage_.last_commit[1].key, "metadata/w");
  // The third write prunes version 1 (max_versions 2) in the same batch.
  ASSERT_TRUE(Do(Operation::kUpdate, "data/w", R"({"data":{"v":3}})"));
  EXPECT_EQ(storage_.gets, gets);
  EXPECT_EQ(storage_.commits, commits + 2);
  ASSERT_EQ(storage_.last_commit.size(), 3u);
  EXPECT_EQ(storage_.last_commit[2].kind, logical::WriteOp::Kind::kDelete);
  EXPECT_EQ(storage_.last_commit[2].key, "versions/w@1");
  EXPECT_FALSE(storage_.inner.Get("versions/w@1")->has_value());
  // What the cache holds is what storage holds: a fresh backend on the same storage agrees.
  auto fresh = NewKvV2Backend({.storage = &storage_, .mount_path = "secret/"}, [this] {
    return now_;
  });
  ASSERT_TRUE(fresh.has_value());
  backend_ = std::move(*fresh);
  EXPECT_EQ(Read("w"), Obj(R"({"v":3})"));
  auto meta = Do(Operation::kRead, "metadata/w");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->data.at("current_version"), 3);
  EXPECT_EQ(meta->data.at("oldest_version"), 2);
}

// Pruning many versions at once (max_versions lowered) splits into batches of at most
// kMaxBatchOps, the first holding the new version and the metadata.
TEST_F(KvV2CacheTest, LargePruneIsSplitIntoBoundedBatches) {
  const int n = static_cast<int>(v2::kMaxBatchOps) + 20;
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/p",
                 "{\"max_versions\":" + std::to_string(n + 5) + "}"));
  for (int i = 1; i <= n; ++i) {
    ASSERT_TRUE(Do(Operation::kUpdate, "data/p", "{\"data\":{\"v\":" + std::to_string(i) + "}}"));
  }
  ASSERT_TRUE(Do(Operation::kUpdate, "metadata/p", R"({"max_versions":1})"));
  const int commits = storage_.commits;
  ASSERT_TRUE(Do(Operation::kUpdate, "data/p", R"({"data":{"v":0}})"));
  EXPECT_EQ(storage_.commits, commits + 2);
  for (int i = 1; i <= n; ++i) {
    EXPECT_FALSE(storage_.inner.Get("versions/p@" + std::to_string(i))->has_value()) << i;
  }
  EXPECT_EQ(Read("p"), Obj(R"({"v":0})"));
}

// A failed write leaves nothing stale in the cache: the next read and write see storage.
TEST_F(KvV2CacheTest, FailedWriteIsNotCached) {
  ASSERT_TRUE(Do(Operation::kUpdate, "data/f", R"({"data":{"v":1}})"));
  EXPECT_EQ(Read("f"), Obj(R"({"v":1})"));
  storage_.fail_commits = true;
  auto failed = Do(Operation::kUpdate, "data/f", R"({"data":{"v":2}})");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().http_status(), 503);
  storage_.fail_commits = false;
  const int gets = storage_.gets;
  EXPECT_EQ(Read("f"), Obj(R"({"v":1})"));
  EXPECT_GT(storage_.gets, gets);  // reloaded
  auto w = Do(Operation::kUpdate, "data/f", R"({"data":{"v":3}})");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->data.at("version"), 2);
  // A failed config write is not cached either; a successful one is.
  storage_.fail_commits = true;
  ASSERT_FALSE(Do(Operation::kUpdate, "config", R"({"cas_required":true})"));
  storage_.fail_commits = false;
  ASSERT_TRUE(Do(Operation::kUpdate, "data/f", R"({"data":{"v":4}})"));
  ASSERT_TRUE(Do(Operation::kUpdate, "config", R"({"cas_required":true})"));
  auto no_cas = Do(Operation::kUpdate, "data/f", R"({"data":{"v":5}})");
  ASSERT_FALSE(no_cas);
  EXPECT_EQ(no_cas.error().message(), "check-and-set parameter required for this call");
}

// A new key costs one metadata read (absent, then cached as absent) for the existence check
// and the write together.
TEST_F(KvV2CacheTest, NewKeyIsReadOnce) {
  const int gets = storage_.gets;
  Request req;
  req.operation = Operation::kCreate;
  req.path = "data/new";
  req.data = Obj(R"({"data":{"v":1}})");
  req.mount_point = "secret/";
  req.storage = &storage_;
  auto exists = backend_->HandleExistenceCheck(req);
  ASSERT_TRUE(exists.has_value()) << exists.error().ToString();
  EXPECT_FALSE(exists->exists);
  ASSERT_TRUE(Do(Operation::kUpdate, "data/new", R"({"data":{"v":1}})"));
  EXPECT_EQ(storage_.gets, gets + 2);  // metadata (absent) and the mount config
  EXPECT_EQ(Read("new"), Obj(R"({"v":1})"));
  EXPECT_EQ(storage_.gets, gets + 2);
}

// With disable_cache every write reads the metadata and the mount config from storage.
TEST_F(KvV2CacheTest, DisableCacheReadsStorageOnEveryWrite) {
  logical::BackendConfig config;
  config.storage = &storage_;
  config.mount_path = "secret/";
  config.disable_cache = true;
  auto b = NewKvV2Backend(config, [this] { return now_; });
  ASSERT_TRUE(b.has_value());
  backend_ = std::move(*b);
  ASSERT_TRUE(Do(Operation::kUpdate, "data/d", R"({"data":{"v":1}})"));
  const int gets = storage_.gets, commits = storage_.commits;
  ASSERT_TRUE(Do(Operation::kUpdate, "data/d", R"({"data":{"v":2}})"));
  EXPECT_EQ(storage_.gets, gets + 2);
  EXPECT_EQ(storage_.commits, commits + 1);
}

TEST(KvV2MergePatchTest, Rfc7396Examples) {
  struct Case {
    std::string target, patch, want;
  };
  for (const Case& c :
       std::vector<Case>{{R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
                         {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
                         {R"({"a":"b"})", R"({"a":null})", R"({})"},
                         {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
                         {R"({"a":"foo"})", R"("bar")", R"("bar")"},
                         {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
                         {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
                         {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"}}) {
    SCOPED_TRACE(c.patch);
    EXPECT_EQ(v2::MergePatch(json::parse(c.target), json::parse(c.patch)), json::parse(c.want));
  }
}

}  // namespace
}  // namespace arca::engines::kv
