// sys/audit*, sys/audit-hash/*, sys/config/auditing/request-headers*, through a framework
// backend built from AuditPaths.
#include "core/sys/path_audit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;

class AuditPathsTest : public ::testing::Test {
 protected:
  AuditPathsTest() : broker_(storage_) {
    logical::framework::FrameworkBackend::Options o;
    o.type = "system";
    o.paths = sys::AuditPaths(broker_);
    sys_ = std::make_unique<logical::framework::FrameworkBackend>(std::move(o));
    std::string tmpl = (std::filesystem::temp_directory_path() / "arca-audit-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  ~AuditPathsTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Result<logical::Response> Do(Operation op, std::string path, json::object body = {}) {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(body);
    req.storage = &storage_;
    return sys_->HandleRequest(req);
  }
  static int Code(const Result<logical::Response>& r) { return r ? 200 : r.error().http_status(); }

  logical::InmemStorage storage_;
  audit::Broker broker_;
  std::unique_ptr<logical::framework::FrameworkBackend> sys_;
  std::string dir_;
};

TEST_F(AuditPathsTest, EnableListHashDisable) {
  std::string file = dir_ + "/audit.log";
  auto en = Do(Operation::kUpdate, "audit/file",
               {{"type", "file"},
                {"description", "main log"},
                {"options", json::object{{"file_path", file}, {"hmac_accessor", false}}}});
  ASSERT_TRUE(en) << en.error().ToString();
  EXPECT_FALSE(en->HasContent());
  EXPECT_TRUE(std::filesystem::exists(file));

  auto list = Do(Operation::kRead, "audit");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->data_at_top_level);
  const auto& e = list->data.at("file/").as_object();
  EXPECT_EQ(e.at("type").as_string(), "file");
  EXPECT_EQ(e.at("description").as_string(), "main log");
  EXPECT_EQ(e.at("path").as_string(), "file/");
  EXPECT_EQ(e.at("local").as_bool(), false);
  EXPECT_EQ(e.at("options").as_object().at("file_path").as_string(), file);
  EXPECT_EQ(e.at("options").as_object().at("hmac_accessor").as_string(), "false");

  auto h = Do(Operation::kUpdate, "audit-hash/file", {{"input", "secret"}});
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->data.at("hash").as_string(), *broker_.Hash("file", "secret"));
  EXPECT_TRUE(h->data_at_top_level);

  ASSERT_TRUE(Do(Operation::kDelete, "audit/file"));
  auto after = Do(Operation::kRead, "audit");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->data.empty());
  EXPECT_FALSE(broker_.HasDevices());
}

TEST_F(AuditPathsTest, BadInputChangesNothing) {
  ASSERT_TRUE(Do(Operation::kUpdate, "audit/keep",
                 {{"type", "file"}, {"options", json::object{{"file_path", "discard"}}}}));
  struct Case {
    Operation op;
    std::string path;
    json::object body;
    int code;
  };
  std::vector<Case> cases = {
      {Operation::kUpdate, "audit/x", {}, 400},                  // no type
      {Operation::kUpdate, "audit/x", {{"type", "tape"}}, 400},  // unknown type
      {Operation::kUpdate, "audit/x", {{"type", "file"}}, 400},  // no file_path
      {Operation::kUpdate,
       "audit/x",
       {{"type", "file"}, {"options", json::object{{"file_path", dir_ + "/no/dir/x.log"}}}},
       400},
      {Operation::kUpdate,
       "audit/x",
       {{"type", "file"}, {"options", json::object{{"file_path", "discard"}, {"zzz", "1"}}}},
       400},
      {Operation::kUpdate,
       "audit/x",
       {{"type", "file"}, {"options", json::object{{"file_path", json::array{"a"}}}}},
       400},
      {Operation::kUpdate, "audit/x", {{"type", "file"}, {"options", "not-an-object"}}, 400},
      {Operation::kUpdate, "audit/x", {{"type", "file"}, {"local", "maybe"}}, 400},
      {Operation::kUpdate,
       "audit/keep",
       {{"type", "file"}, {"options", json::object{{"file_path", "discard"}}}},
       400},  // in use
      {Operation::kUpdate,
       "audit/keep/sub",
       {{"type", "file"}, {"options", json::object{{"file_path", "discard"}}}},
       400},
      {Operation::kRead, "audit/keep", {}, 405},
      {Operation::kUpdate, "audit", {}, 405},
      {Operation::kDelete, "audit", {}, 405},
      {Operation::kUpdate, "audit-hash/none", {{"input", "x"}}, 400},  // unknown device
      {Operation::kUpdate, "audit-hash/keep", {}, 400},                // no input
      {Operation::kRead, "audit-hash/keep", {}, 405},
      {Operation::kUpdate, "audit-hash/", {{"input", "x"}}, 404},
      {Operation::kUpdate, "config/auditing/request-headers", {}, 405},
      {Operation::kRead, "config/auditing/request-headers/X-Nope", {}, 400},
      {Operation::kUpdate, "config/auditing/request-headers/X-A", {{"hmac", "perhaps"}}, 400},
      {Operation::kList, "config/auditing/request-headers/X-A", {}, 405},
      {Operation::kRead, "audits", {}, 404},
  };
  for (const auto& c : cases) {
    auto r = Do(c.op, c.path, c.body);
    EXPECT_EQ(Code(r), c.code) << c.path << " " << json::serialize(c.body)
                               << (r ? "" : " " + r.error().ToString());
  }
  ASSERT_EQ(broker_.List().size(), 1u);
  EXPECT_EQ(broker_.List()[0].path, "keep/");
  EXPECT_TRUE(broker_.AuditedHeaders().empty());
}

TEST_F(AuditPathsTest, DisableUnknownIs204) {
  auto r = Do(Operation::kDelete, "audit/never");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->HasContent());
}

TEST_F(AuditPathsTest, RequestHeaders) {
  ASSERT_TRUE(
      Do(Operation::kUpdate, "config/auditing/request-headers/X-Forwarded-For", {{"hmac", true}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "config/auditing/request-headers/X-Plain"));
  auto one = Do(Operation::kRead, "config/auditing/request-headers/X-Forwarded-For");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->data.at("X-Forwarded-For").as_object().at("hmac").as_bool(), true);
  auto all = Do(Operation::kRead, "config/auditing/request-headers");
  ASSERT_TRUE(all);
  const auto& h = all->data.at("headers").as_object();
  EXPECT_EQ(h.at("x-forwarded-for").as_object().at("hmac").as_bool(), true);
  EXPECT_EQ(h.at("x-plain").as_object().at("hmac").as_bool(), false);
  ASSERT_TRUE(Do(Operation::kDelete, "config/auditing/request-headers/x-plain"));
  EXPECT_FALSE(broker_.AuditedHeaders().contains("x-plain"));
  EXPECT_TRUE(Do(Operation::kDelete, "config/auditing/request-headers/x-never"));
}

TEST(AuditRootPaths, AreSudo) {
  auto p = sys::AuditRootPaths();
  EXPECT_EQ(p, (std::vector<std::string>{"audit", "audit/*", "config/auditing/*"}));
}

}  // namespace
}  // namespace arca::core
