#include "auth/approle_internal.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace arca::auth::approle {
namespace {

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> Strings(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(k); v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) out.emplace_back(s.as_string());
    }
  }
  return out;
}

int64_t Int(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

std::string Str(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

bool Bool(const json::object& o, std::string_view k, bool dflt) {
  const auto* v = o.if_contains(k);
  return v && v->is_bool() ? v->as_bool() : dflt;
}

}  // namespace

json::object Role::ToJson() const {
  json::object o{{"name", name},
                 {"role_id", role_id},
                 {"bind_secret_id", bind_secret_id},
                 {"secret_id_bound_cidrs", ToArray(secret_id_bound_cidrs)},
                 {"secret_id_num_uses", secret_id_num_uses},
                 {"secret_id_ttl", secret_id_ttl.count()},
                 {"local_secret_ids", local_secret_ids},
                 {"token", token.ToJson()}};
  return o;
}

Result<Role> Role::FromJson(const json::object& o) {
  Role r;
  r.name = Str(o, "name");
  r.role_id = Str(o, "role_id");
  r.bind_secret_id = Bool(o, "bind_secret_id", true);
  r.secret_id_bound_cidrs = Strings(o, "secret_id_bound_cidrs");
  r.secret_id_num_uses = Int(o, "secret_id_num_uses");
  r.secret_id_ttl = std::chrono::seconds(Int(o, "secret_id_ttl"));
  r.local_secret_ids = Bool(o, "local_secret_ids", false);
  if (const auto* t = o.if_contains("token"); t && t->is_object()) {
    ARCA_ASSIGN_OR_RETURN(r.token, TokenFields::FromJson(t->as_object()));
  }
  return r;
}

void Role::AddToResponse(json::object& d) const {
  token.AddToResponse(d);
  d["bind_secret_id"] = bind_secret_id;
  d["secret_id_bound_cidrs"] = ToArray(secret_id_bound_cidrs);
  d["secret_id_num_uses"] = secret_id_num_uses;
  d["secret_id_ttl"] = secret_id_ttl.count();
  d["local_secret_ids"] = local_secret_ids;
}

json::object SecretId::ToJson() const {
  json::object m;
  for (const auto& [k, v] : metadata) m[k] = v;
  return json::object{{"accessor", accessor},
                      {"cidr_list", ToArray(cidr_list)},
                      {"token_bound_cidrs", ToArray(token_bound_cidrs)},
                      {"metadata", std::move(m)},
                      {"num_uses", num_uses},
                      {"ttl", ttl},
                      {"creation_time", creation_time},
                      {"expiration_time", expiration_time},
                      {"last_updated_time", last_updated_time}};
}

Result<SecretId> SecretId::FromJson(const json::object& o) {
  SecretId e;
  e.accessor = Str(o, "accessor");
  e.cidr_list = Strings(o, "cidr_list");
  e.token_bound_cidrs = Strings(o, "token_bound_cidrs");
  if (const auto* m = o.if_contains("metadata"); m && m->is_object()) {
    for (const auto& [k, v] : m->as_object()) {
      if (v.is_string()) e.metadata[std::string(k)] = std::string(v.as_string());
    }
  }
  e.num_uses = Int(o, "num_uses");
  e.ttl = Int(o, "ttl");
  e.creation_time = Int(o, "creation_time");
  e.expiration_time = Int(o, "expiration_time");
  e.last_updated_time = Int(o, "last_updated_time");
  return e;
}

json::object SecretId::LookupResponse() const {
  json::object m;
  for (const auto& [k, v] : metadata) m[k] = v;
  return json::object{{"cidr_list", ToArray(cidr_list)},
                      {"creation_time", FormatTime(creation_time)},
                      {"expiration_time",
                       expiration_time > 0 ? FormatTime(expiration_time) : "0001-01-01T00:00:00Z"},
                      {"last_updated_time", FormatTime(last_updated_time)},
                      {"metadata", std::move(m)},
                      {"secret_id_accessor", accessor},
                      {"secret_id_num_uses", num_uses},
                      {"secret_id_ttl", ttl},
                      {"token_bound_cidrs", ToArray(token_bound_cidrs)}};
}

int64_t State::Now() const {
  auto t = opts_.clock ? opts_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Result<std::string> State::Hmac(logical::Storage& s, std::string_view value) {
  std::string salt;
  {
    std::lock_guard l(salt_mu_);
    if (salt_.empty()) {
      ARCA_ASSIGN_OR_RETURN(auto stored, s.Get("salt"));
      if (stored && !stored->empty()) {
        salt_ = *stored;
      } else {
        std::string fresh = HexEncode(crypto::RandomBytesString(32));
        ARCA_RETURN_IF_ERROR(s.Put("salt", fresh));
        salt_ = fresh;
      }
    }
    salt = salt_;
  }
  auto key = std::span(reinterpret_cast<const uint8_t*>(salt.data()), salt.size());
  return HexEncode(crypto::HmacSha256(key, value));
}

std::mutex& State::StripeFor(std::string_view secret_hmac) {
  return stripes_[std::hash<std::string_view>{}(secret_hmac) % stripes_.size()];
}

Result<logical::Storage*> StorageOf(const logical::Request& req) {
  if (req.storage == nullptr) return Internal("approle: no storage");
  return req.storage;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string FormatTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::unexpected<Error> EmptyNotFound() {
  return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
}

Result<std::optional<Role>> LoadRole(logical::Storage& s, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "role/" + name));
  if (!v) return std::optional<Role>();
  if (!v->is_object()) return Internal("approle: corrupt role entry");
  ARCA_ASSIGN_OR_RETURN(Role r, Role::FromJson(v->as_object()));
  return std::optional<Role>(std::move(r));
}

Status SaveRole(logical::Storage& s, const Role& role) {
  return logical::PutJson(s, "role/" + role.name, role.ToJson());
}

Result<std::optional<Role>> RoleByRoleId(State& st, logical::Storage& s, std::string_view role_id) {
  if (role_id.empty()) return std::optional<Role>();
  ARCA_ASSIGN_OR_RETURN(std::string h, st.Hmac(s, role_id));
  ARCA_ASSIGN_OR_RETURN(auto idx, logical::GetJson(s, "role_id/" + h));
  if (!idx || !idx->is_object()) return std::optional<Role>();
  ARCA_ASSIGN_OR_RETURN(auto role, LoadRole(s, Str(idx->as_object(), "name")));
  if (role && role->role_id != role_id) return std::optional<Role>();  // stale index
  return role;
}

std::string SecretKey(const std::string& role, const std::string& hmac) {
  return "secret_id/" + role + "/" + hmac;
}

std::string AccessorKey(const std::string& accessor_hmac) { return "accessor/" + accessor_hmac; }

Result<std::optional<SecretId>> LoadSecretId(logical::Storage& s, const std::string& role,
                                             const std::string& hmac) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, SecretKey(role, hmac)));
  if (!v) return std::optional<SecretId>();
  if (!v->is_object()) return Internal("approle: corrupt secret ID entry");
  ARCA_ASSIGN_OR_RETURN(SecretId e, SecretId::FromJson(v->as_object()));
  return std::optional<SecretId>(std::move(e));
}

Status DeleteSecretId(State& st, logical::Storage& s, const std::string& role,
                      const std::string& hmac, const SecretId& e) {
  if (!e.accessor.empty()) {
    ARCA_ASSIGN_OR_RETURN(std::string ah, st.Hmac(s, e.accessor));
    ARCA_RETURN_IF_ERROR(s.Delete(AccessorKey(ah)));
  }
  return s.Delete(SecretKey(role, hmac));
}

Status DeleteRole(State& st, logical::Storage& s, const Role& role) {
  ARCA_ASSIGN_OR_RETURN(auto hmacs, s.List("secret_id/" + role.name + "/"));
  for (const auto& h : hmacs) {
    std::lock_guard l(st.StripeFor(h));
    ARCA_ASSIGN_OR_RETURN(auto e, LoadSecretId(s, role.name, h));
    if (e) ARCA_RETURN_IF_ERROR(DeleteSecretId(st, s, role.name, h, *e));
  }
  if (!role.role_id.empty()) {
    ARCA_ASSIGN_OR_RETURN(std::string h, st.Hmac(s, role.role_id));
    ARCA_RETURN_IF_ERROR(s.Delete("role_id/" + h));
  }
  return s.Delete("role/" + role.name);
}

}  // namespace arca::auth::approle

namespace arca::auth {

Result<std::unique_ptr<logical::Backend>> NewApproleBackend(const logical::BackendConfig& config,
                                                            ApproleOptions options) {
  namespace ar = approle;
  namespace fw = logical::framework;
  auto st = std::make_shared<ar::State>(std::move(options));
  fw::FrameworkBackend::Options o;
  o.type = "approle";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login"};
  o.help =
      "The AppRole auth method lets machines and applications log in with a role ID and "
      "a secret ID.";
  // Secret-ID paths first: role/<name>/secret-id... must win over the per-field sub-paths.
  o.paths = ar::SecretIdPaths(st);
  for (auto& p : ar::RolePaths(st)) o.paths.push_back(std::move(p));
  o.paths.push_back(ar::LoginPath(st));
  o.paths.push_back(ar::TidyPath(st));
  ARCA_ASSIGN_OR_RETURN(auto b, fw::FrameworkBackend::Create(std::move(o)));
  return std::unique_ptr<logical::Backend>(std::move(b));
}

Result<std::unique_ptr<logical::Backend>> NewApproleBackend(const logical::BackendConfig& config) {
  return NewApproleBackend(config, ApproleOptions{});
}

}  // namespace arca::auth
