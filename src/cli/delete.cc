// `arca delete PATH [K=V...]`.
#include <ostream>

#include "cli/commands.h"
#include "cli/kv_args.h"
#include "cli/output.h"

namespace arca::cli {

int RunDelete(Ctx& ctx, const std::vector<std::string>& raw_args) {
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
  auto secret = client->Delete(path, DataToQuery(*data));
  if (!secret) return ServerError(ctx, "Error deleting " + path, secret.error());
  if (secret->has_value() && ctx.format() != "table") return OutputSecret(ctx, **secret);
  if (secret->has_value()) PrintWarnings(ctx, **secret);
  ctx.out() << "Success! Data deleted (if it existed) at: " << path << "\n";
  return 0;
}

}  // namespace arca::cli
