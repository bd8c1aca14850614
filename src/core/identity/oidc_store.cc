#include "core/identity/oidc_store.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/uuid.h"
#include "core/identity/oidc_keys.h"

namespace arca::core::identity::oidc {

namespace {

// Zeroes a JSON string in place (private key material read from storage).
void Wipe(json::value& v) {
  if (auto* s = v.if_string(); s && !s->empty()) OPENSSL_cleanse(s->data(), s->size());
}

json::object PrivateToJson(const PrivateKey& k) {
  json::object o;
  o["kid"] = k.kid;
  std::string b64 = Base64Encode(std::string_view(reinterpret_cast<const char*>(k.der.data()),
                                                  k.der.size()));
  o["der"] = b64;
  SecureWipe(b64);
  return o;
}

Result<PrivateKey> PrivateFromJson(json::object& o) {
  PrivateKey k;
  k.kid = StringOr(o, "kid");
  if (k.kid.empty()) return k;
  auto it = o.find("der");
  if (it == o.end() || !it->value().is_string()) return Internal("stored OIDC key without der");
  auto der = Base64Decode(it->value().as_string());
  Wipe(it->value());
  if (!der) return Internal("stored OIDC key: bad base64");
  k.der = SecureBytes::FromString(*der);
  SecureWipe(*der);
  return k;
}

}  // namespace

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Result<std::optional<NamedKey>> LoadKey(logical::Storage& s, std::string_view name) {
  ARCA_ASSIGN_OR_RETURN(auto raw, s.Get(std::string(kNamedKeysPrefix) + std::string(name)));
  if (!raw) return std::optional<NamedKey>();
  auto parsed = ParseJsonObject(*raw);
  SecureWipe(*raw);
  if (!parsed) return Internal("stored OIDC key \"" + std::string(name) + "\" is not JSON");
  json::object& o = *parsed;
  NamedKey k;
  k.name = std::string(name);
  k.algorithm = StringOr(o, "signing_algorithm", "RS256");
  k.rotation_period = IntOr(o, "rotation_period", 86400);
  k.verification_ttl = IntOr(o, "verification_ttl", 86400);
  k.allowed_client_ids = StringsOf(o, "allowed_client_ids");
  k.next_rotation = IntOr(o, "next_rotation");
  if (auto* ring = o.if_contains("key_ring"); ring && ring->is_array()) {
    for (const auto& e : ring->as_array()) {
      if (!e.is_object()) continue;
      k.key_ring.push_back({StringOr(e.as_object(), "key_id"), IntOr(e.as_object(), "expire_at")});
    }
  }
  for (auto [field, target] : {std::pair{"signing_key", &k.signing}, {"next_signing_key", &k.next}}) {
    if (auto* v = o.if_contains(field); v && v->is_object()) {
      ARCA_ASSIGN_OR_RETURN(*target, PrivateFromJson(v->as_object()));
    }
  }
  return std::optional<NamedKey>(std::move(k));
}

Status SaveKey(logical::Storage& s, const NamedKey& key, std::vector<logical::WriteOp> extra) {
  json::object o;
  o["signing_algorithm"] = key.algorithm;
  o["rotation_period"] = key.rotation_period;
  o["verification_ttl"] = key.verification_ttl;
  o["allowed_client_ids"] = ToJsonArray(key.allowed_client_ids);
  o["next_rotation"] = key.next_rotation;
  json::array ring;
  for (const auto& e : key.key_ring) ring.push_back(json::object{{"key_id", e.kid}, {"expire_at", e.expire_at}});
  o["key_ring"] = std::move(ring);
  if (!key.signing.empty()) o["signing_key"] = PrivateToJson(key.signing);
  if (!key.next.empty()) o["next_signing_key"] = PrivateToJson(key.next);
  logical::WriteOp op;
  op.key = std::string(kNamedKeysPrefix) + key.name;
  op.value = json::serialize(o);
  for (const char* f : {"signing_key", "next_signing_key"}) {
    if (auto* v = o.if_contains(f)) Wipe(v->as_object()["der"]);
  }
  // Public keys first: a crash between the writes of a non-transactional store leaves at most
  // an unused public key, which ExpireKeys deletes.
  extra.push_back(std::move(op));
  Status st = s.Commit(extra);
  SecureWipe(extra.back().value);
  return st;
}

Result<std::optional<Role>> LoadRole(logical::Storage& s, std::string_view name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, std::string(kRolesPrefix) + std::string(name)));
  if (!v || !v->is_object()) return std::optional<Role>();
  const json::object& o = v->as_object();
  Role r;
  r.name = std::string(name);
  r.key = StringOr(o, "key");
  r.templ = StringOr(o, "template");
  r.ttl = IntOr(o, "token_ttl", 86400);
  r.client_id = StringOr(o, "client_id");
  return std::optional<Role>(std::move(r));
}

Status SaveRole(logical::Storage& s, const Role& r) {
  json::object o{{"key", r.key}, {"template", r.templ}, {"token_ttl", r.ttl},
                 {"client_id", r.client_id}};
  return logical::PutJson(s, std::string(kRolesPrefix) + r.name, o);
}

Result<std::vector<Role>> AllRoles(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto names, s.List(kRolesPrefix));
  std::vector<Role> out;
  for (const auto& n : names) {
    if (n.empty() || n.back() == '/') continue;
    ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(s, n));
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

Result<PrivateKey> GenerateKey(NamedKey& key, std::vector<logical::WriteOp>& ops) {
  ARCA_ASSIGN_OR_RETURN(OidcSigningKey k, OidcSigningKey::Generate(key.algorithm));
  PrivateKey out;
  out.kid = GenerateUuid();
  ARCA_ASSIGN_OR_RETURN(out.der, k.PrivateDer());
  ARCA_ASSIGN_OR_RETURN(json::object jwk, k.PublicJwk(out.kid));
  ARCA_ASSIGN_OR_RETURN(std::string spki, k.PublicDer());
  json::object entry{{"jwk", std::move(jwk)}, {"der", Base64Encode(spki)}};
  logical::WriteOp op;
  op.key = std::string(kPublicKeysPrefix) + out.kid;
  op.value = json::serialize(entry);
  ops.push_back(std::move(op));
  key.key_ring.push_back({out.kid, 0});
  return out;
}

Status Rotate(logical::Storage& s, NamedKey& key, int64_t verification_ttl, TimePoint now) {
  const int64_t ttl = verification_ttl >= 0 ? verification_ttl : key.verification_ttl;
  const int64_t t = UnixSeconds(now);
  std::vector<logical::WriteOp> ops;
  if (!key.signing.empty()) {
    for (auto& e : key.key_ring) {
      if (e.kid == key.signing.kid) e.expire_at = t + ttl;
    }
  }
  if (key.next.empty()) {
    ARCA_ASSIGN_OR_RETURN(key.next, GenerateKey(key, ops));
  }
  key.signing = std::move(key.next);
  key.next_rotation = t + key.rotation_period;
  ARCA_ASSIGN_OR_RETURN(key.next, GenerateKey(key, ops));
  return SaveKey(s, key, std::move(ops));
}

Status ExpireKeys(logical::Storage& s, TimePoint now) {
  const int64_t t = UnixSeconds(now);
  ARCA_ASSIGN_OR_RETURN(auto names, s.List(kNamedKeysPrefix));
  std::set<std::string> used;
  for (const auto& n : names) {
    if (n.empty() || n.back() == '/') continue;
    ARCA_ASSIGN_OR_RETURN(auto key, LoadKey(s, n));
    if (!key) continue;
    size_t before = key->key_ring.size();
    std::erase_if(key->key_ring, [&](const NamedKey::RingEntry& e) {
      return e.expire_at != 0 && e.expire_at <= t;
    });
    for (const auto& e : key->key_ring) used.insert(e.kid);
    if (key->key_ring.size() != before) ARCA_RETURN_IF_ERROR(SaveKey(s, *key));
  }
  ARCA_ASSIGN_OR_RETURN(auto kids, s.List(kPublicKeysPrefix));
  for (const auto& kid : kids) {
    if (kid.empty() || kid.back() == '/' || used.contains(kid)) continue;
    ARCA_RETURN_IF_ERROR(s.Delete(std::string(kPublicKeysPrefix) + kid));
  }
  return OkStatus();
}

Result<std::vector<PublicKey>> PublishedKeys(logical::Storage& s, TimePoint now,
                                             TimePoint* next_change) {
  const int64_t t = UnixSeconds(now);
  int64_t soonest = 0;
  auto note = [&](int64_t when) {
    if (when > t && (soonest == 0 || when < soonest)) soonest = when;
  };
  ARCA_ASSIGN_OR_RETURN(auto roles, AllRoles(s));
  std::set<std::string> key_names;
  for (const auto& r : roles) key_names.insert(r.key);
  std::vector<PublicKey> out;
  std::set<std::string> seen;
  for (const auto& name : key_names) {
    ARCA_ASSIGN_OR_RETURN(auto key, LoadKey(s, name));
    if (!key) continue;
    note(key->next_rotation);
    for (const auto& e : key->key_ring) {
      if (e.expire_at != 0 && e.expire_at <= t) continue;
      if (e.expire_at != 0) note(e.expire_at);
      if (!seen.insert(e.kid).second) continue;
      ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, std::string(kPublicKeysPrefix) + e.kid));
      if (!v || !v->is_object()) continue;
      PublicKey pk;
      pk.jwk = ObjectOr(v->as_object(), "jwk");
      auto der = Base64Decode(StringOr(v->as_object(), "der"));
      if (!der) return Internal("stored OIDC public key: bad base64");
      pk.der = std::move(*der);
      pk.alg = StringOr(pk.jwk, "alg");
      out.push_back(std::move(pk));
    }
  }
  if (next_change) {
    *next_change = soonest == 0 ? TimePoint{} : TimePoint(std::chrono::seconds(soonest));
  }
  return out;
}

Result<Config> LoadConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kConfigKey));
  Config c;
  if (v && v->is_object()) c.issuer = StringOr(v->as_object(), "issuer");
  return c;
}

}  // namespace arca::core::identity::oidc
