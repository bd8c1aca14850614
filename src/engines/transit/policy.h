// A named transit key ("policy" in Vault's terms): its type, settings and every key version.
//
// Storage: one JSON document per key at "policy/<name>" in the mount's storage (see
// docs/transit.md for the layout). Key material is held in SecureBytes; asymmetric versions
// also keep the parsed EVP_PKEY (shared, read-only).
//
// Thread-safety: a Policy is a value. The engine shares published policies as
// std::shared_ptr<const Policy>, which are never modified: a change clones, edits the clone and
// publishes it (copy on write), so the const operations below may run concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "crypto/aead.h"
#include "engines/transit/asymmetric.h"
#include "engines/transit/key_type.h"

namespace arca::engines::transit {

// Vault's convergent encryption version for keys created here.
inline constexpr int64_t kConvergentVersion = 3;

struct KeyVersion {
  // AEAD key; the HMAC key of a "hmac" key; PKCS#8 DER of an asymmetric key.
  SecureBytes key;
  SecureBytes hmac_key;       // 32 bytes: the key for hmac/ (not for convergent nonces)
  int64_t creation_time = 0;  // Unix seconds
  PkeyPtr pkey;               // asymmetric only: parsed from `key`
  // Non-derived AES-GCM keys only: `key` with its schedule set up once, shared by clones (the
  // material is the same). Derived keys work with a per-context key instead.
  std::shared_ptr<const crypto::AesGcmKey> gcm;

  KeyVersion Clone() const;
};

struct KeyOptions {
  KeyType type = KeyType::kAes256Gcm96;
  bool derived = false;
  bool convergent = false;
  bool exportable = false;
  bool allow_plaintext_backup = false;
  int64_t auto_rotate_period = 0;  // seconds; 0 = off, else >= 3600
  int64_t key_size = 0;            // hmac keys only: 0 (= 32) or 32..512 bytes
};

class Policy {
 public:
  // Validates `opts` (InvalidRequest on a bad combination) and generates version 1.
  static Result<Policy> Create(std::string name, const KeyOptions& opts, int64_t now);
  // A policy without versions (BYOK import fills them in).
  static Result<Policy> CreateEmpty(std::string name, const KeyOptions& opts);

  Policy() = default;
  Policy(Policy&&) = default;
  Policy& operator=(Policy&&) = default;
  Policy Clone() const;

  // Adds version latest+1 with fresh key material.
  Status Rotate(int64_t now);
  // Adds version latest+1 with the given material (import). For asymmetric keys `material` is
  // PKCS#8 DER; for AEAD types it must have the key size; for hmac any length 32..512.
  Status AddVersion(SecureBytes material, int64_t now);
  // Whether auto_rotate_period has elapsed since the latest version was made.
  bool NeedsAutoRotate(int64_t now) const;
  // Drops versions below `min_available` (Vault's trim); validates as Vault does.
  Status Trim(int64_t min_available);

  json::object ToStorageJson() const;
  static Result<Policy> FromStorageJson(const json::value& v);
  // The body of GET keys/:name.
  json::object Describe() const;

  // The version for an encryption/signing/HMAC: `requested` 0 = latest. Errors (400) for a
  // version above latest or below min_encryption_version / min_available_version.
  Result<int64_t> ResolveWriteVersion(int64_t requested) const;
  // The version for decryption/verification: 400 "ciphertext or signature version is
  // disallowed by policy (too old)" below min_decryption_version, "invalid key version" when
  // absent (trimmed or above latest).
  Result<const KeyVersion*> ReadableVersion(int64_t version) const;
  const KeyVersion* Version(int64_t version) const;

  std::string name;
  KeyType type = KeyType::kAes256Gcm96;
  bool derived = false;
  bool convergent = false;
  int64_t convergent_version = 0;
  bool exportable = false;
  bool allow_plaintext_backup = false;
  bool deletion_allowed = false;
  bool imported = false;
  bool allow_rotation = true;  // imported keys: whether rotate may generate new material
  int64_t min_decryption_version = 1;
  int64_t min_encryption_version = 0;
  int64_t min_available_version = 0;
  int64_t latest_version = 0;
  int64_t auto_rotate_period = 0;
  int64_t key_size = 0;
  std::map<int64_t, KeyVersion> versions;
};

// "vault:v<N>:" + encoded payload.
std::string VersionedString(int64_t version, std::string_view payload_text);

struct Versioned {
  int64_t version = 0;
  std::string_view payload;  // still encoded (base64 / base64url)
};
// Splits "vault:v<N>:<payload>". Errors (400): "invalid ciphertext: no prefix",
// "invalid ciphertext: wrong number of fields", "invalid ciphertext: version number could not
// be decoded". `what` replaces "ciphertext" in the messages ("signature", "hmac").
Result<Versioned> ParseVersioned(std::string_view text, std::string_view what = "ciphertext");

}  // namespace arca::engines::transit
