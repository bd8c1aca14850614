// OpenPGP encryption of unseal key shares, recovery key shares and root tokens, as Vault does it
// for `pgp_keys`, `recovery_pgp_keys`, `root_token_pgp_key` (sys/init), rekey's `pgp_keys` and
// generate-root's `pgp_key`. Everything OpenPGP is done by GnuPG through libgpgme; nothing here
// parses or writes OpenPGP packets itself.
//
// Keys are given as Vault takes them over the API: the standard base64 of one binary
// (non-armored) OpenPGP public key ("gpg --export KEYID | base64 -w0"). Refused, each with an
// InvalidRequest error whose message starts as Vault's does ("error decoding given PGP key: ..."
// or "error parsing given PGP key: ..."):
//   - "keybase:<user>" (Arca never contacts Keybase; docs/compat.md),
//   - text that is not base64, an ASCII-armored key, data that is not an OpenPGP key,
//   - more than one key in one entry, a secret key,
//   - a key that cannot encrypt (expired, revoked, disabled, no encryption subkey).
// Messages are binary OpenPGP messages (not armored), encrypted to the key's encryption subkey
// without any trust check (the caller chose the key), as Vault produces them: `base64 -d | gpg
// -dq` with the matching secret key recovers the plaintext.
//
// Each call works in a fresh private GnuPG home (mkdtemp, mode 0700, gpg-agent never started)
// that is removed before returning, on success and on error: no key ring is shared or kept.
//
// Thread-safety: every function is safe to call concurrently.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::pgp {

// Checks every key as described above without encrypting anything; returns each key's
// fingerprint (lower-case hex of the primary key, as Vault prints them), in order. Callers
// validate a request with it before changing any state.
Result<std::vector<std::string>> Fingerprints(const std::vector<std::string>& keys_base64);

struct EncryptedValues {
  std::vector<std::string> messages;      // binary OpenPGP messages; messages[i] is for key i
  std::vector<std::string> fingerprints;  // lower-case hex, fingerprints[i] of key i
};

// Encrypts plaintexts[i] to keys_base64[i]. The counts must match ("mismatch between number
// items to encrypt and number of PGP keys", InvalidRequest). Plaintexts are read in place
// (never copied outside SecureBytes by this module; gpg receives them through a pipe).
Result<EncryptedValues> EncryptEach(std::span<const SecureBytes> plaintexts,
                                    const std::vector<std::string>& keys_base64);

// Vault's shape for key shares (sys/init, sys/rekey): each share is hex-encoded, that text is
// encrypted to the share's key, and the message is returned in hex and in base64 (the `keys`
// and `keys_base64` of the response). Decrypting a message gives the share's hex text, which
// sys/unseal (and sys/rekey/update, sys/generate-root/update) accept as is.
struct EncryptedShares {
  std::vector<std::string> keys_hex;
  std::vector<std::string> keys_base64;
  std::vector<std::string> fingerprints;  // lower-case hex, one per share (pgp_fingerprints)
};
Result<EncryptedShares> EncryptShares(std::span<const SecureBytes> shares,
                                      const std::vector<std::string>& keys_base64);

// A token (sys/init's root token, generate-root's result) encrypted to one key; returns the
// base64 of the message, as Vault returns `root_token` / `encoded_token` with a PGP key.
Result<std::string> EncryptTokenBase64(std::string_view token, const std::string& key_base64);

// The CLI's reading of a key file (`-pgp-keys=a.asc,b.gpg`, `-root-token-pgp-key`), as Vault's
// CLI reads them: an ASCII-armored key (exactly one) is converted to the base64 of its binary
// form; otherwise text that is valid base64 is used as is (surrounding whitespace removed);
// anything else (a binary key) is base64-encoded. `contents` is the file's contents; `name` is
// used in messages. Errors are InvalidRequest.
Result<std::string> KeyFileToBase64(std::string_view contents, std::string_view name);

// True for a "keybase:<user>" entry (refused everywhere; see docs/compat.md).
bool IsKeybase(std::string_view key);

}  // namespace arca::pgp
