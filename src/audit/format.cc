#include "audit/format.h"

#include <atomic>

#include "common/rfc3339.h"

namespace arca::audit {
namespace {

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

void PutIf(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}

std::chrono::system_clock::time_point EntryTime(const LogInput& in,
                                                std::chrono::system_clock::time_point now) {
  using TimePoint = std::chrono::system_clock::time_point;
  if (in.time != TimePoint{}) return in.time;
  return now != TimePoint{} ? now : std::chrono::system_clock::now();
}

uint64_t NextFormatterId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

AuthInfo AuthInfoFromRequest(const logical::Request& req) {
  AuthInfo a;
  a.accessor = req.client_token_accessor;
  a.display_name = req.display_name;
  a.policies = req.policies;
  a.token_policies = req.token_policies.empty() ? req.policies : req.token_policies;
  a.identity_policies = req.identity_policies;
  a.entity_id = req.entity_id;
  return a;
}

std::string FormatTime(std::chrono::system_clock::time_point t) {
  return FormatRfc3339Nanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

Formatter::Formatter(FormatOptions options, std::shared_ptr<const Hasher> hasher)
    : id_(NextFormatterId()), options_(std::move(options)), hasher_(std::move(hasher)) {}

std::string Formatter::HashIf(std::string_view s, bool hash) const {
  if (s.empty() || !hash || options_.log_raw) return std::string(s);
  return hasher_->Hash(s);
}

Formatter::TokenFields Formatter::HashedTokenFields(const LogInput& in) const {
  return {HashIf(in.request->client_token, true),
          HashIf(in.request->client_token_accessor, options_.hmac_accessor)};
}

json::object Formatter::AuthObject(const LogInput& in, const TokenFields& t) const {
  const AuthInfo& a = in.auth;
  json::object o;
  PutIf(o, "client_token", t.client_token);
  PutIf(o, "accessor", a.accessor == in.request->client_token_accessor
                           ? t.accessor
                           : HashIf(a.accessor, options_.hmac_accessor));
  PutIf(o, "display_name", a.display_name);
  if (!a.policies.empty()) o["policies"] = ToArray(a.policies);
  if (!a.token_policies.empty()) o["token_policies"] = ToArray(a.token_policies);
  if (!a.identity_policies.empty()) o["identity_policies"] = ToArray(a.identity_policies);
  if (!a.metadata.empty()) {
    json::object m;
    for (const auto& [k, v] : a.metadata) m[k] = v;
    o["metadata"] = std::move(m);
  }
  PutIf(o, "entity_id", a.entity_id);
  PutIf(o, "token_type", a.token_type);
  if (a.token_ttl != 0) o["token_ttl"] = a.token_ttl;
  if (a.token_issue_time != 0) {
    o["token_issue_time"] =
        FormatTime(std::chrono::system_clock::time_point(std::chrono::seconds(a.token_issue_time)));
  }
  if (a.remaining_uses != 0) o["remaining_uses"] = a.remaining_uses;
  return o;
}

json::object Formatter::RequestObject(const LogInput& in, const HeaderConfig& headers,
                                      const TokenFields& t) const {
  const logical::Request& r = *in.request;
  json::object o;
  PutIf(o, "id", r.id);
  o["operation"] = std::string(logical::OperationName(r.operation));
  PutIf(o, "mount_point", r.mount_point);
  PutIf(o, "mount_type", r.mount_type);
  PutIf(o, "mount_accessor", r.mount_accessor);
  PutIf(o, "client_token", t.client_token);
  PutIf(o, "client_token_accessor", t.accessor);
  o["namespace"] = json::object{{"id", "root"}};
  o["path"] = r.original_path.empty() ? r.path : r.original_path;
  if (!r.data.empty()) {
    json::object data = r.data;
    if (!options_.log_raw) hasher_->HashObject(data, in.non_hmac_request_keys);
    o["data"] = std::move(data);
  }
  PutIf(o, "remote_address", r.remote_addr);
  if (r.wrap_ttl.count() != 0) o["wrap_ttl"] = r.wrap_ttl.count();
  if (!headers.empty() && !r.headers.empty()) {
    json::object h;
    for (const auto& [name, hmac] : headers) {
      auto it = r.headers.find(name);
      if (it == r.headers.end()) continue;
      json::array values;
      for (const auto& v : it->second) values.emplace_back(HashIf(v, hmac));
      h[name] = std::move(values);
    }
    if (!h.empty()) o["headers"] = std::move(h);
  }
  return o;
}

json::object Formatter::ResponseObject(const LogInput& in) const {
  const logical::Request& req = *in.request;
  const logical::Response& r = *in.response;
  json::object o;
  PutIf(o, "mount_point", req.mount_point);
  PutIf(o, "mount_type", req.mount_type);
  PutIf(o, "mount_accessor", req.mount_accessor);
  if (r.auth) {
    const logical::Auth& a = *r.auth;
    json::object ao;
    PutIf(ao, "client_token", HashIf(a.client_token, true));
    PutIf(ao, "accessor", HashIf(a.accessor, options_.hmac_accessor));
    PutIf(ao, "display_name", a.display_name);
    if (!a.policies.empty()) ao["policies"] = ToArray(a.policies);
    if (!a.token_policies.empty()) ao["token_policies"] = ToArray(a.token_policies);
    if (!a.identity_policies.empty()) ao["identity_policies"] = ToArray(a.identity_policies);
    if (!a.metadata.empty()) {
      json::object m;
      for (const auto& [k, v] : a.metadata) m[k] = v;
      ao["metadata"] = std::move(m);
    }
    PutIf(ao, "entity_id", a.entity_id);
    PutIf(ao, "token_type", a.token_type);
    if (a.lease_duration.count() != 0) ao["token_ttl"] = a.lease_duration.count();
    if (a.num_uses != 0) ao["num_uses"] = a.num_uses;
    if (a.orphan) ao["orphan"] = true;
    o["auth"] = std::move(ao);
  }
  if (r.secret && !r.secret->lease_id.empty()) {
    o["secret"] = json::object{{"lease_id", r.secret->lease_id}};
  }
  json::object data;
  if (r.raw) {
    data["http_status_code"] = r.raw->status;
    data["http_content_type"] = r.raw->content_type;
    data["http_raw_body"] = r.raw->body;
  } else {
    data = r.data;
  }
  if (options_.elide_list_responses && req.operation == logical::Operation::kList) {
    if (auto* keys = data.if_contains("keys"); keys && keys->is_array()) {
      *keys = static_cast<int64_t>(keys->get_array().size());
    }
    if (auto* info = data.if_contains("key_info"); info && info->is_object()) {
      *info = static_cast<int64_t>(info->get_object().size());
    }
  }
  if (!data.empty()) {
    if (!options_.log_raw) hasher_->HashObject(data, in.non_hmac_response_keys);
    o["data"] = std::move(data);
  }
  if (!r.warnings.empty()) o["warnings"] = ToArray(r.warnings);
  if (r.wrap_info) {
    const logical::WrapInfo& w = *r.wrap_info;
    json::object wo;
    wo["ttl"] = w.ttl.count();
    PutIf(wo, "token", HashIf(w.token, true));
    PutIf(wo, "accessor", HashIf(w.accessor, options_.hmac_accessor));
    PutIf(wo, "creation_time", w.creation_time);
    PutIf(wo, "creation_path", w.creation_path);
    PutIf(wo, "wrapped_accessor", HashIf(w.wrapped_accessor, options_.hmac_accessor));
    o["wrap_info"] = std::move(wo);
  }
  return o;
}

EntryMemo::Part Formatter::SharedParts(const LogInput& in, const HeaderConfig& headers) const {
  const TokenFields tf = HashedTokenFields(in);
  return {id_, json::serialize(AuthObject(in, tf)),
          json::serialize(RequestObject(in, headers, tf))};
}

std::string Formatter::Line(std::chrono::system_clock::time_point t, std::string_view type,
                            const EntryMemo::Part& shared, const std::string* response,
                            const std::string& error) const {
  std::string line = options_.prefix;
  line += R"({"time":)";
  line += json::serialize(json::value(FormatTime(t)));
  line += R"(,"type":)";
  line += json::serialize(json::value(type));
  line += R"(,"auth":)";
  line += shared.auth;
  line += R"(,"request":)";
  line += shared.request;
  if (response != nullptr) {
    line += R"(,"response":)";
    line += *response;
  }
  line += R"(,"error":)";
  line += json::serialize(json::value(error));
  line += "}\n";
  return line;
}

std::string Formatter::FormatRequest(const LogInput& in, const HeaderConfig& headers,
                                     std::chrono::system_clock::time_point now) const {
  EntryMemo::Part shared = SharedParts(in, headers);
  std::string line = Line(EntryTime(in, now), "request", shared, nullptr, in.error);
  if (in.memo != nullptr) in.memo->parts.push_back(std::move(shared));
  return line;
}

std::string Formatter::FormatResponse(const LogInput& in, const HeaderConfig& headers,
                                      std::chrono::system_clock::time_point now) const {
  const EntryMemo::Part* shared = nullptr;
  if (in.memo != nullptr) {
    for (const EntryMemo::Part& p : in.memo->parts) {
      if (p.formatter == id_) shared = &p;
    }
  }
  EntryMemo::Part fresh;
  if (shared == nullptr) {
    fresh = SharedParts(in, headers);
    shared = &fresh;
  }
  const std::string response = json::serialize(ResponseObject(in));
  return Line(EntryTime(in, now), "response", *shared, &response, in.error);
}

}  // namespace arca::audit
