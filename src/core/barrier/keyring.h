// Keyring: the barrier's data-encryption keys, one per term, plus the root key that encrypts
// the keyring itself. Rotation adds a term; old terms stay so existing entries still decrypt.
//
// Persisted at "core/keyring" (see docs/formats/keyring.md), encrypted with the root key.
// Thread-safety: none; the Barrier guards its keyring.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "crypto/aead.h"

namespace arca::core {

struct BarrierKey {
  uint32_t term = 0;
  SecureBytes value;         // 32 bytes, AES-256-GCM
  std::string install_time;  // RFC 3339
  // `value` with its AES key schedule set up once (every barrier read and write uses it);
  // null if that failed (the one-shot functions are used then). Freed, and cleansed, with the
  // keyring when the barrier seals.
  std::shared_ptr<const crypto::AesGcmKey> gcm;
};

// A key of `term` with its prepared AES-GCM context.
BarrierKey MakeBarrierKey(uint32_t term, SecureBytes value, std::string install_time);

class Keyring {
 public:
  Keyring() = default;
  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  // A fresh keyring with term 1 and a random key.
  static Keyring Generate();

  uint32_t active_term() const { return active_term_; }
  const BarrierKey* Active() const;
  const BarrierKey* Term(uint32_t term) const;
  // Adds term active_term()+1 with a random key and makes it active.
  const BarrierKey& Rotate();

  // JSON form, with key values base64-encoded, in a SecureBytes (it holds key material). No
  // copy of a key is left behind in freed memory, here or in Deserialize (its JSON tree lives
  // in memory that is wiped when freed).
  SecureBytes Serialize() const;
  static Result<Keyring> Deserialize(std::string_view text);

 private:
  uint32_t active_term_ = 0;
  std::map<uint32_t, BarrierKey> keys_;
};

std::string NowRfc3339();

}  // namespace arca::core
