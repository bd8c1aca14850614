#include "seal/pkcs11_seal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <optional>
#include <set>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "common/secure_bytes.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "seal/pkcs11_module.h"  // last: the PKCS#11 header defines (and then undefines) macros

namespace arca::seal {
namespace {

constexpr size_t kIvSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kDataKeySize = 32;

// Options this seal reads, and their environment variable suffixes (ARCA_HSM_<suffix>, ...).
struct OptionSpec {
  const char* name;
  const char* env;
};
constexpr OptionSpec kOptions[] = {
    {"lib", "LIB"},           {"slot", "SLOT"},           {"token_label", "TOKEN_LABEL"},
    {"serial", "SERIAL"},     {"pin", "PIN"},             {"key_label", "KEY_LABEL"},
    {"key_id", "KEY_ID"},     {"mechanism", "MECHANISM"}, {"rsa_oaep_hash", "RSA_OAEP_HASH"},
    {"generate_key", "GENERATE_KEY"},
};
// Options of Vault Enterprise's or OpenBao's pkcs11 seal that do not change what this one does:
// accepted with a warning. `disabled` is the seal migration flag, read by the core.
constexpr const char* kIgnoredOptions[] = {"disable_software_encryption", "software_encryption",
                                           "max_parallel", "force_rw_session"};

std::string_view MechanismName(CK_MECHANISM_TYPE m) {
  switch (m) {
    case CKM_AES_GCM:
      return "CKM_AES_GCM";
    case CKM_RSA_PKCS_OAEP:
      return "CKM_RSA_PKCS_OAEP";
    default:
      return "unknown";
  }
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Decimal or 0x-hex.
std::optional<unsigned long> ParseNumber(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  unsigned long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<CK_MECHANISM_TYPE> ParseMechanism(std::string_view text) {
  std::string u = Upper(text);
  if (u == "CKM_AES_GCM" || u == "AES_GCM") return CKM_AES_GCM;
  if (u == "CKM_RSA_PKCS_OAEP" || u == "RSA_PKCS_OAEP") return CKM_RSA_PKCS_OAEP;
  if (auto n = ParseNumber(text)) {
    if (*n == CKM_AES_GCM || *n == CKM_RSA_PKCS_OAEP) return *n;
  }
  return InvalidRequest(fmt::format(
      "pkcs11 seal: mechanism \"{}\" is not supported (supported: CKM_AES_GCM, CKM_RSA_PKCS_OAEP)",
      text));
}

struct OaepHash {
  std::string_view name;
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
};
constexpr OaepHash kOaepHashes[] = {
    {"sha1", CKM_SHA_1, CKG_MGF1_SHA1},        {"sha224", CKM_SHA224, CKG_MGF1_SHA224},
    {"sha256", CKM_SHA256, CKG_MGF1_SHA256},   {"sha384", CKM_SHA384, CKG_MGF1_SHA384},
    {"sha512", CKM_SHA512, CKG_MGF1_SHA512},
};
const OaepHash* FindOaepHash(std::string_view name) {
  for (const auto& h : kOaepHashes) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

struct Pkcs11Options {
  std::string lib;
  std::optional<CK_SLOT_ID> slot;
  std::string token_label;
  std::string serial;
  SecureBytes pin;
  std::string key_label;
  std::string key_id;  // raw bytes
  std::optional<CK_MECHANISM_TYPE> mechanism;
  std::string rsa_oaep_hash = "sha256";
  bool generate_key = false;
};

std::string KeyIdText(std::string_view label, std::string_view id) {
  if (id.empty()) return std::string(label);
  return fmt::format("{}:0x{}", label, HexEncode(id));
}

// The key a blob names.
struct KeyRef {
  std::string label;
  std::string id;
};

class Pkcs11Seal final : public core::SealAccess {
 public:
  explicit Pkcs11Seal(Pkcs11Options o) : o_(std::move(o)) {}
  ~Pkcs11Seal() override { Finalize(); }

  std::string_view Type() const override { return "pkcs11"; }

  Status Init() override {
    std::lock_guard lock(mu_);
    if (module_ == nullptr) {
      ARCA_ASSIGN_OR_RETURN(module_, Pkcs11Module::Load(o_.lib));
    }
    ready_ = false;
    ARCA_ASSIGN_OR_RETURN(CK_SLOT_ID slot, ResolveSlot());
    slot_ = slot;
    ARCA_ASSIGN_OR_RETURN(auto session, Pkcs11Session::Open(module_, slot, o_.pin.view()));
    KeyRef ref{o_.key_label, o_.key_id};
    ARCA_ASSIGN_OR_RETURN(auto mech, ResolveMechanism(*session, ref, /*may_generate=*/true));
    ARCA_RETURN_IF_ERROR(CheckMechanism(slot, mech));
    mechanism_ = mech;
    session.reset();
    // The key really works with these parameters (a token may list a mechanism and still refuse
    // its parameters, e.g. RSA-OAEP with SHA-256 on SoftHSM 2.6).
    ready_ = true;
    if (auto st = ProbeLocked(); !st) {
      ready_ = false;
      return st;
    }
    log::GetLogger("seal")->info("pkcs11 seal: using key {} with {} on the token in slot {}",
                                 KeyIdText(o_.key_label, o_.key_id), MechanismName(mech), slot);
    return OkStatus();
  }

  void Finalize() override {
    std::lock_guard lock(mu_);
    ready_ = false;
    module_.reset();
  }

  Result<std::string> Wrap(std::string_view plaintext, std::string_view aad) override {
    std::lock_guard lock(mu_);
    return WrapLocked(plaintext, aad);
  }

  Result<SecureBytes> Unwrap(std::string_view blob_text, std::string_view aad) override {
    std::lock_guard lock(mu_);
    return UnwrapLocked(blob_text, aad);
  }

  std::string KeyId() const override { return KeyIdText(o_.key_label, o_.key_id); }

  Status Health() override {
    std::lock_guard lock(mu_);
    return ProbeLocked();
  }

 private:
  Status ProbeLocked() {
    std::string probe = crypto::RandomBytesString(16);
    ARCA_ASSIGN_OR_RETURN(std::string blob, WrapLocked(probe, "arca-seal-health"));
    ARCA_ASSIGN_OR_RETURN(SecureBytes back, UnwrapLocked(blob, "arca-seal-health"));
    if (back.view() != probe) return Internal("pkcs11 seal: the health check round trip failed");
    return OkStatus();
  }

  Result<std::string> WrapLocked(std::string_view plaintext, std::string_view aad) {
    ARCA_RETURN_IF_ERROR(CheckReady());
    ARCA_ASSIGN_OR_RETURN(auto session, Pkcs11Session::Open(module_, slot_, o_.pin.view()));
    KeyRef ref{o_.key_label, o_.key_id};
    json::object blob;
    blob["type"] = "pkcs11";
    blob["version"] = 1;
    blob["mechanism"] = MechanismName(mechanism_);
    blob["key_label"] = ref.label;
    if (!ref.id.empty()) blob["key_id"] = HexEncode(ref.id);
    if (mechanism_ == CKM_AES_GCM) {
      ARCA_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE key, FindKey(*session, ref, CKO_SECRET_KEY));
      std::string iv = crypto::RandomBytesString(kIvSize);
      ARCA_ASSIGN_OR_RETURN(std::string ct, AesGcmEncrypt(*session, key, iv, plaintext, aad));
      blob["iv"] = Base64Encode(iv);
      blob["ciphertext"] = Base64Encode(ct);
    } else {
      ARCA_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE pub, FindKey(*session, ref, CKO_PUBLIC_KEY));
      SecureBytes dek = crypto::RandomKey(kDataKeySize);
      ARCA_ASSIGN_OR_RETURN(std::string sealed, crypto::AesGcmSeal(dek.span(), plaintext, aad));
      ARCA_ASSIGN_OR_RETURN(std::string wrapped,
                            RsaOaep(*session, pub, o_.rsa_oaep_hash, dek.view(), /*encrypt=*/true));
      blob["rsa_oaep_hash"] = o_.rsa_oaep_hash;
      blob["wrapped_key"] = Base64Encode(wrapped);
      blob["ciphertext"] = Base64Encode(sealed);
    }
    return ToJson(blob);
  }

  Result<SecureBytes> UnwrapLocked(std::string_view blob_text, std::string_view aad) {
    ARCA_RETURN_IF_ERROR(CheckReady());
    auto parsed = ParseJsonObject(blob_text);
    if (!parsed || StringOr(*parsed, "type") != "pkcs11" || IntOr(*parsed, "version") != 1) {
      return InvalidRequest("pkcs11 seal: the wrapped value is not a pkcs11 seal blob");
    }
    const json::object& blob = *parsed;
    KeyRef ref{StringOr(blob, "key_label"), ""};
    if (auto id = HexDecode(StringOr(blob, "key_id")); id) {
      ref.id = *id;
    } else {
      return InvalidRequest("pkcs11 seal: the blob's key_id is not hex");
    }
    auto ct = Base64Decode(StringOr(blob, "ciphertext"));
    if (!ct) return InvalidRequest("pkcs11 seal: the blob's ciphertext is not base64");
    std::string mech = StringOr(blob, "mechanism");
    ARCA_ASSIGN_OR_RETURN(auto session, Pkcs11Session::Open(module_, slot_, o_.pin.view()));
    if (mech == "CKM_AES_GCM") {
      auto iv = Base64Decode(StringOr(blob, "iv"));
      if (!iv || iv->size() != kIvSize) {
        return InvalidRequest("pkcs11 seal: the blob's iv is not 12 base64-encoded bytes");
      }
      ARCA_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE key, FindKey(*session, ref, CKO_SECRET_KEY));
      return AesGcmDecrypt(*session, key, *iv, *ct, aad);
    }
    if (mech == "CKM_RSA_PKCS_OAEP") {
      auto wrapped = Base64Decode(StringOr(blob, "wrapped_key"));
      if (!wrapped) return InvalidRequest("pkcs11 seal: the blob's wrapped_key is not base64");
      std::string hash = StringOr(blob, "rsa_oaep_hash", "sha256");
      ARCA_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE priv, FindKey(*session, ref, CKO_PRIVATE_KEY));
      ARCA_ASSIGN_OR_RETURN(std::string dek_text,
                            RsaOaep(*session, priv, hash, *wrapped, /*encrypt=*/false));
      SecureBytes dek = SecureBytes::FromString(dek_text);
      SecureWipe(dek_text);
      if (dek.size() != kDataKeySize) {
        return InvalidRequest("pkcs11 seal: the blob's data key has a wrong length");
      }
      auto pt = crypto::AesGcmOpen(dek.span(), *ct, aad);
      if (!pt) {
        return InvalidRequest(
            "pkcs11 seal: cannot unwrap: message authentication failed (wrong key or "
            "associated data)");
      }
      SecureBytes out = SecureBytes::FromString(*pt);
      SecureWipe(*pt);
      return out;
    }
    return InvalidRequest(fmt::format("pkcs11 seal: the blob names an unknown mechanism \"{}\"", mech));
  }

  Status CheckReady() const {
    if (!ready_) return Unavailable("pkcs11 seal: not initialised (Init has not succeeded)");
    return OkStatus();
  }

  std::string TokenWanted() const {
    std::vector<std::string> parts;
    if (o_.slot) parts.push_back(fmt::format("slot {}", *o_.slot));
    if (!o_.token_label.empty()) parts.push_back(fmt::format("label \"{}\"", o_.token_label));
    if (!o_.serial.empty()) parts.push_back(fmt::format("serial \"{}\"", o_.serial));
    return fmt::format("{}", fmt::join(parts, ", "));
  }

  Result<CK_SLOT_ID> ResolveSlot() {
    if (o_.slot) {
      auto info = module_->GetTokenInfo(*o_.slot);
      if (!info) return std::unexpected(info.error());
      if (!o_.token_label.empty() && info->label != o_.token_label) {
        return InvalidRequest(fmt::format(
            "pkcs11 seal: the token in slot {} is labelled \"{}\", not \"{}\" (token_label)",
            *o_.slot, info->label, o_.token_label));
      }
      if (!o_.serial.empty() && info->serial != o_.serial) {
        return InvalidRequest(fmt::format(
            "pkcs11 seal: the token in slot {} has serial \"{}\", not \"{}\" (serial)", *o_.slot,
            info->serial, o_.serial));
      }
      return *o_.slot;
    }
    ARCA_ASSIGN_OR_RETURN(auto slots, module_->SlotsWithToken());
    std::vector<std::string> seen;
    for (CK_SLOT_ID s : slots) {
      auto info = module_->GetTokenInfo(s);
      if (!info) continue;
      seen.push_back(fmt::format("\"{}\"", info->label));
      if ((o_.token_label.empty() || info->label == o_.token_label) &&
          (o_.serial.empty() || info->serial == o_.serial)) {
        return s;
      }
    }
    return Unavailable(fmt::format("pkcs11 seal: no token with {} in {} (tokens present: {})",
                                   TokenWanted(), o_.lib,
                                   seen.empty() ? "none" : fmt::format("{}", fmt::join(seen, ", "))));
  }

  // The objects of `cls` with the key's label (and id, when it has one).
  Result<std::vector<CK_OBJECT_HANDLE>> FindAll(Pkcs11Session& s, const KeyRef& ref,
                                                CK_OBJECT_CLASS cls) {
    std::vector<CK_ATTRIBUTE> attrs;
    attrs.push_back({CKA_CLASS, &cls, sizeof cls});
    attrs.push_back({CKA_LABEL, const_cast<char*>(ref.label.data()), ref.label.size()});
    if (!ref.id.empty()) attrs.push_back({CKA_ID, const_cast<char*>(ref.id.data()), ref.id.size()});
    return s.Find(std::move(attrs));
  }

  static std::string_view ClassName(CK_OBJECT_CLASS cls) {
    switch (cls) {
      case CKO_SECRET_KEY:
        return "secret key";
      case CKO_PRIVATE_KEY:
        return "private key";
      case CKO_PUBLIC_KEY:
        return "public key";
      default:
        return "object";
    }
  }

  Result<CK_OBJECT_HANDLE> FindKey(Pkcs11Session& s, const KeyRef& ref, CK_OBJECT_CLASS cls) {
    ARCA_ASSIGN_OR_RETURN(auto found, FindAll(s, ref, cls));
    if (found.empty()) {
      return InvalidRequest(fmt::format("pkcs11 seal: no {} with label {} on the token in slot {}",
                                        ClassName(cls), KeyIdText(ref.label, ref.id), slot_));
    }
    if (found.size() > 1) {
      return InvalidRequest(fmt::format(
          "pkcs11 seal: {} {}s match label {}: set key_id to choose one", found.size(),
          ClassName(cls), KeyIdText(ref.label, ref.id)));
    }
    return found[0];
  }

  // Finds the configured key and settles the mechanism (the configured one, else the one that
  // fits the key found); creates an AES key when allowed and none exists.
  Result<CK_MECHANISM_TYPE> ResolveMechanism(Pkcs11Session& s, const KeyRef& ref,
                                             bool may_generate) {
    ARCA_ASSIGN_OR_RETURN(auto secret, FindAll(s, ref, CKO_SECRET_KEY));
    ARCA_ASSIGN_OR_RETURN(auto priv, FindAll(s, ref, CKO_PRIVATE_KEY));
    CK_MECHANISM_TYPE mech;
    if (o_.mechanism) {
      mech = *o_.mechanism;
    } else if (!secret.empty()) {
      mech = CKM_AES_GCM;
    } else if (!priv.empty()) {
      mech = CKM_RSA_PKCS_OAEP;
    } else {
      mech = CKM_AES_GCM;  // what generate_key creates
    }
    if (mech == CKM_AES_GCM) {
      if (secret.empty()) {
        if (!o_.generate_key || !may_generate) {
          return InvalidRequest(fmt::format(
              "pkcs11 seal: no secret key with label {} on the token in slot {} (create it, or "
              "set generate_key = \"true\")",
              KeyIdText(ref.label, ref.id), slot_));
        }
        ARCA_RETURN_IF_ERROR(GenerateAesKey(s, ref));
        return mech;
      }
      if (secret.size() > 1) {
        return InvalidRequest(fmt::format(
            "pkcs11 seal: {} secret keys match label {}: set key_id to choose one", secret.size(),
            KeyIdText(ref.label, ref.id)));
      }
      ARCA_ASSIGN_OR_RETURN(auto type, s.GetUlong(secret[0], CKA_KEY_TYPE));
      if (type && *type != CKK_AES) {
        return InvalidRequest(fmt::format(
            "pkcs11 seal: the key {} is not an AES key, as CKM_AES_GCM needs",
            KeyIdText(ref.label, ref.id)));
      }
      return mech;
    }
    // RSA-OAEP: a private key to decrypt and its public key to encrypt.
    if (priv.empty()) {
      std::string hint = o_.generate_key ? " (generate_key creates AES keys only)" : "";
      return InvalidRequest(fmt::format(
          "pkcs11 seal: no RSA private key with label {} on the token{}",
          KeyIdText(ref.label, ref.id), hint));
    }
    ARCA_ASSIGN_OR_RETURN(auto type, s.GetUlong(priv[0], CKA_KEY_TYPE));
    if (type && *type != CKK_RSA) {
      return InvalidRequest(fmt::format("pkcs11 seal: the key {} is not an RSA key, as "
                                        "CKM_RSA_PKCS_OAEP needs",
                                        KeyIdText(ref.label, ref.id)));
    }
    ARCA_RETURN_IF_ERROR(FindKey(s, ref, CKO_PRIVATE_KEY));
    ARCA_RETURN_IF_ERROR(FindKey(s, ref, CKO_PUBLIC_KEY));
    return mech;
  }

  Status GenerateAesKey(Pkcs11Session& s, const KeyRef& ref) {
    CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG len = 32;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    std::vector<CK_ATTRIBUTE> t = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_ENCRYPT, &yes, sizeof yes},
        {CKA_DECRYPT, &yes, sizeof yes},
        {CKA_VALUE_LEN, &len, sizeof len},
        {CKA_LABEL, const_cast<char*>(ref.label.data()), ref.label.size()},
    };
    if (!ref.id.empty()) t.push_back({CKA_ID, const_cast<char*>(ref.id.data()), ref.id.size()});
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    CK_RV rv = s.fn()->C_GenerateKey(s.handle(), &mech, t.data(), t.size(), &key);
    if (rv != CKR_OK) {
      return std::unexpected(Pkcs11Error(
          fmt::format("pkcs11 seal: cannot generate the AES key {}", KeyIdText(ref.label, ref.id)),
          rv));
    }
    log::GetLogger("seal")->info("pkcs11 seal: generated the AES-256 key {} (generate_key)",
                                 KeyIdText(ref.label, ref.id));
    return OkStatus();
  }

  Status CheckMechanism(CK_SLOT_ID slot, CK_MECHANISM_TYPE mech) {
    CK_ULONG count = 0;
    CK_RV rv = module_->fn()->C_GetMechanismList(slot, nullptr, &count);
    std::vector<CK_MECHANISM_TYPE> list(count);
    if (rv == CKR_OK && count > 0) rv = module_->fn()->C_GetMechanismList(slot, list.data(), &count);
    if (rv != CKR_OK) {
      return std::unexpected(Pkcs11Error("pkcs11 seal: C_GetMechanismList", rv));
    }
    list.resize(count);
    CK_MECHANISM_INFO info{};
    rv = std::find(list.begin(), list.end(), mech) == list.end()
             ? CKR_MECHANISM_INVALID
             : module_->fn()->C_GetMechanismInfo(slot, mech, &info);
    if (rv == CKR_MECHANISM_INVALID ||
        (rv == CKR_OK && (!(info.flags & CKF_ENCRYPT) || !(info.flags & CKF_DECRYPT)))) {
      return InvalidRequest(fmt::format(
          "pkcs11 seal: the token in slot {} does not support {} for encryption and decryption",
          slot, MechanismName(mech)));
    }
    if (rv != CKR_OK) {
      return std::unexpected(Pkcs11Error(
          fmt::format("pkcs11 seal: C_GetMechanismInfo({})", MechanismName(mech)), rv));
    }
    if (mech == CKM_RSA_PKCS_OAEP && FindOaepHash(o_.rsa_oaep_hash) == nullptr) {
      return InvalidRequest("pkcs11 seal: unknown rsa_oaep_hash");
    }
    return OkStatus();
  }

  static Result<std::string> AesGcmEncrypt(Pkcs11Session& s, CK_OBJECT_HANDLE key,
                                           std::string& iv, std::string_view pt,
                                           std::string_view aad) {
    CK_GCM_PARAMS params{};
    params.pIv = reinterpret_cast<CK_BYTE*>(iv.data());
    params.ulIvLen = iv.size();
    params.ulIvBits = iv.size() * 8;
    params.pAAD = reinterpret_cast<CK_BYTE*>(const_cast<char*>(aad.data()));
    params.ulAADLen = aad.size();
    params.ulTagBits = kTagSize * 8;
    CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
    CK_RV rv = s.fn()->C_EncryptInit(s.handle(), &mech, key);
    if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_EncryptInit (CKM_AES_GCM)", rv));
    std::string out(pt.size() + kTagSize + kIvSize, '\0');
    CK_ULONG n = out.size();
    rv = s.fn()->C_Encrypt(s.handle(), reinterpret_cast<CK_BYTE*>(const_cast<char*>(pt.data())),
                           pt.size(), reinterpret_cast<CK_BYTE*>(out.data()), &n);
    if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_Encrypt (CKM_AES_GCM)", rv));
    out.resize(n);
    // Some HSMs choose the IV themselves and append it to the output.
    if (out.size() == pt.size() + kTagSize + kIvSize) {
      iv = out.substr(out.size() - kIvSize);
      out.resize(out.size() - kIvSize);
    }
    if (out.size() != pt.size() + kTagSize) {
      return Internal("pkcs11 seal: CKM_AES_GCM returned output of an unexpected length");
    }
    return out;
  }

  static Result<SecureBytes> AesGcmDecrypt(Pkcs11Session& s, CK_OBJECT_HANDLE key,
                                           std::string iv, std::string_view ct,
                                           std::string_view aad) {
    CK_GCM_PARAMS params{};
    params.pIv = reinterpret_cast<CK_BYTE*>(iv.data());
    params.ulIvLen = iv.size();
    params.ulIvBits = iv.size() * 8;
    params.pAAD = reinterpret_cast<CK_BYTE*>(const_cast<char*>(aad.data()));
    params.ulAADLen = aad.size();
    params.ulTagBits = kTagSize * 8;
    CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
    CK_RV rv = s.fn()->C_DecryptInit(s.handle(), &mech, key);
    if (rv != CKR_OK) return std::unexpected(Pkcs11Error("pkcs11 seal: C_DecryptInit (CKM_AES_GCM)", rv));
    SecureBytes out(ct.size() + kTagSize);
    CK_ULONG n = out.size();
    rv = s.fn()->C_Decrypt(s.handle(), reinterpret_cast<CK_BYTE*>(const_cast<char*>(ct.data())),
                           ct.size(), out.data(), &n);
    if (rv == CKR_DEVICE_ERROR || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
        rv == CKR_SESSION_CLOSED || rv == CKR_SESSION_HANDLE_INVALID) {
      return std::unexpected(Pkcs11Error("pkcs11 seal: C_Decrypt (CKM_AES_GCM)", rv));
    }
    if (rv != CKR_OK) {
      return InvalidRequest(fmt::format(
          "pkcs11 seal: cannot unwrap: message authentication failed (wrong key or associated "
          "data; {})",
          CkrName(rv)));
    }
    out.resize(n);
    return out;
  }

  static Result<std::string> RsaOaep(Pkcs11Session& s, CK_OBJECT_HANDLE key,
                                     const std::string& hash_name, std::string_view in,
                                     bool encrypt) {
    const OaepHash* h = FindOaepHash(hash_name);
    if (h == nullptr) {
      return InvalidRequest(fmt::format("pkcs11 seal: unknown rsa_oaep_hash \"{}\"", hash_name));
    }
    CK_RSA_PKCS_OAEP_PARAMS params{h->hash, h->mgf, CKZ_DATA_SPECIFIED, nullptr, 0};
    CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
    const char* op = encrypt ? "C_Encrypt" : "C_Decrypt";
    CK_RV rv = encrypt ? s.fn()->C_EncryptInit(s.handle(), &mech, key)
                       : s.fn()->C_DecryptInit(s.handle(), &mech, key);
    if (rv == CKR_ARGUMENTS_BAD || rv == CKR_MECHANISM_PARAM_INVALID) {
      return InvalidRequest(fmt::format(
          "pkcs11 seal: the token refuses CKM_RSA_PKCS_OAEP with {} ({}): choose another "
          "rsa_oaep_hash (SoftHSM 2.6 supports only sha1)",
          hash_name, CkrName(rv)));
    }
    if (rv != CKR_OK) {
      return std::unexpected(Pkcs11Error(
          fmt::format("pkcs11 seal: {}Init (CKM_RSA_PKCS_OAEP with {})", op, hash_name), rv));
    }
    std::string out(1024, '\0');  // RSA up to 8192 bits
    CK_ULONG n = out.size();
    auto* inp = reinterpret_cast<CK_BYTE*>(const_cast<char*>(in.data()));
    auto* outp = reinterpret_cast<CK_BYTE*>(out.data());
    rv = encrypt ? s.fn()->C_Encrypt(s.handle(), inp, in.size(), outp, &n)
                 : s.fn()->C_Decrypt(s.handle(), inp, in.size(), outp, &n);
    if (rv != CKR_OK) {
      SecureWipe(out);
      Error e = Pkcs11Error(fmt::format("pkcs11 seal: {} (CKM_RSA_PKCS_OAEP)", op), rv);
      if (!encrypt && e.kind() == ErrorKind::kInvalidRequest) {
        return InvalidRequest(fmt::format(
            "pkcs11 seal: cannot unwrap: the RSA key does not decrypt the data key ({})",
            CkrName(rv)));
      }
      return std::unexpected(e);
    }
    std::string result = out.substr(0, n);
    SecureWipe(out);
    return result;
  }

  const Pkcs11Options o_;
  std::mutex mu_;
  std::shared_ptr<Pkcs11Module> module_;
  bool ready_ = false;
  CK_SLOT_ID slot_ = 0;
  CK_MECHANISM_TYPE mechanism_ = CKM_AES_GCM;
};

}  // namespace

Result<std::unique_ptr<core::SealAccess>> NewPkcs11Seal(
    const std::map<std::string, std::string>& options) {
  return NewPkcs11SealWithEnv(options, api::ProcessEnv);
}

Result<std::unique_ptr<core::SealAccess>> NewPkcs11SealWithEnv(
    const std::map<std::string, std::string>& options, const api::GetEnvFn& getenv) {
  std::set<std::string> known = {"disabled"};
  for (const auto& spec : kOptions) known.insert(spec.name);
  for (const auto& [name, value] : options) {
    if (known.contains(name)) continue;
    if (std::find_if(std::begin(kIgnoredOptions), std::end(kIgnoredOptions),
                     [&](const char* n) { return name == n; }) != std::end(kIgnoredOptions)) {
      log::GetLogger("seal")->warn("pkcs11 seal: option \"{}\" is not used by Arca; ignored", name);
      continue;
    }
    return InvalidRequest(fmt::format("pkcs11 seal: unknown option \"{}\"", name));
  }
  // The environment wins over the file, as in Vault and OpenBao.
  auto get = [&](const OptionSpec& spec) -> std::optional<std::string> {
    for (const char* prefix : {"ARCA_HSM_", "VAULT_HSM_", "BAO_HSM_"}) {
      if (auto v = getenv(std::string(prefix) + spec.env); v && !v->empty()) return v;
    }
    if (auto it = options.find(spec.name); it != options.end() && !it->second.empty()) {
      return it->second;
    }
    return std::nullopt;
  };
  auto spec = [](const char* name) -> const OptionSpec& {
    for (const auto& s : kOptions) {
      if (std::string_view(s.name) == name) return s;
    }
    std::abort();
  };
  Pkcs11Options o;
  if (auto v = get(spec("lib"))) o.lib = *v;
  if (o.lib.empty()) return InvalidRequest("pkcs11 seal: \"lib\" is required");
  if (auto v = get(spec("slot"))) {
    auto n = ParseNumber(*v);
    if (!n) return InvalidRequest(fmt::format("pkcs11 seal: slot \"{}\" is not a number", *v));
    o.slot = *n;
  }
  if (auto v = get(spec("token_label"))) o.token_label = *v;
  if (auto v = get(spec("serial"))) o.serial = *v;
  if (!o.slot && o.token_label.empty() && o.serial.empty()) {
    return InvalidRequest("pkcs11 seal: \"slot\" or \"token_label\" is required");
  }
  if (auto v = get(spec("pin"))) {
    o.pin = SecureBytes::FromString(*v);
    SecureWipe(*v);
  }
  if (o.pin.empty()) {
    return InvalidRequest(
        "pkcs11 seal: \"pin\" is required (or the ARCA_HSM_PIN / VAULT_HSM_PIN environment "
        "variable)");
  }
  if (auto v = get(spec("key_label"))) o.key_label = *v;
  if (o.key_label.empty()) return InvalidRequest("pkcs11 seal: \"key_label\" is required");
  if (auto v = get(spec("key_id"))) {
    std::string_view hex = *v;
    if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
    auto id = HexDecode(hex);
    if (!id || id->empty()) {
      return InvalidRequest(fmt::format("pkcs11 seal: key_id \"{}\" is not a hex string", *v));
    }
    o.key_id = *id;
  }
  if (auto v = get(spec("mechanism"))) {
    ARCA_ASSIGN_OR_RETURN(o.mechanism, ParseMechanism(*v));
  }
  if (auto v = get(spec("rsa_oaep_hash"))) {
    std::string lower = *v;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (FindOaepHash(lower) == nullptr) {
      return InvalidRequest(fmt::format(
          "pkcs11 seal: rsa_oaep_hash \"{}\" is not one of sha1, sha224, sha256, sha384, sha512",
          *v));
    }
    o.rsa_oaep_hash = lower;
  }
  if (auto v = get(spec("generate_key"))) {
    auto b = api::ParseGoBool(*v);
    if (!b) return InvalidRequest(fmt::format("pkcs11 seal: generate_key \"{}\" is not a boolean", *v));
    o.generate_key = *b;
  }
  if (o.generate_key && o.mechanism == CKM_RSA_PKCS_OAEP) {
    return InvalidRequest(
        "pkcs11 seal: generate_key creates AES keys only; it cannot be used with "
        "CKM_RSA_PKCS_OAEP");
  }
  return std::make_unique<Pkcs11Seal>(std::move(o));
}

}  // namespace arca::seal
