#include "server/builtins.h"

#include "api/http_request.h"
#include "auth/approle.h"
#include "auth/cert/cert.h"
#include "auth/jwt.h"
#include "auth/kubernetes/kubernetes.h"
#include "auth/ldap/ldap.h"
#include "auth/userpass.h"
#include "engines/cubbyhole/cubbyhole.h"
#include "engines/database/database.h"
#include "engines/database/plugin.h"
#include "engines/kv/kv.h"
#include "engines/pki/pki_engine.h"
#include "engines/transit/transit.h"
#include "storage/etcd/etcd_backend.h"
#include "storage/postgresql/pg_backend.h"

namespace arca::server {

const std::map<std::string, storage::Factory>& StorageBackends() {
  static const std::map<std::string, storage::Factory> kTable = {
      {"inmem", storage::NewInmemBackend},
      {"file", [](const storage::BackendConfig& c) { return storage::NewLmdbBackend(c, "file"); }},
      {"lmdb", [](const storage::BackendConfig& c) { return storage::NewLmdbBackend(c, "lmdb"); }},
      {"etcd", [](const storage::BackendConfig& c) { return storage::etcd::NewEtcdBackend(c); }},
      {"postgresql",
       [](const storage::BackendConfig& c) { return storage::postgresql::NewPostgresqlBackend(c); }},
  };
  return kTable;
}

const std::map<std::string, logical::Factory>& SecretEngines() {
  static const std::map<std::string, logical::Factory> kTable = {
      {"kv", engines::kv::NewKvBackend},
      {"cubbyhole", engines::cubbyhole::NewCubbyholeBackend},
      {"transit", engines::transit::NewTransitBackend},
      {"pki", pki::NewPkiBackend},
      {"database", engines::database::NewDatabaseBackend},
  };
  return kTable;
}

const std::map<std::string, logical::Factory>& AuthMethods() {
  static const std::map<std::string, logical::Factory> kTable = {
      {"userpass", [](const logical::BackendConfig& c) { return auth::NewUserpassBackend(c); }},
      {"approle", [](const logical::BackendConfig& c) { return auth::NewApproleBackend(c); }},
      {"kubernetes",
       [](const logical::BackendConfig& c) {
         return auth::NewKubernetesBackend(c, auth::KubernetesOptions{.fetch = api::HttpFetch});
       }},
      {"ldap", [](const logical::BackendConfig& c) { return auth::NewLdapBackend(c); }},
      {"jwt", [](const logical::BackendConfig& c) {
         return auth::NewJwtBackend(c, auth::JwtOptions{.type = "jwt", .http = api::HttpFetch});
       }},
      {"oidc", [](const logical::BackendConfig& c) {
         return auth::NewJwtBackend(c, auth::JwtOptions{.type = "oidc", .http = api::HttpFetch});
       }},
      {"cert", [](const logical::BackendConfig& c) { return auth::NewCertBackend(c); }},
  };
  return kTable;
}

std::vector<std::string> DatabasePlugins() {
  std::vector<std::string> out;
  for (const auto& [name, f] : engines::database::PluginRegistry()) out.push_back(name);
  return out;
}

}  // namespace arca::server
