#include "core/seal/shamir_seal.h"

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "crypto/shamir.h"

namespace arca::core {
namespace {

const std::string kHeader("\0\0\0\0\2", 5);

}  // namespace

std::string SealConfig::ToJson() const {
  json::object o;
  o["type"] = type;
  o["secret_shares"] = secret_shares;
  o["secret_threshold"] = secret_threshold;
  return json::serialize(o);
}

Result<SealConfig> SealConfig::FromJson(std::string_view text) {
  auto o = ParseJsonObject(text);
  if (!o) return Internal("seal configuration is corrupt");
  SealConfig c;
  auto type = GetStringField(*o, "type");
  auto shares = GetIntField(*o, "secret_shares");
  auto threshold = GetIntField(*o, "secret_threshold");
  if (!type || !*type || !shares || !*shares || !threshold || !*threshold) {
    return Internal("seal configuration is corrupt");
  }
  c.type = **type;
  c.secret_shares = static_cast<int>(**shares);
  c.secret_threshold = static_cast<int>(**threshold);
  return c;
}

Status ValidateShamirParams(int shares, int threshold) {
  if (shares < 1) return InvalidRequest("secret shares must be at least one");
  if (shares > 255) return InvalidRequest("secret shares must be at most 255");
  if (threshold < 1) return InvalidRequest("secret threshold must be at least one");
  if (threshold > shares) return InvalidRequest("secret threshold cannot be larger than secret shares");
  if (shares > 1 && threshold == 1) {
    return InvalidRequest("threshold must be greater than one for multiple shares");
  }
  return OkStatus();
}

Result<std::optional<SealConfig>> ReadSealConfig(storage::Backend& physical) {
  ARCA_ASSIGN_OR_RETURN(auto raw, physical.Get(kSealConfigPath));
  if (!raw) return std::optional<SealConfig>();
  ARCA_ASSIGN_OR_RETURN(SealConfig c, SealConfig::FromJson(*raw));
  return std::optional<SealConfig>(std::move(c));
}

Result<std::vector<SecureBytes>> SplitKey(const SecureBytes& key, int shares, int threshold) {
  std::vector<SecureBytes> out;
  if (shares == 1) {
    out.push_back(key.Clone());
    return out;
  }
  return crypto::ShamirSplit(key.span(), shares, threshold);
}

Result<SecureBytes> CombineShares(const SealConfig& config,
                                  const std::vector<SecureBytes>& shares) {
  if (config.secret_shares == 1) {
    if (shares.size() != 1) return InvalidRequest("expected exactly one unseal key");
    return shares[0].Clone();
  }
  return crypto::ShamirCombine(shares);
}

Result<std::string> ShamirRootKeyEntry(const SecureBytes& kek, const SecureBytes& root_key) {
  ARCA_ASSIGN_OR_RETURN(std::string wrapped,
                        crypto::AesGcmSeal(kek.span(), root_key.view(), kShamirRootKeyPath));
  return kHeader + wrapped;
}

Result<std::vector<SecureBytes>> CreateShamirSeal(
    storage::Backend& physical, const SecureBytes& root_key, const SealConfig& config,
    const std::function<Status(const std::vector<SecureBytes>&)>& before_store) {
  ARCA_RETURN_IF_ERROR(ValidateShamirParams(config.secret_shares, config.secret_threshold));
  SecureBytes kek = crypto::RandomKey(32);
  ARCA_ASSIGN_OR_RETURN(std::string entry, ShamirRootKeyEntry(kek, root_key));
  ARCA_ASSIGN_OR_RETURN(auto shares, SplitKey(kek, config.secret_shares, config.secret_threshold));
  if (before_store) ARCA_RETURN_IF_ERROR(before_store(shares));
  ARCA_RETURN_IF_ERROR(physical.Put(kShamirRootKeyPath, entry));
  ARCA_RETURN_IF_ERROR(physical.Put(kSealConfigPath, config.ToJson()));
  return shares;
}

Result<SecureBytes> OpenShamirRootKey(storage::Backend& physical, const SecureBytes& kek) {
  if (kek.size() != 32) return InvalidRequest("invalid key: wrong length");
  ARCA_ASSIGN_OR_RETURN(auto raw, physical.Get(kShamirRootKeyPath));
  if (!raw || raw->size() <= kHeader.size()) return Internal("stored root key is missing or corrupt");
  auto root = crypto::AesGcmOpen(kek.span(), std::string_view(*raw).substr(kHeader.size()),
                                 kShamirRootKeyPath);
  if (!root) {
    return InvalidRequest(
        "cipher: message authentication failed: the unseal keys do not open this seal");
  }
  SecureBytes out = SecureBytes::FromString(*root);
  SecureWipe(*root);
  return out;
}

Result<SecureBytes> RecoverRootKey(storage::Backend& physical, const SealConfig& config,
                                   const std::vector<SecureBytes>& shares) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes kek, CombineShares(config, shares));
  return OpenShamirRootKey(physical, kek);
}

Result<SecureBytes> DecodeUnsealKey(std::string_view text) {
  auto hex = HexDecode(text);
  if (hex) {
    SecureBytes k = SecureBytes::FromString(*hex);
    SecureWipe(*hex);
    return k;
  }
  auto b64 = Base64Decode(text);
  if (b64) {
    SecureBytes k = SecureBytes::FromString(*b64);
    SecureWipe(*b64);
    return k;
  }
  return InvalidRequest("'key' must be a valid hex or base64 string");
}

}  // namespace arca::core
