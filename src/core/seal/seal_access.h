// SealAccess: the key service behind an auto-unseal seal (an HSM over PKCS#11, a transit key on
// another server, a static key, AWS KMS). It wraps and unwraps small secrets (the root key, the
// recovery key); the key that does it never leaves the service (or, for `static`, this process).
//
// The Shamir seal does not use this interface: its key comes from the unseal key shares.
// Formats of what is stored with it: docs/formats/seal.md.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::core {

class SealAccess {
 public:
  virtual ~SealAccess() = default;

  // "pkcs11", "transit", "static", "awskms".
  virtual std::string_view Type() const = 0;

  // Connects to the key service and checks the key (generating it when so configured). Called
  // once before any Wrap/Unwrap; may be called again after a failure (the server retries while
  // the key service is unreachable). Errors: kUnavailable when the service cannot be reached
  // (retry later), kInvalidRequest/kInternal for a configuration error (a wrong PIN, a missing
  // key): the message says which.
  virtual Status Init() = 0;
  // Releases sessions and stops background work (token renewal).
  virtual void Finalize() {}

  // Encrypts `plaintext` (a key of at most 64 bytes) bound to `aad`; returns an opaque,
  // self-describing blob (it names the key id and mechanism it was made with) for Unwrap.
  virtual Result<std::string> Wrap(std::string_view plaintext, std::string_view aad) = 0;
  // Reverses Wrap. A blob made by another key, or a wrong `aad`, is an error, never garbage;
  // a blob made under a previous key id is opened while that key is still configured/available.
  virtual Result<SecureBytes> Unwrap(std::string_view blob, std::string_view aad) = 0;

  // The current key's id (for sys/seal-backend-status and logs).
  virtual std::string KeyId() const = 0;
  // A cheap check that the service answers and the key works (sys/seal-backend-status).
  virtual Status Health() = 0;
};

// Builds a seal from its config stanza's options (`seal "<type>" { ... }`), with the
// environment variables of that seal type already applied by the factory. Errors name the
// option at fault. Does not contact the service (that is Init()).
using SealAccessFactory =
    std::function<Result<std::unique_ptr<SealAccess>>(const std::map<std::string, std::string>&)>;

}  // namespace arca::core
