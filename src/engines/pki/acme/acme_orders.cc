// AcmeServer: orders, authorizations, http-01 and tls-alpn-01 challenges, finalization (CSR -> PkiInternal),
// certificate download and revocation (RFC 8555 §7.4-7.6).
#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/uuid.h"
#include "crypto/random.h"
#include "engines/pki/acme/acme_internal.h"
#include "engines/pki/x509_util.h"

namespace arca::pki::acme {
namespace {

constexpr int64_t kOrderLifetime = 24 * 3600;


std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// A DNS name as ACME accepts it: LDH labels of 1-63 characters, 253 in all.
bool ValidDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char ch : label) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// The canonical text of an IP address, or empty when `text` is not one.
std::string CanonicalIp(const std::string& text) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, out, sizeof out);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, out, sizeof out);
  return {};
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char out[INET6_ADDRSTRLEN];
  if (ip->length == 4) return inet_ntop(AF_INET, ip->data, out, sizeof out);
  if (ip->length == 16) return inet_ntop(AF_INET6, ip->data, out, sizeof out);
  return {};
}

std::string DerOfPem(const std::string& pem) {
  auto cert = ParseCertPem(pem);
  return cert ? CertDer(cert->get()) : std::string();
}

std::unexpected<Problem> FromStatus(const Error& e, std::string_view fallback_type) {
  switch (e.kind()) {
    case ErrorKind::kInvalidRequest:
      return MakeProblem(std::string(fallback_type), e.message());
    case ErrorKind::kNotFound:
      return Malformed(e.message());
    case ErrorKind::kPermissionDenied:
      return Unauthorized(e.message());
    default:
      return ServerInternal(e.message());
  }
}

}  // namespace

std::string SerialOfDer(std::string_view der) {
  auto cert = ParseCertDer(der);
  return cert ? SerialOf(cert->get()) : std::string();
}

json::object ChallengeJson(const AcmeServer::Call& c, const Authorization& a, const Challenge& ch) {
  json::object o{{"type", ch.type},
                 {"url", c.Url("challenge/" + a.id + "/" + ch.type)},
                 {"token", ch.token},
                 {"status", ch.status}};
  if (!ch.validated.empty()) o["validated"] = ch.validated;
  if (!ch.error.empty()) o["error"] = ch.error;
  return o;
}

json::object AuthorizationJson(const AcmeServer::Call& c, const Authorization& a) {
  json::array challenges;
  for (const auto& ch : a.challenges) challenges.push_back(ChallengeJson(c, a, ch));
  json::object o{{"identifier", json::object{{"type", a.identifier_type}, {"value", a.identifier_value}}},
                 {"status", a.status},
                 {"expires", FormatRfc3339(a.expires)},
                 {"challenges", std::move(challenges)}};
  if (a.wildcard) o["wildcard"] = true;
  return o;
}

json::object OrderJson(const AcmeServer::Call& c, const Order& o) {
  json::array identifiers;
  for (const auto& [type, value] : o.identifiers) {
    identifiers.push_back(json::object{{"type", type}, {"value", value}});
  }
  json::array authorizations;
  for (const auto& id : o.authorization_ids) authorizations.emplace_back(c.Url("authorization/" + id));
  json::object out{{"status", o.status},
                   {"expires", FormatRfc3339(o.expires)},
                   {"identifiers", std::move(identifiers)},
                   {"authorizations", std::move(authorizations)},
                   {"finalize", c.Url("order/" + o.id + "/finalize")}};
  if (!o.not_before.empty()) out["notBefore"] = o.not_before;
  if (!o.not_after.empty()) out["notAfter"] = o.not_after;
  if (o.status == "valid") out["certificate"] = c.Url("order/" + o.id + "/cert");
  if (!o.error.empty()) out["error"] = o.error;
  return out;
}

// Moves a pending order to ready / invalid from its authorizations and its expiry. Returns
// whether it changed (the caller saves it). Caller holds mu_.
static Result<bool> RefreshOrder(logical::Storage& s, Order& order, int64_t now) {
  if (order.status != "pending" && order.status != "ready") return false;
  if (now >= order.expires) {
    order.status = "invalid";
    order.error = Problem{"malformed", "the order expired", 400}.ToJson();
    return true;
  }
  if (order.status == "ready") return false;
  bool all_valid = true;
  for (const auto& id : order.authorization_ids) {
    ARCA_ASSIGN_OR_RETURN(auto authz, LoadAuthorization(s, id));
    if (!authz || authz->status == "invalid" || authz->status == "deactivated") {
      order.status = "invalid";
      order.error = Problem{"unauthorized", "an authorization of the order failed", 403}.ToJson();
      return true;
    }
    if (authz->status != "valid") all_valid = false;
  }
  if (all_valid) {
    order.status = "ready";
    return true;
  }
  return false;
}

AcmeResult<AcmeServer::Reply> AcmeServer::ListOrders(Call& c) {
  if (c.fields.GetString("account_id") != c.account->id) {
    return Unauthorized("an account may only list its own orders");
  }
  auto ids = ListOrderIds(c.storage);
  if (!ids) return ServerInternal(ids.error().message());
  json::array orders;
  for (const auto& id : *ids) {
    auto order = LoadOrder(c.storage, id);
    if (order && *order && (*order)->account_id == c.account->id) {
      orders.emplace_back(c.Url("order/" + id));
    }
  }
  return Reply::Json(200, json::object{{"orders", std::move(orders)}});
}

AcmeResult<AcmeServer::Reply> AcmeServer::NewOrder(Call& c) {
  const json::value* ids = c.payload.if_contains("identifiers");
  if (ids == nullptr || !ids->is_array() || ids->as_array().empty()) {
    return Malformed("an order needs a non-empty list of identifiers");
  }
  if (ids->as_array().size() > 100) return Malformed("an order may hold at most 100 identifiers");
  const int64_t now = Now();
  Order order;
  order.id = GenerateUuid();
  order.account_id = c.account->id;
  order.expires = now + kOrderLifetime;
  std::vector<Authorization> authzs;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& item : ids->as_array()) {
    if (!item.is_object()) return Malformed("each identifier is an object {type, value}");
    const json::object& o = item.as_object();
    const json::value* type = o.if_contains("type");
    const json::value* value = o.if_contains("value");
    if (type == nullptr || !type->is_string() || value == nullptr || !value->is_string()) {
      return Malformed("each identifier needs string fields type and value");
    }
    std::string t(type->as_string());
    std::string v(value->as_string());
    if (t == "dns") {
      v = Lower(v);
      if (v.starts_with("*.")) {
        return MakeProblem("rejectedIdentifier",
                           "wildcard identifiers need the dns-01 challenge, which Arca does not offer");
      }
      if (!ValidDnsName(v)) return MakeProblem("rejectedIdentifier", "\"" + v + "\" is not a valid DNS name");
    } else if (t == "ip") {
      std::string canonical = CanonicalIp(v);
      if (canonical.empty()) return MakeProblem("rejectedIdentifier", "\"" + v + "\" is not an IP address");
      v = canonical;
    } else {
      return MakeProblem("unsupportedIdentifier", "identifier type \"" + t + "\" is not supported");
    }
    if (!seen.emplace(t, v).second) continue;
    // The directory's role decides now, not at finalize: no authorization (and no validation
    // traffic) for a name the role would refuse to sign.
    if (auto allowed = pki_.CheckAcmeIdentifier(c.storage, c.role, t, v); !allowed) {
      return FromStatus(allowed.error(), "rejectedIdentifier");
    }
    order.identifiers.emplace_back(t, v);
    Authorization a;
    a.id = GenerateUuid();
    a.account_id = c.account->id;
    a.identifier_type = t;
    a.identifier_value = v;
    a.expires = order.expires;
    a.challenges.push_back(Challenge{"http-01", Base64UrlEncode(crypto::RandomBytesString(32))});
    if (t == "dns") {  // RFC 8737 defines tls-alpn-01 for DNS names (IPs need reverse-DNS SNI)
      a.challenges.push_back(Challenge{"tls-alpn-01", Base64UrlEncode(crypto::RandomBytesString(32))});
    }
    order.authorization_ids.push_back(a.id);
    authzs.push_back(std::move(a));
  }
  if (const json::value* nb = c.payload.if_contains("notBefore")) {
    if (!nb->is_string()) return Malformed("notBefore must be an RFC 3339 string");
    return Malformed("notBefore is not supported; certificates are valid from issuance");
  }
  if (const json::value* na = c.payload.if_contains("notAfter")) {
    if (!na->is_string()) return Malformed("notAfter must be an RFC 3339 string");
    auto t = logical::framework::ParseRfc3339(na->as_string());
    if (!t || *t <= now) return Malformed("notAfter must be a future RFC 3339 time");
    order.not_after = std::string(na->as_string());
  }
  std::lock_guard lock(mu_);
  for (const auto& a : authzs) {
    if (auto s = SaveAuthorization(c.storage, a); !s) return ServerInternal(s.error().message());
  }
  if (auto s = SaveOrder(c.storage, order); !s) return ServerInternal(s.error().message());
  Reply r = Reply::Json(201, OrderJson(c, order));
  r.location = c.Url("order/" + order.id);
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::GetOrder(Call& c) {
  std::lock_guard lock(mu_);
  auto order = LoadOrder(c.storage, c.fields.GetString("order_id"));
  if (!order) return ServerInternal(order.error().message());
  if (!*order || (*order)->account_id != c.account->id) return Malformed("no such order");
  auto changed = RefreshOrder(c.storage, **order, Now());
  if (!changed) return ServerInternal(changed.error().message());
  if (*changed) {
    if (auto s = SaveOrder(c.storage, **order); !s) return ServerInternal(s.error().message());
  }
  Reply r = Reply::Json(200, OrderJson(c, **order));
  r.location = c.Url("order/" + (*order)->id);
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::Finalize(Call& c) {
  const std::string order_id = c.fields.GetString("order_id");
  Order order;
  {
    std::lock_guard lock(mu_);
    auto loaded = LoadOrder(c.storage, order_id);
    if (!loaded) return ServerInternal(loaded.error().message());
    if (!*loaded || (*loaded)->account_id != c.account->id) return Malformed("no such order");
    order = std::move(**loaded);
    auto changed = RefreshOrder(c.storage, order, Now());
    if (!changed) return ServerInternal(changed.error().message());
    if (*changed) {
      if (auto s = SaveOrder(c.storage, order); !s) return ServerInternal(s.error().message());
    }
    if (order.status != "ready") {
      return MakeProblem("orderNotReady", "the order is " + order.status + ", not ready", 403);
    }
    order.status = "processing";
    if (auto s = SaveOrder(c.storage, order); !s) return ServerInternal(s.error().message());
  }
  auto fail = [&](Problem p) -> std::unexpected<Problem> {
    std::lock_guard lock(mu_);
    order.status = "invalid";
    order.error = p.ToJson();
    (void)SaveOrder(c.storage, order);
    return std::unexpected(std::move(p));
  };
  auto put_back_ready = [&](Problem p) -> std::unexpected<Problem> {
    // A bad CSR leaves the order ready, so the client can send a corrected one.
    std::lock_guard lock(mu_);
    order.status = "ready";
    (void)SaveOrder(c.storage, order);
    return std::unexpected(std::move(p));
  };

  const json::value* csr_field = c.payload.if_contains("csr");
  if (csr_field == nullptr || !csr_field->is_string()) {
    return put_back_ready(Problem{"malformed", "finalize needs a csr (base64url DER)", 400});
  }
  auto der = Base64UrlDecode(csr_field->as_string());
  if (!der || der->empty()) return put_back_ready(Problem{"badCSR", "the csr is not base64url", 400});
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der->size())));
  if (!req) return put_back_ready(Problem{"badCSR", "the csr is not a DER PKCS#10 request", 400});
  PkeyPtr pub(X509_REQ_get_pubkey(req.get()));
  if (!pub || X509_REQ_verify(req.get(), pub.get()) != 1) {
    return put_back_ready(Problem{"badCSR", "the csr signature does not verify", 400});
  }
  if (c.account_key->SameKeyAs(pub.get())) {
    return put_back_ready(Problem{"badCSR", "the certificate key must differ from the account key", 400});
  }
  std::set<std::pair<std::string, std::string>> names;
  X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  std::string cn;
  if (int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); idx >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len > 0) cn = Lower(std::string(reinterpret_cast<char*>(utf8), len));
    OPENSSL_free(utf8);
  }
  if (STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get())) {
    auto* sans = static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type == GEN_DNS) {
        const ASN1_IA5STRING* s = gn->d.dNSName;
        names.emplace("dns", Lower(std::string(reinterpret_cast<const char*>(s->data), s->length)));
      } else if (gn->type == GEN_IPADD) {
        names.emplace("ip", IpText(gn->d.iPAddress));
      } else {
        GENERAL_NAMES_free(sans);
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
        return put_back_ready(Problem{"badCSR", "the csr holds a subject alternative name of a type ACME cannot authorize", 400});
      }
    }
    GENERAL_NAMES_free(sans);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  std::set<std::pair<std::string, std::string>> wanted(order.identifiers.begin(), order.identifiers.end());
  if (!cn.empty()) {
    std::string ip = CanonicalIp(cn);
    names.emplace(ip.empty() ? "dns" : "ip", ip.empty() ? cn : ip);
  }
  if (names != wanted) {
    return put_back_ready(Problem{"badCSR", "the csr names do not match the order's identifiers", 400});
  }

  std::optional<std::chrono::seconds> ttl;
  const int64_t now = Now();
  if (!order.not_after.empty()) {
    ttl = std::chrono::seconds(*logical::framework::ParseRfc3339(order.not_after) - now);
  }
  if (c.config.max_ttl_seconds > 0 && (!ttl || ttl->count() > c.config.max_ttl_seconds)) {
    ttl = std::chrono::seconds(c.config.max_ttl_seconds);
  }
  AcmeSignOptions sign_options;
  sign_options.allow_role_ext_key_usage = c.config.allow_role_ext_key_usage;
  auto issued = pki_.SignCsr(c.storage, c.issuer_ref, c.role,
                             std::span(reinterpret_cast<const uint8_t*>(der->data()), der->size()),
                             ttl, sign_options);
  if (!issued) {
    auto p = FromStatus(issued.error(), "badCSR");
    return fail(p.error());
  }
  std::string chain = issued->certificate_pem;
  for (const auto& ca : issued->ca_chain_pem) {
    if (!chain.empty() && chain.back() != '\n') chain.push_back('\n');
    chain += ca;
  }
  std::lock_guard lock(mu_);
  order.status = "valid";
  order.serial = issued->serial_number;
  order.certificate_chain = std::move(chain);
  order.certificate_expiry = issued->expiration;
  if (auto s = SaveCertAccount(c.storage, order.serial, order.account_id); !s) {
    return ServerInternal(s.error().message());
  }
  if (auto s = SaveOrder(c.storage, order); !s) return ServerInternal(s.error().message());
  Reply r = Reply::Json(200, OrderJson(c, order));
  r.location = c.Url("order/" + order.id);
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::GetCertificate(Call& c) {
  auto order = LoadOrder(c.storage, c.fields.GetString("order_id"));
  if (!order) return ServerInternal(order.error().message());
  if (!*order || (*order)->account_id != c.account->id) return Malformed("no such order");
  if ((*order)->status != "valid") return MakeProblem("orderNotReady", "the order has no certificate yet", 403);
  Reply r;
  r.content_type = "application/pem-certificate-chain";
  r.body = (*order)->certificate_chain;
  return r;
}

AcmeResult<AcmeServer::Reply> AcmeServer::GetAuthorization(Call& c) {
  std::lock_guard lock(mu_);
  auto authz = LoadAuthorization(c.storage, c.fields.GetString("auth_id"));
  if (!authz) return ServerInternal(authz.error().message());
  if (!*authz || (*authz)->account_id != c.account->id) return Malformed("no such authorization");
  Authorization& a = **authz;
  bool changed = false;
  if (const json::value* st = c.payload.if_contains("status")) {
    if (!st->is_string() || st->as_string() != "deactivated") {
      return Malformed("an authorization's status may only be set to \"deactivated\"");
    }
    a.status = "deactivated";
    changed = true;
  } else if (a.status == "pending" && Now() >= a.expires) {
    a.status = "expired";
    changed = true;
  }
  if (changed) {
    if (auto s = SaveAuthorization(c.storage, a); !s) return ServerInternal(s.error().message());
  }
  return Reply::Json(200, AuthorizationJson(c, a));
}

AcmeResult<AcmeServer::Reply> AcmeServer::PostChallenge(Call& c) {
  const std::string authz_id = c.fields.GetString("auth_id");
  const std::string type = c.fields.GetString("challenge_type");
  Authorization a;
  {
    std::lock_guard lock(mu_);
    auto loaded = LoadAuthorization(c.storage, authz_id);
    if (!loaded) return ServerInternal(loaded.error().message());
    if (!*loaded || (*loaded)->account_id != c.account->id) return Malformed("no such authorization");
    a = std::move(**loaded);
  }
  auto it = std::ranges::find_if(a.challenges, [&](const Challenge& ch) { return ch.type == type; });
  if (it == a.challenges.end()) return Malformed("the authorization has no " + type + " challenge");
  auto answer = [&](const Authorization& az, const Challenge& ch) {
    Reply r = Reply::Json(200, ChallengeJson(c, az, ch));
    r.link_up = c.Url("authorization/" + az.id);
    return r;
  };
  // POST-as-GET reads the challenge; only a {} payload asks for validation. A settled
  // authorization is not validated again.
  if (c.msg.post_as_get() || a.status != "pending" || it->status != "pending") return answer(a, *it);
  if (Now() >= a.expires) return Malformed("the authorization expired");

  const std::string key_authorization = it->token + "." + c.account_key->Thumbprint();
  std::string host = a.identifier_value;
  if (a.identifier_type == "ip" && host.find(':') != std::string::npos) host = "[" + host + "]";
  AcmeStatus verdict =
      type == "tls-alpn-01"
          ? options_.validate_tls_alpn01(host, options_.tls_alpn01_port, it->token, key_authorization)
          : options_.validate_http01(host, options_.http01_port, it->token, key_authorization);

  std::lock_guard lock(mu_);
  auto reloaded = LoadAuthorization(c.storage, authz_id);
  if (!reloaded || !*reloaded) return ServerInternal("the authorization vanished during validation");
  a = std::move(**reloaded);
  it = std::ranges::find_if(a.challenges, [&](const Challenge& ch) { return ch.type == type; });
  if (a.status == "pending" && it->status == "pending") {
    if (verdict) {
      it->status = "valid";
      it->validated = FormatRfc3339(Now());
      a.status = "valid";
    } else {
      it->status = "invalid";
      it->error = verdict.error().ToJson();
      a.status = "invalid";
    }
    if (auto s = SaveAuthorization(c.storage, a); !s) return ServerInternal(s.error().message());
  }
  return answer(a, *it);
}

AcmeResult<AcmeServer::Reply> AcmeServer::RevokeCert(Call& c) {
  const json::value* cert_field = c.payload.if_contains("certificate");
  if (cert_field == nullptr || !cert_field->is_string()) {
    return Malformed("revoke-cert needs a certificate (base64url DER)");
  }
  if (const json::value* reason = c.payload.if_contains("reason")) {
    if (!reason->is_int64() || reason->as_int64() < 0 || reason->as_int64() > 10 ||
        reason->as_int64() == 7) {
      return MakeProblem("badRevocationReason", "reason must be an RFC 5280 CRLReason code");
    }
  }
  auto der = Base64UrlDecode(cert_field->as_string());
  if (!der || der->empty()) return Malformed("the certificate is not base64url");
  const std::string serial = SerialOfDer(*der);
  if (serial.empty()) return Malformed("the certificate is not DER X.509");
  auto stored = pki_.CertificatePem(c.storage, serial);
  if (!stored) {
    if (stored.error().kind() == ErrorKind::kNotFound) {
      return Malformed("the certificate was not issued by this mount");
    }
    return ServerInternal(stored.error().message());
  }
  if (DerOfPem(*stored) != *der) return Unauthorized("the certificate does not match the one issued");
  if (c.msg.jwk) {
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
    EVP_PKEY* key = cert ? X509_get0_pubkey(cert.get()) : nullptr;
    if (key == nullptr || !c.msg.jwk->SameKeyAs(key)) {
      return Unauthorized("a revocation signed with a jwk must use the certificate's key");
    }
  } else {
    auto owner = CertAccount(c.storage, serial);
    if (!owner) return ServerInternal(owner.error().message());
    if (!*owner || **owner != c.account->id) {
      return Unauthorized("the account did not order this certificate");
    }
  }
  if (auto r = pki_.Revoke(c.storage, serial); !r) {
    if (r.error().message().find("already") != std::string::npos) {
      return MakeProblem("alreadyRevoked", r.error().message());
    }
    return FromStatus(r.error(), "malformed");
  }
  Reply r;
  r.content_type.clear();
  return r;
}

void AcmeServer::Tidy(logical::Storage& storage) {
  auto ids = ListOrderIds(storage);
  if (!ids) return;
  const int64_t now = Now();
  std::lock_guard lock(mu_);
  for (const auto& id : *ids) {
    auto order = LoadOrder(storage, id);
    if (!order || !*order) continue;
    if ((*order)->status != "valid" && (*order)->expires + 86400 <= now) {
      (void)DeleteOrder(storage, **order);
    }
  }
}

}  // namespace arca::pki::acme
