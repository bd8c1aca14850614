// `arca operator unseal` and `arca operator seal`.
#include <istream>
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"

namespace arca::cli {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

}  // namespace

int RunOperatorUnseal(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool reset = false, migrate = false;
  ctx.flags.Bool("reset", &reset, "Discard previously entered keys.");
  ctx.flags.Bool("migrate", &migrate, "Indicate that this share is for seal migration.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;

  if (reset) {
    json::object body{{"reset", true}};
    auto r = client->Call("PUT", "sys/unseal", &body);
    if (!r) return ServerError(ctx, "Error resetting unseal process", r.error());
    return OutputSealStatus(ctx, *client, *r);
  }

  std::string key = args->empty() ? "" : (*args)[0];
  if (args->empty() || key == "-") {
    if (ctx.env().stdin_is_terminal && key != "-") {
      if (ctx.global.non_interactive) {
        ctx.err() << "An unseal key is required: pass it as an argument or on stdin "
                     "(-non-interactive forbids prompting).\n";
        return 1;
      }
      ctx.out() << "Unseal Key (will be hidden): " << std::flush;
      auto line = ctx.env().read_hidden_line ? ctx.env().read_hidden_line()
                                             : Result<std::string>(InvalidRequest("no terminal"));
      ctx.out() << "\n";
      if (!line) {
        ctx.err() << WrapAtLength(
                         "An error occurred attempting to ask for an unseal key. The raw error "
                         "message is shown below, but usually this is because you attempted to "
                         "pipe a value into the unseal command or you are executing outside of a "
                         "terminal (tty). If this is not an option, the unseal key can be "
                         "provided as the first argument to the unseal command. The raw error "
                         "was:\n\n" +
                         line.error().message())
                  << "\n";
        return 1;
      }
      key = *line;
    } else {
      std::string line;
      std::getline(ctx.in(), line);
      key = line;
    }
  }
  key = Trim(key);
  if (key.empty()) {
    ctx.err() << "Error unsealing: no unseal key was provided\n";
    return 1;
  }
  json::object body{{"key", key}};
  if (migrate) body["migrate"] = true;
  auto r = client->Call("PUT", "sys/unseal", &body);
  if (!r) return ServerError(ctx, "Error unsealing", r.error());
  return OutputSealStatus(ctx, *client, *r);
}

int RunOperatorSeal(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("PUT", "sys/seal");
  if (!r) return ServerError(ctx, "Error sealing", r.error());
  ctx.out() << "Success! Arca is sealed.\n";
  return 0;
}

}  // namespace arca::cli
