// The ldap auth method (type "ldap"), following Vault's API (docs/auth/ldap.md):
//
//   GET/POST      config            {url, binddn, bindpass, userdn, userattr, userfilter,
//                                    upndomain, discoverdn, groupdn, groupfilter, groupattr,
//                                    starttls, insecure_tls, certificate, tls_min/max_version,
//                                    deny_null_bind, case_sensitive_names, username_as_alias,
//                                    anonymous_group_search, request_timeout,
//                                    connection_timeout, dereference_aliases, token_*}
//   LIST          groups | users    {"keys": [names]}
//   POST/GET/DEL  groups/:name      {policies}
//   POST/GET/DEL  users/:name       {policies, groups}
//   POST          login/:username   {password}  (unauthenticated) -> auth block
//
// A login binds to the directory as the user (the user's DN found by a search as binddn, or
// anonymously with discoverdn, or built from userattr/userdn or upndomain), then reads the
// user's groups (groupfilter under groupdn, their groupattr or CN). Policies: the config's
// token_policies, those of users/:name and of groups/:name for every LDAP group and every
// group of users/:name. The LDAP groups (and users/:name groups) are the login's group aliases
// (external identity groups). An empty password is always refused before any bind, whatever
// deny_null_bind says, and no login ever rests on an unauthenticated bind.
//
// bindpass is never returned by a read. libldap calls block the request's thread, bounded by
// connection_timeout and request_timeout.
//
// Storage: config; group/<name>; user/<name> (docs/formats/auth-ldap.md).
// Thread-safety: the backend is safe for concurrent requests (one connection per login).
#pragma once

#include <memory>

#include "common/status.h"
#include "logical/backend.h"

namespace arca::auth {

// The factory registered for "ldap".
Result<std::unique_ptr<logical::Backend>> NewLdapBackend(const logical::BackendConfig& config);

}  // namespace arca::auth
