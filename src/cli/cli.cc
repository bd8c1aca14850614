#include "cli/cli.h"

#include <algorithm>
#include <ostream>

#include "cli/commands.h"

namespace arca::cli {
namespace {

constexpr std::string_view kGroups[] = {"kv", "operator", "policy", "secrets", "token"};

std::string Listing(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& c : CommandTable()) {
    std::string_view name = c.name;
    if (prefix.empty()) {
      // Top level: single-word commands plus each group once.
      size_t sp = name.find(' ');
      std::string first(name.substr(0, sp));
      if (sp != std::string_view::npos) {
        if (std::any_of(rows.begin(), rows.end(), [&](auto& r) { return r.first == first; })) {
          continue;
        }
        rows.emplace_back(first, first == "kv"         ? "Interact with Arca's Key-Value storage"
                                 : first == "operator" ? "Perform operator-specific tasks"
                                 : first == "policy"   ? "Interact with policies"
                                 : first == "token"    ? "Interact with tokens"
                                                       : "Interact with secrets engines");
        continue;
      }
      rows.emplace_back(first, std::string(c.synopsis));
    } else if (name.starts_with(std::string(prefix) + " ")) {
      rows.emplace_back(std::string(name.substr(prefix.size() + 1)), std::string(c.synopsis));
    }
  }
  std::sort(rows.begin(), rows.end());
  size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::string out;
  for (const auto& r : rows) {
    out += "    " + r.first + std::string(width - r.first.size() + 4, ' ') + r.second + "\n";
  }
  return out;
}

std::string TopUsage(const ExtraCommands& extra) {
  std::string out = "Usage: arca <command> [args]\n\nCommands:\n" + Listing("");
  if (!extra.empty()) {
    out += "\nOther commands:\n";
    for (const auto& [name, _] : extra) out += "    " + name + "\n";
  }
  return out;
}

}  // namespace

int Run(int argc, char** argv, const ExtraCommands& extra_commands) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  CliEnv env = CliEnv::Process();
  int code = RunCli(args, env, extra_commands);
  env.out->flush();
  return code;
}

int RunCli(const std::vector<std::string>& args, CliEnv& env, const ExtraCommands& extra) {
  if (args.empty()) {
    *env.err << TopUsage(extra);
    return 127;
  }
  const std::string& first = args[0];
  if (first == "-h" || first == "-help" || first == "--help" || first == "help") {
    *env.out << TopUsage(extra);
    return 0;
  }
  if (first == "-v" || first == "-version" || first == "--version") {
    Ctx ctx(env, "version", "");
    return RunVersion(ctx, {});
  }
  if (auto it = extra.find(first); it != extra.end()) {
    return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  // Longest match: "kv metadata get" before "kv metadata", "operator init" before "operator".
  if (args.size() >= 3) {
    std::string three = first + " " + args[1] + " " + args[2];
    for (const auto& c : CommandTable()) {
      if (c.name == three) {
        Ctx ctx(env, std::string(c.name), std::string(c.usage));
        return c.run(ctx, std::vector<std::string>(args.begin() + 3, args.end()));
      }
    }
  }
  if (args.size() >= 2) {
    std::string two = first + " " + args[1];
    for (const auto& c : CommandTable()) {
      if (c.name == two) {
        Ctx ctx(env, std::string(c.name), std::string(c.usage));
        return c.run(ctx, std::vector<std::string>(args.begin() + 2, args.end()));
      }
    }
  }
  for (const auto& c : CommandTable()) {
    if (c.name == first) {
      Ctx ctx(env, std::string(c.name), std::string(c.usage));
      return c.run(ctx, std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  if (std::find(std::begin(kGroups), std::end(kGroups), first) != std::end(kGroups)) {
    std::string usage = "Usage: arca " + first +
                        " <subcommand> [options] [args]\n\nSubcommands:\n" + Listing(first);
    bool help = args.size() >= 2 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help");
    if (help) {
      *env.out << usage;
      return 0;
    }
    *env.err << usage;
    return 1;
  }
  *env.err << "Unknown command: " << first << "\n\n" << TopUsage(extra);
  return 127;
}

}  // namespace arca::cli
