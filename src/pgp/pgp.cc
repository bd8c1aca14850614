#include "pgp/pgp.h"

#include <gpgme.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "common/encoding.h"

namespace arca::pgp {
namespace {

constexpr std::string_view kKeybasePrefix = "keybase:";
constexpr std::string_view kDecodeError = "error decoding given PGP key: ";
constexpr std::string_view kParseError = "error parsing given PGP key: ";
constexpr std::string_view kExportHint = "give the base64 of the binary public key (gpg --export KEYID | base64 -w0)";

std::string GpgErrorText(gpgme_error_t e) {
  char buf[256];
  gpgme_strerror_r(e, buf, sizeof(buf));  // the thread-safe variant
  return buf;
}

Status InitGpgme() {
  static std::once_flag once;
  static std::string error;  // written once, under call_once
  std::call_once(once, [] {
    if (gpgme_check_version(nullptr) == nullptr) {
      error = "the GnuPG library (gpgme) did not initialise";
      return;
    }
    if (gpgme_error_t e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)) {
      error = "GnuPG (gpg) is not usable: " + GpgErrorText(e);
    }
  });
  if (!error.empty()) return Internal(error);
  return OkStatus();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Go's base64 decoder (which Vault uses) skips '\r' and '\n'.
Result<std::string> DecodeKey(std::string_view key_base64) {
  std::string compact;
  compact.reserve(key_base64.size());
  for (char c : key_base64) {
    if (c != '\r' && c != '\n') compact.push_back(c);
  }
  auto bytes = Base64Decode(compact);
  if (!bytes) return InvalidRequest(std::string(kDecodeError) + bytes.error().message());
  return bytes;
}

// One private GnuPG home and a gpgme context bound to it; both go away with the object.
class Session {
 public:
  Session() = default;
  ~Session() {
    if (ctx_ != nullptr) gpgme_release(ctx_);
    if (!home_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(home_, ec);
    }
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Status Open() {
    ARCA_RETURN_IF_ERROR(InitGpgme());
    const char* tmp = ::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/arca-gpg-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {  // mode 0700
      return Internal("cannot create a temporary GnuPG home in " + tmpl.substr(0, tmpl.rfind('/')));
    }
    home_ = tmpl;
    {
      // gpg-agent is for secret keys; public-key work needs none, so none is started.
      std::ofstream conf(home_ + "/gpg.conf");
      conf << "no-autostart\n";
      if (!conf) return Internal("cannot write the temporary GnuPG configuration");
    }
    if (gpgme_error_t e = gpgme_new(&ctx_)) return Internal("gpgme: " + GpgErrorText(e));
    if (gpgme_error_t e = gpgme_set_protocol(ctx_, GPGME_PROTOCOL_OpenPGP)) {
      return Internal("gpgme: " + GpgErrorText(e));
    }
    if (gpgme_error_t e = gpgme_ctx_set_engine_info(ctx_, GPGME_PROTOCOL_OpenPGP, nullptr, home_.c_str())) {
      return Internal("gpgme: " + GpgErrorText(e));
    }
    gpgme_set_armor(ctx_, 0);
    gpgme_set_offline(ctx_, 1);
    gpgme_set_keylist_mode(ctx_, GPGME_KEYLIST_MODE_LOCAL);
    return OkStatus();
  }

  // Imports one binary public key; returns its fingerprint (upper-case hex, gpg's form).
  Result<std::string> Import(std::string_view bytes) {
    if (bytes.empty()) return InvalidRequest(std::string(kParseError) + "no key data");
    gpgme_data_t in = nullptr;
    if (gpgme_error_t e = gpgme_data_new_from_mem(&in, bytes.data(), bytes.size(), 0)) {
      return Internal("gpgme: " + GpgErrorText(e));
    }
    gpgme_error_t e = gpgme_op_import(ctx_, in);
    gpgme_data_release(in);
    if (e) return InvalidRequest(std::string(kParseError) + GpgErrorText(e));
    gpgme_import_result_t r = gpgme_op_import_result(ctx_);
    if (r == nullptr) return Internal("gpgme: no import result");
    if (r->secret_read > 0) {
      return InvalidRequest(std::string(kParseError) + "a secret key was given; " + std::string(kExportHint));
    }
    if (r->considered > 1) {
      return InvalidRequest(std::string(kParseError) + "more than one key found; give exactly one");
    }
    std::string fpr;
    for (gpgme_import_status_t s = r->imports; s != nullptr; s = s->next) {
      if (s->result != 0) {
        return InvalidRequest(std::string(kParseError) + GpgErrorText(s->result));
      }
      if (s->fpr != nullptr && fpr.empty()) fpr = s->fpr;
    }
    if (r->considered == 0 || fpr.empty()) {
      return InvalidRequest(std::string(kParseError) + "no OpenPGP public key found in the data");
    }
    // The key must be able to encrypt now.
    gpgme_key_t key = nullptr;
    if (gpgme_error_t ge = gpgme_get_key(ctx_, fpr.c_str(), &key, 0)) {
      return InvalidRequest(std::string(kParseError) + GpgErrorText(ge));
    }
    std::string why;
    if (key->revoked) why = "it is revoked";
    else if (key->expired) why = "it has expired";
    else if (key->disabled) why = "it is disabled";
    else if (key->invalid) why = "it is invalid";
    else if (!key->can_encrypt) why = "it has no valid encryption key (expired, revoked or sign-only subkeys)";
    gpgme_key_unref(key);
    if (!why.empty()) {
      return InvalidRequest(std::string(kParseError) + "cannot encrypt a message to key " + Lower(fpr) +
                            ": " + why);
    }
    return fpr;
  }

  // Imports a key given as Vault takes it (see pgp.h).
  Result<std::string> ImportBase64(const std::string& key_base64) {
    if (IsKeybase(key_base64)) {
      return InvalidRequest(std::string(kParseError) + "Keybase lookups (\"" + key_base64.substr(0, 64) +
                            "\") are not supported: Arca does not contact Keybase; " +
                            std::string(kExportHint));
    }
    ARCA_ASSIGN_OR_RETURN(std::string bytes, DecodeKey(key_base64));
    if (std::string_view(bytes).find("-----BEGIN PGP") != std::string_view::npos) {
      return InvalidRequest(std::string(kParseError) + "an ASCII-armored key was given; " +
                            std::string(kExportHint));
    }
    return Import(bytes);
  }

  // Encrypts `plaintext` to the imported key `fpr`; returns the binary message.
  Result<std::string> Encrypt(std::string_view plaintext, const std::string& fpr) {
    gpgme_key_t key = nullptr;
    if (gpgme_error_t e = gpgme_get_key(ctx_, fpr.c_str(), &key, 0)) {
      return Internal("gpgme: key lookup: " + GpgErrorText(e));
    }
    gpgme_data_t in = nullptr, out = nullptr;
    gpgme_error_t e = gpgme_data_new_from_mem(&in, plaintext.data(), plaintext.size(), 0);
    if (!e) e = gpgme_data_set_flag(in, "sensitive", "1");  // gpgme wipes its buffers of it
    if (!e) e = gpgme_data_new(&out);
    if (!e) {
      gpgme_key_t recipients[2] = {key, nullptr};
      e = gpgme_op_encrypt(ctx_, recipients,
                           static_cast<gpgme_encrypt_flags_t>(GPGME_ENCRYPT_ALWAYS_TRUST |
                                                              GPGME_ENCRYPT_NO_ENCRYPT_TO),
                           in, out);
    }
    gpgme_key_unref(key);
    if (in != nullptr) gpgme_data_release(in);
    std::string message;
    if (out != nullptr) {
      size_t n = 0;
      char* buf = gpgme_data_release_and_get_mem(out, &n);
      if (buf != nullptr) {
        message.assign(buf, n);
        gpgme_free(buf);
      }
    }
    if (e) {
      gpgme_encrypt_result_t r = gpgme_op_encrypt_result(ctx_);
      if (r != nullptr && r->invalid_recipients != nullptr) {
        return InvalidRequest("error setting up encryption for PGP message: cannot encrypt a message to key " +
                              Lower(fpr) + ": " + GpgErrorText(r->invalid_recipients->reason));
      }
      return Internal("error encrypting PGP message: " + GpgErrorText(e));
    }
    if (message.empty()) return Internal("error encrypting PGP message: gpg produced no output");
    return message;
  }

  // The binary export of an imported key.
  Result<std::string> Export(const std::string& fpr) {
    gpgme_data_t out = nullptr;
    if (gpgme_error_t e = gpgme_data_new(&out)) return Internal("gpgme: " + GpgErrorText(e));
    gpgme_error_t e = gpgme_op_export(ctx_, fpr.c_str(), 0, out);
    size_t n = 0;
    char* buf = gpgme_data_release_and_get_mem(out, &n);
    std::string bytes;
    if (buf != nullptr) {
      bytes.assign(buf, n);
      gpgme_free(buf);
    }
    if (e) return Internal("gpgme: export: " + GpgErrorText(e));
    if (bytes.empty()) return Internal("gpgme: export produced nothing");
    return bytes;
  }

 private:
  std::string home_;
  gpgme_ctx_t ctx_ = nullptr;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsKeybase(std::string_view key) { return Trim(key).starts_with(kKeybasePrefix); }

Result<std::vector<std::string>> Fingerprints(const std::vector<std::string>& keys_base64) {
  Session s;
  ARCA_RETURN_IF_ERROR(s.Open());
  std::vector<std::string> out;
  out.reserve(keys_base64.size());
  for (const auto& k : keys_base64) {
    ARCA_ASSIGN_OR_RETURN(std::string fpr, s.ImportBase64(k));
    out.push_back(Lower(std::move(fpr)));
  }
  return out;
}

Result<EncryptedValues> EncryptEach(std::span<const SecureBytes> plaintexts,
                                    const std::vector<std::string>& keys_base64) {
  if (plaintexts.size() != keys_base64.size()) {
    return InvalidRequest("mismatch between number items to encrypt and number of PGP keys");
  }
  Session s;
  ARCA_RETURN_IF_ERROR(s.Open());
  std::vector<std::string> fprs;
  fprs.reserve(keys_base64.size());
  for (const auto& k : keys_base64) {
    ARCA_ASSIGN_OR_RETURN(std::string fpr, s.ImportBase64(k));
    fprs.push_back(std::move(fpr));
  }
  EncryptedValues out;
  for (size_t i = 0; i < plaintexts.size(); ++i) {
    ARCA_ASSIGN_OR_RETURN(std::string msg, s.Encrypt(plaintexts[i].view(), fprs[i]));
    out.messages.push_back(std::move(msg));
    out.fingerprints.push_back(Lower(fprs[i]));
  }
  return out;
}

Result<EncryptedShares> EncryptShares(std::span<const SecureBytes> shares,
                                      const std::vector<std::string>& keys_base64) {
  std::vector<SecureBytes> hex;
  hex.reserve(shares.size());
  for (const auto& share : shares) {
    std::string h = HexEncode(share.view());
    hex.push_back(SecureBytes::FromString(h));
    SecureWipe(h);
  }
  ARCA_ASSIGN_OR_RETURN(EncryptedValues enc, EncryptEach(hex, keys_base64));
  EncryptedShares out;
  for (const auto& m : enc.messages) {
    out.keys_hex.push_back(HexEncode(m));
    out.keys_base64.push_back(Base64Encode(m));
  }
  out.fingerprints = std::move(enc.fingerprints);
  return out;
}

Result<std::string> EncryptTokenBase64(std::string_view token, const std::string& key_base64) {
  std::vector<SecureBytes> plain;
  plain.push_back(SecureBytes::FromString(token));
  ARCA_ASSIGN_OR_RETURN(EncryptedValues enc, EncryptEach(plain, {key_base64}));
  return Base64Encode(enc.messages[0]);
}

Result<std::string> KeyFileToBase64(std::string_view contents, std::string_view name) {
  std::string_view text = Trim(contents);
  if (text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string_view::npos) {
    Session s;
    ARCA_RETURN_IF_ERROR(s.Open());
    auto fpr = s.Import(text);
    if (!fpr) {
      if (fpr.error().message().find("more than one key") != std::string::npos) {
        return InvalidRequest("more than one key found in file \"" + std::string(name) + "\"");
      }
      return InvalidRequest("error reading PGP key file \"" + std::string(name) + "\": " +
                            fpr.error().message());
    }
    ARCA_ASSIGN_OR_RETURN(std::string bytes, s.Export(*fpr));
    return Base64Encode(bytes);
  }
  std::string compact;
  for (char c : text) {
    if (c != '\r' && c != '\n') compact.push_back(c);
  }
  if (!compact.empty() && Base64Decode(compact)) return compact;
  if (contents.empty()) return InvalidRequest("PGP key file \"" + std::string(name) + "\" is empty");
  return Base64Encode(contents);
}

}  // namespace arca::pgp
