#include "auth/ldap/ldap_conn.h"

#include <ldap.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace arca::auth::ldap {
namespace {

LDAP* L(void* p) { return static_cast<LDAP*>(p); }

timeval Tv(std::chrono::seconds s) {
  timeval tv{};
  tv.tv_sec = s.count() > 0 ? s.count() : 1;
  return tv;
}

int TlsVersion(const std::string& v) {
  if (v == "tls10") return LDAP_OPT_X_TLS_PROTOCOL_TLS1_0;
  if (v == "tls11") return LDAP_OPT_X_TLS_PROTOCOL_TLS1_1;
  if (v == "tls13") return LDAP_OPT_X_TLS_PROTOCOL_TLS1_3;
  return LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
}

int Deref(const std::string& v) {
  if (v == "finding") return LDAP_DEREF_FINDING;
  if (v == "searching") return LDAP_DEREF_SEARCHING;
  if (v == "always") return LDAP_DEREF_ALWAYS;
  return LDAP_DEREF_NEVER;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The server's diagnostic message of the last operation, if any.
std::string Diagnostic(LDAP* ld) {
  char* msg = nullptr;
  std::string out;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS && msg) {
    out = msg;
    ldap_memfree(msg);
  }
  return out;
}

std::string Describe(LDAP* ld, int rc) {
  std::string s = "LDAP Result Code " + std::to_string(rc) + " \"" + ldap_err2string(rc) + "\"";
  std::string d = Diagnostic(ld);
  if (!d.empty()) s += ": " + d;
  return s;
}

// TLS settings of one handle, then a fresh TLS context for it. The CA certificate goes
// through a private temporary file (libldap's GnuTLS build reads CAs from files); it is
// removed as soon as the context is made.
Status ConfigureTls(LDAP* ld, const DialOptions& o) {
  int require = o.insecure_tls ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require) != LDAP_OPT_SUCCESS) {
    return InvalidRequest("failed to set the TLS verification mode");
  }
  int min = TlsVersion(o.tls_min_version), max = TlsVersion(o.tls_max_version);
  ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &min);
  ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MAX, &max);
  std::string path;
  if (!o.ca_pem.empty()) {
    char tmpl[] = "/tmp/arca-ldap-ca-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0) return Internal("ldap: cannot create a temporary CA file");
    path = tmpl;
    size_t off = 0;
    while (off < o.ca_pem.size()) {
      ssize_t n = ::write(fd, o.ca_pem.data() + off, o.ca_pem.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
    if (off != o.ca_pem.size()) {
      ::unlink(path.c_str());
      return Internal("ldap: cannot write a temporary CA file");
    }
    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, path.c_str());
  }
  int is_server = 0;
  int rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
  if (!path.empty()) ::unlink(path.c_str());
  if (rc != LDAP_OPT_SUCCESS) return InvalidRequest("failed to set up a TLS context");
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Dial(const DialOptions& options) {
  std::string errors;
  for (const auto& url : options.urls) {
    auto fail = [&](const std::string& why) {
      if (!errors.empty()) errors += "; ";
      errors += "error connecting to host \"" + url + "\": " + why;
    };
    std::string lower = Lower(url);
    bool ldaps = lower.starts_with("ldaps://");
    if (!ldaps && !lower.starts_with("ldap://")) {
      fail("invalid LDAP scheme");
      continue;
    }
    LDAP* ld = nullptr;
    int rc = ldap_initialize(&ld, url.c_str());
    if (rc != LDAP_SUCCESS || ld == nullptr) {
      fail(std::string("invalid url: ") + ldap_err2string(rc));
      continue;
    }
    std::unique_ptr<Connection> c(new Connection());
    c->ld_ = ld;
    c->url_ = url;
    c->options_ = options;
    int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    timeval net = Tv(options.connection_timeout), req = Tv(options.request_timeout);
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &req);
    int deref = Deref(options.dereference_aliases);
    ldap_set_option(ld, LDAP_OPT_DEREF, &deref);
    if (ldaps || options.starttls) {
      if (auto st = ConfigureTls(ld, options); !st) {
        fail(st.error().message());
        continue;
      }
    }
    rc = ldap_connect(ld);
    if (rc != LDAP_SUCCESS) {
      fail(Describe(ld, rc));
      continue;
    }
    if (!ldaps && options.starttls) {
      rc = ldap_start_tls_s(ld, nullptr, nullptr);
      if (rc != LDAP_SUCCESS) {
        fail("StartTLS: " + Describe(ld, rc));
        continue;
      }
    }
    return c;
  }
  if (errors.empty()) errors = "no LDAP url configured";
  return InvalidRequest(errors);
}

Connection::~Connection() {
  if (ld_ != nullptr) ldap_unbind_ext_s(L(ld_), nullptr, nullptr);
}

Status Connection::Bind(const std::string& dn, std::string_view password,
                        bool allow_unauthenticated) {
  // An empty password (or an empty DN) makes an anonymous or unauthenticated bind, which
  // proves nothing about a user.
  if ((password.empty() || dn.empty()) && !allow_unauthenticated) {
    return InvalidRequest("refusing an unauthenticated bind");
  }
  berval cred{};
  cred.bv_val = const_cast<char*>(password.data());
  cred.bv_len = password.size();
  int rc = ldap_sasl_bind_s(L(ld_), dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) return InvalidRequest(Describe(L(ld_), rc));
  return OkStatus();
}

Result<std::vector<Entry>> Connection::Search(const std::string& base, const std::string& filter,
                                              const std::vector<std::string>& attributes,
                                              int size_limit, bool* truncated) {
  std::vector<char*> attrs;
  for (const auto& a : attributes) attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  timeval tv = Tv(options_.request_timeout);
  LDAPMessage* res = nullptr;
  int rc = ldap_search_ext_s(L(ld_), base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                             attributes.empty() ? nullptr : attrs.data(), 0, nullptr, nullptr, &tv,
                             size_limit, &res);
  if (truncated != nullptr) *truncated = rc == LDAP_SIZELIMIT_EXCEEDED;
  if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
    if (res != nullptr) ldap_msgfree(res);
    if (rc == LDAP_NO_SUCH_OBJECT) return std::vector<Entry>{};
    return InvalidRequest(Describe(L(ld_), rc));
  }
  std::vector<Entry> out;
  for (LDAPMessage* e = ldap_first_entry(L(ld_), res); e != nullptr;
       e = ldap_next_entry(L(ld_), e)) {
    Entry entry;
    if (char* dn = ldap_get_dn(L(ld_), e)) {
      entry.dn = dn;
      ldap_memfree(dn);
    }
    BerElement* ber = nullptr;
    for (char* a = ldap_first_attribute(L(ld_), e, &ber); a != nullptr;
         a = ldap_next_attribute(L(ld_), e, ber)) {
      std::vector<std::string>& vals = entry.attributes[Lower(a)];
      if (berval** bv = ldap_get_values_len(L(ld_), e, a)) {
        for (int i = 0; bv[i] != nullptr; ++i) vals.emplace_back(bv[i]->bv_val, bv[i]->bv_len);
        ldap_value_free_len(bv);
      }
      ldap_memfree(a);
    }
    if (ber != nullptr) ber_free(ber, 0);
    out.push_back(std::move(entry));
  }
  if (res != nullptr) ldap_msgfree(res);
  return out;
}

}  // namespace arca::auth::ldap
