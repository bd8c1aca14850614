#include "seal/static_seal.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "common/encoding.h"
#include "crypto/aead.h"

namespace arca::seal {
namespace {

constexpr uint8_t kBlobVersion = 1;
constexpr size_t kKeySize = 32;

// The header of a blob made with `key_id`: version, length of the id, the id.
std::string BlobHeader(std::string_view key_id) {
  std::string h;
  h.push_back(static_cast<char>(kBlobVersion));
  h.push_back(static_cast<char>(key_id.size()));
  h.append(key_id);
  return h;
}

// Reads an option's value: env://VAR, file:///path or the value itself.
Result<std::string> ResolveKeyValue(std::string_view option, std::string_view value) {
  if (value.starts_with("env://")) {
    std::string var(value.substr(6));
    if (var.empty()) return InvalidRequest(std::string(option) + ": env:// names no variable");
    const char* v = std::getenv(var.c_str());
    if (v == nullptr || *v == '\0') {
      return InvalidRequest(std::string(option) + ": environment variable " + var +
                            " is not set or empty");
    }
    return std::string(v);
  }
  if (value.starts_with("file://")) {
    std::string path(value.substr(7));
    if (path.empty()) return InvalidRequest(std::string(option) + ": file:// names no file");
    std::ifstream in(path, std::ios::binary);
    if (!in) return InvalidRequest(std::string(option) + ": cannot read key file " + path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return InvalidRequest(std::string(option) + ": cannot read key file " + path);
    return content;
  }
  return std::string(value);
}

class StaticSeal final : public core::SealAccess {
 public:
  StaticSeal(std::string current_id, SecureBytes current, std::string previous_id,
             SecureBytes previous)
      : current_id_(std::move(current_id)),
        current_(std::move(current)),
        previous_id_(std::move(previous_id)),
        previous_(std::move(previous)) {}

  std::string_view Type() const override { return "static"; }
  Status Init() override { return OkStatus(); }

  Result<std::string> Wrap(std::string_view plaintext, std::string_view aad) override {
    std::string header = BlobHeader(current_id_);
    ARCA_ASSIGN_OR_RETURN(std::string sealed,
                          crypto::AesGcmSeal(current_.span(), plaintext, header + std::string(aad)));
    return header + sealed;
  }

  Result<SecureBytes> Unwrap(std::string_view blob, std::string_view aad) override {
    if (blob.size() < 2 || static_cast<uint8_t>(blob[0]) != kBlobVersion) {
      return InvalidRequest("static seal: not a blob of the static seal (unknown format)");
    }
    size_t id_len = static_cast<uint8_t>(blob[1]);
    if (blob.size() < 2 + id_len + crypto::kGcmOverhead) {
      return InvalidRequest("static seal: blob is truncated");
    }
    std::string_view id = blob.substr(2, id_len);
    const SecureBytes* key = nullptr;
    if (id == current_id_) {
      key = &current_;
    } else if (!previous_id_.empty() && id == previous_id_) {
      key = &previous_;
    } else {
      return InvalidRequest("static seal: the value was encrypted with key id \"" +
                            std::string(id) + "\", which is neither current_key_id nor "
                            "previous_key_id");
    }
    std::string header(blob.substr(0, 2 + id_len));
    auto plain = crypto::AesGcmOpen(key->span(), blob.substr(2 + id_len), header + std::string(aad));
    if (!plain) {
      return InvalidRequest("static seal: cannot decrypt with key id \"" + std::string(id) +
                            "\": message authentication failed (wrong key for this id, or "
                            "tampered data)");
    }
    SecureBytes out = SecureBytes::FromString(*plain);
    SecureWipe(*plain);
    return out;
  }

  std::string KeyId() const override { return current_id_; }
  Status Health() override { return OkStatus(); }

 private:
  const std::string current_id_;
  const SecureBytes current_;
  const std::string previous_id_;  // empty: none
  const SecureBytes previous_;
};

}  // namespace

Result<SecureBytes> DecodeStaticKey(std::string_view option, std::string_view value) {
  if (value.size() == kKeySize) return SecureBytes::FromString(value);
  // Text forms may carry a trailing newline (a key file written by echo).
  std::string_view text = value;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.size() == 2 * kKeySize) {
    if (auto hex = HexDecode(text)) {
      SecureBytes k = SecureBytes::FromString(*hex);
      SecureWipe(*hex);
      return k;
    }
  }
  if (auto b64 = Base64Decode(text)) {
    if (b64->size() == kKeySize) {
      SecureBytes k = SecureBytes::FromString(*b64);
      SecureWipe(*b64);
      return k;
    }
    SecureWipe(*b64);
  }
  return InvalidRequest(std::string(option) +
                        ": must be a 32-byte AES-256 key given as 32 raw bytes, 64 hex digits "
                        "or base64 (got " + std::to_string(value.size()) + " bytes that are none "
                        "of these)");
}

Result<std::unique_ptr<core::SealAccess>> NewStaticSeal(
    const std::map<std::string, std::string>& options) {
  static const char* const kKnown[] = {"current_key_id", "current_key", "previous_key_id",
                                       "previous_key", "disabled"};
  for (const auto& [k, v] : options) {
    if (std::find(std::begin(kKnown), std::end(kKnown), k) == std::end(kKnown)) {
      return InvalidRequest("unknown option \"" + k + "\"");
    }
  }
  auto get = [&](const char* k) -> std::string {
    auto it = options.find(k);
    return it == options.end() ? std::string() : it->second;
  };
  std::string current_id = get("current_key_id"), current = get("current_key");
  std::string previous_id = get("previous_key_id"), previous = get("previous_key");
  if (current_id.empty()) return InvalidRequest("current_key_id is required");
  if (current.empty()) return InvalidRequest("current_key is required");
  if (!previous.empty() && previous_id.empty()) {
    return InvalidRequest("previous_key_id is required with previous_key");
  }
  if (previous.empty() && !previous_id.empty()) {
    return InvalidRequest("previous_key is required with previous_key_id");
  }
  for (const std::string* id : {&current_id, &previous_id}) {
    if (id->size() > 255) {
      return InvalidRequest("a key id must be at most 255 bytes");
    }
  }
  if (!previous_id.empty() && previous_id == current_id) {
    return InvalidRequest("previous_key_id must differ from current_key_id");
  }
  ARCA_ASSIGN_OR_RETURN(std::string raw, ResolveKeyValue("current_key", current));
  auto current_key = DecodeStaticKey("current_key", raw);
  SecureWipe(raw);
  if (!current_key) return std::unexpected(current_key.error());
  SecureBytes previous_key;
  if (!previous.empty()) {
    ARCA_ASSIGN_OR_RETURN(std::string praw,
                          ResolveKeyValue("previous_key", previous));
    auto pk = DecodeStaticKey("previous_key", praw);
    SecureWipe(praw);
    if (!pk) return std::unexpected(pk.error());
    previous_key = std::move(*pk);
  }
  return std::unique_ptr<core::SealAccess>(std::make_unique<StaticSeal>(
      std::move(current_id), std::move(*current_key), std::move(previous_id),
      std::move(previous_key)));
}

}  // namespace arca::seal
