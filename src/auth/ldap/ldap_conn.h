// A connection to an LDAP server through OpenLDAP's libldap (synchronous calls, each bounded by
// the configured timeouts: LDAP_OPT_NETWORK_TIMEOUT for connecting, LDAP_OPT_TIMEOUT and the
// search time limit for every operation). libldap's headers stay in ldap_conn.cc.
//
// Thread-safety: one Connection is used by one thread; separate connections are independent.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::auth::ldap {

struct DialOptions {
  std::vector<std::string> urls;  // tried in order ("ldap://h:389", "ldaps://h:636")
  bool starttls = false;
  bool insecure_tls = false;
  std::string ca_pem;                     // trusted CA certificate(s); empty: the system's
  std::string tls_min_version = "tls12";  // tls10 | tls11 | tls12 | tls13
  std::string tls_max_version = "tls12";
  std::chrono::seconds connection_timeout{30};
  std::chrono::seconds request_timeout{90};
  std::string dereference_aliases = "never";  // never | finding | searching | always
};

struct Entry {
  std::string dn;
  std::map<std::string, std::vector<std::string>> attributes;  // names lowercased
  const std::vector<std::string>* Values(const std::string& lower_name) const {
    auto it = attributes.find(lower_name);
    return it == attributes.end() ? nullptr : &it->second;
  }
};

class Connection {
 public:
  // Connects to the first URL that answers (StartTLS when asked). The error lists every URL's
  // failure: error connecting to host "u": reason.
  static Result<std::unique_ptr<Connection>> Dial(const DialOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A simple bind. An empty password or DN is an anonymous/unauthenticated bind: only allowed
  // when `allow_unauthenticated` (a service search with binddn and no bindpass, or discoverdn,
  // as Vault does) — a user's login never passes it.
  Status Bind(const std::string& dn, std::string_view password, bool allow_unauthenticated = false);
  // A subtree search. size_limit 0 = none. When the server stops at the size limit, the
  // entries it sent are returned and *truncated is set.
  Result<std::vector<Entry>> Search(const std::string& base, const std::string& filter,
                                    const std::vector<std::string>& attributes, int size_limit,
                                    bool* truncated = nullptr);
  const std::string& url() const { return url_; }

 private:
  Connection() = default;
  void* ld_ = nullptr;  // LDAP*
  std::string url_;
  DialOptions options_;
};

}  // namespace arca::auth::ldap
