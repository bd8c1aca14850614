#include "core/barrier/keyring.h"

#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <new>
#include <system_error>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/random.h"

namespace arca::core {

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(nanos));
  return buf;
}

BarrierKey MakeBarrierKey(uint32_t term, SecureBytes value, std::string install_time) {
  BarrierKey key{term, std::move(value), std::move(install_time), nullptr};
  if (auto gcm = crypto::AesGcmKey::Create(key.value.span())) key.gcm = std::move(*gcm);
  return key;
}

Keyring Keyring::Generate() {
  Keyring k;
  BarrierKey key = MakeBarrierKey(1, crypto::RandomKey(32), NowRfc3339());
  k.keys_.emplace(1, std::move(key));
  k.active_term_ = 1;
  return k;
}

const BarrierKey* Keyring::Active() const { return Term(active_term_); }

const BarrierKey* Keyring::Term(uint32_t term) const {
  auto it = keys_.find(term);
  return it == keys_.end() ? nullptr : &it->second;
}

const BarrierKey& Keyring::Rotate() {
  uint32_t term = active_term_ + 1;
  auto [it, _] = keys_.emplace(term, MakeBarrierKey(term, crypto::RandomKey(32), NowRfc3339()));
  active_term_ = term;
  return it->second;
}

namespace {

// A JSON memory resource that wipes every block it frees: the parsed keyring's strings hold
// base64 key material.
class WipingResource final : public json::memory_resource {
  void* do_allocate(std::size_t n, std::size_t align) override {
    return ::operator new(n, std::align_val_t(align));
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    OPENSSL_cleanse(p, n);
    ::operator delete(p, n, std::align_val_t(align));
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace

SecureBytes Keyring::Serialize() const {
  // Written by hand into secure memory (the same members boost::json would write), so the key
  // values never sit in an ordinary string.
  SecureBytes out;
  out.Append("{\"version\":1,\"active_term\":" + std::to_string(active_term_) + ",\"keys\":[");
  bool first = true;
  for (const auto& [term, key] : keys_) {
    if (!first) out.Append(",");
    first = false;
    out.Append("{\"term\":" + std::to_string(term) + ",\"value\":\"");
    std::string b64 = Base64Encode(key.value.view());
    out.Append(b64);
    SecureWipe(b64);
    out.Append("\",\"install_time\":" + json::serialize(json::string(key.install_time)) + "}");
  }
  out.Append("]}");
  return out;
}

Result<Keyring> Keyring::Deserialize(std::string_view text) {
  WipingResource resource;
  Keyring k;
  {
    std::error_code ec;
    json::value parsed = json::parse(text, ec, json::storage_ptr(&resource));
    if (ec || !parsed.is_object()) return Internal("keyring is corrupt: not a JSON object");
    const json::object& root = parsed.get_object();
    try {
      if (root.at("version").to_number<int64_t>() != 1) return Internal("keyring: unknown version");
      k.active_term_ = root.at("active_term").to_number<uint32_t>();
      for (const auto& v : root.at("keys").as_array()) {
        const auto& o = v.as_object();
        const uint32_t term = o.at("term").to_number<uint32_t>();
        auto raw = Base64Decode(o.at("value").as_string());
        if (!raw || raw->size() != 32) {
          if (raw) SecureWipe(*raw);
          return Internal("keyring: bad key value");
        }
        SecureBytes value = SecureBytes::FromString(*raw);
        SecureWipe(*raw);
        k.keys_.emplace(term, MakeBarrierKey(term, std::move(value),
                                             std::string(o.at("install_time").as_string())));
      }
    } catch (const std::exception& e) {
      return Internal(std::string("keyring is corrupt: ") + e.what());
    }
  }
  if (!k.Active()) return Internal("keyring: active term missing");
  return k;
}

}  // namespace arca::core
