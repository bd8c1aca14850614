#include "seal/transit_seal.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "api/client.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "common/secure_bytes.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace arca::seal {
namespace {

constexpr size_t kDataKeySize = 32;
constexpr std::chrono::seconds kRequestTimeout{15};

constexpr const char* kKnownOptions[] = {
    "address",         "token",          "key_name",        "mount_path",
    "namespace",       "disable_renewal", "tls_ca_cert",    "tls_client_cert",
    "tls_client_key",  "tls_server_name", "tls_skip_verify", "disabled",
};

struct TransitOptions {
  api::ClientConfig client;
  std::string key_name;
  std::string mount_path;  // no leading or trailing '/'
  bool disable_renewal = false;
};

std::string TrimSlashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

// The error of a failed API call, in this seal's terms: transport failures and 5xx/429 are
// kUnavailable (retry later); other answers are kInvalidRequest (configuration or data).
Error SealError(std::string_view what, const Error& e) {
  ErrorKind kind = ErrorKind::kInvalidRequest;
  switch (e.kind()) {
    case ErrorKind::kUnavailable:
    case ErrorKind::kSealed:
    case ErrorKind::kInternal:
    case ErrorKind::kUpstream:
    case ErrorKind::kRateLimited:
      kind = ErrorKind::kUnavailable;
      break;
    default:
      break;
  }
  return Error(kind, fmt::format("transit seal: {}: {}", what, e.message()));
}

class TransitSeal final : public core::SealAccess {
 public:
  explicit TransitSeal(TransitOptions o) : o_(std::move(o)) {}
  ~TransitSeal() override {
    Finalize();
    SecureWipe(o_.client.token);
  }

  std::string_view Type() const override { return "transit"; }

  Status Init() override {
    {
      std::lock_guard lock(mu_);
      if (client_ == nullptr) client_ = std::make_unique<api::Client>(o_.client);
      ready_ = true;
      // The key exists and the token may use it: a round trip.
      if (auto st = ProbeLocked(); !st) {
        ready_ = false;
        return st;
      }
    }
    log::GetLogger("seal")->info("transit seal: using key {} at {}", KeyId(), o_.client.address);
    StartRenewal();
    return OkStatus();
  }

  void Finalize() override {
    {
      std::lock_guard lock(mu_);
      ready_ = false;
      client_.reset();
    }
    StopRenewal();
  }

  Result<std::string> Wrap(std::string_view plaintext, std::string_view aad) override {
    std::lock_guard lock(mu_);
    return WrapLocked(plaintext, aad);
  }

  Result<SecureBytes> Unwrap(std::string_view blob, std::string_view aad) override {
    std::lock_guard lock(mu_);
    return UnwrapLocked(blob, aad);
  }

  std::string KeyId() const override { return o_.mount_path + "/keys/" + o_.key_name; }

  Status Health() override {
    std::lock_guard lock(mu_);
    return ProbeLocked();
  }

 private:
  Status CheckReady() const {
    if (!ready_ || client_ == nullptr) {
      return Unavailable("transit seal: not initialised (Init has not succeeded)");
    }
    return OkStatus();
  }

  Status ProbeLocked() {
    std::string probe = crypto::RandomBytesString(16);
    ARCA_ASSIGN_OR_RETURN(std::string blob, WrapLocked(probe, "arca-seal-health"));
    ARCA_ASSIGN_OR_RETURN(SecureBytes back, UnwrapLocked(blob, "arca-seal-health"));
    if (back.view() != probe) return Internal("transit seal: the health check round trip failed");
    return OkStatus();
  }

  Result<std::string> WrapLocked(std::string_view plaintext, std::string_view aad) {
    ARCA_RETURN_IF_ERROR(CheckReady());
    SecureBytes dek = crypto::RandomKey(kDataKeySize);
    ARCA_ASSIGN_OR_RETURN(std::string sealed, crypto::AesGcmSeal(dek.span(), plaintext, aad));
    json::object req;
    std::string dek_b64 = Base64Encode(dek.view());
    req["plaintext"] = dek_b64;
    SecureWipe(dek_b64);
    std::string path = fmt::format("{}/encrypt/{}", o_.mount_path, o_.key_name);
    auto resp = client_->Write(path, req);
    if (auto* s = req["plaintext"].if_string()) {
      std::fill(s->begin(), s->end(), '\0');
    }
    if (!resp) return std::unexpected(SealError("encrypt with " + KeyId(), resp.error()));
    std::string ct;
    if (*resp) ct = StringOr(ObjectOr(**resp, "data"), "ciphertext");
    if (ct.empty()) {
      return Unavailable(fmt::format("transit seal: {} answered without a ciphertext", path));
    }
    json::object blob;
    blob["type"] = "transit";
    blob["version"] = 1;
    blob["mount_path"] = o_.mount_path;
    blob["key_name"] = o_.key_name;
    blob["ciphertext"] = ct;
    blob["data"] = Base64Encode(sealed);
    return ToJson(blob);
  }

  Result<SecureBytes> UnwrapLocked(std::string_view blob_text, std::string_view aad) {
    ARCA_RETURN_IF_ERROR(CheckReady());
    auto parsed = ParseJsonObject(blob_text);
    if (!parsed || StringOr(*parsed, "type") != "transit" || IntOr(*parsed, "version") != 1) {
      return InvalidRequest("transit seal: the wrapped value is not a transit seal blob");
    }
    std::string mount = TrimSlashes(StringOr(*parsed, "mount_path"));
    std::string key = StringOr(*parsed, "key_name");
    std::string ct = StringOr(*parsed, "ciphertext");
    auto data = Base64Decode(StringOr(*parsed, "data"));
    if (mount.empty() || key.empty() || ct.empty() || !data) {
      return InvalidRequest("transit seal: the blob lacks mount_path, key_name, ciphertext or data");
    }
    json::object req;
    req["ciphertext"] = ct;
    std::string path = fmt::format("{}/decrypt/{}", mount, key);
    auto resp = client_->Write(path, req);
    if (!resp) {
      return std::unexpected(SealError(fmt::format("decrypt with {}/keys/{}", mount, key),
                                       resp.error()));
    }
    std::string pt_b64;
    if (*resp) pt_b64 = StringOr(ObjectOr(**resp, "data"), "plaintext");
    auto dek_text = Base64Decode(pt_b64);
    if (resp->has_value()) {
      if (auto* d = (**resp)["data"].if_object()) {
        if (auto* p = d->if_contains("plaintext"); p && p->is_string()) {
          std::fill(p->as_string().begin(), p->as_string().end(), '\0');
        }
      }
    }
    SecureWipe(pt_b64);
    if (!dek_text || dek_text->size() != kDataKeySize) {
      if (dek_text) SecureWipe(*dek_text);
      return InvalidRequest(fmt::format("transit seal: {} did not return a data key", path));
    }
    SecureBytes dek = SecureBytes::FromString(*dek_text);
    SecureWipe(*dek_text);
    auto pt = crypto::AesGcmOpen(dek.span(), *data, aad);
    if (!pt) {
      return InvalidRequest(
          "transit seal: cannot unwrap: message authentication failed (wrong associated data or "
          "a tampered blob)");
    }
    SecureBytes out = SecureBytes::FromString(*pt);
    SecureWipe(*pt);
    return out;
  }

  // ---- Token renewal.

  void StartRenewal() {
    if (o_.disable_renewal || o_.client.token.empty()) return;
    std::lock_guard lock(renew_mu_);
    if (renewer_.joinable()) return;
    stop_ = false;
    renewer_ = std::thread([this] { RenewLoop(); });
  }

  void StopRenewal() {
    {
      std::lock_guard lock(renew_mu_);
      stop_ = true;
    }
    renew_cv_.notify_all();
    if (renewer_.joinable() && renewer_.get_id() != std::this_thread::get_id()) renewer_.join();
  }

  // Waits `d` or until stopped; false when stopped.
  bool WaitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(renew_mu_);
    return !renew_cv_.wait_for(lock, d, [this] { return stop_; });
  }

  void RenewLoop() {
    auto logger = log::GetLogger("seal");
    auto resp_is_transient = [](const Error& e) {
      return e.kind() == ErrorKind::kUnavailable || e.http_status() >= 500 ||
             e.kind() == ErrorKind::kRateLimited;
    };
    api::Client client(o_.client);
    std::chrono::milliseconds backoff{1000};
    // A token without a TTL (a root token) or that cannot be renewed needs no renewal.
    while (true) {
      auto self = client.Read("auth/token/lookup-self");
      if (self) {
        json::object data = *self ? ObjectOr(**self, "data") : json::object();
        if (IntOr(data, "ttl") <= 0 || !BoolOr(data, "renewable")) {
          logger->info("transit seal: the token {}; no renewal needed",
                       IntOr(data, "ttl") <= 0 ? "has no TTL" : "is not renewable");
          return;
        }
        break;
      }
      if (resp_is_transient(self.error())) {
        if (!WaitFor(backoff)) return;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
        continue;
      }
      // No permission to look itself up: renew-self below says whether renewal works.
      break;
    }
    backoff = std::chrono::milliseconds(1000);
    while (true) {
      {
        std::lock_guard lock(renew_mu_);
        if (stop_) return;
      }
      json::object body;
      auto resp = client.Write("auth/token/renew-self", body);
      if (!resp) {
        if (resp_is_transient(resp.error())) {
          logger->warn("transit seal: token renewal failed, retrying in {} s: {}",
                       backoff.count() / 1000, resp.error().message());
          if (!WaitFor(backoff)) return;
          backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
          continue;
        }
        logger->warn("transit seal: the token cannot be renewed; renewal stopped: {}",
                     resp.error().message());
        return;
      }
      backoff = std::chrono::milliseconds(1000);
      json::object auth = *resp ? ObjectOr(**resp, "auth") : json::object();
      int64_t ttl = IntOr(auth, "lease_duration");
      bool renewable = BoolOr(auth, "renewable");
      if (ttl <= 0 || !renewable) {
        logger->info("transit seal: the token {}; no renewal needed",
                     ttl <= 0 ? "has no TTL" : "is not renewable");
        return;
      }
      auto wait = std::chrono::milliseconds(std::max<int64_t>(ttl * 1000 / 2, 500));
      logger->debug("transit seal: token renewed (ttl {} s); next renewal in {} ms", ttl,
                    wait.count());
      if (!WaitFor(wait)) return;
    }
  }

  TransitOptions o_;
  std::mutex mu_;
  std::unique_ptr<api::Client> client_;  // guarded by mu_
  bool ready_ = false;                   // guarded by mu_

  std::mutex renew_mu_;
  std::condition_variable renew_cv_;
  bool stop_ = false;  // guarded by renew_mu_
  std::thread renewer_;
};

}  // namespace

Result<std::unique_ptr<core::SealAccess>> NewTransitSeal(
    const std::map<std::string, std::string>& options) {
  return NewTransitSealWithEnv(options, api::ProcessEnv);
}

Result<std::unique_ptr<core::SealAccess>> NewTransitSealWithEnv(
    const std::map<std::string, std::string>& options, const api::GetEnvFn& getenv) {
  for (const auto& [name, value] : options) {
    if (std::find_if(std::begin(kKnownOptions), std::end(kKnownOptions),
                     [&](const char* n) { return name == n; }) == std::end(kKnownOptions)) {
      return InvalidRequest(fmt::format("transit seal: unknown option \"{}\"", name));
    }
  }
  auto env = [&](std::initializer_list<const char*> names) -> std::optional<std::string> {
    for (const char* n : names) {
      if (auto v = getenv(n); v && !v->empty()) return v;
    }
    return std::nullopt;
  };
  auto opt = [&](const char* name) -> std::optional<std::string> {
    if (auto it = options.find(name); it != options.end() && !it->second.empty()) return it->second;
    return std::nullopt;
  };
  // The file first, then the environment (address, token, TLS) ...
  auto file_then_env = [&](const char* name, std::initializer_list<const char*> vars) {
    if (auto v = opt(name)) return v;
    return env(vars);
  };
  // ... or the environment first (key_name, mount_path, namespace, disable_renewal).
  auto env_then_file = [&](const char* name, std::initializer_list<const char*> vars) {
    if (auto v = env(vars)) return v;
    return opt(name);
  };
  auto parse_bool = [](const char* name, const std::string& v) -> Result<bool> {
    auto b = api::ParseGoBool(v);
    if (!b) return InvalidRequest(fmt::format("transit seal: {} \"{}\" is not a boolean", name, v));
    return *b;
  };

  TransitOptions o;
  o.client.timeout = kRequestTimeout;
  if (auto v = file_then_env("address", {"ARCA_ADDR", "VAULT_ADDR"})) o.client.address = *v;
  if (!o.client.address.starts_with("http://") && !o.client.address.starts_with("https://")) {
    return InvalidRequest(fmt::format(
        "transit seal: address \"{}\" must be an http:// or https:// URL", o.client.address));
  }
  if (auto v = file_then_env("token", {"ARCA_TOKEN", "VAULT_TOKEN"})) o.client.token = *v;
  if (o.client.token.empty()) {
    log::GetLogger("seal")->info("transit seal: no token configured (token or VAULT_TOKEN)");
  }
  if (auto v = env_then_file("key_name", {"VAULT_TRANSIT_SEAL_KEY_NAME"})) o.key_name = *v;
  if (o.key_name.empty()) return InvalidRequest("transit seal: \"key_name\" is required");
  if (o.key_name.find('/') != std::string::npos) {
    return InvalidRequest(fmt::format("transit seal: key_name \"{}\" may not contain '/'", o.key_name));
  }
  if (auto v = env_then_file("mount_path", {"VAULT_TRANSIT_SEAL_MOUNT_PATH"})) {
    o.mount_path = TrimSlashes(*v);
  }
  if (o.mount_path.empty()) return InvalidRequest("transit seal: \"mount_path\" is required");
  if (auto v = env_then_file("namespace", {"ARCA_NAMESPACE", "VAULT_NAMESPACE"})) {
    std::string ns = TrimSlashes(*v);
    if (!ns.empty()) {
      o.client.name_space = ns;
      o.client.headers["X-Vault-Namespace"] = ns;
    }
  }
  if (auto v = env_then_file("disable_renewal", {"VAULT_TRANSIT_SEAL_DISABLE_RENEWAL"})) {
    ARCA_ASSIGN_OR_RETURN(o.disable_renewal, parse_bool("disable_renewal", *v));
  }
  if (auto v = file_then_env("tls_ca_cert", {"ARCA_CACERT", "VAULT_CACERT"})) o.client.ca_cert = *v;
  if (auto v = file_then_env("tls_client_cert", {"ARCA_CLIENT_CERT", "VAULT_CLIENT_CERT"})) {
    o.client.client_cert = *v;
  }
  if (auto v = file_then_env("tls_client_key", {"ARCA_CLIENT_KEY", "VAULT_CLIENT_KEY"})) {
    o.client.client_key = *v;
  }
  if (o.client.client_cert.empty() != o.client.client_key.empty()) {
    return InvalidRequest(
        "transit seal: tls_client_cert and tls_client_key must be given together");
  }
  if (auto v = file_then_env("tls_server_name", {"ARCA_TLS_SERVER_NAME", "VAULT_TLS_SERVER_NAME"})) {
    o.client.tls_server_name = *v;
  }
  if (auto v = file_then_env("tls_skip_verify", {"ARCA_SKIP_VERIFY", "VAULT_SKIP_VERIFY"})) {
    ARCA_ASSIGN_OR_RETURN(o.client.tls_skip_verify, parse_bool("tls_skip_verify", *v));
  }
  return std::make_unique<TransitSeal>(std::move(o));
}

}  // namespace arca::seal
