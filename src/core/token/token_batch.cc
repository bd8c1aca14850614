#include "core/token/token_batch.h"

#include "common/encoding.h"
#include "common/json.h"
#include "common/secure_bytes.h"
#include "crypto/aead.h"

namespace arca::core {
namespace {

constexpr std::string_view kBatchAad = "arca-batch-token-v1";

}  // namespace

bool IsBatchToken(std::string_view token) { return token.starts_with(kBatchTokenPrefix); }

Result<std::string> SealBatchToken(std::span<const uint8_t> key, const TokenEntry& entry) {
  TokenEntry copy = entry;
  copy.id_hash.clear();
  copy.accessor.clear();
  copy.type = std::string(kBatchTokenType);
  std::string plain = json::serialize(copy.ToStorageJson());
  auto sealed = crypto::AesGcmSeal(key, plain, kBatchAad);
  SecureWipe(plain);
  if (!sealed) return std::unexpected(sealed.error());
  return std::string(kBatchTokenPrefix) + Base64UrlEncode(*sealed);
}

Result<TokenEntry> OpenBatchToken(std::span<const uint8_t> key, std::string_view token) {
  if (!IsBatchToken(token)) return InvalidRequest("invalid batch token");
  auto raw = Base64UrlDecode(token.substr(kBatchTokenPrefix.size()));
  if (!raw) return InvalidRequest("invalid batch token");
  auto plain = crypto::AesGcmOpen(key, *raw, kBatchAad);
  if (!plain) return InvalidRequest("invalid batch token");
  auto obj = ParseJsonObject(*plain);
  SecureWipe(*plain);
  if (!obj) return InvalidRequest("invalid batch token");
  auto e = TokenEntry::FromStorageJson(*obj);
  if (!e || !e->IsBatch()) return InvalidRequest("invalid batch token");
  return e;
}

}  // namespace arca::core
