// The `transit` seal: the root key is wrapped through the transit secrets engine of another
// Arca or Vault server (`<mount_path>/encrypt/<key_name>` and `decrypt`), as Vault's transit
// seal does. Options (Vault's names):
//
//   address          the server's URL (else ARCA_ADDR / VAULT_ADDR, else https://127.0.0.1:8200)
//   token            the token (else ARCA_TOKEN / VAULT_TOKEN)
//   key_name         the transit key (required; VAULT_TRANSIT_SEAL_KEY_NAME wins over the file)
//   mount_path       the transit mount (required; VAULT_TRANSIT_SEAL_MOUNT_PATH wins)
//   namespace        sent as X-Vault-Namespace (VAULT_NAMESPACE wins)
//   disable_renewal  "true": never renew the token (VAULT_TRANSIT_SEAL_DISABLE_RENEWAL wins)
//   tls_ca_cert, tls_client_cert, tls_client_key, tls_server_name, tls_skip_verify
//                    TLS to the server (else VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY,
//                    VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY, with ARCA_ forms first)
//
// The environment precedence is that of Vault's transit seal: the variables of key_name,
// mount_path, namespace and disable_renewal override the file; address, token and TLS settings
// in the file override the environment.
//
// Wrap seals the plaintext locally with AES-256-GCM under a fresh data key (the aad bound
// there) and has the transit key encrypt the data key; the blob is self-describing JSON naming
// the mount, the key and the transit ciphertext (whose "vault:vN:" prefix names the key
// version): docs/formats/seal.md. A rotated transit key still opens older blobs.
//
// Token renewal: after a successful Init, unless disable_renewal is set, a background thread
// renews the token (auth/token/renew-self) at once and then at about half its TTL each time; it
// stops by itself when the token has no TTL or is not renewable, retries with back-off while the
// server is unreachable, and Finalize() stops it.
//
// Errors: a server that cannot be reached, or answers 5xx/429, is kUnavailable (the caller
// retries); 4xx answers (no such key or mount, permission denied) are kInvalidRequest.
//
// Thread-safety: safe for concurrent use (one API client under a mutex for the operations, one
// of its own for the renewal thread).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "api/client_config.h"
#include "common/status.h"
#include "core/seal/seal_access.h"

namespace arca::seal {

// Builds the seal from its stanza's options and the process environment. Checks the options
// (errors name the option at fault) but contacts nothing: that is Init().
Result<std::unique_ptr<core::SealAccess>> NewTransitSeal(
    const std::map<std::string, std::string>& options);
// The same with an injected environment (tests).
Result<std::unique_ptr<core::SealAccess>> NewTransitSealWithEnv(
    const std::map<std::string, std::string>& options, const api::GetEnvFn& getenv);

}  // namespace arca::seal
