#include "engines/transit/key_ops.h"

#include <openssl/evp.h>

#include "common/encoding.h"
#include "crypto/compare.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "engines/transit/cipher.h"

namespace arca::engines::transit {
namespace {

constexpr char kMissingContext[] =
    "missing 'context' for key derivation; the key was created using a derived key, which "
    "means additional, per-request information must be included in order to perform "
    "operations with the key";

// Vault's key derivation (keysutil DeriveKey, kdf "hkdf_sha256"): the HKDF-SHA256 stream of
// the version's key with no salt and the context as info. An AEAD key is its first key-size
// bytes.
Result<SecureBytes> DeriveBytes(std::span<const uint8_t> key, std::string_view context, size_t n) {
  if (context.empty()) return InvalidRequest(kMissingContext);
  return crypto::HkdfSha256(key, "", context, n);
}

// The working AEAD key of a version: the stored key, or the derived one (kept in *scratch).
Result<std::span<const uint8_t>> WorkingKey(const Policy& p, const KeyVersion& v,
                                            std::string_view context, SecureBytes* scratch) {
  if (!p.derived) return v.key.span();
  ARCA_ASSIGN_OR_RETURN(*scratch, DeriveBytes(v.key.span(), context, v.key.size()));
  return scratch->span();
}

Result<std::string> DecodeB64(std::string_view text, std::string_view what) {
  auto raw = Base64Decode(text);
  if (!raw) return InvalidRequest("invalid " + std::string(what) + ": could not decode base64");
  return raw;
}

const std::span<const uint8_t> HmacKeyOf(const Policy& p, const KeyVersion& v) {
  return p.type == KeyType::kHmac ? v.key.span() : v.hmac_key.span();
}

// The signing key of a version: the stored key, or for derived ed25519 one made from
// HKDF(seed, context).
Result<PkeyPtr> SigningKey(const Policy& p, const KeyVersion& v, std::string_view context) {
  if (!SupportsSigning(p.type)) {
    return InvalidRequest("key type " + std::string(KeyTypeName(p.type)) +
                          " does not support signing");
  }
  if (!p.derived) return v.pkey;
  if (context.empty()) return InvalidRequest(kMissingContext);
  // Vault derives from its 64-byte ed25519 private key, seed || public key (what export/
  // returns), and uses the first 32 bytes of the stream as the seed of the derived key.
  SecureBytes full(64);
  size_t seed_len = 32;
  size_t pub_len = 32;
  if (EVP_PKEY_get_raw_private_key(v.pkey.get(), full.data(), &seed_len) != 1 || seed_len != 32 ||
      EVP_PKEY_get_raw_public_key(v.pkey.get(), full.data() + 32, &pub_len) != 1 || pub_len != 32) {
    return Internal("could not read the ed25519 key");
  }
  ARCA_ASSIGN_OR_RETURN(SecureBytes derived, DeriveBytes(full.span(), context, 32));
  return Ed25519FromSeed(derived.span());
}

}  // namespace

Result<std::string> EncryptValue(const Policy& p, std::string_view plaintext,
                                 std::string_view context, std::string_view aad, int64_t version,
                                 int64_t* used_version) {
  if (!SupportsEncryption(p.type)) {
    return InvalidRequest("key type " + std::string(KeyTypeName(p.type)) +
                          " does not support encryption");
  }
  ARCA_ASSIGN_OR_RETURN(int64_t ver, p.ResolveWriteVersion(version));
  const KeyVersion* v = p.Version(ver);
  std::string sealed;
  if (IsRsa(p.type)) {
    ARCA_ASSIGN_OR_RETURN(sealed, RsaOaepEncrypt(v->pkey.get(), plaintext));
  } else {
    SecureBytes scratch;
    std::span<const uint8_t> key;
    std::string nonce;
    if (p.convergent) {
      // Vault's convergent version 3: the derivation is read for key size + 32 bytes; the
      // 32 bytes after the key are the HMAC key of the nonce, HMAC-SHA256(plaintext).
      if (!p.derived) {
        return InvalidRequest("convergent encryption requires derivation to be enabled");
      }
      const size_t key_size = v->key.size();
      ARCA_ASSIGN_OR_RETURN(scratch, DeriveBytes(v->key.span(), context, key_size + 32));
      key = scratch.span().first(key_size);
      nonce = crypto::HmacSha256(scratch.span().subspan(key_size), plaintext);
      nonce.resize(NonceSize(p.type));
    } else {
      ARCA_ASSIGN_OR_RETURN(key, WorkingKey(p, *v, context, &scratch));
    }
    ARCA_ASSIGN_OR_RETURN(sealed, AeadSeal(p.type, key, nonce, plaintext, aad, v->gcm.get()));
  }
  if (used_version != nullptr) *used_version = ver;
  return VersionedString(ver, Base64Encode(sealed));
}

Result<std::string> DecryptValue(const Policy& p, std::string_view ciphertext,
                                 std::string_view context, std::string_view aad,
                                 int64_t* used_version) {
  if (!SupportsEncryption(p.type)) {
    return InvalidRequest("key type " + std::string(KeyTypeName(p.type)) +
                          " does not support decryption");
  }
  ARCA_ASSIGN_OR_RETURN(Versioned parsed, ParseVersioned(ciphertext));
  ARCA_ASSIGN_OR_RETURN(const KeyVersion* v, p.ReadableVersion(parsed.version));
  ARCA_ASSIGN_OR_RETURN(std::string sealed, DecodeB64(parsed.payload, "ciphertext"));
  if (used_version != nullptr) *used_version = parsed.version;
  if (IsRsa(p.type)) return RsaOaepDecrypt(v->pkey.get(), sealed);
  SecureBytes scratch;
  ARCA_ASSIGN_OR_RETURN(auto key, WorkingKey(p, *v, context, &scratch));
  return AeadOpen(p.type, key, sealed, aad, v->gcm.get());
}

Result<std::string> HmacValue(const Policy& p, crypto::HashAlgorithm alg, std::string_view input,
                              int64_t version, int64_t* used_version) {
  ARCA_ASSIGN_OR_RETURN(int64_t ver, p.ResolveWriteVersion(version));
  const KeyVersion* v = p.Version(ver);
  ARCA_ASSIGN_OR_RETURN(std::string mac, crypto::Hmac(alg, HmacKeyOf(p, *v), input));
  if (used_version != nullptr) *used_version = ver;
  return VersionedString(ver, Base64Encode(mac));
}

Result<bool> VerifyHmacValue(const Policy& p, crypto::HashAlgorithm alg, std::string_view input,
                             std::string_view hmac_text) {
  ARCA_ASSIGN_OR_RETURN(Versioned parsed, ParseVersioned(hmac_text, "hmac"));
  ARCA_ASSIGN_OR_RETURN(const KeyVersion* v, p.ReadableVersion(parsed.version));
  ARCA_ASSIGN_OR_RETURN(std::string given, DecodeB64(parsed.payload, "hmac"));
  ARCA_ASSIGN_OR_RETURN(std::string mac, crypto::Hmac(alg, HmacKeyOf(p, *v), input));
  return crypto::ConstantTimeEquals(mac, given);
}

Result<std::string> SignValue(const Policy& p, std::string_view input, std::string_view context,
                              const SignOptions& opts, int64_t version, int64_t* used_version) {
  if (!SupportsSigning(p.type)) {
    return InvalidRequest("key type " + std::string(KeyTypeName(p.type)) +
                          " does not support signing");
  }
  ARCA_ASSIGN_OR_RETURN(int64_t ver, p.ResolveWriteVersion(version));
  ARCA_ASSIGN_OR_RETURN(PkeyPtr key, SigningKey(p, *p.Version(ver), context));
  ARCA_ASSIGN_OR_RETURN(std::string sig, Sign(p.type, key.get(), input, opts));
  if (used_version != nullptr) *used_version = ver;
  return VersionedString(ver, opts.jws ? Base64UrlEncode(sig) : Base64Encode(sig));
}

Result<bool> VerifySignatureValue(const Policy& p, std::string_view input,
                                  std::string_view signature_text, std::string_view context,
                                  const SignOptions& opts) {
  if (!SupportsSigning(p.type)) {
    return InvalidRequest("key type " + std::string(KeyTypeName(p.type)) +
                          " does not support verification");
  }
  ARCA_ASSIGN_OR_RETURN(Versioned parsed, ParseVersioned(signature_text, "signature"));
  ARCA_ASSIGN_OR_RETURN(const KeyVersion* v, p.ReadableVersion(parsed.version));
  auto sig = opts.jws ? Base64UrlDecode(parsed.payload) : Base64Decode(parsed.payload);
  if (!sig) return InvalidRequest("invalid signature: could not decode base64");
  ARCA_ASSIGN_OR_RETURN(PkeyPtr key, SigningKey(p, *v, context));
  return Verify(p.type, key.get(), input, *sig, opts);
}

}  // namespace arca::engines::transit
