// Root token generation (Vault's sys/generate-root/*): a threshold of the current unseal key
// shares authorises a new root token, returned encoded with a one-time password so that it
// never crosses the wire in the clear. Vault >= 1.10's scheme: the OTP is base62 of the token's
// length and the encoded token is base64 (standard alphabet, no padding) of token XOR OTP.
#include <spdlog/spdlog.h>

#include <mutex>

#include "common/encoding.h"
#include "common/uuid.h"
#include "core/barrier/barrier.h"
#include "core/core.h"
#include "core/token/token_store.h"
#include "crypto/compare.h"
#include "crypto/random.h"
#include "pgp/pgp.h"

namespace arca::core {

Result<GenerateRootStatus> Core::GetGenerateRootStatus() {
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  GenerateRootStatus st;
  st.required = current.secret_threshold;
  st.otp_length = kRootTokenOtpLength;
  std::lock_guard lock(rotation_mu_);
  if (root_generation_) {
    st.started = true;
    st.nonce = root_generation_->nonce;
    st.progress = static_cast<int>(root_generation_->progress.size());
    st.pgp_fingerprint = root_generation_->pgp_fingerprint;
  }
  return st;
}

Result<GenerateRootStatus> Core::StartGenerateRoot(std::string otp, std::string pgp_key) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  if (!otp.empty() && !pgp_key.empty()) {
    return InvalidRequest("only one of otp or pgp_key may be given");
  }
  std::string fingerprint;
  if (!pgp_key.empty()) {
    ARCA_ASSIGN_OR_RETURN(std::vector<std::string> fps, pgp::Fingerprints({pgp_key}));
    if (fps.size() != 1 || fps[0].empty()) return InvalidRequest("could not acquire PGP key entity");
    fingerprint = fps[0];
  }
  const bool generated = otp.empty() && pgp_key.empty();
  if (generated) {
    otp = crypto::RandomBase62(kRootTokenOtpLength);
  } else if (!otp.empty() && otp.size() != static_cast<size_t>(kRootTokenOtpLength)) {
    return InvalidRequest("OTP string has incorrect length: it must be " +
                          std::to_string(kRootTokenOtpLength) + " characters");
  }
  {
    std::lock_guard lock(rotation_mu_);
    if (root_generation_) return InvalidRequest("root generation already in progress");
    RootGeneration gen;
    gen.nonce = GenerateUuid();
    gen.otp = otp;
    gen.pgp_key = std::move(pgp_key);
    gen.pgp_fingerprint = std::move(fingerprint);
    root_generation_ = std::move(gen);
    spdlog::info("core: root generation initialized: nonce {}", root_generation_->nonce);
  }
  ARCA_ASSIGN_OR_RETURN(GenerateRootStatus st, GetGenerateRootStatus());
  if (generated) st.otp = std::move(otp);  // returned this once only
  return st;
}

Status Core::CancelGenerateRoot() {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  std::lock_guard lock(rotation_mu_);
  root_generation_.reset();
  return OkStatus();
}

Result<GenerateRootStatus> Core::GenerateRootUpdate(std::string_view key_text,
                                                    std::string_view nonce) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeShare(key_text));
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  std::lock_guard lock(rotation_mu_);
  if (!root_generation_) return InvalidRequest("no root generation in progress");
  RootGeneration& gen = *root_generation_;
  if (nonce != gen.nonce) {
    return InvalidRequest(
        "incorrect nonce supplied; nonce for this root generation operation is \"" + gen.nonce +
        "\"");
  }
  for (const auto& existing : gen.progress) {
    if (crypto::ConstantTimeEquals(existing.view(), key.view())) {
      return InvalidRequest("given key has already been provided during this generation operation");
    }
  }
  gen.progress.push_back(std::move(key));
  GenerateRootStatus st;
  st.started = true;
  st.nonce = gen.nonce;
  st.progress = static_cast<int>(gen.progress.size());
  st.required = current.secret_threshold;
  st.pgp_fingerprint = gen.pgp_fingerprint;
  if (st.progress < current.secret_threshold) return st;

  // Threshold reached: the shares are used once, right or wrong (the attempt stays open).
  std::vector<SecureBytes> shares = std::move(gen.progress);
  gen.progress.clear();
  if (Status s = VerifyKeyShares(shares); !s) {
    spdlog::error("core: root generation aborted: the key shares given were refused");
    if (s.error().kind() != ErrorKind::kInvalidRequest) return std::unexpected(s.error());
    return InvalidRequest("root generation aborted: " +
                          std::string(RecoveryKeysSupported() ? "recovery" : "root") +
                          " key verification failed: " + s.error().message());
  }
  ARCA_ASSIGN_OR_RETURN(std::string token, tokens_->CreateRootToken());
  std::string encoded;
  if (!gen.pgp_key.empty()) {
    auto enc = pgp::EncryptTokenBase64(token, gen.pgp_key);
    if (!enc) {
      // The token was never handed out: it must not stay valid.
      if (Status s = tokens_->Revoke(token); !s) {
        spdlog::error("core: revoking an undelivered root token: {}", s.error().message());
      }
      SecureWipe(token);
      return Internal("encrypting the root token failed: " + enc.error().message());
    }
    SecureWipe(token);
    encoded = std::move(*enc);
  } else {
    if (token.size() != gen.otp.size()) {  // a broken invariant, not user input
      (void)tokens_->Revoke(token);
      SecureWipe(token);
      return Internal("root token and OTP lengths differ");
    }
    std::string xored(token.size(), '\0');
    for (size_t i = 0; i < token.size(); ++i) xored[i] = static_cast<char>(token[i] ^ gen.otp[i]);
    encoded = Base64Encode(xored);
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();  // RawStdEncoding
    SecureWipe(token);
    SecureWipe(xored);
  }
  st.complete = true;
  st.encoded_token = std::move(encoded);
  spdlog::info("core: root generation finished: nonce {}", gen.nonce);
  root_generation_.reset();
  return st;
}

Result<std::string> DecodeRootToken(std::string_view encoded, std::string_view otp) {
  if (encoded.empty() || otp.empty()) {
    return InvalidRequest("provided 'encoded_token' or 'otp' is empty");
  }
  auto raw = Base64Decode(encoded);
  if (!raw) return InvalidRequest("error decoding base64'd token: " + raw.error().message());
  if (raw->size() != otp.size()) {
    return InvalidRequest("error xoring token: length of byte slices is not equivalent: " +
                          std::to_string(raw->size()) + " != " + std::to_string(otp.size()));
  }
  std::string token(raw->size(), '\0');
  for (size_t i = 0; i < raw->size(); ++i) token[i] = static_cast<char>((*raw)[i] ^ otp[i]);
  SecureWipe(*raw);
  return token;
}

}  // namespace arca::core
