// `arca login -method=ldap`: the defaults of Vault's ldap CLI handler. The username, when not
// given, is $LOGNAME or else $USER; the password, when not given, is $VAULT_LDAP_PASSWORD (else
// the generic login code prompts for it on a terminal).
#include "cli/context.h"
#include "common/json.h"

namespace arca::cli {

void ApplyLdapLoginDefaults(Ctx& ctx, json::object& body) {
  const auto& getenv = ctx.env().getenv;
  if (!getenv) return;
  if (!body.contains("username")) {
    for (const char* name : {"LOGNAME", "USER"}) {
      if (auto v = getenv(name); v && !v->empty()) {
        body["username"] = *v;
        break;
      }
    }
  }
  if (!body.contains("password")) {
    if (auto v = getenv("VAULT_LDAP_PASSWORD"); v && !v->empty()) body["password"] = *v;
  }
}

}  // namespace arca::cli
