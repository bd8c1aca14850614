// Configuration of the HTTP API client (arca::api::Client) and the token helper file.
//
// Environment variables follow Vault's names with an ARCA_ prefix taking precedence over the
// VAULT_ one (ARCA_ADDR over VAULT_ADDR, ...). An empty variable counts as unset.
//
// Thread-safety: plain values and free functions; the token helper functions touch the file
// system and are not synchronised against each other.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arca::api {

inline constexpr char kDefaultAddress[] = "https://127.0.0.1:8200";

// Looks up an environment variable; nullopt when unset. Injectable for tests.
using GetEnvFn = std::function<std::optional<std::string>(std::string_view)>;
// The process environment (std::getenv); empty values count as unset.
std::optional<std::string> ProcessEnv(std::string_view name);

struct ClientConfig {
  std::string address = kDefaultAddress;  // ARCA_ADDR, else VAULT_ADDR
  std::string token;                 // ARCA_TOKEN, else VAULT_TOKEN, else the token helper file
  std::string ca_cert;               // ARCA_CACERT / VAULT_CACERT (a PEM file or a directory)
  std::string client_cert;           // ARCA_CLIENT_CERT / VAULT_CLIENT_CERT
  std::string client_key;            // ARCA_CLIENT_KEY / VAULT_CLIENT_KEY
  std::string tls_server_name;       // ARCA_TLS_SERVER_NAME / VAULT_TLS_SERVER_NAME (SNI + verify)
  bool tls_skip_verify = false;      // ARCA_SKIP_VERIFY / VAULT_SKIP_VERIFY
  std::chrono::seconds timeout{60};  // ARCA_CLIENT_TIMEOUT / VAULT_CLIENT_TIMEOUT
  std::string wrap_ttl;  // sent as X-Vault-Wrap-TTL when not empty (ARCA_WRAP_TTL / VAULT_WRAP_TTL)
  std::map<std::string, std::string> headers;  // extra request headers

  // Reads the process environment (and the token helper file under $HOME).
  static ClientConfig FromEnvironment();
  // Same with an injected environment; HOME is looked up through `getenv` too.
  static ClientConfig FromEnvironment(const GetEnvFn& getenv);
};

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> ParseGoBool(std::string_view s);

// ---- Token helper: the file ~/.arca-token, written by `arca login` and read by every command.

// "<home>/.arca-token" where home comes from `getenv("HOME")`; empty if HOME is unset.
std::string TokenHelperPath(const GetEnvFn& getenv = ProcessEnv);
// Reads the token (surrounding whitespace trimmed). A missing file is not an error: it yields
// "". Other read failures are kInternal errors naming the file.
Result<std::string> ReadTokenHelper(const std::string& path);
Result<std::string> ReadTokenHelper();
// Writes the token with mode 0600 (also tightening an existing file). Failures are kInternal.
Status WriteTokenHelper(const std::string& path, std::string_view token);
Status WriteTokenHelper(std::string_view token);
// Removes the file; a missing file is fine.
Status EraseTokenHelper(const std::string& path);

}  // namespace arca::api
