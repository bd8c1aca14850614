// AcmeServer: request dispatch (directory resolution, JWS authentication, nonces, headers),
// the directory, nonces and accounts. Orders, authorizations and certificates are in
// acme_orders.cc; the configuration and EAB paths in acme_config_paths.cc.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>

#include "common/uuid.h"
#include "engines/pki/acme/acme_internal.h"
#include "engines/pki/acme/http01.h"
#include "engines/pki/acme/tls_alpn01.h"

namespace arca::pki::acme {

using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::Path;

namespace {

// (?:issuer/<ref>/)?(?:roles/<role>/)?acme/
const std::string kDirectoryPrefix =
    R"((?:issuer/(?<issuer_ref>\w[\w.-]*)/)?(?:roles/(?<role>\w[\w.-]*)/)?acme/)";

bool Allowed(const std::vector<std::string>& list, std::string_view name) {
  return std::ranges::any_of(list, [&](const std::string& s) { return s == "*" || s == name; });
}

logical::Response ToResponse(const AcmeServer::Reply& r) {
  logical::Response resp;
  resp.raw = logical::RawBody{r.status, r.content_type, r.body};
  if (!r.location.empty()) resp.headers["Location"] = r.location;
  return resp;
}

logical::Response ProblemResponse(const Problem& p) {
  logical::Response resp;
  resp.raw = logical::RawBody{p.status, "application/problem+json", json::serialize(p.ToJson())};
  return resp;
}

}  // namespace

json::object AccountJson(const AcmeServer::Call& c, const Account& a) {
  json::array contact;
  for (const auto& s : a.contact) contact.emplace_back(s);
  json::object o{{"status", a.status},
                 {"contact", std::move(contact)},
                 {"orders", c.AccountUrl(a.id) + "/orders"}};
  if (!a.eab_id.empty()) o["externalAccountBinding"] = json::object{{"kid", a.eab_id}};
  return o;
}

AcmeServer::Options AcmeServer::DefaultOptions() {
  Options o;
  auto port_from = [](const char* name, int& dst) {
    if (const char* port = std::getenv(name); port != nullptr) {
      int p = std::atoi(port);
      if (p > 0 && p < 65536) dst = p;
    }
  };
  port_from("ARCA_ACME_HTTP01_PORT", o.http01_port);
  port_from("ARCA_ACME_TLSALPN01_PORT", o.tls_alpn01_port);
  if (const char* v = std::getenv("ARCA_ACME_ALLOW_LOCAL_TARGETS"); v != nullptr) {
    const std::string_view value(v);
    o.validation.allow_local_addresses = value == "1" || value == "true";
  }
  return o;
}

AcmeServer::AcmeServer(PkiInternal& pki) : AcmeServer(pki, DefaultOptions()) {}

AcmeServer::AcmeServer(PkiInternal& pki, Options options)
    : pki_(pki), options_(std::move(options)) {
  if (!options_.validate_http01) {
    options_.validate_http01 = [policy = options_.validation](auto d, int p, auto t, auto k) {
      return ValidateHttp01(d, p, t, k, policy);
    };
  }
  if (!options_.validate_tls_alpn01) {
    options_.validate_tls_alpn01 = [policy = options_.validation](auto d, int p, auto /*token*/,
                                                                  auto k) {
      return ValidateTlsAlpn01(d, p, k, policy);
    };
  }
}

int64_t AcmeServer::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> AcmeServer::UnauthenticatedPaths() {
  std::vector<std::string> out;
  for (std::string prefix : {"", "roles/+/", "issuer/+/", "issuer/+/roles/+/"}) {
    for (std::string tail : {"directory", "new-nonce", "new-account", "new-order", "revoke-cert",
                             "key-change", "account/*", "authorization/*", "challenge/*",
                             "order/*"}) {
      out.push_back(prefix + "acme/" + tail);
    }
  }
  return out;
}

Result<logical::Response> AcmeServer::Serve(logical::Request& req,
                                            logical::framework::FieldData& fields, Auth auth,
                                            const Endpoint& endpoint) {
  const bool jws = auth != Auth::kNone;
  if (req.storage == nullptr) return std::unexpected(Internal("ACME request without storage"));
  auto respond = [&](AcmeResult<Reply> result, const Call* call) {
    logical::Response resp = result ? ToResponse(*result) : ProblemResponse(result.error());
    resp.headers["Replay-Nonce"] = nonces_.Issue();
    if (call != nullptr) {
      std::string link = "<" + call->Url("directory") + ">;rel=\"index\"";
      if (result && !result->link_up.empty()) link += ", <" + result->link_up + ">;rel=\"up\"";
      resp.headers["Link"] = link;
    }
    return resp;
  };

  auto config = LoadAcmeConfig(*req.storage);
  if (!config) return std::unexpected(config.error());
  if (!config->enabled) {
    return respond(Unauthorized("ACME is disabled in configuration (config/acme)"), nullptr);
  }
  auto cluster = LoadClusterConfig(*req.storage);
  if (!cluster) return std::unexpected(cluster.error());
  if (cluster->path.empty()) {
    return respond(ServerInternal("ACME requires the cluster path to be set in config/cluster"),
                   nullptr);
  }

  Call c{req, fields, *req.storage};
  c.config = std::move(*config);
  c.cluster_path = cluster->path;
  while (!c.cluster_path.empty() && c.cluster_path.back() == '/') c.cluster_path.pop_back();
  c.issuer_ref = fields.GetString("issuer_ref");
  const std::string role = fields.GetString("role");
  if (!c.issuer_ref.empty()) c.prefix += "issuer/" + c.issuer_ref + "/";
  if (!role.empty()) c.prefix += "roles/" + role + "/";
  c.base_url = c.cluster_path + "/" + c.prefix + "acme/";

  if (!c.issuer_ref.empty() && !Allowed(c.config.allowed_issuers, c.issuer_ref)) {
    return respond(Unauthorized("issuer \"" + c.issuer_ref + "\" is not allowed for ACME"), &c);
  }
  if (!role.empty()) {
    if (!Allowed(c.config.allowed_roles, role)) {
      return respond(Unauthorized("role \"" + role + "\" is not allowed for ACME"), &c);
    }
    c.role = role;
  } else {
    const std::string& policy = c.config.default_directory_policy;
    if (policy == "forbid") {
      return respond(Unauthorized("the default ACME directory is forbidden by configuration"), &c);
    }
    if (policy.starts_with("role:")) c.role = policy.substr(5);
  }

  if (jws) {
    auto msg = ParseJws(req.data);
    if (!msg) return respond(std::unexpected(msg.error()), &c);
    c.msg = std::move(*msg);
    const std::string expected_url = c.cluster_path + "/" + req.path;
    if (c.msg.url != expected_url) {
      return respond(Unauthorized("the JWS url \"" + c.msg.url + "\" is not the request URL " +
                                  expected_url),
                     &c);
    }
    if (!nonces_.Consume(c.msg.nonce)) {
      return respond(MakeProblem("badNonce", "the nonce is unknown, used or expired"), &c);
    }
    const bool has_jwk = c.msg.jwk.has_value();
    if (auth == Auth::kJwk && !has_jwk) {
      return respond(Malformed("this request must be signed with a jwk, not a kid"), &c);
    }
    if (auth == Auth::kKid && has_jwk) {
      return respond(Malformed("this request must be signed with an account kid"), &c);
    }
    if (has_jwk) {
      if (auto v = VerifyJws(c.msg, *c.msg.jwk); !v) return respond(std::unexpected(v.error()), &c);
    } else {
      const std::string account_prefix = c.Url("account/");
      if (!c.msg.kid.starts_with(account_prefix)) {
        return respond(MakeProblem("accountDoesNotExist",
                                   "the kid is not an account of this directory"),
                       &c);
      }
      const std::string id = c.msg.kid.substr(account_prefix.size());
      auto account = LoadAccount(c.storage, id);
      if (!account) return std::unexpected(account.error());
      if (!*account) {
        return respond(MakeProblem("accountDoesNotExist", "no account " + id), &c);
      }
      auto key = Jwk::FromJson((*account)->jwk);
      if (!key) return respond(ServerInternal("the stored account key is invalid"), &c);
      if (auto v = VerifyJws(c.msg, *key); !v) return respond(std::unexpected(v.error()), &c);
      if ((*account)->status != "valid") {
        return respond(Unauthorized("the account is " + (*account)->status), &c);
      }
      if (c.config.eab_policy == "always-required" && (*account)->eab_id.empty()) {
        return respond(MakeProblem("externalAccountRequired",
                                   "this directory requires accounts bound to an EAB key", 401),
                       &c);
      }
      c.account = std::move(**account);
      c.account_key = std::move(*key);
    }
    auto payload = c.msg.PayloadObject();
    if (!payload) return respond(std::unexpected(payload.error()), &c);
    c.payload = std::move(*payload);
  }
  return respond(endpoint(c), &c);
}

Path AcmeServer::ProtocolPath(const std::string& tail_regex, Auth auth, Endpoint endpoint) {
  Path p;
  p.pattern = kDirectoryPrefix + tail_regex;
  p.fields = {{"issuer_ref", FieldSchema{FieldType::kString, "issuer reference"}},
              {"role", FieldSchema{FieldType::kString, "role name"}},
              {"account_id", FieldSchema{FieldType::kString, "account id"}},
              {"order_id", FieldSchema{FieldType::kString, "order id"}},
              {"auth_id", FieldSchema{FieldType::kString, "authorization id"}},
              {"challenge_type", FieldSchema{FieldType::kString, "challenge type"}},
              {"protected", FieldSchema{FieldType::kString, "JWS protected header"}},
              {"payload", FieldSchema{FieldType::kString, "JWS payload"}},
              {"signature", FieldSchema{FieldType::kString, "JWS signature"}}};
  auto handler = [this, auth, endpoint](logical::Request& req, logical::framework::FieldData& f) {
    return Serve(req, f, auth, endpoint);
  };
  if (auth != Auth::kNone) {
    p.operations[logical::Operation::kUpdate] = {handler, "ACME request (JWS)"};
  } else {
    p.operations[logical::Operation::kRead] = {handler, "ACME request"};
    p.operations[logical::Operation::kUpdate] = {handler, "ACME request"};
  }
  p.help_synopsis = "ACME (RFC 8555) protocol endpoint.";
  return p;
}

std::vector<Path> AcmeServer::Paths() {
  auto bind = [this](AcmeResult<Reply> (AcmeServer::*fn)(Call&)) -> Endpoint {
    return [this, fn](Call& c) { return (this->*fn)(c); };
  };
  std::vector<Path> paths;
  paths.push_back(ProtocolPath("directory", Auth::kNone, bind(&AcmeServer::Directory)));
  paths.push_back(ProtocolPath("new-nonce", Auth::kNone, bind(&AcmeServer::NewNonce)));
  paths.push_back(ProtocolPath("new-account", Auth::kJwk, bind(&AcmeServer::NewAccount)));
  paths.push_back(ProtocolPath(R"(account/(?<account_id>[\w-]+))", Auth::kKid,
                               bind(&AcmeServer::UpdateAccount)));
  paths.push_back(ProtocolPath(R"(account/(?<account_id>[\w-]+)/orders)", Auth::kKid,
                               bind(&AcmeServer::ListOrders)));
  paths.push_back(ProtocolPath("new-order", Auth::kKid, bind(&AcmeServer::NewOrder)));
  paths.push_back(ProtocolPath(R"(order/(?<order_id>[\w-]+))", Auth::kKid,
                               bind(&AcmeServer::GetOrder)));
  paths.push_back(ProtocolPath(R"(order/(?<order_id>[\w-]+)/finalize)", Auth::kKid,
                               bind(&AcmeServer::Finalize)));
  paths.push_back(ProtocolPath(R"(order/(?<order_id>[\w-]+)/cert)", Auth::kKid,
                               bind(&AcmeServer::GetCertificate)));
  paths.push_back(ProtocolPath(R"(authorization/(?<auth_id>[\w-]+))", Auth::kKid,
                               bind(&AcmeServer::GetAuthorization)));
  paths.push_back(ProtocolPath(R"(challenge/(?<auth_id>[\w-]+)/(?<challenge_type>[\w-]+))",
                               Auth::kKid, bind(&AcmeServer::PostChallenge)));
  paths.push_back(ProtocolPath("revoke-cert", Auth::kJwkOrKid,
                               bind(&AcmeServer::RevokeCert)));
  paths.push_back(ProtocolPath("key-change", Auth::kKid, bind(&AcmeServer::KeyChange)));
  for (Path& p : ConfigPaths()) paths.push_back(std::move(p));
  return paths;
}

AcmeResult<AcmeServer::Reply> AcmeServer::Directory(Call& c) {
  json::object meta{{"externalAccountRequired", c.config.eab_policy != "not-required"}};
  return Reply::Json(200, json::object{{"newNonce", c.Url("new-nonce")},
                                       {"newAccount", c.Url("new-account")},
                                       {"newOrder", c.Url("new-order")},
                                       {"revokeCert", c.Url("revoke-cert")},
                                       {"keyChange", c.Url("key-change")},
                                       {"meta", std::move(meta)}});
}

AcmeResult<AcmeServer::Reply> AcmeServer::NewNonce(Call&) {
  // HEAD and GET both reach here as reads; 200 with no body suits both (RFC 8555 §7.2).
  Reply r;
  r.status = 200;
  r.content_type.clear();
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::NewAccount(Call& c) {
  const Jwk& key = *c.msg.jwk;
  const json::object& p = c.payload;
  const json::value* only_existing = p.if_contains("onlyReturnExisting");
  std::vector<std::string> contact;
  if (const json::value* v = p.if_contains("contact")) {
    if (!v->is_array()) return Malformed("contact must be a list of URLs");
    for (const auto& item : v->as_array()) {
      if (!item.is_string() || !item.as_string().starts_with("mailto:")) {
        return MakeProblem("unsupportedContact", "only mailto: contacts are supported");
      }
      contact.emplace_back(item.as_string());
    }
  }
  std::lock_guard lock(mu_);
  auto existing = AccountIdForThumbprint(c.storage, key.Thumbprint());
  if (!existing) return ServerInternal(existing.error().message());
  if (*existing) {
    auto account = LoadAccount(c.storage, **existing);
    if (!account) return ServerInternal(account.error().message());
    if (*account) {
      if ((*account)->status != "valid") return Unauthorized("the account is " + (*account)->status);
      Reply r = Reply::Json(200, AccountJson(c, **account));
      r.location = c.AccountUrl((*account)->id);
      return r;
    }
  }
  if (only_existing != nullptr && only_existing->is_bool() && only_existing->as_bool()) {
    return MakeProblem("accountDoesNotExist", "no account exists for this key");
  }
  if (const json::value* tos = p.if_contains("termsOfServiceAgreed");
      tos != nullptr && !tos->is_bool()) {
    return Malformed("termsOfServiceAgreed must be a boolean");
  }
  Account account;
  account.id = GenerateUuid();
  account.contact = std::move(contact);
  account.jwk = key.Json();
  account.thumbprint = key.Thumbprint();
  account.directory = c.prefix;
  account.created = Now();
  const json::value* eab = p.if_contains("externalAccountBinding");
  if (eab != nullptr) {
    if (!eab->is_object()) return Malformed("externalAccountBinding must be a JWS object");
    std::optional<EabKey> bound;
    auto kid = VerifyExternalAccountBinding(
        eab->as_object(), key, c.msg.url,
        [&](std::string_view id) -> std::optional<std::string> {
          auto k = LoadEab(c.storage, id);
          if (!k || !*k || (*k)->directory != c.prefix) return std::nullopt;
          bound = **k;
          return (*k)->key;
        });
    if (!kid) return std::unexpected(kid.error());
    account.eab_id = *kid;
    // An EAB key binds one account: it is consumed.
    if (auto d = DeleteEab(c.storage, *kid); !d) return ServerInternal(d.error().message());
  } else if (c.config.eab_policy != "not-required") {
    return MakeProblem("externalAccountRequired",
                       "this directory requires an external account binding (see acme/new-eab)",
                       401);
  }
  if (auto s = SaveAccount(c.storage, account); !s) return ServerInternal(s.error().message());
  Reply r = Reply::Json(201, AccountJson(c, account));
  r.location = c.AccountUrl(account.id);
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::UpdateAccount(Call& c) {
  if (c.fields.GetString("account_id") != c.account->id) {
    return Unauthorized("an account may only update itself");
  }
  std::lock_guard lock(mu_);
  Account account = *c.account;
  if (const json::value* v = c.payload.if_contains("contact")) {
    if (!v->is_array()) return Malformed("contact must be a list of URLs");
    account.contact.clear();
    for (const auto& item : v->as_array()) {
      if (!item.is_string() || !item.as_string().starts_with("mailto:")) {
        return MakeProblem("unsupportedContact", "only mailto: contacts are supported");
      }
      account.contact.emplace_back(item.as_string());
    }
  }
  if (const json::value* v = c.payload.if_contains("status")) {
    if (!v->is_string() || v->as_string() != "deactivated") {
      return Malformed("an account's status may only be set to \"deactivated\"");
    }
    account.status = "deactivated";
  }
  if (!c.msg.post_as_get()) {
    if (auto s = SaveAccount(c.storage, account); !s) return ServerInternal(s.error().message());
  }
  Reply r = Reply::Json(200, AccountJson(c, account));
  r.location = c.AccountUrl(account.id);
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::KeyChange(Call&) {
  return MakeProblem("malformed", "account key rollover (key-change) is not supported by Arca");
}

}  // namespace arca::pki::acme
