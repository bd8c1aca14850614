// `arca read PATH [K=V...]`.
#include <ostream>

#include "cli/commands.h"
#include "cli/kv_args.h"
#include "cli/output.h"

namespace arca::cli {

int RunRead(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->empty()) {
    ctx.err() << "Not enough arguments (expected 1, got 0)\n";
    return 1;
  }
  std::string path = SanitizePath((*args)[0]);
  auto data = ParseKvArgs({args->begin() + 1, args->end()}, &ctx.in());
  if (!data) {
    ctx.err() << "Failed to parse K=V data: " << data.error().message() << "\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  if (ctx.format() == "raw") {
    // The body exactly as the server sent it (pki/ca/pem, sys/health, ...), as Vault's
    // `read -format=raw`: no parsing, no trailing newline added.
    auto r = client->Request("GET", path, nullptr, DataToQuery(*data));
    if (!r) return ServerError(ctx, "Error reading " + path, r.error());
    if (r->status >= 400) {
      return ServerError(ctx, "Error reading " + path, api::ResponseError(*r));
    }
    if (r->status == 204 || r->body.empty()) {
      ctx.err() << "No value found at " << path << "\n";
      return 2;
    }
    ctx.out() << r->body;
    return 0;
  }
  auto secret = client->Read(path, DataToQuery(*data));
  if (!secret) return ServerError(ctx, "Error reading " + path, secret.error());
  if (!secret->has_value()) {
    ctx.err() << "No value found at " << path << "\n";
    return 2;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, **secret, ctx.global.field);
  return OutputSecret(ctx, **secret);
}

}  // namespace arca::cli
