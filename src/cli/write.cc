// `arca write PATH [K=V...]`.
#include <ostream>

#include "cli/commands.h"
#include "cli/kv_args.h"
#include "cli/output.h"

namespace arca::cli {

int RunWrite(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool force = false;
  ctx.flags.Bool("force", &force, "Allow the operation to continue with no key=value pairs.");
  ctx.flags.Bool("f", &force, "Alias for -force.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->empty()) {
    ctx.err() << "Not enough arguments (expected 1, got 0)\n";
    return 1;
  }
  if (args->size() == 1 && !force) {
    ctx.err() << "Must supply data or use -force\n";
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
  auto secret = client->Write(path, *data);
  if (!secret) return ServerError(ctx, "Error writing data to " + path, secret.error());
  if (!secret->has_value()) {
    if (ctx.format() == "table") ctx.out() << "Success! Data written to: " << path << "\n";
    return 0;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, **secret, ctx.global.field);
  return OutputSecret(ctx, **secret);
}

}  // namespace arca::cli
