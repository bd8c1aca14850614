// Test fixture for the transit engine: a backend over an InmemStorage with a settable clock.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/json.h"
#include "engines/transit/transit.h"
#include "logical/storage.h"

namespace arca::engines::transit {

class TransitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logical::BackendConfig config;
    config.storage = &storage_;
    config.mount_path = "transit/";
    auto b = NewTransitBackendWithClock(config, [this] { return now_.load(); });
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
  }

  Result<logical::Response> Do(logical::Operation op, std::string path,
                               std::string_view body = "{}") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = json::parse(body).as_object();
    req.mount_point = "transit/";
    req.storage = &storage_;
    return backend_->HandleRequest(req);
  }
  Result<logical::Response> Write(std::string path, std::string_view body = "{}") {
    return Do(logical::Operation::kUpdate, std::move(path), body);
  }
  Result<logical::Response> Read(std::string path) {
    return Do(logical::Operation::kRead, std::move(path));
  }
  // A successful write/read's data (fails the test otherwise).
  json::object MustWrite(std::string path, std::string_view body = "{}") {
    auto r = Write(path, body);
    EXPECT_TRUE(r.has_value()) << path << ": " << (r ? "" : r.error().ToString());
    return r ? r->data : json::object{};
  }
  json::object MustRead(std::string path) {
    auto r = Read(path);
    EXPECT_TRUE(r.has_value()) << path << ": " << (r ? "" : r.error().ToString());
    return r ? r->data : json::object{};
  }
  // Expects a 400 whose message contains `needle`.
  void ExpectBadRequest(const Result<logical::Response>& r, std::string_view needle) {
    ASSERT_FALSE(r.has_value()) << "expected an error containing: " << needle;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().ToString();
  }
  static std::string B64(std::string_view s) { return Base64Encode(s); }
  static std::string Str(const json::value& v) { return std::string(v.as_string()); }

  std::atomic<int64_t> now_{1'700'000'000};
  logical::InmemStorage storage_;
  std::unique_ptr<logical::Backend> backend_;
};

}  // namespace arca::engines::transit
