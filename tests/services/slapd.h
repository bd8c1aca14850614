// Starts and stops a real OpenLDAP server (Debian's slapd) through
// tests/services/slapd_service.py: on 127.0.0.1, in a temporary directory, with a small
// directory loaded by slapadd (users alice/bob/carol/"x,y"/alice2, groups devs/ops/Admins; see
// the script's docstring), a plain port (StartTLS available) and an ldaps:// port with a CA made
// for the run. A server that fails to start leaves ok() false and error() saying why; tests
// treat that as a failure. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>

namespace arca::testing {

class Slapd {
 public:
  Slapd();
  ~Slapd();
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& url() const { return url_; }              // ldap://127.0.0.1:<port>
  const std::string& ldaps_url() const { return ldaps_url_; }  // ldaps://127.0.0.1:<port>
  const std::string& ca_pem() const { return ca_pem_; }        // the CA of the server's cert

  static constexpr const char* kBase = "dc=example,dc=org";
  static constexpr const char* kPeople = "ou=people,dc=example,dc=org";
  static constexpr const char* kGroups = "ou=groups,dc=example,dc=org";
  static constexpr const char* kAdminDn = "cn=admin,dc=example,dc=org";
  static constexpr const char* kAdminPassword = "adminpw";
  static constexpr const char* kReaderDn = "cn=reader,dc=example,dc=org";
  static constexpr const char* kReaderPassword = "readerpw";

 private:
  std::string dir_;
  bool ok_ = false;
  std::string error_;
  std::string url_, ldaps_url_, ca_pem_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
};

// One server per process, started on first use and stopped at exit.
Slapd& SharedSlapd();

}  // namespace arca::testing
