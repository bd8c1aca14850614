// Per-method login handlers of `arca login -method=M` that need more than a POST of their
// K=V arguments to auth/<path>/login (login.cc dispatches to them).
#pragma once

#include <string>

#include "cli/commands.h"
#include "common/json.h"

namespace arca::cli {

// -method=oidc (login_oidc.cc): the authorization code flow with a local callback listener.
// `path` is the sanitized mount path; `args` the K=V arguments. Fills *token and *secret;
// returns 0 or the exit code (errors already printed).
int LoginWithOidc(Ctx& ctx, const std::string& path, const json::object& args, std::string* token,
                  json::object* secret);

}  // namespace arca::cli
