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
  std::string ca_path;               // ARCA_CAPATH / VAULT_CAPATH (a directory of PEM files)
  std::string client_cert;           // ARCA_CLIENT_CERT / VAULT_CLIENT_CERT
  std::string client_key;            // ARCA_CLIENT_KEY / VAULT_CLIENT_KEY
  std::string tls_server_name;       // ARCA_TLS_SERVER_NAME / VAULT_TLS_SERVER_NAME (SNI + verify)
  bool tls_skip_verify = false;      // ARCA_SKIP_VERIFY / VAULT_SKIP_VERIFY
  std::chrono::seconds timeout{60};  // ARCA_CLIENT_TIMEOUT / VAULT_CLIENT_TIMEOUT
  std::string wrap_ttl;  // sent as X-Vault-Wrap-TTL when not empty (ARCA_WRAP_TTL / VAULT_WRAP_TTL)
  std::map<std::string, std::string> headers;  // extra request headers
  // ARCA_DISABLE_REDIRECTS / VAULT_DISABLE_REDIRECTS: do not follow the one redirect the client
  // otherwise follows (Client::Request returns the 3xx as it is).
  bool disable_redirects = false;
  // ARCA_NAMESPACE / VAULT_NAMESPACE. Arca has only the root namespace: the CLI refuses any
  // other instead of silently talking to the root one.
  std::string name_space;

  // Reads the process environment (and the token helper file under $HOME).
  static ClientConfig FromEnvironment();
  // Same with an injected environment; HOME is looked up through `getenv` too.
  static ClientConfig FromEnvironment(const GetEnvFn& getenv);
};

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> ParseGoBool(std::string_view s);

// ---- Token helper: where `arca login` stores the token and every command reads it.
//
// As Vault's CLI: when the CLI configuration file (VAULT_CONFIG_PATH / ARCA_CONFIG_PATH, else
// ~/.vault) sets `token_helper = "<program>"`, that program is run as `<program> get` (token on
// its stdout), `<program> store` (token on its stdin) and `<program> erase`. Otherwise the
// token lives in a file: ~/.arca-token when it exists, else ~/.vault-token (Vault's file, so a
// `vault login` and an `arca login` see the same token).

// The token file for `home` (from `getenv("HOME")`): "<home>/.arca-token" if that file exists,
// else "<home>/.vault-token"; empty if HOME is unset.
std::string TokenHelperPath(const GetEnvFn& getenv = ProcessEnv);
// The external helper program named by `token_helper` in the CLI configuration file, if any.
// A configuration file that cannot be read is ignored, as Vault does for a missing one.
std::optional<std::string> ExternalTokenHelper(const GetEnvFn& getenv = ProcessEnv);
// Reads the token (surrounding whitespace trimmed). A missing file is not an error: it yields
// "". Other read failures are kInternal errors naming the file.
Result<std::string> ReadTokenHelper(const std::string& path);
// Writes the token with mode 0600 (also tightening an existing file). Failures are kInternal.
Status WriteTokenHelper(const std::string& path, std::string_view token);
// Removes the file; a missing file is fine.
Status EraseTokenHelper(const std::string& path);

// The same three operations on whichever helper is configured (program or file).
Result<std::string> GetStoredToken(const GetEnvFn& getenv = ProcessEnv);
Status StoreToken(std::string_view token, const GetEnvFn& getenv = ProcessEnv);
Status EraseStoredToken(const GetEnvFn& getenv = ProcessEnv);

}  // namespace arca::api
