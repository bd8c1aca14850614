// The environment of one CLI invocation (streams, terminal facts, environment variables, how
// to make an API client) and the per-command context built from it (global flags, output).
//
// Commands never touch std::cout/std::cin/getenv directly: tests inject all of these.
// Thread-safety: one invocation per thread.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "api/client.h"
#include "cli/flags.h"
#include "common/status.h"

namespace arca::cli {

struct CliEnv {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool stdin_is_terminal = false;
  bool stdout_is_terminal = false;
  api::GetEnvFn getenv = api::ProcessEnv;
  // Builds the API client; default: a real api::Client.
  std::function<std::unique_ptr<api::Client>(const api::ClientConfig&)> make_client;
  // Reads a secret from the terminal without echo (used only when stdin_is_terminal).
  std::function<Result<std::string>()> read_hidden_line;

  // The process: std::cin/cout/cerr, isatty(0/1), getenv, a real client, termios.
  static CliEnv Process();
};

// Options every command accepts (vault's "HTTP Options" and "Output Options").
struct GlobalOptions {
  std::string address;
  std::string ca_cert;
  std::string ca_path;
  bool disable_redirects = false;
  bool policy_override = false;
  std::string client_cert;
  std::string client_key;
  std::string tls_server_name;
  bool tls_skip_verify = false;
  std::string wrap_ttl;
  std::string name_space;  // -namespace / -ns
  std::vector<std::string> headers;  // "Name=value"
  bool non_interactive = false;
  bool output_curl_string = false;
  bool output_policy = false;
  std::string format = "table";  // ARCA_FORMAT / VAULT_FORMAT, then -format
  std::string field;
};

// The context of one command. Usage: register command flags on `flags`, then call Parse().
class Ctx {
 public:
  Ctx(CliEnv& env, std::string command_name, std::string usage);

  FlagSet flags;
  GlobalOptions global;

  // Parses the arguments (global + command flags). On -h prints the usage to out and returns
  // unexpected(0); on a usage error prints it (and the usage) to err and returns unexpected(1).
  std::expected<std::vector<std::string>, int> Parse(const std::vector<std::string>& args);
  // Checks the count of positional arguments ("Not enough arguments (expected 1, got 0)").
  bool CheckArgs(const std::vector<std::string>& args, size_t min, size_t max);

  // The API client from the environment and the global flags; created once. Errors are
  // printed ("Error initializing client: ...") and yield nullptr.
  api::Client* client();
  api::ClientConfig client_config();

  std::ostream& out() { return *env_.out; }
  std::ostream& err() { return *env_.err; }
  std::istream& in() { return *env_.in; }
  CliEnv& env() { return env_; }
  // Set by `list -detailed`: OutputList adds the key_info columns.
  bool detailed_list = false;
  const std::string& format() const { return global.format; }
  const std::string& name() const { return name_; }

 private:
  CliEnv& env_;
  std::string name_;
  std::string usage_;
  std::unique_ptr<api::Client> client_;
};

}  // namespace arca::cli
