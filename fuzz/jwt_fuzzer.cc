// libFuzzer target: untrusted JWT input -> crypto/jwt.h. The input is split at the first NUL
// byte: the part before it is used as a compact token, the part after as a JWKS document and
// as PEM text. Properties checked beyond "no crash, no sanitizer report":
//   - a token never verifies against keys parsed from the fuzzer's own input unless its
//     signature checks out (it cannot, as the fuzzer cannot sign: VerifyJwt must fail for
//     every "alg" the fuzzer writes, including "none" and HS*);
//   - ParseJwt's signing input is a prefix of the token.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/jwt.h"

using namespace arca;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 128 * 1024) return -1;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nul = text.find('\0');
  std::string_view token = text.substr(0, nul);
  std::string_view rest = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);

  if (auto parsed = crypto::ParseJwt(token)) {
    if (!token.starts_with(parsed->signing_input)) __builtin_trap();
  }
  std::vector<crypto::JwtPublicKey> keys;
  if (auto jwks = crypto::ParseJwks(rest)) keys = std::move(*jwks);
  if (auto pems = crypto::ParsePemKeys(rest)) {
    for (auto& k : *pems) keys.push_back(std::move(k));
  }
  crypto::JwtExpectations e;
  e.require_time_claim = false;
  // Keys from the input are public keys whose private halves the fuzzer does not hold; a
  // token "verifying" against them would mean a broken verifier (or a key/alg confusion).
  if (!keys.empty() && crypto::VerifyJwt(token, keys, e)) __builtin_trap();
  return 0;
}
