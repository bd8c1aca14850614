// Starts and stops tests/services/kms_standin.py: a STAND-IN for AWS KMS (no real KMS is
// reachable from the test machines) that serves Encrypt/Decrypt/DescribeKey with AWS's JSON
// protocol on 127.0.0.1 and verifies the SigV4 signature of every request with its own
// implementation. See the script's docstring for what it is and is not.
//
// The script binds port 0 and reports its port; Stop() kills it (the port is then refused) and
// Start() brings it back on the same port with the same keys (they are kept in a state file in a
// temporary directory the object owns). A stand-in that fails to start leaves ok() false and
// error() saying why; tests treat that as a failure. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace arca::testing {

struct KmsStandinOptions {
  struct Credential {
    std::string access_key;
    std::string secret_key;
    std::string session_token;  // empty: long-term credentials
  };
  std::string region = "us-east-1";
  std::string account = "111122223333";
  std::vector<std::string> keys;                             // key ids to create
  std::vector<std::pair<std::string, std::string>> aliases;  // "alias/name" -> key id
  std::vector<std::string> disabled;                         // key ids to create disabled
  std::vector<Credential> credentials;                       // access keys it accepts
  int throttle_first = 0;  // answer the first N signed requests with ThrottlingException
  std::string tls_cert_file, tls_key_file;  // PEM files: serve HTTPS (endpoint() is https://)
};

class KmsStandin {
 public:
  explicit KmsStandin(KmsStandinOptions options);
  ~KmsStandin();
  KmsStandin(const KmsStandin&) = delete;
  KmsStandin& operator=(const KmsStandin&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string endpoint() const {
    return (options_.tls_cert_file.empty() ? "http" : "https") + std::string("://127.0.0.1:") +
           std::to_string(port_);
  }
  const KmsStandinOptions& options() const { return options_; }

  // Kills the process and waits for it; connections to port() are then refused.
  void Stop();
  // Starts it again on the same port with the same keys; false (and error()) on failure.
  bool Start();

  // Requests answered per operation ("Encrypt", "Decrypt", "DescribeKey") and signatures
  // rejected ("rejected"), from the stand-in's unsigned test-only /_standin/stats. Empty on error
  // and for an HTTPS stand-in.
  std::map<std::string, int> Stats() const;

  // The script's path, and `python3 <script> --self-test` (its SigV4 code against AWS's test
  // suite): returns the exit code, the output in *out.
  static std::string ScriptPath();
  static int SelfTest(std::string* out);

 private:
  bool Launch(int port);

  KmsStandinOptions options_;
  std::string dir_;
  bool ok_ = false;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace arca::testing
