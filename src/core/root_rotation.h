// Types of the key-holder operations on an unsealed core: rekey (new unseal key shares, a new
// root key; sys/rekey/*) and root token generation (sys/generate-root/*). Both are authorised by
// a threshold of the current unseal key shares, given one at a time with the operation's nonce.
// Core keeps at most one operation of each kind, in memory only: sealing discards them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::core {

// Where the backup of PGP-encrypted rekey shares is kept (through the barrier).
inline constexpr std::string_view kUnsealKeysBackupPath = "core/unseal-keys-backup";
inline constexpr std::string_view kRecoveryKeysBackupPath = "core/recovery-keys-backup";

struct RekeyParams {
  int secret_shares = 0;
  int secret_threshold = 0;
  std::vector<std::string> pgp_keys;
  bool backup = false;
  bool require_verification = false;
};

// sys/rekey/init (GET): `required` is the current threshold, `t`/`n` the new ones.
struct RekeyStatus {
  bool started = false;
  std::string nonce;
  int t = 0;
  int n = 0;
  int progress = 0;
  int required = 0;
  std::vector<std::string> pgp_fingerprints;
  bool backup = false;
  bool verification_required = false;
  std::string verification_nonce;
};

// The answer to the share that completes the rekey (sys/rekey/update).
struct RekeyResult {
  std::string nonce;
  std::vector<std::string> keys_hex;
  std::vector<std::string> keys_base64;
  std::vector<std::string> pgp_fingerprints;
  bool backup = false;
  bool verification_required = false;
  std::string verification_nonce;
};

// sys/rekey/verify (GET): `started` once the new shares exist and wait for verification.
struct RekeyVerifyStatus {
  bool started = false;
  std::string nonce;
  int t = 0;
  int n = 0;
  int progress = 0;
};

// sys/generate-root/attempt (GET) and the answers of sys/generate-root/update.
struct GenerateRootStatus {
  bool started = false;
  std::string nonce;
  int progress = 0;
  int required = 0;
  bool complete = false;
  std::string encoded_token;   // set by the completing share
  std::string pgp_fingerprint;
  std::string otp;             // only in the answer to a start without otp/pgp_key
  int otp_length = 0;
};

// Private state of Core (guarded by Core::rotation_mu_).
struct RekeyOperation {
  RekeyParams params;
  std::string nonce;
  std::vector<SecureBytes> progress;  // current shares given so far
  std::vector<std::string> pgp_fingerprints;  // of params.pgp_keys, in order
  // With require_verification, once the current shares authorised it: the new key (KEK or
  // recovery key; the new shares combine to it) and the verification round.
  SecureBytes verification_key;
  std::string verification_nonce;
  std::vector<SecureBytes> verification_progress;
};

struct RootGeneration {
  std::string nonce;
  std::string otp;
  std::string pgp_key;
  std::string pgp_fingerprint;
  std::vector<SecureBytes> progress;
};

// sys/decode-token: the token from an encoded token (base64, padded or not) and its OTP.
// Errors: InvalidRequest for empty input, bad base64 or a length mismatch.
Result<std::string> DecodeRootToken(std::string_view encoded, std::string_view otp);

}  // namespace arca::core
