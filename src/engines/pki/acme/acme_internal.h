// Private to src/engines/pki/acme/: the per-request context of the ACME server and the JSON
// shapes of its objects.
#pragma once

#include <optional>
#include <string>

#include "engines/pki/acme/acme_server.h"
#include "engines/pki/acme/acme_store.h"
#include "engines/pki/acme/jws.h"
#include "logical/framework/field_data.h"

namespace arca::pki::acme {

struct AcmeServer::Call {
  logical::Request& req;
  logical::framework::FieldData& fields;
  logical::Storage& storage;
  AcmeConfig config;
  std::string cluster_path;  // config/cluster path, no trailing '/'
  std::string prefix;        // "", "roles/r/", "issuer/i/", "issuer/i/roles/r/"
  std::string base_url;      // cluster_path + "/" + prefix + "acme/"
  std::string issuer_ref;    // "" = the default issuer
  std::string role;          // "" = sign-verbatim
  JwsMessage msg;
  json::object payload;
  std::optional<Account> account;  // kid-authenticated requests
  std::optional<Jwk> account_key;

  std::string Url(std::string_view tail) const { return base_url + std::string(tail); }
  std::string AccountUrl(std::string_view id) const { return Url("account/" + std::string(id)); }
};

struct AcmeServer::Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string location;
  std::string link_up;  // rel="up" target, e.g. a challenge's authorization

  static Reply Json(int status, const json::value& v) {
    Reply r;
    r.status = status;
    r.body = json::serialize(v);
    return r;
  }
};

// JSON views of the objects, with URLs built from the call's directory.
json::object AccountJson(const AcmeServer::Call& c, const Account& a);
json::object OrderJson(const AcmeServer::Call& c, const Order& o);
json::object AuthorizationJson(const AcmeServer::Call& c, const Authorization& a);
json::object ChallengeJson(const AcmeServer::Call& c, const Authorization& a, const Challenge& ch);

// Lower-case colon-separated hex of a DER certificate's serial number ("1a:2b:..."); empty when
// the DER does not parse.
std::string SerialOfDer(std::string_view der);

}  // namespace arca::pki::acme
