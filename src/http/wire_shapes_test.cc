// BuildResponse shapes Vault clients depend on: ?help=1 answers the bare help object, and a
// response whose empty data is to be kept answers 200 {"data": {}} (not 204).
#include <gtest/gtest.h>

#include "http/translate.h"

namespace arca::http {
namespace {

using logical::Operation;

json::object ParseBody(const HttpResponseOut& out) {
  auto v = json::parse(out.body);
  return v.as_object();
}

TEST(WireShapes, HelpIsTheBareDataObject) {
  logical::Request req;
  req.operation = Operation::kHelp;
  req.id = "req-1";
  logical::Response resp;
  resp.data["help"] = "## PATH\n";
  resp.data["openapi"] = json::object{{"paths", json::object{}}};
  resp.data["see_also"] = nullptr;
  auto out = BuildResponse(req, resp, false);
  EXPECT_EQ(out.status, 200);
  json::object body = ParseBody(out);
  EXPECT_EQ(body.size(), 3u) << out.body;
  EXPECT_EQ(body["help"].as_string(), "## PATH\n");
  EXPECT_TRUE(body["see_also"].is_null());
  EXPECT_FALSE(body.contains("request_id")) << out.body;
  EXPECT_FALSE(body.contains("data")) << out.body;

  // Errors of a help request keep the error shape.
  Result<logical::Response> denied = std::unexpected(Error(ErrorKind::kPermissionDenied, "permission denied"));
  auto err = BuildResponse(req, denied, false);
  EXPECT_EQ(err.status, 403);
  EXPECT_EQ(err.body, R"({"errors":["permission denied"]})");
}

TEST(WireShapes, EmptyDataKeptIs200WithAnEmptyObject) {
  logical::Request req;
  req.operation = Operation::kRead;
  logical::Response resp;
  resp.data_at_top_level = true;
  // Without the flag an empty read is Vault's nil response: 404 {"errors":[]}.
  auto plain = BuildResponse(req, resp, false);
  EXPECT_EQ(plain.status, 404);
  EXPECT_EQ(plain.body, R"({"errors":[]})");

  resp.data_even_if_empty = true;
  auto out = BuildResponse(req, resp, false);
  EXPECT_EQ(out.status, 200);
  json::object body = ParseBody(out);
  ASSERT_TRUE(body["data"].is_object()) << out.body;
  EXPECT_TRUE(body["data"].as_object().empty());
}

}  // namespace
}  // namespace arca::http
