// The persistent ACME objects of one PKI mount (RFC 8555 §7.1): accounts, orders,
// authorizations with their challenges, external account binding keys, and the mount's
// config/acme and config/cluster. Everything is JSON in the mount's storage view, so it goes
// through the barrier like every other secret:
//   config/acme, config/cluster
//   acme/accounts/<id>          acme/account-keys/<jwk thumbprint> -> account id
//   acme/orders/<id>            acme/authorizations/<id>
//   acme/eab/<id>               acme/cert-accounts/<serial> -> account id
//
// Thread-safety: the functions are stateless; callers serialize read-modify-write sequences
// (AcmeServer holds one mutex for them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::pki::acme {

struct AcmeConfig {
  bool enabled = false;
  std::vector<std::string> allowed_issuers{"*"};
  std::vector<std::string> allowed_roles{"*"};
  bool allow_role_ext_key_usage = false;
  std::string default_directory_policy = "sign-verbatim";  // forbid | sign-verbatim | role:<r>
  std::string dns_resolver;
  std::string eab_policy = "always-required";  // not-required | new-account-required | always-required
  int64_t max_ttl_seconds = 0;                  // 0 = no extra cap (the role's / mount's apply)
};

struct ClusterConfig {
  std::string path;      // e.g. https://arca.example:8200/v1/pki
  std::string aia_path;
};

struct Account {
  std::string id;
  std::string status = "valid";  // valid | deactivated | revoked
  std::vector<std::string> contact;
  json::object jwk;
  std::string thumbprint;
  std::string directory;  // the directory prefix it registered with ("", "roles/x/", ...)
  std::string eab_id;
  int64_t created = 0;
};

struct Challenge {
  std::string type;  // http-01
  std::string token;
  std::string status = "pending";  // pending | processing | valid | invalid
  std::string validated;           // RFC 3339, when valid
  json::object error;              // problem document, when invalid
};

struct Authorization {
  std::string id;
  std::string account_id;
  std::string identifier_type;  // dns | ip
  std::string identifier_value;
  bool wildcard = false;
  std::string status = "pending";  // pending | valid | invalid | deactivated | expired
  int64_t expires = 0;
  std::vector<Challenge> challenges;
};

struct Order {
  std::string id;
  std::string account_id;
  std::string status = "pending";  // pending | ready | processing | valid | invalid
  int64_t expires = 0;
  std::vector<std::pair<std::string, std::string>> identifiers;  // (type, value)
  std::vector<std::string> authorization_ids;
  std::string not_before;
  std::string not_after;
  std::string serial;             // once issued
  std::string certificate_chain;  // PEM: the leaf, then its issuers
  int64_t certificate_expiry = 0;
  json::object error;
};

struct EabKey {
  std::string id;
  std::string key;        // raw HMAC key bytes
  std::string directory;  // the directory prefix it is bound to
  int64_t created = 0;
};

Result<AcmeConfig> LoadAcmeConfig(logical::Storage& s);
Status SaveAcmeConfig(logical::Storage& s, const AcmeConfig& c);
json::object AcmeConfigJson(const AcmeConfig& c);
Result<ClusterConfig> LoadClusterConfig(logical::Storage& s);
Status SaveClusterConfig(logical::Storage& s, const ClusterConfig& c);

Result<std::optional<Account>> LoadAccount(logical::Storage& s, std::string_view id);
Result<std::optional<std::string>> AccountIdForThumbprint(logical::Storage& s, std::string_view tp);
Status SaveAccount(logical::Storage& s, const Account& a);  // also indexes its thumbprint

Result<std::optional<Order>> LoadOrder(logical::Storage& s, std::string_view id);
Status SaveOrder(logical::Storage& s, const Order& o);
Result<std::vector<std::string>> ListOrderIds(logical::Storage& s);
Status DeleteOrder(logical::Storage& s, const Order& o);  // with its authorizations

Result<std::optional<Authorization>> LoadAuthorization(logical::Storage& s, std::string_view id);
Status SaveAuthorization(logical::Storage& s, const Authorization& a);

Result<std::optional<EabKey>> LoadEab(logical::Storage& s, std::string_view id);
Status SaveEab(logical::Storage& s, const EabKey& k);
Status DeleteEab(logical::Storage& s, std::string_view id);
Result<std::vector<std::string>> ListEabIds(logical::Storage& s);

Status SaveCertAccount(logical::Storage& s, std::string_view serial, std::string_view account_id);
Result<std::optional<std::string>> CertAccount(logical::Storage& s, std::string_view serial);

// RFC 3339 in UTC with a Z suffix.
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace arca::pki::acme
