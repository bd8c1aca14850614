#include "engines/pki/acme/acme_store.h"

#include <ctime>

#include "common/encoding.h"

namespace arca::pki::acme {
namespace {

constexpr std::string_view kAccounts = "acme/accounts/";
constexpr std::string_view kAccountKeys = "acme/account-keys/";
constexpr std::string_view kOrders = "acme/orders/";
constexpr std::string_view kAuthorizations = "acme/authorizations/";
constexpr std::string_view kEab = "acme/eab/";
constexpr std::string_view kCertAccounts = "acme/cert-accounts/";

std::string Key(std::string_view prefix, std::string_view id) {
  return std::string(prefix) + std::string(id);
}

template <typename T, typename F>
Result<std::optional<T>> LoadObject(logical::Storage& s, std::string key, F decode) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, key));
  if (!v) return std::optional<T>();
  if (!v->is_object()) return std::unexpected(Internal("corrupt ACME entry " + key));
  return std::optional<T>(decode(v->as_object()));
}

Result<std::optional<std::string>> LoadString(logical::Storage& s, std::string key) {
  ARCA_ASSIGN_OR_RETURN(auto v, s.Get(key));
  return v;
}

}  // namespace

std::string FormatRfc3339(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::object AcmeConfigJson(const AcmeConfig& c) {
  return {{"enabled", c.enabled},
          {"allowed_issuers", ToJsonArray(c.allowed_issuers)},
          {"allowed_roles", ToJsonArray(c.allowed_roles)},
          {"allow_role_ext_key_usage", c.allow_role_ext_key_usage},
          {"default_directory_policy", c.default_directory_policy},
          {"dns_resolver", c.dns_resolver},
          {"eab_policy", c.eab_policy},
          {"max_ttl", c.max_ttl_seconds}};
}

Result<AcmeConfig> LoadAcmeConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "config/acme"));
  AcmeConfig c;
  if (!v || !v->is_object()) return c;
  const json::object& o = v->as_object();
  c.enabled = BoolOr(o, "enabled", false);
  if (o.contains("allowed_issuers")) c.allowed_issuers = StringsOf(o, "allowed_issuers");
  if (o.contains("allowed_roles")) c.allowed_roles = StringsOf(o, "allowed_roles");
  c.allow_role_ext_key_usage = BoolOr(o, "allow_role_ext_key_usage", false);
  c.default_directory_policy = StringOr(o, "default_directory_policy");
  c.dns_resolver = StringOr(o, "dns_resolver");
  c.eab_policy = StringOr(o, "eab_policy");
  c.max_ttl_seconds = IntOr(o, "max_ttl");
  return c;
}

Status SaveAcmeConfig(logical::Storage& s, const AcmeConfig& c) {
  return logical::PutJson(s, "config/acme", AcmeConfigJson(c));
}

Result<ClusterConfig> LoadClusterConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "config/cluster"));
  ClusterConfig c;
  if (v && v->is_object()) {
    c.path = StringOr(v->as_object(), "path");
    c.aia_path = StringOr(v->as_object(), "aia_path");
  }
  return c;
}

Status SaveClusterConfig(logical::Storage& s, const ClusterConfig& c) {
  return logical::PutJson(s, "config/cluster", json::object{{"path", c.path}, {"aia_path", c.aia_path}});
}

Result<std::optional<Account>> LoadAccount(logical::Storage& s, std::string_view id) {
  return LoadObject<Account>(s, Key(kAccounts, id), [](const json::object& o) {
    Account a;
    a.id = StringOr(o, "id");
    a.status = StringOr(o, "status");
    a.contact = StringsOf(o, "contact");
    a.jwk = ObjectOr(o, "jwk");
    a.thumbprint = StringOr(o, "thumbprint");
    a.directory = StringOr(o, "directory");
    a.eab_id = StringOr(o, "eab_id");
    a.created = IntOr(o, "created");
    return a;
  });
}

Result<std::optional<std::string>> AccountIdForThumbprint(logical::Storage& s, std::string_view tp) {
  return LoadString(s, Key(kAccountKeys, tp));
}

Status SaveAccount(logical::Storage& s, const Account& a) {
  json::object o{{"id", a.id},           {"status", a.status},       {"contact", ToJsonArray(a.contact)},
                 {"jwk", a.jwk},         {"thumbprint", a.thumbprint}, {"directory", a.directory},
                 {"eab_id", a.eab_id},   {"created", a.created}};
  ARCA_RETURN_IF_ERROR(logical::PutJson(s, Key(kAccounts, a.id), o));
  return s.Put(Key(kAccountKeys, a.thumbprint), a.id);
}

Result<std::optional<Order>> LoadOrder(logical::Storage& s, std::string_view id) {
  return LoadObject<Order>(s, Key(kOrders, id), [](const json::object& o) {
    Order r;
    r.id = StringOr(o, "id");
    r.account_id = StringOr(o, "account_id");
    r.status = StringOr(o, "status");
    r.expires = IntOr(o, "expires");
    if (const json::value* ids = o.if_contains("identifiers"); ids && ids->is_array()) {
      for (const auto& item : ids->as_array()) {
        if (!item.is_object()) continue;
        r.identifiers.emplace_back(StringOr(item.as_object(), "type"), StringOr(item.as_object(), "value"));
      }
    }
    r.authorization_ids = StringsOf(o, "authorizations");
    r.not_before = StringOr(o, "not_before");
    r.not_after = StringOr(o, "not_after");
    r.serial = StringOr(o, "serial");
    r.certificate_chain = StringOr(o, "certificate_chain");
    r.certificate_expiry = IntOr(o, "certificate_expiry");
    r.error = ObjectOr(o, "error");
    return r;
  });
}

Status SaveOrder(logical::Storage& s, const Order& r) {
  json::array ids;
  for (const auto& [type, value] : r.identifiers) ids.push_back(json::object{{"type", type}, {"value", value}});
  json::object o{{"id", r.id},
                 {"account_id", r.account_id},
                 {"status", r.status},
                 {"expires", r.expires},
                 {"identifiers", std::move(ids)},
                 {"authorizations", ToJsonArray(r.authorization_ids)},
                 {"not_before", r.not_before},
                 {"not_after", r.not_after},
                 {"serial", r.serial},
                 {"certificate_chain", r.certificate_chain},
                 {"certificate_expiry", r.certificate_expiry},
                 {"error", r.error}};
  return logical::PutJson(s, Key(kOrders, r.id), o);
}

Result<std::vector<std::string>> ListOrderIds(logical::Storage& s) { return s.List(kOrders); }

Status DeleteOrder(logical::Storage& s, const Order& o) {
  for (const auto& authz : o.authorization_ids) {
    ARCA_RETURN_IF_ERROR(s.Delete(Key(kAuthorizations, authz)));
  }
  return s.Delete(Key(kOrders, o.id));
}

Result<std::optional<Authorization>> LoadAuthorization(logical::Storage& s, std::string_view id) {
  return LoadObject<Authorization>(s, Key(kAuthorizations, id), [](const json::object& o) {
    Authorization a;
    a.id = StringOr(o, "id");
    a.account_id = StringOr(o, "account_id");
    a.identifier_type = StringOr(o, "identifier_type");
    a.identifier_value = StringOr(o, "identifier_value");
    a.wildcard = BoolOr(o, "wildcard", false);
    a.status = StringOr(o, "status");
    a.expires = IntOr(o, "expires");
    if (const json::value* cs = o.if_contains("challenges"); cs && cs->is_array()) {
      for (const auto& item : cs->as_array()) {
        if (!item.is_object()) continue;
        const json::object& c = item.as_object();
        a.challenges.push_back(Challenge{StringOr(c, "type"), StringOr(c, "token"), StringOr(c, "status"),
                                         StringOr(c, "validated"), ObjectOr(c, "error")});
      }
    }
    return a;
  });
}

Status SaveAuthorization(logical::Storage& s, const Authorization& a) {
  json::array cs;
  for (const auto& c : a.challenges) {
    cs.push_back(json::object{{"type", c.type}, {"token", c.token}, {"status", c.status},
                              {"validated", c.validated}, {"error", c.error}});
  }
  json::object o{{"id", a.id},
                 {"account_id", a.account_id},
                 {"identifier_type", a.identifier_type},
                 {"identifier_value", a.identifier_value},
                 {"wildcard", a.wildcard},
                 {"status", a.status},
                 {"expires", a.expires},
                 {"challenges", std::move(cs)}};
  return logical::PutJson(s, Key(kAuthorizations, a.id), o);
}

Result<std::optional<EabKey>> LoadEab(logical::Storage& s, std::string_view id) {
  return LoadObject<EabKey>(s, Key(kEab, id), [](const json::object& o) {
    EabKey k;
    k.id = StringOr(o, "id");
    k.key = Base64Decode(StringOr(o, "key")).value_or(std::string());
    k.directory = StringOr(o, "directory");
    k.created = IntOr(o, "created");
    return k;
  });
}

Status SaveEab(logical::Storage& s, const EabKey& k) {
  return logical::PutJson(s, Key(kEab, k.id),
                          json::object{{"id", k.id}, {"key", Base64Encode(k.key)},
                                       {"directory", k.directory}, {"created", k.created}});
}

Status DeleteEab(logical::Storage& s, std::string_view id) { return s.Delete(Key(kEab, id)); }

Result<std::vector<std::string>> ListEabIds(logical::Storage& s) { return s.List(kEab); }

Status SaveCertAccount(logical::Storage& s, std::string_view serial, std::string_view account_id) {
  return s.Put(Key(kCertAccounts, serial), account_id);
}

Result<std::optional<std::string>> CertAccount(logical::Storage& s, std::string_view serial) {
  return LoadString(s, Key(kCertAccounts, serial));
}

}  // namespace arca::pki::acme
