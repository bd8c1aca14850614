#include "services/gnupg.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/services.h"

namespace arca::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

GnupgHome::GnupgHome() {
  std::string tmpl = "/tmp/arca-gnupg-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  path_ = tmpl;
}

GnupgHome::~GnupgHome() {
  if (path_.empty()) return;
  // Stops the gpg-agent that key generation and decryption started for this home.
  std::system(("GNUPGHOME=" + ShellQuote(path_) + " gpgconf --kill all >/dev/null 2>&1").c_str());
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int GnupgHome::Gpg(const std::string& args, std::string* out) {
  std::string err_file = path_ + "/stderr.txt";
  std::string cmd = "GNUPGHOME=" + ShellQuote(path_) + " gpg --batch --no-tty " + args + " 2>" +
                    ShellQuote(err_file);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    error_ = "popen failed";
    return -1;
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = ::pclose(p);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (out != nullptr) *out = text;
  if (code != 0) error_ = "gpg " + args + " exited " + std::to_string(code) + ": " + ReadFile(err_file);
  return code;
}

std::string GnupgHome::GenerateKey(const std::string& uid, const std::string& algo,
                                   const std::string& usage, const std::string& expire,
                                   const std::string& faked_time) {
  if (path_.empty()) return "";
  std::string time = faked_time.empty() ? "" : "--faked-system-time " + ShellQuote(faked_time) + " ";
  if (Gpg(time + "--passphrase '' --pinentry-mode loopback --quick-gen-key " + ShellQuote(uid) + " " +
          ShellQuote(algo) + " " + ShellQuote(usage) + " " + ShellQuote(expire)) != 0) {
    return "";
  }
  std::string listing;
  if (Gpg("--with-colons --list-keys " + ShellQuote(uid), &listing) != 0) return "";
  // The first "fpr:" record follows the "pub:" record: the primary key's fingerprint.
  std::istringstream lines(listing);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("fpr:", 0) != 0) continue;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 10 && std::getline(fields, field, ':'); ++i) {
    }
    if (!field.empty()) return field;  // field 10: the fingerprint
  }
  error_ = "no fingerprint in gpg's listing: " + listing;
  return "";
}

std::string GnupgHome::ExportPublic(const std::string& fingerprint, bool armor) {
  std::string out;
  if (Gpg(std::string(armor ? "--armor " : "") + "--export " + ShellQuote(fingerprint), &out) != 0) return "";
  if (out.empty()) error_ = "gpg --export wrote nothing for " + fingerprint;
  return out;
}

std::string GnupgHome::ExportSecret(const std::string& fingerprint) {
  std::string out;
  if (Gpg("--pinentry-mode loopback --passphrase '' --export-secret-keys " + ShellQuote(fingerprint),
          &out) != 0) {
    return "";
  }
  if (out.empty()) error_ = "gpg --export-secret-keys wrote nothing for " + fingerprint;
  return out;
}

bool GnupgHome::Decrypt(const std::string& message, std::string* plaintext) {
  std::string in = path_ + "/message-" + std::to_string(++files_);
  {
    std::ofstream f(in, std::ios::binary);
    f << message;
  }
  std::string out;
  int code = Gpg("--pinentry-mode loopback --passphrase '' --quiet --decrypt " + ShellQuote(in), &out);
  std::filesystem::remove(in);
  if (code != 0) return false;
  *plaintext = out;
  return true;
}

}  // namespace arca::testing
