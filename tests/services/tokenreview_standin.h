// Starts and stops tests/services/tokenreview_standin.py: a STAND-IN for the Kubernetes API
// server's token endpoints (no Kubernetes API server is packaged in Debian). It serves HTTPS on
// 127.0.0.1 with a CA it makes (ca_path()), mints service account JWTs (TokenRequest), answers
// TokenReviews as the API server does and checks the reviewer's bearer token. See the script's
// docstring for what it is and is not.
//
// A stand-in that fails to start leaves ok() false and error() saying why; tests treat that as a
// failure. Requests to it go through curl (the test machines have it). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace arca::testing {

struct TokenReviewStandinOptions {
  std::string admin_token;                    // cluster-admin bearer token (mints, deletes)
  std::vector<std::string> service_accounts;  // "namespace:name" accounts that exist
  std::vector<std::string> reviewers;         // "namespace:name" accounts allowed to review
};

class TokenReviewStandin {
 public:
  explicit TokenReviewStandin(TokenReviewStandinOptions options);
  ~TokenReviewStandin();
  TokenReviewStandin(const TokenReviewStandin&) = delete;
  TokenReviewStandin& operator=(const TokenReviewStandin&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // PEM files it wrote: its CA, an unrelated CA, the service account signing key (public key,
  // and in a self-signed certificate).
  std::string ca_path() const { return dir_ + "/ca.crt"; }
  std::string other_ca_path() const { return dir_ + "/other-ca.crt"; }
  std::string signing_key_path() const { return dir_ + "/sa.pub"; }

  // POSTs a TokenRequest for namespace/name (as admin) and returns the token; empty on failure
  // (*err says why when given).
  std::string MintToken(const std::string& ns, const std::string& name,
                        const std::vector<std::string>& audiences = {},
                        std::string* err = nullptr) const;
  // One request as admin; returns the HTTP status (0 on failure) and the body in *body.
  int Call(const std::string& method, const std::string& path, const std::string& json_body,
           std::string* body = nullptr) const;

  static std::string ScriptPath();

 private:
  TokenReviewStandinOptions options_;
  std::string dir_;
  bool ok_ = false;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace arca::testing
