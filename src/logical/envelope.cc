#include "logical/envelope.h"

#include <array>

namespace arca::logical {

json::value StringsOrNull(const std::vector<std::string>& v) {
  if (v.empty()) return nullptr;
  json::array arr;
  arr.reserve(v.size());
  for (const auto& s : v) arr.emplace_back(s);
  return arr;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array arr;
  arr.reserve(v.size());
  for (const auto& s : v) arr.emplace_back(s);
  return arr;
}

// Vault's logical.HTTPAuth: token_policies and identity_policies are omitted when empty,
// policies and metadata are null when empty.
json::object EncodeAuth(const Auth& a) {
  json::object o;
  o["client_token"] = a.client_token;
  o["accessor"] = a.accessor;
  o["policies"] = StringsOrNull(a.policies);
  if (!a.token_policies.empty()) o["token_policies"] = Strings(a.token_policies);
  if (!a.identity_policies.empty()) o["identity_policies"] = Strings(a.identity_policies);
  if (a.metadata.empty()) {
    o["metadata"] = nullptr;
  } else {
    json::object md;
    for (const auto& [k, v] : a.metadata) md[k] = v;
    o["metadata"] = std::move(md);
  }
  o["lease_duration"] = a.lease_duration.count();
  o["renewable"] = a.renewable;
  o["entity_id"] = a.entity_id;
  o["token_type"] = a.token_type;
  o["orphan"] = a.orphan;
  o["mfa_requirement"] = nullptr;
  o["num_uses"] = a.num_uses;
  return o;
}

json::object EncodeWrapInfo(const WrapInfo& w) {
  json::object o;
  o["token"] = w.token;
  o["accessor"] = w.accessor;
  o["ttl"] = w.ttl.count();
  o["creation_time"] = w.creation_time;
  o["creation_path"] = w.creation_path;
  o["wrapped_accessor"] = w.wrapped_accessor;
  return o;
}

std::string SerializeEnvelope(const Request& req, const Response& resp) {
  static constexpr std::array<std::string_view, 9> kEnvelopeKeys = {
      "request_id", "lease_id", "renewable", "lease_duration", "data",
      "wrap_info",  "warnings", "auth",      "mount_type"};
  const bool wrapped = resp.wrap_info.has_value();
  std::string out;
  out.reserve(256);
  out += "{\"request_id\":";
  out += json::serialize(json::string_view(wrapped ? std::string_view() : req.id));
  out += ",\"lease_id\":";
  out += json::serialize(
      json::string_view(resp.secret ? std::string_view(resp.secret->lease_id) : std::string_view()));
  out += ",\"renewable\":";
  out += resp.secret && resp.secret->renewable ? "true" : "false";
  out += ",\"lease_duration\":";
  out += std::to_string(resp.secret ? resp.secret->ttl.count() : int64_t{0});
  out += ",\"data\":";
  out += wrapped || (resp.data.empty() && !resp.data_even_if_empty) ? std::string("null")
                                                                     : json::serialize(resp.data);
  out += ",\"wrap_info\":";
  out += wrapped ? json::serialize(EncodeWrapInfo(*resp.wrap_info)) : std::string("null");
  out += ",\"warnings\":";
  out += json::serialize(StringsOrNull(resp.warnings));
  out += ",\"auth\":";
  out += resp.auth ? json::serialize(EncodeAuth(*resp.auth)) : std::string("null");
  out += ",\"mount_type\":";
  out += json::serialize(json::string_view(req.mount_type));
  if (resp.data_at_top_level && !wrapped) {
    for (const auto& kv : resp.data) {
      std::string_view key(kv.key().data(), kv.key().size());
      bool taken = false;
      for (std::string_view k : kEnvelopeKeys) taken = taken || k == key;
      if (taken) continue;
      out += ',';
      out += json::serialize(kv.key());
      out += ':';
      out += json::serialize(kv.value());
    }
  }
  out += '}';
  return out;
}

}  // namespace arca::logical
