// `arca list PATH` and the list printing it shares with `kv list`.
#include <ostream>

#include "cli/commands.h"
#include "cli/output.h"

namespace arca::cli {

// Lists `path` (already rewritten for the API) and prints it like vault; `shown` is the path
// used in messages.
int ListAndPrint(Ctx& ctx, api::Client& client, const std::string& path) {
  auto secret = client.List(path);
  if (!secret) return ServerError(ctx, "Error listing " + path, secret.error());
  const json::value* keys = nullptr;
  if (secret->has_value()) {
    if (const json::value* d = (**secret).if_contains("data"); d && d->is_object()) {
      keys = d->as_object().if_contains("keys");
    }
  }
  bool ok = keys != nullptr && keys->is_array();
  if (ctx.format() != "table" && (!secret->has_value() || !ok)) {
    OutputData(ctx, json::object());
    return 2;
  }
  if (!secret->has_value()) {
    ctx.err() << "No value found at " << path << "\n";
    return 2;
  }
  if (!ok) {
    const json::value* wrap = (**secret).if_contains("wrap_info");
    if (wrap != nullptr && wrap->is_object()) return OutputSecret(ctx, **secret);
    ctx.err() << "No entries found at " << path << "\n";
    return 2;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, **secret, ctx.global.field);
  return OutputList(ctx, **secret);
}

int RunList(Ctx& ctx, const std::vector<std::string>& raw_args) {
  ctx.flags.Bool("detailed", &ctx.detailed_list,
                 "Print the key_info of each key (endpoints that return it) as more columns.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  return ListAndPrint(ctx, *client, EnsureTrailingSlash(SanitizePath((*args)[0])));
}

int RunPathHelp(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  std::string path = SanitizePath((*args)[0]);
  auto r = client->Call("GET", path, nullptr, {{"help", "1"}});
  if (!r) return ServerError(ctx, "Error retrieving help", r.error());
  if (ctx.format() != "table") return OutputData(ctx, *r);
  const json::value* help = r->if_contains("help");
  ctx.out() << (help && help->is_string() ? std::string(help->as_string()) : std::string()) << "\n";
  return 0;
}

}  // namespace arca::cli
