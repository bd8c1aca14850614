// BYOK import (Vault's wrapping scheme): GET wrapping_key, POST keys/:name/import,
// POST keys/:name/import_version.
//
// The client wraps its key material with an ephemeral AES-256 key using AES key wrap with
// padding (RFC 5649), encrypts the ephemeral key with RSA-OAEP under the mount's RSA-4096
// wrapping key (hash_function for OAEP and MGF1), and sends base64(rsa_part || kwp_part).
// Asymmetric key material is PKCS#8 DER.
#include <openssl/evp.h>

#include "common/encoding.h"
#include "engines/transit/internal.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldMap;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;

constexpr char kWrappingKeyStorage[] = "import/wrapping_key";
constexpr size_t kWrappingKeyBytes = 512;  // RSA-4096 ciphertext size

Result<PkeyPtr> WrappingKey(State& st, logical::Storage& s) {
  std::lock_guard lock(st.wrapping_mu);
  if (st.wrapping_key) return st.wrapping_key;
  ARCA_ASSIGN_OR_RETURN(auto stored, logical::GetJson(s, kWrappingKeyStorage));
  SecureBytes der;
  if (stored && stored->is_object() && stored->as_object().contains("key") &&
      stored->as_object().at("key").is_string()) {
    auto raw = Base64Decode(std::string_view(stored->as_object().at("key").as_string()));
    if (!raw) return Internal("transit: corrupt wrapping key");
    der = SecureBytes::FromString(*raw);
    SecureWipe(*raw);
  } else {
    ARCA_ASSIGN_OR_RETURN(der, GenerateAsymmetricKey(KeyType::kRsa4096));
    json::object o;
    o["key"] = Base64Encode(der.view());
    ARCA_RETURN_IF_ERROR(logical::PutJson(s, kWrappingKeyStorage, o));
  }
  ARCA_ASSIGN_OR_RETURN(st.wrapping_key, ParsePrivateKey(KeyType::kRsa4096, der.span()));
  return st.wrapping_key;
}

Result<SecureBytes> KwpUnwrap(std::span<const uint8_t> kek, std::string_view wrapped) {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-WRAP-PAD", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  SecureBytes out(wrapped.size() + 16);
  int len = 0;
  int fin = 0;
  bool ok = ctx != nullptr && cipher != nullptr && kek.size() == 32;
  if (ok) {
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    ok = EVP_DecryptInit_ex2(ctx, cipher, kek.data(), nullptr, nullptr) == 1 &&
         EVP_DecryptUpdate(ctx, out.data(), &len,
                           reinterpret_cast<const unsigned char*>(wrapped.data()),
                           static_cast<int>(wrapped.size())) == 1 &&
         EVP_DecryptFinal_ex(ctx, out.data() + len, &fin) == 1;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return InvalidRequest("failed to unwrap the imported key: authentication failed");
  SecureBytes material(out.data(), static_cast<size_t>(len + fin));
  return material;
}

Result<SecureBytes> Unwrap(State& st, logical::Storage& s, const FieldData& d) {
  const std::string b64 = d.GetString("ciphertext");
  if (b64.empty()) return InvalidRequest("missing ciphertext");
  auto raw = Base64Decode(b64);
  if (!raw) return InvalidRequest("failed to base64-decode ciphertext");
  if (raw->size() <= kWrappingKeyBytes) return InvalidRequest("ciphertext is too short");
  std::string hash = d.GetString("hash_function");
  const std::string vault_name = hash == "SHA1"     ? "sha1"
                                 : hash == "SHA224" ? "sha2-224"
                                 : hash == "SHA256" ? "sha2-256"
                                 : hash == "SHA384" ? "sha2-384"
                                 : hash == "SHA512" ? "sha2-512"
                                                    : "";
  if (vault_name.empty()) return InvalidRequest("unsupported hash_function: " + hash);
  ARCA_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg, crypto::ParseHashAlgorithm(vault_name));
  ARCA_ASSIGN_OR_RETURN(PkeyPtr wrapping, WrappingKey(st, s));
  ARCA_ASSIGN_OR_RETURN(
      std::string ephemeral,
      RsaOaepDecrypt(wrapping.get(), std::string_view(*raw).substr(0, kWrappingKeyBytes),
                     DigestFor(alg)));
  SecureBytes kek = SecureBytes::FromString(ephemeral);
  SecureWipe(ephemeral);
  return KwpUnwrap(kek.span(), std::string_view(*raw).substr(kWrappingKeyBytes));
}

Result<Response> ReadWrappingKey(State& st, Request& req, FieldData&) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PkeyPtr key, WrappingKey(st, *s));
  ARCA_ASSIGN_OR_RETURN(std::string pem, PublicKeyText(KeyType::kRsa4096, key.get()));
  Response resp;
  resp.data["public_key"] = std::move(pem);
  return resp;
}

Result<Response> Import(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  const std::string name = d.GetString("name");
  ARCA_ASSIGN_OR_RETURN(PolicyPtr existing, st.keys.Get(*s, name));
  if (existing) {
    return InvalidRequest(
        "the import path cannot be used with an existing key; use import-version to rotate an "
        "existing imported key");
  }
  KeyOptions opts;
  ARCA_ASSIGN_OR_RETURN(opts.type, ParseKeyType(d.GetString("type")));
  if (opts.type == KeyType::kHmac) opts.key_size = 0;
  opts.derived = d.GetBool("derived");
  opts.exportable = d.GetBool("exportable");
  opts.allow_plaintext_backup = d.GetBool("allow_plaintext_backup");
  opts.auto_rotate_period = d.GetDuration("auto_rotate_period").count();
  ARCA_ASSIGN_OR_RETURN(Policy p, Policy::CreateEmpty(name, opts));
  p.imported = true;
  p.allow_rotation = d.GetBool("allow_rotation");
  ARCA_ASSIGN_OR_RETURN(SecureBytes material, Unwrap(st, *s, d));
  ARCA_RETURN_IF_ERROR(p.AddVersion(std::move(material), st.keys.Now()));
  bool created = false;
  auto made = std::make_shared<Policy>(std::move(p));
  ARCA_ASSIGN_OR_RETURN(
      PolicyPtr stored,
      st.keys.GetOrCreate(
          *s, name, [&]() -> Result<Policy> { return std::move(*made); }, &created));
  if (!created) return InvalidRequest("key \"" + name + "\" already exists");
  return KeyResponse(*stored);
}

Result<Response> ImportVersion(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  const std::string name = d.GetString("name");
  ARCA_ASSIGN_OR_RETURN(PolicyPtr existing, st.keys.Get(*s, name));
  if (!existing) return InvalidRequest("key not found");
  if (!existing->imported)
    return InvalidRequest("the key was not imported: cannot import a version");
  ARCA_ASSIGN_OR_RETURN(SecureBytes material, Unwrap(st, *s, d));
  auto shared = std::make_shared<SecureBytes>(std::move(material));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Update(*s, name, [&](Policy& q) {
    return q.AddVersion(std::move(*shared), st.keys.Now());
  }));
  return KeyResponse(*p);
}

FieldMap ImportFields() {
  FieldMap f;
  f["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  f["ciphertext"] = {.type = FieldType::kString,
                     .description = "base64(RSA-OAEP(ephemeral key) || KWP(key material))."};
  f["hash_function"] = {.type = FieldType::kString,
                        .description = "OAEP hash: SHA1, SHA224, SHA256, SHA384, SHA512.",
                        .default_value = "SHA256"};
  return f;
}

}  // namespace

std::vector<Path> ImportPaths(const StatePtr& st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  std::vector<Path> paths;

  Path wrap;
  wrap.pattern = "wrapping_key";
  wrap.operations[Operation::kRead] = {bind(ReadWrappingKey), "Read the BYOK wrapping key."};
  wrap.help_synopsis = "The public key to wrap keys for import.";
  paths.push_back(std::move(wrap));

  Path imp;
  imp.pattern = "keys/" + GenericNameRegex("name") + "/import";
  imp.fields = ImportFields();
  imp.fields["type"] = {.type = FieldType::kString,
                        .description = "Type of the key.",
                        .default_value = "aes256-gcm96"};
  imp.fields["allow_rotation"] = {.type = FieldType::kBool,
                                  .description = "Whether the engine may rotate the key."};
  imp.fields["derived"] = {.type = FieldType::kBool, .description = "Key derivation."};
  imp.fields["exportable"] = {.type = FieldType::kBool, .description = "Enables export."};
  imp.fields["allow_plaintext_backup"] = {.type = FieldType::kBool,
                                          .description = "Enables plaintext backup."};
  imp.fields["auto_rotate_period"] = {.type = FieldType::kDuration,
                                      .description = "Automatic rotation period."};
  imp.fields["context"] = {.type = FieldType::kString, .description = "Unused."};
  imp.operations[Operation::kUpdate] = {bind(Import), "Import a wrapped key."};
  imp.help_synopsis = "Import an externally generated key.";
  paths.push_back(std::move(imp));

  Path ver;
  ver.pattern = "keys/" + GenericNameRegex("name") + "/import_version";
  ver.fields = ImportFields();
  ver.operations[Operation::kUpdate] = {bind(ImportVersion), "Import a new key version."};
  ver.help_synopsis = "Import a new version of an imported key.";
  paths.push_back(std::move(ver));
  return paths;
}

}  // namespace arca::engines::transit
