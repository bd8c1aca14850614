// A throw-away GnuPG home for tests, driven through the real `gpg` binary: key pairs without a
// passphrase, public/secret key export, decryption. The directory and the gpg-agent that gpg
// starts in it (for secret-key work) are stopped and removed by the destructor.
//
// A step that fails leaves its result empty and error() saying why (gpg's output); tests treat
// that as a failure. Not thread-safe.
#pragma once

#include <string>

namespace arca::testing {

class GnupgHome {
 public:
  GnupgHome();
  ~GnupgHome();
  GnupgHome(const GnupgHome&) = delete;
  GnupgHome& operator=(const GnupgHome&) = delete;

  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

  // `gpg --quick-gen-key uid algo usage expire` without a passphrase; returns the primary key's
  // fingerprint (upper-case hex) or "" on failure. `algo` "future-default" is an ed25519 primary
  // with a cv25519 encryption subkey; usage "sign" with algo "ed25519" gives a key that cannot
  // encrypt. `faked_time` ("20200101T000000") makes gpg believe it is then (an expire of "1d"
  // gives a key that has long expired).
  std::string GenerateKey(const std::string& uid, const std::string& algo = "future-default",
                          const std::string& usage = "default",
                          const std::string& expire = "never",
                          const std::string& faked_time = "");
  // `gpg --export` (binary, or ASCII-armored) of one key; "" on failure.
  std::string ExportPublic(const std::string& fingerprint, bool armor = false);
  // `gpg --export-secret-keys` (binary); "" on failure.
  std::string ExportSecret(const std::string& fingerprint);
  // `gpg --decrypt` of a binary or armored message with the secret keys of this home; false (and
  // error()) when gpg fails.
  bool Decrypt(const std::string& message, std::string* plaintext);

 private:
  int Gpg(const std::string& args, std::string* out = nullptr);

  std::string path_;
  std::string error_;
  int files_ = 0;
};

}  // namespace arca::testing
