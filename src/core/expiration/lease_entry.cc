#include "core/expiration/lease_entry.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace arca::core {
namespace {

constexpr int64_t kMaxExpiry = 9'999'999'999;

std::string TenDigits(int64_t v) {
  v = std::clamp<int64_t>(v, 0, kMaxExpiry);
  std::string s = std::to_string(v);
  return std::string(10 - s.size(), '0') + s;
}

Result<int64_t> IntField(const json::object& o, std::string_view key) {
  ARCA_ASSIGN_OR_RETURN(auto v, GetIntField(o, key));
  return v.value_or(0);
}

Result<bool> BoolField(const json::object& o, std::string_view key) {
  ARCA_ASSIGN_OR_RETURN(auto v, GetBoolField(o, key));
  return v.value_or(false);
}

Result<std::string> StringField(const json::object& o, std::string_view key) {
  ARCA_ASSIGN_OR_RETURN(auto v, GetStringField(o, key));
  return v.value_or(std::string());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

json::object LeaseEntry::ToJson() const {
  json::object o;
  o["lease_id"] = lease_id;
  o["path"] = path;
  o["mount_accessor"] = mount_accessor;
  o["token_hash"] = token_hash;
  o["auth"] = is_auth;
  o["internal_data"] = internal_data;
  o["issue_time"] = issue_time;
  o["expire_time"] = expire_time;
  o["last_renewal"] = last_renewal;
  o["max_expire"] = max_expire;
  o["ttl"] = static_cast<int64_t>(ttl.count());
  o["renewable"] = renewable;
  o["irrevocable"] = irrevocable;
  if (!revoke_error.empty()) o["revoke_error"] = revoke_error;
  return o;
}

Result<LeaseEntry> LeaseEntry::FromJson(const json::object& o) {
  LeaseEntry e;
  ARCA_ASSIGN_OR_RETURN(e.lease_id, StringField(o, "lease_id"));
  if (e.lease_id.empty()) return InvalidRequest("lease entry without lease_id");
  ARCA_ASSIGN_OR_RETURN(e.path, StringField(o, "path"));
  ARCA_ASSIGN_OR_RETURN(e.mount_accessor, StringField(o, "mount_accessor"));
  ARCA_ASSIGN_OR_RETURN(e.token_hash, StringField(o, "token_hash"));
  ARCA_ASSIGN_OR_RETURN(e.is_auth, BoolField(o, "auth"));
  if (const json::value* d = o.if_contains("internal_data")) {
    if (!d->is_object()) return InvalidRequest("lease entry: internal_data is not an object");
    e.internal_data = d->get_object();
  }
  ARCA_ASSIGN_OR_RETURN(e.issue_time, IntField(o, "issue_time"));
  ARCA_ASSIGN_OR_RETURN(e.expire_time, IntField(o, "expire_time"));
  ARCA_ASSIGN_OR_RETURN(e.last_renewal, IntField(o, "last_renewal"));
  ARCA_ASSIGN_OR_RETURN(e.max_expire, IntField(o, "max_expire"));
  ARCA_ASSIGN_OR_RETURN(int64_t ttl, IntField(o, "ttl"));
  e.ttl = std::chrono::seconds(ttl);
  ARCA_ASSIGN_OR_RETURN(e.renewable, BoolField(o, "renewable"));
  ARCA_ASSIGN_OR_RETURN(e.irrevocable, BoolField(o, "irrevocable"));
  ARCA_ASSIGN_OR_RETURN(e.revoke_error, StringField(o, "revoke_error"));
  return e;
}

std::string EscapeLeaseId(std::string_view lease_id) {
  std::string out;
  out.reserve(lease_id.size() + 16);
  for (char c : lease_id) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> UnescapeLeaseId(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c == '/') return InvalidRequest("escaped lease id contains '/'");
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 2 >= escaped.size()) return InvalidRequest("truncated escape in lease id");
    int hi = HexValue(escaped[i + 1]), lo = HexValue(escaped[i + 2]);
    if (hi < 0 || lo < 0) return InvalidRequest("bad escape in lease id");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (out.empty()) return InvalidRequest("empty lease id");
  return out;
}

std::string LeaseEntryKey(std::string_view lease_id) {
  std::string k(kLeaseIdPrefix);
  k.append(lease_id);
  return k;
}

std::string DueKey(int64_t expire, std::string_view lease_id) {
  std::string digits = TenDigits(expire);
  std::string k(kDuePrefix);
  k.append(digits, 0, 6);
  k += '/';
  k += digits;
  k += '.';
  k += EscapeLeaseId(lease_id);
  return k;
}

std::string TokenIndexKey(std::string_view token_hash, std::string_view lease_id) {
  std::string k(kTokenIndexPrefix);
  k.append(token_hash);
  k += '/';
  k += EscapeLeaseId(lease_id);
  return k;
}

std::string IrrevocableKey(std::string_view lease_id) {
  return std::string(kIrrevocablePrefix) + EscapeLeaseId(lease_id);
}

Result<DueIndexItem> ParseDueLeaf(std::string_view leaf) {
  if (leaf.size() < 12 || leaf[10] != '.') return InvalidRequest("not a due index key");
  DueIndexItem item;
  auto [end, ec] = std::from_chars(leaf.data(), leaf.data() + 10, item.expire);
  if (ec != std::errc() || end != leaf.data() + 10) return InvalidRequest("bad expiry in due key");
  ARCA_ASSIGN_OR_RETURN(item.lease_id, UnescapeLeaseId(leaf.substr(11)));
  return item;
}

std::string UnixToRfc3339Utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace arca::core
