// SoftHSM2 (Debian's softhsm2) for tests of the pkcs11 seal: a configuration file and a token
// directory in a fresh temporary directory, tokens initialised with softhsm2-util, keys imported
// with softhsm2-util --import (from keys made by the openssl command). The object removes the
// directory when destroyed.
//
// The library reads its configuration from the SOFTHSM2_CONF environment variable when it is
// initialised (C_Initialize): a test process that loads the library itself sets it (UseInProcess)
// before the first load; a child process gets it in its environment (env()).
//
// A helper that fails leaves ok() false and error() saying why: tests treat that as a failure,
// never a skip. Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace arca::testing {

class SoftHsm {
 public:
  static constexpr const char* kLib = "/usr/lib/softhsm/libsofthsm2.so";

  SoftHsm();
  ~SoftHsm();
  SoftHsm(const SoftHsm&) = delete;
  SoftHsm& operator=(const SoftHsm&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  const std::string& conf_path() const { return conf_; }
  // {"SOFTHSM2_CONF": conf_path()} for a child process.
  std::map<std::string, std::string> env() const { return {{"SOFTHSM2_CONF", conf_}}; }
  // Sets SOFTHSM2_CONF in this process's environment.
  void UseInProcess() const;

  // Initialises the first free token with `label` and the user PIN `pin`; returns the slot it
  // was given (nullopt and error() on failure).
  std::optional<unsigned long> InitToken(const std::string& label, const std::string& pin);
  // Creates an RSA key pair of `bits` with openssl and imports it (private and public key) into
  // the token `token_label` with `key_label` and the hex `id`. False and error() on failure.
  bool ImportRsaKeyPair(const std::string& token_label, const std::string& pin,
                        const std::string& key_label, const std::string& id, int bits = 2048);
  // Runs softhsm2-util with this configuration; returns its exit code and output.
  int Util(const std::string& args, std::string* out = nullptr) const;

 private:
  bool ok_ = false;
  std::string error_;
  std::string dir_;
  std::string conf_;
};

}  // namespace arca::testing
