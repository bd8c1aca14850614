// The `pkcs11` seal: the root key is wrapped by a key that lives in an HSM, reached through its
// PKCS#11 library (loaded with dlopen). OpenBao's option names:
//
//   lib            path of the PKCS#11 library (required)
//   slot           slot number, decimal or 0x-hex   } at least one; when both are given the
//   token_label    label of the token               } token must match both
//   serial         serial number of the token (optional, narrows the choice further)
//   pin            the user PIN (required)
//   key_label      label of the key (required)
//   key_id         CKA_ID of the key, hex with an optional 0x prefix (optional)
//   mechanism      CKM_AES_GCM / AES_GCM / 0x1087 (a secret AES key) or CKM_RSA_PKCS_OAEP /
//                  RSA_PKCS_OAEP / 0x9 (an RSA key pair); default: by the key found
//   rsa_oaep_hash  sha1 | sha224 | sha256 (default) | sha384 | sha512, for RSA-OAEP
//   generate_key   "true": create a 256-bit AES key with key_label/key_id when none exists
//
// Every option can also come from the environment, which wins over the file (as in Vault and
// OpenBao): ARCA_HSM_<NAME>, else VAULT_HSM_<NAME>, else BAO_HSM_<NAME> (ARCA_HSM_PIN,
// VAULT_HSM_PIN, BAO_HSM_PIN, ARCA_HSM_LIB, ...).
//
// Wrap with CKM_AES_GCM runs in the HSM (a random 96-bit IV, the aad as GCM's additional data,
// a 128-bit tag). With CKM_RSA_PKCS_OAEP the plaintext is sealed locally with AES-256-GCM under
// a fresh data key (the aad bound there) and only the data key is encrypted by the HSM's public
// key and decrypted by its private key. The blob is self-describing JSON naming the key
// (label and id) and the mechanism: docs/formats/seal.md.
//
// Thread-safety: safe for concurrent use (one PKCS#11 session per operation, under a mutex).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "api/client_config.h"
#include "common/status.h"
#include "core/seal/seal_access.h"

namespace arca::seal {

// Builds the seal from its stanza's options and the process environment. Checks the options
// (errors name the option at fault) but loads nothing: that is Init().
Result<std::unique_ptr<core::SealAccess>> NewPkcs11Seal(
    const std::map<std::string, std::string>& options);
// The same with an injected environment (tests).
Result<std::unique_ptr<core::SealAccess>> NewPkcs11SealWithEnv(
    const std::map<std::string, std::string>& options, const api::GetEnvFn& getenv);

}  // namespace arca::seal
