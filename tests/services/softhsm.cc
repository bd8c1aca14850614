#include "services/softhsm.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "services/services.h"

namespace arca::testing {

SoftHsm::SoftHsm() {
  if (::access(kLib, R_OK) != 0) {
    error_ = std::string(kLib) + " is missing: install softhsm2 (scripts/install-deps.sh)";
    return;
  }
  std::string tmpl = "/tmp/arca-softhsm-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  std::filesystem::create_directory(dir_ + "/tokens");
  conf_ = dir_ + "/softhsm2.conf";
  std::ofstream f(conf_);
  f << "directories.tokendir = " << dir_ << "/tokens\n"
    << "objectstore.backend = file\n"
    << "log.level = ERROR\n"
    << "slots.removable = false\n"
    << "slots.mechanisms = ALL\n"
    << "library.reset_on_fork = false\n";
  f.close();
  ok_ = f.good();
  if (!ok_) error_ = "cannot write " + conf_;
}

SoftHsm::~SoftHsm() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void SoftHsm::UseInProcess() const { ::setenv("SOFTHSM2_CONF", conf_.c_str(), 1); }

int SoftHsm::Util(const std::string& args, std::string* out) const {
  return RunShell("SOFTHSM2_CONF=" + ShellQuote(conf_) + " softhsm2-util " + args, out);
}

std::optional<unsigned long> SoftHsm::InitToken(const std::string& label, const std::string& pin) {
  std::string out;
  int rc = Util("--init-token --free --label " + ShellQuote(label) + " --pin " + ShellQuote(pin) +
                    " --so-pin " + ShellQuote(pin + "-so"),
                &out);
  std::smatch m;
  std::regex re("reassigned to slot ([0-9]+)");
  if (rc != 0 || !std::regex_search(out, m, re)) {
    ok_ = false;
    error_ = "softhsm2-util --init-token failed: " + out;
    return std::nullopt;
  }
  return std::stoul(m[1]);
}

bool SoftHsm::ImportRsaKeyPair(const std::string& token_label, const std::string& pin,
                               const std::string& key_label, const std::string& id, int bits) {
  std::string pem = dir_ + "/" + key_label + ".pem";
  std::string out;
  int rc = RunShell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:" +
                        std::to_string(bits) + " -out " + ShellQuote(pem),
                    &out);
  if (rc != 0) {
    ok_ = false;
    error_ = "openssl genpkey failed: " + out;
    return false;
  }
  rc = Util("--import " + ShellQuote(pem) + " --token " + ShellQuote(token_label) + " --label " +
                ShellQuote(key_label) + " --id " + ShellQuote(id) + " --pin " + ShellQuote(pin),
            &out);
  std::filesystem::remove(pem);
  if (rc != 0) {
    ok_ = false;
    error_ = "softhsm2-util --import failed: " + out;
    return false;
  }
  return true;
}

}  // namespace arca::testing
