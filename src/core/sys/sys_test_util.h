// Private to core/sys tests: a core with kv, initialized and unsealed, and request shortcuts.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/testing.h"

namespace arca::core::sys_test {

class SysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
  }
  Result<logical::Response> Do(logical::Operation op, const std::string& path,
                               json::object body = {}, std::string tok = "") {
    return t_.Do(op, path, std::move(body), tok.empty() ? root_ : tok);
  }
  int Code(logical::Operation op, const std::string& path, json::object body = {},
           std::string tok = "") {
    auto r = Do(op, path, std::move(body), std::move(tok));
    return r ? 200 : r.error().http_status();
  }
  // A token with one policy made of `hcl`.
  std::string TokenWith(const std::string& name, const std::string& hcl) {
    if (!Do(logical::Operation::kUpdate, "sys/policies/acl/" + name, {{"policy", hcl}})) return "";
    auto tok = Do(logical::Operation::kUpdate, "auth/token/create",
                  {{"policies", json::array{name.c_str()}}});
    return tok && tok->auth ? tok->auth->client_token : "";
  }
  TestCore t_;
  std::string root_;
};

}  // namespace arca::core::sys_test
