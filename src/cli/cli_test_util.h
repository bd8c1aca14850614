// Test fixture for CLI commands: a fake API client with canned responses per "METHOD path",
// captured stdout/stderr, injected stdin and environment. Test-only.
#pragma once

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "api/client.h"
#include "cli/cli.h"
#include "gtest/gtest.h"

namespace arca::cli::testing {

struct Route {
  int status = 200;
  std::string body;
  bool transport_error = false;
};

struct RecordedCall {
  std::string method;
  std::string path;
  std::string body;  // serialized JSON ("" without body)
  api::QueryParams query;
};

class FakeClient : public api::Client {
 public:
  FakeClient(api::ClientConfig config, std::map<std::string, Route>* routes,
             std::vector<RecordedCall>* calls, api::ClientConfig* seen_config)
      : api::Client(config), routes_(routes), calls_(calls) {
    *seen_config = config;
  }

  Result<api::ApiResponse> Request(std::string_view method, std::string_view path,
                                   const json::object* body,
                                   const api::QueryParams& query) override {
    std::string p(path);
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    calls_->push_back({std::string(method), p, body ? json::serialize(*body) : "", query});
    std::string url = UrlFor(p);
    std::string m(method);
    if (m == "LIST") {
      m = "GET";
      url += "?list=true";
    }
    auto it = routes_->find(std::string(method) + " " + p);
    Route r = it == routes_->end() ? Route{404, R"({"errors":[]})"} : it->second;
    if (r.transport_error) {
      return Unavailable("Get \"" + url +
                         "\": dial tcp 127.0.0.1:8200: connect: connection refused");
    }
    api::ApiResponse resp;
    resp.status = r.status;
    resp.body = r.body;
    resp.method = m;
    resp.url = url;
    if (auto v = ParseJson(r.body)) resp.json = *v;
    return resp;
  }

 private:
  std::map<std::string, Route>* routes_;
  std::vector<RecordedCall>* calls_;
};

class CliTest : public ::testing::Test {
 protected:
  int Run(std::vector<std::string> args, std::string stdin_text = "") {
    out_.str("");
    err_.str("");
    in_.clear();
    in_.str(stdin_text);
    CliEnv env;
    env.in = &in_;
    env.out = &out_;
    env.err = &err_;
    env.stdin_is_terminal = stdin_is_terminal_;
    env.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_vars_.find(std::string(name));
      if (it == env_vars_.end()) return std::nullopt;
      return it->second;
    };
    env.make_client = [this](const api::ClientConfig& c) {
      return std::make_unique<FakeClient>(c, &routes_, &calls_, &config_);
    };
    env.read_hidden_line = [this]() -> Result<std::string> {
      ++prompts_;
      return hidden_input_;
    };
    return RunCli(args, env);
  }

  void AddRoute(const std::string& key, int status, std::string body) {
    routes_[key] = {status, std::move(body), false};
  }

  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

  std::map<std::string, cli::testing::Route> routes_;
  std::vector<RecordedCall> calls_;
  std::map<std::string, std::string> env_vars_{{"ARCA_ADDR", "http://127.0.0.1:8200"}};
  api::ClientConfig config_;
  bool stdin_is_terminal_ = false;
  std::string hidden_input_;
  int prompts_ = 0;
  std::istringstream in_;
  std::ostringstream out_, err_;
};

}  // namespace arca::cli::testing
