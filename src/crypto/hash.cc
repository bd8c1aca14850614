#include "crypto/hash.h"

#include <array>
#include <utility>

#include "crypto/openssl_util.h"

namespace arca::crypto {

namespace {

struct NamedAlgorithm {
  std::string_view name;
  HashAlgorithm alg;
  size_t size;
};

constexpr std::array<NamedAlgorithm, 9> kAlgorithms = {{
    {"sha1", HashAlgorithm::kSha1, 20},
    {"sha2-224", HashAlgorithm::kSha224, 28},
    {"sha2-256", HashAlgorithm::kSha256, 32},
    {"sha2-384", HashAlgorithm::kSha384, 48},
    {"sha2-512", HashAlgorithm::kSha512, 64},
    {"sha3-224", HashAlgorithm::kSha3_224, 28},
    {"sha3-256", HashAlgorithm::kSha3_256, 32},
    {"sha3-384", HashAlgorithm::kSha3_384, 48},
    {"sha3-512", HashAlgorithm::kSha3_512, 64},
}};

const NamedAlgorithm& Lookup(HashAlgorithm alg) {
  for (const auto& a : kAlgorithms) {
    if (a.alg == alg) return a;
  }
  std::unreachable();
}

}  // namespace

Result<HashAlgorithm> ParseHashAlgorithm(std::string_view vault_name) {
  for (const auto& a : kAlgorithms) {
    if (a.name == vault_name) return a.alg;
  }
  return InvalidRequest("unsupported hash algorithm: " + std::string(vault_name));
}

std::string_view HashAlgorithmName(HashAlgorithm alg) { return Lookup(alg).name; }

size_t DigestSize(HashAlgorithm alg) { return Lookup(alg).size; }

Result<std::string> Hash(HashAlgorithm alg, std::string_view data) {
  const EVP_MD* md = internal::FetchedDigest(alg);
  if (md == nullptr) {
    return Internal("hash algorithm " + std::string(HashAlgorithmName(alg)) + " is not available");
  }
  std::string out(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int len = 0;
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size()) {
    return Internal("digest failed: " + internal::DrainOpenSslErrors());
  }
  return out;
}

std::string Sha256(std::string_view data) {
  auto digest = Hash(HashAlgorithm::kSha256, data);
  if (!digest) internal::FatalCryptoError("SHA-256 failed");
  return std::move(*digest);
}

}  // namespace arca::crypto
