#include "seal/awskms_seal.h"

#include <openssl/crypto.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "api/http_request.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "seal/sigv4.h"

namespace arca::seal {
namespace {

constexpr std::string_view kType = "awskms";
constexpr std::string_view kMechanism = "kms-envelope-aes256-gcm";
constexpr int kBlobVersion = 1;
constexpr size_t kDataKeySize = 32;
constexpr auto kRequestTimeout = std::chrono::seconds(20);

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Sections of an AWS shared credentials/config file: section name -> key -> value.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

std::optional<IniFile> ReadIni(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  IniFile ini;
  std::string section, line;
  while (std::getline(in, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = Trim(std::string_view(t).substr(1, t.size() - 2));
      ini[section];
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    ini[section][Trim(std::string_view(t).substr(0, eq))] =
        Trim(std::string_view(t).substr(eq + 1));
  }
  return ini;
}

std::string HomeFile(const EnvLookup& env, const std::string& rel) {
  auto home = env("HOME");
  return (home ? *home : std::string("")) + "/" + rel;
}

// go-kms-wrapping's ParsePaths: "env://VAR" and "file://path" values are read from there.
Result<std::string> ResolveValue(const std::string& option, const std::string& value,
                                 const EnvLookup& env) {
  if (value.starts_with("env://")) {
    auto v = env(value.substr(6));
    if (!v) {
      return InvalidRequest("awskms seal: " + option + ": environment variable " + value.substr(6) +
                            " is not set");
    }
    return *v;
  }
  if (value.starts_with("file://")) {
    std::string path = value.substr(7);
    std::ifstream in(path, std::ios::binary);
    if (!in) return InvalidRequest("awskms seal: " + option + ": cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return Trim(ss.str());
  }
  return value;
}

struct Settings {
  std::string key_id;
  std::string region;
  std::string endpoint;
  api::HttpUrl url;
  AwsCredentials credentials;
  std::string credentials_source;  // for logs: where the credentials came from (no values)
  std::string ca_bundle;           // AWS_CA_BUNDLE: PEM file of CAs for an https endpoint
};

Result<Settings> ResolveSettings(const std::map<std::string, std::string>& options,
                                 const EnvLookup& env) {
  static const std::set<std::string> kKnown = {"kms_key_id",
                                               "region",
                                               "endpoint",
                                               "access_key",
                                               "secret_key",
                                               "session_token",
                                               "shared_creds_filename",
                                               "shared_creds_profile",
                                               "disabled"};
  static const std::set<std::string> kUnsupported = {"role_arn", "role_session_name",
                                                     "web_identity_token_file", "key_not_required"};
  for (const auto& [k, v] : options) {
    if (kUnsupported.contains(k)) {
      return InvalidRequest("awskms seal: option \"" + k + "\" is not supported by Arca");
    }
    if (!kKnown.contains(k)) return InvalidRequest("awskms seal: unknown option \"" + k + "\"");
  }
  auto opt = [&](const std::string& k) -> std::optional<std::string> {
    auto it = options.find(k);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };

  Settings s;
  if (auto v = env("AWSKMS_WRAPPER_KEY_ID")) {
    s.key_id = *v;
  } else if (auto v2 = env("VAULT_AWSKMS_SEAL_KEY_ID")) {
    s.key_id = *v2;
  } else if (auto v3 = opt("kms_key_id")) {
    s.key_id = *v3;
  } else {
    return InvalidRequest("awskms seal: kms_key_id is required (or set VAULT_AWSKMS_SEAL_KEY_ID)");
  }

  const std::string profile =
      opt("shared_creds_profile").value_or(env("AWS_PROFILE").value_or("default"));
  if (auto v = opt("region")) {
    s.region = *v;
  } else if (auto v2 = env("AWS_REGION")) {
    s.region = *v2;
  } else if (auto v3 = env("AWS_DEFAULT_REGION")) {
    s.region = *v3;
  } else {
    std::string config = env("AWS_CONFIG_FILE").value_or(HomeFile(env, ".aws/config"));
    if (auto ini = ReadIni(config)) {
      std::string section = profile == "default" ? "default" : "profile " + profile;
      if (auto it = ini->find(section); it != ini->end() && it->second.contains("region")) {
        s.region = it->second.at("region");
      }
    }
    if (s.region.empty()) s.region = "us-east-1";
  }
  for (char c : s.region) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return InvalidRequest("awskms seal: invalid region \"" + s.region + "\"");
    }
  }

  if (auto v = env("AWS_KMS_ENDPOINT")) {
    s.endpoint = *v;
  } else if (auto v2 = opt("endpoint")) {
    s.endpoint = *v2;
  } else {
    s.endpoint =
        "https://kms." + s.region + ".amazonaws.com" + (s.region.starts_with("cn-") ? ".cn" : "");
  }
  auto url = api::ParseHttpUrl(s.endpoint);
  if (!url) return InvalidRequest("awskms seal: endpoint: " + url.error().message());
  s.url = *url;
  s.ca_bundle = env("AWS_CA_BUNDLE").value_or("");

  // Credentials: the stanza, then the environment, then the shared credentials file.
  auto access = opt("access_key"), secret = opt("secret_key");
  if (access.has_value() != secret.has_value()) {
    return InvalidRequest("awskms seal: access_key and secret_key must be given together");
  }
  if (access) {
    ARCA_ASSIGN_OR_RETURN(s.credentials.access_key_id, ResolveValue("access_key", *access, env));
    ARCA_ASSIGN_OR_RETURN(std::string sk, ResolveValue("secret_key", *secret, env));
    s.credentials.secret_access_key = SecureBytes::FromString(sk);
    SecureWipe(sk);
    if (auto t = opt("session_token")) {
      ARCA_ASSIGN_OR_RETURN(s.credentials.session_token, ResolveValue("session_token", *t, env));
    }
    s.credentials_source = "the seal stanza";
    return s;
  }
  auto env_access = env("AWS_ACCESS_KEY_ID");
  if (!env_access) env_access = env("AWS_ACCESS_KEY");
  auto env_secret = env("AWS_SECRET_ACCESS_KEY");
  if (!env_secret) env_secret = env("AWS_SECRET_KEY");
  if (env_access && env_secret) {
    s.credentials.access_key_id = *env_access;
    s.credentials.secret_access_key = SecureBytes::FromString(*env_secret);
    SecureWipe(*env_secret);
    s.credentials.session_token = env("AWS_SESSION_TOKEN").value_or("");
    s.credentials_source = "the environment";
    return s;
  }
  std::string file =
      opt("shared_creds_filename")
          .value_or(env("AWS_SHARED_CREDENTIALS_FILE").value_or(HomeFile(env, ".aws/credentials")));
  if (auto ini = ReadIni(file)) {
    if (auto it = ini->find(profile); it != ini->end()) {
      const auto& sec = it->second;
      auto a = sec.find("aws_access_key_id"), k = sec.find("aws_secret_access_key");
      if (a != sec.end() && k != sec.end() && !a->second.empty() && !k->second.empty()) {
        s.credentials.access_key_id = a->second;
        s.credentials.secret_access_key = SecureBytes::FromString(k->second);
        if (auto t = sec.find("aws_session_token"); t != sec.end()) {
          s.credentials.session_token = t->second;
        }
        s.credentials_source = "the shared credentials file " + file + " (profile " + profile + ")";
        return s;
      }
      return InvalidRequest("awskms seal: profile \"" + profile + "\" in " + file +
                            " has no aws_access_key_id and aws_secret_access_key");
    }
  }
  return InvalidRequest(
      "awskms seal: no AWS credentials: set access_key and secret_key, AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY, or profile \"" +
      profile + "\" in the shared credentials file " + file);
}

// Zeroes a JSON string in place (a plaintext that came back from KMS).
void WipeJsonString(json::value* v) {
  if (v != nullptr && v->is_string()) {
    json::string& s = v->as_string();
    OPENSSL_cleanse(s.data(), s.size());
  }
}

bool IsRetryable(int status, std::string_view type) {
  static const std::set<std::string_view> kRetryable = {
      "ThrottlingException",         "KMSInternalException",    "DependencyTimeoutException",
      "ServiceUnavailableException", "KeyUnavailableException", "LimitExceededException",
      "RequestLimitExceeded",        "InternalFailure",         "ServiceUnavailable"};
  return status >= 500 || kRetryable.contains(type);
}

class AwsKmsSeal : public core::SealAccess {
 public:
  explicit AwsKmsSeal(Settings s) : s_(std::move(s)), key_id_(s_.key_id) {}

  std::string_view Type() const override { return kType; }

  Status Init() override {
    ARCA_ASSIGN_OR_RETURN(std::string id, DescribeKey());
    {
      std::lock_guard lock(mu_);
      key_id_ = id;
    }
    log::GetLogger("seal")->info(
        "awskms seal: using KMS key {} in region {} at {} (credentials from {})", id, s_.region,
        s_.endpoint, s_.credentials_source);
    return OkStatus();
  }

  Result<std::string> Wrap(std::string_view plaintext, std::string_view aad) override {
    SecureBytes data_key = crypto::RandomKey(kDataKeySize);
    std::string iv = crypto::RandomBytesString(crypto::kGcmNonceSize);
    ARCA_ASSIGN_OR_RETURN(std::string sealed,
                          crypto::AesGcmSealWithNonce(data_key.span(), iv, plaintext, aad));
    json::object req;
    req["KeyId"] = s_.key_id;
    std::string key_b64 = Base64Encode(data_key.view());
    req["Plaintext"] = key_b64;
    SecureWipe(key_b64);
    auto resp = Call("Encrypt", req);
    WipeJsonString(req.if_contains("Plaintext"));
    if (!resp) return std::unexpected(resp.error());
    std::string wrapped_b64 = StringOr(*resp, "CiphertextBlob");
    std::string used_key = StringOr(*resp, "KeyId", s_.key_id);
    if (wrapped_b64.empty() || !Base64Decode(wrapped_b64)) {
      return Internal("awskms seal: KMS Encrypt returned no CiphertextBlob");
    }
    {
      std::lock_guard lock(mu_);
      key_id_ = used_key;
    }
    json::object blob;
    blob["seal"] = kType;
    blob["version"] = kBlobVersion;
    blob["mechanism"] = kMechanism;
    blob["key_id"] = used_key;
    blob["wrapped_key"] = wrapped_b64;
    blob["iv"] = Base64Encode(iv);
    blob["ciphertext"] = Base64Encode(std::string_view(sealed).substr(iv.size()));
    return json::serialize(blob);
  }

  Result<SecureBytes> Unwrap(std::string_view blob_text, std::string_view aad) override {
    auto parsed = ParseJsonObject(blob_text);
    if (!parsed) return InvalidRequest("awskms seal: the blob is not an awskms seal blob");
    const json::object& blob = *parsed;
    std::string seal = StringOr(blob, "seal");
    if (seal != kType) {
      return InvalidRequest(
          "awskms seal: the blob was made by " +
          (seal.empty() ? std::string("something else") : "the " + seal + " seal") +
          ", not by awskms");
    }
    if (IntOr(blob, "version") != kBlobVersion || StringOr(blob, "mechanism") != kMechanism) {
      return InvalidRequest("awskms seal: unsupported blob version " +
                            std::to_string(IntOr(blob, "version")) + " / mechanism \"" +
                            StringOr(blob, "mechanism") + "\"");
    }
    auto wrapped = Base64Decode(StringOr(blob, "wrapped_key"));
    auto iv = Base64Decode(StringOr(blob, "iv"));
    auto ct = Base64Decode(StringOr(blob, "ciphertext"));
    if (!wrapped || wrapped->empty() || !iv || iv->size() != crypto::kGcmNonceSize || !ct ||
        ct->size() < crypto::kGcmTagSize) {
      return InvalidRequest("awskms seal: malformed blob (wrapped_key, iv or ciphertext)");
    }
    json::object req;
    req["CiphertextBlob"] = StringOr(blob, "wrapped_key");
    ARCA_ASSIGN_OR_RETURN(json::object resp, Call("Decrypt", req));
    json::value* pt = resp.if_contains("Plaintext");
    auto key = pt != nullptr && pt->is_string()
                   ? Base64Decode(std::string_view(pt->as_string().data(), pt->as_string().size()))
                   : Result<std::string>(InvalidRequest("no Plaintext"));
    WipeJsonString(pt);
    if (!key || key->size() != kDataKeySize) {
      if (key) SecureWipe(*key);
      return Internal("awskms seal: KMS Decrypt returned no 32-byte data key");
    }
    SecureBytes data_key = SecureBytes::FromString(*key);
    SecureWipe(*key);
    auto plain = crypto::AesGcmOpen(data_key.span(), *iv + *ct, aad);
    if (!plain) {
      return InvalidRequest("awskms seal: cannot open the blob: " + plain.error().message() +
                            " (a wrong aad or a corrupted blob)");
    }
    SecureBytes out = SecureBytes::FromString(*plain);
    SecureWipe(*plain);
    return out;
  }

  std::string KeyId() const override {
    std::lock_guard lock(mu_);
    return key_id_;
  }

  Status Health() override {
    ARCA_RETURN_IF_ERROR(DescribeKey());
    return OkStatus();
  }

 private:
  // DescribeKey of the configured key: its key id, or an error if it cannot encrypt.
  Result<std::string> DescribeKey() {
    json::object req;
    req["KeyId"] = s_.key_id;
    ARCA_ASSIGN_OR_RETURN(json::object resp, Call("DescribeKey", req));
    json::object meta = ObjectOr(resp, "KeyMetadata");
    std::string id = StringOr(meta, "KeyId");
    if (id.empty()) return Internal("awskms seal: KMS DescribeKey returned no key information");
    std::string state = StringOr(meta, "KeyState", "Enabled");
    if (state != "Enabled") {
      return InvalidRequest("awskms seal: KMS key " + id + " is " + state + ", not Enabled");
    }
    std::string usage = StringOr(meta, "KeyUsage", "ENCRYPT_DECRYPT");
    if (usage != "ENCRYPT_DECRYPT") {
      return InvalidRequest("awskms seal: KMS key " + id + " has usage " + usage +
                            ", not ENCRYPT_DECRYPT");
    }
    return id;
  }

  // One signed KMS JSON call.
  Result<json::object> Call(std::string_view op, const json::object& body) {
    std::string payload = json::serialize(body);
    SigV4Request req;
    req.method = "POST";
    req.path = s_.url.path;
    req.query = s_.url.query;
    req.headers = {{"Host", s_.url.host_header},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "TrentService." + std::string(op)}};
    req.payload = payload;
    SigV4Options opts;
    opts.region = s_.region;
    opts.service = "kms";
    opts.amz_date = AmzDate(std::chrono::system_clock::now());
    auto sig = SignV4(req, s_.credentials, opts);
    if (!sig) {
      SecureWipe(payload);
      return std::unexpected(sig.error().WithContext("awskms seal"));
    }
    HttpHeaders headers = req.headers;
    headers.insert(headers.end(), sig->added_headers.begin(), sig->added_headers.end());
    api::HttpRequestOptions http_opts;
    http_opts.timeout = kRequestTimeout;
    http_opts.max_body = 1u << 20;
    http_opts.ca_cert = s_.ca_bundle;
    auto resp = api::HttpRequest("POST", s_.endpoint, headers, payload, http_opts);
    SecureWipe(payload);
    if (!resp) {
      return std::unexpected(resp.error().WithContext("awskms seal: KMS " + std::string(op)));
    }
    auto parsed = ParseJson(resp->body);
    SecureWipe(resp->body);
    if (resp->status == 200) {
      if (!parsed || !parsed->is_object()) {
        return Internal("awskms seal: KMS " + std::string(op) + " answered with a non-JSON body");
      }
      return std::move(parsed->as_object());
    }
    std::string type, message;
    if (parsed && parsed->is_object()) {
      const json::object& o = parsed->as_object();
      type = StringOr(o, "__type");
      message = StringOr(o, "message", StringOr(o, "Message"));
    }
    if (type.empty()) {
      if (auto it = resp->headers.find("x-amzn-errortype"); it != resp->headers.end()) {
        type = it->second.substr(0, it->second.find(':'));
      }
    }
    if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
    std::string text = "awskms seal: KMS " + std::string(op) +
                       " failed: " + (type.empty() ? std::string("error") : type) +
                       (message.empty() ? "" : ": " + message) + " (HTTP " +
                       std::to_string(resp->status) + ")";
    if (IsRetryable(resp->status, type)) return Unavailable(text);
    return InvalidRequest(text);
  }

  const Settings s_;
  mutable std::mutex mu_;
  std::string key_id_;  // guarded by mu_: the last key id KMS reported
};

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

Result<std::unique_ptr<core::SealAccess>> NewAwsKmsSeal(
    const std::map<std::string, std::string>& options) {
  return NewAwsKmsSeal(options, ProcessEnv());
}

Result<std::unique_ptr<core::SealAccess>> NewAwsKmsSeal(
    const std::map<std::string, std::string>& options, const EnvLookup& env) {
  ARCA_ASSIGN_OR_RETURN(Settings s, ResolveSettings(options, env));
  return std::unique_ptr<core::SealAccess>(new AwsKmsSeal(std::move(s)));
}

}  // namespace arca::seal
