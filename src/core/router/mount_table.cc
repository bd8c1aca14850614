#include "core/router/mount_table.h"

#include "common/encoding.h"
#include "crypto/random.h"

namespace arca::core {
namespace {

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> FromArray(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& v : it->value().as_array()) {
    if (v.is_string()) out.emplace_back(v.as_string());
  }
  return out;
}

std::string Str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().as_string());
}

bool Bool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

}  // namespace

std::string MountEntry::StoragePrefix() const {
  if (type == "system") return "sys/";
  if (type == "token") return "sys/token/";
  return (is_auth ? "auth/" : "logical/") + uuid + "/";
}

json::object MountEntry::ToStorageJson() const {
  json::object o;
  o["path"] = path;
  o["type"] = type;
  o["description"] = description;
  o["uuid"] = uuid;
  o["accessor"] = accessor;
  json::object c;
  c["default_lease_ttl"] = config.default_lease_ttl.count();
  c["max_lease_ttl"] = config.max_lease_ttl.count();
  c["force_no_cache"] = config.force_no_cache;
  c["listing_visibility"] = config.listing_visibility;
  c["list_filter_by_acl"] = config.list_filter_by_acl;
  c["audit_non_hmac_request_keys"] = ToArray(config.audit_non_hmac_request_keys);
  c["audit_non_hmac_response_keys"] = ToArray(config.audit_non_hmac_response_keys);
  c["passthrough_request_headers"] = ToArray(config.passthrough_request_headers);
  c["allowed_response_headers"] = ToArray(config.allowed_response_headers);
  c["token_type"] = config.token_type;
  if (config.user_lockout) c["user_lockout_config"] = config.user_lockout->ToJson();
  o["config"] = std::move(c);
  json::object opts;
  for (const auto& [k, v] : options) opts[k] = v;
  o["options"] = std::move(opts);
  o["local"] = local;
  o["seal_wrap"] = seal_wrap;
  o["external_entropy_access"] = external_entropy_access;
  o["plugin_version"] = plugin_version;
  return o;
}

Result<MountEntry> MountEntry::FromStorageJson(const json::object& o, bool is_auth) {
  MountEntry e;
  e.is_auth = is_auth;
  e.path = Str(o, "path");
  e.type = Str(o, "type");
  e.uuid = Str(o, "uuid");
  if (e.path.empty() || e.type.empty() || e.uuid.empty()) {
    return Internal("mount table entry is missing path, type or uuid");
  }
  e.description = Str(o, "description");
  e.accessor = Str(o, "accessor");
  if (auto it = o.find("config"); it != o.end() && it->value().is_object()) {
    const auto& c = it->value().as_object();
    auto num = [&](std::string_view k) -> int64_t {
      auto i = c.find(k);
      return (i != c.end() && i->value().is_int64()) ? i->value().as_int64() : 0;
    };
    e.config.default_lease_ttl = std::chrono::seconds(num("default_lease_ttl"));
    e.config.max_lease_ttl = std::chrono::seconds(num("max_lease_ttl"));
    e.config.force_no_cache = Bool(c, "force_no_cache");
    e.config.listing_visibility = Str(c, "listing_visibility");
    e.config.list_filter_by_acl = Bool(c, "list_filter_by_acl");
    e.config.audit_non_hmac_request_keys = FromArray(c, "audit_non_hmac_request_keys");
    e.config.audit_non_hmac_response_keys = FromArray(c, "audit_non_hmac_response_keys");
    e.config.passthrough_request_headers = FromArray(c, "passthrough_request_headers");
    e.config.allowed_response_headers = FromArray(c, "allowed_response_headers");
    e.config.token_type = Str(c, "token_type");
    if (auto l = c.find("user_lockout_config"); l != c.end() && l->value().is_object()) {
      ARCA_ASSIGN_OR_RETURN(e.config.user_lockout,
                            logical::LockoutConfig::FromJson(l->value().as_object()));
    }
  }
  if (auto it = o.find("options"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().as_object()) {
      if (kv.value().is_string()) e.options[std::string(kv.key())] = std::string(kv.value().as_string());
    }
  }
  e.local = Bool(o, "local");
  e.seal_wrap = Bool(o, "seal_wrap");
  e.external_entropy_access = Bool(o, "external_entropy_access");
  e.plugin_version = Str(o, "plugin_version");
  return e;
}

json::object MountEntry::ToApiJson() const {
  json::object o;
  o["type"] = type;
  o["description"] = description;
  o["accessor"] = accessor;
  o["uuid"] = uuid;
  json::object c;
  c["default_lease_ttl"] = config.default_lease_ttl.count();
  c["max_lease_ttl"] = config.max_lease_ttl.count();
  c["force_no_cache"] = config.force_no_cache;
  if (!config.listing_visibility.empty()) c["listing_visibility"] = config.listing_visibility;
  if (config.list_filter_by_acl) c["list_filter_by_acl"] = true;
  if (!config.audit_non_hmac_request_keys.empty())
    c["audit_non_hmac_request_keys"] = ToArray(config.audit_non_hmac_request_keys);
  if (!config.audit_non_hmac_response_keys.empty())
    c["audit_non_hmac_response_keys"] = ToArray(config.audit_non_hmac_response_keys);
  if (!config.passthrough_request_headers.empty())
    c["passthrough_request_headers"] = ToArray(config.passthrough_request_headers);
  if (!config.allowed_response_headers.empty())
    c["allowed_response_headers"] = ToArray(config.allowed_response_headers);
  if (is_auth && !config.token_type.empty()) c["token_type"] = config.token_type;
  o["config"] = std::move(c);
  if (options.empty()) {
    o["options"] = nullptr;
  } else {
    json::object opts;
    for (const auto& [k, v] : options) opts[k] = v;
    o["options"] = std::move(opts);
  }
  o["local"] = local;
  o["seal_wrap"] = seal_wrap;
  o["external_entropy_access"] = external_entropy_access;
  o["plugin_version"] = plugin_version;
  o["running_plugin_version"] = std::string("v") + ARCA_VERSION + "+builtin.arca";
  o["running_sha256"] = "";
  o["deprecation_status"] = "supported";
  return o;
}

Result<std::vector<MountEntry>> ParseMountTable(std::string_view text, bool is_auth) {
  auto v = ParseJson(text);
  if (!v || !v->is_object()) return Internal("mount table is corrupt");
  auto it = v->as_object().find("entries");
  if (it == v->as_object().end() || !it->value().is_array()) return Internal("mount table is corrupt");
  std::vector<MountEntry> out;
  for (const auto& e : it->value().as_array()) {
    if (!e.is_object()) return Internal("mount table entry is corrupt");
    ARCA_ASSIGN_OR_RETURN(MountEntry m, MountEntry::FromStorageJson(e.as_object(), is_auth));
    out.push_back(std::move(m));
  }
  return out;
}

std::string SerializeMountTable(const std::vector<MountEntry>& entries) {
  json::array arr;
  for (const auto& e : entries) arr.push_back(e.ToStorageJson());
  json::object o;
  o["type"] = "mounts";
  o["version"] = 1;
  o["entries"] = std::move(arr);
  return json::serialize(o);
}

std::string NewAccessor(std::string_view type) {
  return std::string(type) + "_" + HexEncode(crypto::RandomBytesString(4));
}

}  // namespace arca::core
