#include "engines/transit/policy.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "common/encoding.h"
#include "crypto/random.h"

namespace arca::engines::transit {
namespace {

constexpr size_t kHmacKeySize = 32;
constexpr int64_t kMinAutoRotate = 3600;

std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(t));
}

std::string_view AsymmetricName(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return "P-256";
    case KeyType::kEcdsaP384:
      return "P-384";
    case KeyType::kEcdsaP521:
      return "P-521";
    default:
      return KeyTypeName(type);
  }
}

Result<SecureBytes> DecodeSecret(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || !v->is_string()) return SecureBytes{};
  auto raw = Base64Decode(std::string_view(v->as_string()));
  if (!raw) return Internal("transit: corrupt stored key material");
  SecureBytes out = SecureBytes::FromString(*raw);
  SecureWipe(*raw);
  return out;
}

int64_t IntOr(const json::object& o, std::string_view field, int64_t fallback) {
  const json::value* v = o.if_contains(field);
  return v != nullptr && v->is_int64() ? v->as_int64() : fallback;
}

bool BoolOr(const json::object& o, std::string_view field, bool fallback) {
  const json::value* v = o.if_contains(field);
  return v != nullptr && v->is_bool() ? v->as_bool() : fallback;
}

// Sets up the shared AES-GCM context of a non-derived AES-GCM version (nothing otherwise).
Status AttachGcm(KeyType type, bool derived, KeyVersion& v) {
  if (derived || (type != KeyType::kAes128Gcm96 && type != KeyType::kAes256Gcm96)) {
    return OkStatus();
  }
  ARCA_ASSIGN_OR_RETURN(auto k, crypto::AesGcmKey::Create(v.key.span()));
  v.gcm = std::move(k);
  return OkStatus();
}

}  // namespace

KeyVersion KeyVersion::Clone() const {
  KeyVersion v;
  v.key = key.Clone();
  v.hmac_key = hmac_key.Clone();
  v.creation_time = creation_time;
  v.pkey = pkey;
  v.gcm = gcm;
  return v;
}

Result<Policy> Policy::CreateEmpty(std::string name, const KeyOptions& opts) {
  if (opts.convergent && !opts.derived) {
    return InvalidRequest("convergent encryption requires derivation to be enabled");
  }
  if (opts.derived && !SupportsDerivation(opts.type)) {
    return InvalidRequest(
        fmt::format("key derivation and convergent encryption not supported for keys of type {}",
                    KeyTypeName(opts.type)));
  }
  if (opts.convergent && !IsAead(opts.type)) {
    return InvalidRequest(fmt::format("convergent encryption not supported for keys of type {}",
                                      KeyTypeName(opts.type)));
  }
  if (opts.auto_rotate_period != 0 && opts.auto_rotate_period < kMinAutoRotate) {
    return InvalidRequest("auto rotate period must be 0 to disable or at least an hour");
  }
  if (opts.key_size != 0 && opts.type != KeyType::kHmac) {
    return InvalidRequest("key_size is only valid for hmac keys");
  }
  if (opts.key_size != 0 && (opts.key_size < 32 || opts.key_size > 512)) {
    return InvalidRequest("invalid key_size: must be between 32 and 512 bytes");
  }
  Policy p;
  p.name = std::move(name);
  p.type = opts.type;
  p.derived = opts.derived;
  p.convergent = opts.convergent;
  p.convergent_version = opts.convergent ? kConvergentVersion : 0;
  p.exportable = opts.exportable;
  p.allow_plaintext_backup = opts.allow_plaintext_backup;
  p.auto_rotate_period = opts.auto_rotate_period;
  p.key_size = opts.type == KeyType::kHmac ? (opts.key_size == 0 ? 32 : opts.key_size) : 0;
  return p;
}

Result<Policy> Policy::Create(std::string name, const KeyOptions& opts, int64_t now) {
  ARCA_ASSIGN_OR_RETURN(Policy p, CreateEmpty(std::move(name), opts));
  ARCA_RETURN_IF_ERROR(p.Rotate(now));
  return p;
}

Policy Policy::Clone() const {
  Policy p;
  p.name = name;
  p.type = type;
  p.derived = derived;
  p.convergent = convergent;
  p.convergent_version = convergent_version;
  p.exportable = exportable;
  p.allow_plaintext_backup = allow_plaintext_backup;
  p.deletion_allowed = deletion_allowed;
  p.imported = imported;
  p.allow_rotation = allow_rotation;
  p.min_decryption_version = min_decryption_version;
  p.min_encryption_version = min_encryption_version;
  p.min_available_version = min_available_version;
  p.latest_version = latest_version;
  p.auto_rotate_period = auto_rotate_period;
  p.key_size = key_size;
  for (const auto& [n, v] : versions) p.versions.emplace(n, v.Clone());
  return p;
}

Status Policy::Rotate(int64_t now) {
  if (imported && !allow_rotation) {
    return InvalidRequest("imported key does not allow rotation within Vault");
  }
  SecureBytes material;
  if (IsAead(type)) {
    material = crypto::RandomKey(SymmetricKeySize(type));
  } else if (type == KeyType::kHmac) {
    material = crypto::RandomKey(static_cast<size_t>(key_size == 0 ? 32 : key_size));
  } else {
    ARCA_ASSIGN_OR_RETURN(material, GenerateAsymmetricKey(type));
  }
  return AddVersion(std::move(material), now);
}

Status Policy::AddVersion(SecureBytes material, int64_t now) {
  KeyVersion v;
  if (IsAead(type)) {
    if (material.size() != SymmetricKeySize(type)) {
      return InvalidRequest(fmt::format("invalid key size: {} keys need {} bytes",
                                        KeyTypeName(type), SymmetricKeySize(type)));
    }
  } else if (type == KeyType::kHmac) {
    if (material.size() < 32 || material.size() > 512) {
      return InvalidRequest("invalid key size: hmac keys need 32 to 512 bytes");
    }
  } else {
    ARCA_ASSIGN_OR_RETURN(v.pkey, ParsePrivateKey(type, material.span()));
  }
  v.key = std::move(material);
  ARCA_RETURN_IF_ERROR(AttachGcm(type, derived, v));
  v.hmac_key = crypto::RandomKey(kHmacKeySize);
  v.creation_time = now;
  ++latest_version;
  versions.emplace(latest_version, std::move(v));
  return OkStatus();
}

bool Policy::NeedsAutoRotate(int64_t now) const {
  if (auto_rotate_period <= 0 || (imported && !allow_rotation)) return false;
  const KeyVersion* latest = Version(latest_version);
  return latest != nullptr && now - latest->creation_time >= auto_rotate_period;
}

Status Policy::Trim(int64_t min_available) {
  if (min_available <= 0) return InvalidRequest("minimum available version should be positive");
  if (min_available < min_available_version) {
    return InvalidRequest("minimum available version cannot be decremented");
  }
  if (min_available > min_decryption_version) {
    return InvalidRequest(
        "minimum available version cannot be greater than minimum decryption version");
  }
  if (min_encryption_version > 0 && min_available > min_encryption_version) {
    return InvalidRequest(
        "minimum available version cannot be greater than minimum encryption version");
  }
  min_available_version = min_available;
  std::erase_if(versions, [&](const auto& kv) { return kv.first < min_available; });
  return OkStatus();
}

json::object Policy::ToStorageJson() const {
  json::object o;
  o["name"] = name;
  o["type"] = KeyTypeName(type);
  o["derived"] = derived;
  o["convergent_encryption"] = convergent;
  o["convergent_version"] = convergent_version;
  o["exportable"] = exportable;
  o["allow_plaintext_backup"] = allow_plaintext_backup;
  o["deletion_allowed"] = deletion_allowed;
  o["imported_key"] = imported;
  o["allow_rotation"] = allow_rotation;
  o["min_decryption_version"] = min_decryption_version;
  o["min_encryption_version"] = min_encryption_version;
  o["min_available_version"] = min_available_version;
  o["latest_version"] = latest_version;
  o["auto_rotate_period"] = auto_rotate_period;
  o["key_size"] = key_size;
  json::object keys;
  for (const auto& [n, v] : versions) {
    json::object k;
    k["key"] = Base64Encode(v.key.view());
    k["hmac_key"] = Base64Encode(v.hmac_key.view());
    k["creation_time"] = v.creation_time;
    keys[std::to_string(n)] = std::move(k);
  }
  o["keys"] = std::move(keys);
  return o;
}

Result<Policy> Policy::FromStorageJson(const json::value& v) {
  if (!v.is_object()) return Internal("transit: stored key is not a JSON object");
  const json::object& o = v.as_object();
  Policy p;
  const json::value* name = o.if_contains("name");
  const json::value* type = o.if_contains("type");
  const json::value* keys = o.if_contains("keys");
  if (name == nullptr || !name->is_string() || type == nullptr || !type->is_string() ||
      keys == nullptr || !keys->is_object()) {
    return Internal("transit: stored key is missing fields");
  }
  p.name = std::string(name->as_string());
  auto t = ParseKeyType(std::string_view(type->as_string()));
  if (!t) return Internal("transit: stored key has an unknown type");
  p.type = *t;
  p.derived = BoolOr(o, "derived", false);
  p.convergent = BoolOr(o, "convergent_encryption", false);
  p.convergent_version = IntOr(o, "convergent_version", 0);
  p.exportable = BoolOr(o, "exportable", false);
  p.allow_plaintext_backup = BoolOr(o, "allow_plaintext_backup", false);
  p.deletion_allowed = BoolOr(o, "deletion_allowed", false);
  p.imported = BoolOr(o, "imported_key", false);
  p.allow_rotation = BoolOr(o, "allow_rotation", true);
  p.min_decryption_version = IntOr(o, "min_decryption_version", 1);
  p.min_encryption_version = IntOr(o, "min_encryption_version", 0);
  p.min_available_version = IntOr(o, "min_available_version", 0);
  p.latest_version = IntOr(o, "latest_version", 0);
  p.auto_rotate_period = IntOr(o, "auto_rotate_period", 0);
  p.key_size = IntOr(o, "key_size", 0);
  for (const auto& kv : keys->as_object()) {
    int64_t n = 0;
    std::string_view ks(kv.key().data(), kv.key().size());
    auto [ptr, ec] = std::from_chars(ks.data(), ks.data() + ks.size(), n);
    if (ec != std::errc() || ptr != ks.data() + ks.size() || !kv.value().is_object()) {
      return Internal("transit: stored key has a bad version entry");
    }
    const json::object& ko = kv.value().as_object();
    KeyVersion ver;
    ARCA_ASSIGN_OR_RETURN(ver.key, DecodeSecret(ko, "key"));
    ARCA_ASSIGN_OR_RETURN(ver.hmac_key, DecodeSecret(ko, "hmac_key"));
    ver.creation_time = IntOr(ko, "creation_time", 0);
    if (IsAsymmetric(p.type)) {
      auto pkey = ParsePrivateKey(p.type, ver.key.span());
      if (!pkey) return Internal("transit: stored private key does not parse");
      ver.pkey = std::move(*pkey);
    }
    if (!AttachGcm(p.type, p.derived, ver)) {
      return Internal("transit: stored key has a bad AES key size");
    }
    p.versions.emplace(n, std::move(ver));
  }
  return p;
}

json::object Policy::Describe() const {
  json::object o;
  o["name"] = name;
  o["type"] = KeyTypeName(type);
  json::object keys;
  for (const auto& [n, v] : versions) {
    if (!IsAsymmetric(type)) {
      keys[std::to_string(n)] = v.creation_time;
      continue;
    }
    json::object k;
    k["creation_time"] = Rfc3339(v.creation_time);
    k["name"] = AsymmetricName(type);
    k["certificate_chain"] = "";
    std::string pub;
    if (!(derived && type == KeyType::kEd25519) && v.pkey) {
      auto text = PublicKeyText(type, v.pkey.get());
      if (text) pub = std::move(*text);
    }
    k["public_key"] = std::move(pub);
    keys[std::to_string(n)] = std::move(k);
  }
  o["keys"] = std::move(keys);
  o["latest_version"] = latest_version;
  o["min_available_version"] = min_available_version;
  o["min_decryption_version"] = min_decryption_version;
  o["min_encryption_version"] = min_encryption_version;
  o["deletion_allowed"] = deletion_allowed;
  o["derived"] = derived;
  o["exportable"] = exportable;
  o["allow_plaintext_backup"] = allow_plaintext_backup;
  o["supports_encryption"] = SupportsEncryption(type);
  o["supports_decryption"] = SupportsEncryption(type);
  o["supports_derivation"] = SupportsDerivation(type);
  o["supports_signing"] = SupportsSigning(type);
  o["auto_rotate_period"] = auto_rotate_period;
  o["imported_key"] = imported;
  if (imported) o["imported_key_allow_rotation"] = allow_rotation;
  if (derived) {
    o["kdf"] = "hkdf_sha256";
    o["convergent_encryption"] = convergent;
    if (convergent) o["convergent_encryption_version"] = convergent_version;
  }
  if (type == KeyType::kHmac) o["key_size"] = key_size;
  return o;
}

const KeyVersion* Policy::Version(int64_t version) const {
  auto it = versions.find(version);
  return it == versions.end() ? nullptr : &it->second;
}

Result<int64_t> Policy::ResolveWriteVersion(int64_t requested) const {
  if (requested < 0) return InvalidRequest("invalid key version");
  if (requested == 0) {
    if (min_encryption_version > latest_version) {
      return InvalidRequest(
          "requested version for encryption is less than the minimum "
          "encryption key version");
    }
    return latest_version;
  }
  if (requested > latest_version) return InvalidRequest("requested version is higher than latest");
  if (min_encryption_version > 0 && requested < min_encryption_version) {
    return InvalidRequest(
        "requested version for encryption is less than the minimum encryption key version");
  }
  if (Version(requested) == nullptr) return InvalidRequest("invalid key version");
  return requested;
}

Result<const KeyVersion*> Policy::ReadableVersion(int64_t version) const {
  if (version <= 0 || version > latest_version) return InvalidRequest("invalid key version");
  if (version < min_decryption_version) {
    return InvalidRequest("ciphertext or signature version is disallowed by policy (too old)");
  }
  const KeyVersion* v = Version(version);
  if (v == nullptr) return InvalidRequest("invalid key version");
  return v;
}

std::string VersionedString(int64_t version, std::string_view payload_text) {
  std::string out = "vault:v";
  out += std::to_string(version);
  out += ':';
  out += payload_text;
  return out;
}

Result<Versioned> ParseVersioned(std::string_view text, std::string_view what) {
  constexpr std::string_view kPrefix = "vault:v";
  if (!text.starts_with(kPrefix)) return InvalidRequest(fmt::format("invalid {}: no prefix", what));
  std::string_view rest = text.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return InvalidRequest(fmt::format("invalid {}: wrong number of fields", what));
  }
  Versioned out;
  std::string_view num = rest.substr(0, colon);
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), out.version);
  if (num.empty() || ec != std::errc() || ptr != num.data() + num.size() || out.version <= 0) {
    return InvalidRequest(fmt::format("invalid {}: version number could not be decoded", what));
  }
  out.payload = rest.substr(colon + 1);
  return out;
}

}  // namespace arca::engines::transit
