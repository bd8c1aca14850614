// The `static` seal (OpenBao's): the seal key is a 32-byte AES-256-GCM key given in the
// configuration, for tests and air-gapped setups where another secrets manager already holds
// the key. Options:
//
//   current_key_id   (required) permanent name of current_key
//   current_key      (required) the key: 32 raw bytes, 64 hex digits or base64 of 32 bytes;
//                    "env://VAR" reads it from an environment variable, "file:///path" from a file
//   previous_key_id  name of previous_key (required with it)
//   previous_key     the key before a rotation: blobs made under it still open
//
// Blob (docs/formats/seal.md): 0x01 | len(key id) (1 byte) | key id | nonce (12) | ciphertext |
// tag (16); the AES-GCM associated data is the header (version, length, key id) followed by the
// caller's aad, so neither the key id nor the aad can be swapped.
//
// Thread-safety: immutable after construction; safe for concurrent use.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "core/seal/seal_access.h"

namespace arca::seal {

// Builds a static seal from its stanza's options (reads env:// and file:// keys). Errors
// (InvalidRequest) name the option at fault; no key material is ever part of a message.
Result<std::unique_ptr<core::SealAccess>> NewStaticSeal(
    const std::map<std::string, std::string>& options);

// Decodes one key option value (after env:// / file:// resolution) into 32 bytes: raw, hex or
// base64. Exposed for tests.
Result<SecureBytes> DecodeStaticKey(std::string_view option, std::string_view value);

}  // namespace arca::seal
