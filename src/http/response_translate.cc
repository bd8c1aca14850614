// logical::Response / Error -> HTTP response (see translate.h).
#include <cctype>

#include "http/translate.h"

namespace arca::http {
namespace {

constexpr std::string_view kJson = "application/json";

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
json::object EncodeAuth(const logical::Auth& a) {
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

json::object EncodeWrapInfo(const logical::WrapInfo& w) {
  json::object o;
  o["token"] = w.token;
  o["accessor"] = w.accessor;
  o["ttl"] = w.ttl.count();
  o["creation_time"] = w.creation_time;
  o["creation_path"] = w.creation_path;
  o["wrapped_accessor"] = w.wrapped_accessor;
  return o;
}

void AddCommonHeaders(HttpResponseOut& out) {
  out.headers.emplace_back("Cache-Control", "no-store");
}

void SetJsonBody(HttpResponseOut& out, const json::value& v, bool head_request) {
  out.headers.emplace_back("Content-Type", std::string(kJson));
  if (!head_request) out.body = json::serialize(v);
}

bool SameHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Replaces a header of the same name (any case) or adds it.
void SetHeader(HttpResponseOut& out, const std::string& name, const std::string& value) {
  for (auto& [n, v] : out.headers) {
    if (SameHeaderName(n, name)) {
      v = value;
      return;
    }
  }
  out.headers.emplace_back(name, value);
}

}  // namespace

json::object EncodeEnvelope(const logical::Request& req, const logical::Response& resp) {
  json::object o;
  const bool wrapped = resp.wrap_info.has_value();
  o["request_id"] = wrapped ? std::string() : req.id;
  o["lease_id"] = resp.secret ? resp.secret->lease_id : std::string();
  o["renewable"] = resp.secret ? resp.secret->renewable : false;
  o["lease_duration"] = resp.secret ? resp.secret->ttl.count() : int64_t{0};
  if (wrapped || resp.data.empty()) {
    o["data"] = nullptr;
  } else {
    o["data"] = resp.data;
  }
  o["wrap_info"] = wrapped ? json::value(EncodeWrapInfo(*resp.wrap_info)) : json::value(nullptr);
  o["warnings"] = StringsOrNull(resp.warnings);
  o["auth"] = resp.auth ? json::value(EncodeAuth(*resp.auth)) : json::value(nullptr);
  o["mount_type"] = req.mount_type;
  if (resp.data_at_top_level && !wrapped) {
    for (const auto& kv : resp.data) {
      if (!o.contains(kv.key())) o.emplace(kv.key(), kv.value());
    }
  }
  return o;
}

HttpResponseOut ErrorResponse(const Error& err, bool head_request) {
  HttpResponseOut out;
  out.status = err.http_status();
  AddCommonHeaders(out);
  json::object o;
  o["errors"] = Strings(err.messages());
  SetJsonBody(out, o, head_request);
  return out;
}

HttpResponseOut OverloadedResponse(bool head_request) {
  HttpResponseOut out = ErrorResponse(
      Error(ErrorKind::kUnavailable, "server is overloaded, retry later"), head_request);
  out.headers.emplace_back("Retry-After", "1");
  return out;
}

HttpResponseOut BuildResponse(const logical::Request& req, const Result<logical::Response>& result,
                              bool head_request) {
  if (!result) return ErrorResponse(result.error(), head_request);
  const logical::Response& resp = *result;
  HttpResponseOut out;
  if (resp.raw) {
    out.status = resp.raw->status;
    AddCommonHeaders(out);
    if (!resp.raw->content_type.empty()) {
      out.headers.emplace_back("Content-Type", resp.raw->content_type);
    }
    if (!head_request) out.body = resp.raw->body;
  } else if (resp.empty_list) {
    out = ErrorResponse(Error(ErrorKind::kNotFound, std::vector<std::string>{}), head_request);
  } else if (resp.HasContent()) {
    out.status = resp.status_code != 0 ? resp.status_code : 200;
    AddCommonHeaders(out);
    if (out.status != 204 && out.status != 304) {
      SetJsonBody(out, EncodeEnvelope(req, resp), head_request);
    }
  } else {
    out.status = resp.status_code != 0 ? resp.status_code : 204;
    AddCommonHeaders(out);
  }
  for (const auto& [name, value] : resp.headers) SetHeader(out, name, value);
  if (out.status < 200 || out.status == 204 || out.status == 304) out.body.clear();
  return out;
}

}  // namespace arca::http
