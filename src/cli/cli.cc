#include "cli/cli.h"

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <vector>

#include "cli/capture.h"
#include "cli/completion.h"
#include "cli/commands.h"

namespace arca::cli {
namespace {

struct Group {
  std::string_view name;
  std::string_view synopsis;
};
constexpr Group kGroups[] = {
    {"audit", "Interact with audit devices"},
    {"auth", "Interact with auth methods"},
    {"kv", "Interact with Arca's Key-Value storage"},
    {"lease", "Interact with leases"},
    {"operator", "Perform operator-specific tasks"},
    {"policy", "Interact with policies"},
    {"plugin", "Interact with plugins and the catalog"},
    {"print", "Prints runtime configurations"},
    {"secrets", "Interact with secrets engines"},
    {"token", "Interact with tokens"},
};

const Group* FindGroup(std::string_view name) {
  for (const auto& g : kGroups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

// Levenshtein distance, for "Did you mean ...?".
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest command names (distance <= 2) to `word` among `candidates`, best first.
std::vector<std::string> Suggestions(std::string_view word,
                                     const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d <= 2 && d < c.size()) scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& [_, c] : scored) out.push_back(std::move(c));
  return out;
}

std::string DidYouMean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return "";
  std::string out = "\nDid you mean";
  out += suggestions.size() == 1 ? " this?\n" : " one of these?\n";
  for (const auto& s : suggestions) out += "    " + s + "\n";
  return out;
}

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
        const Group* g = FindGroup(first);
        rows.emplace_back(first, g ? std::string(g->synopsis) : std::string());
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

namespace {

int Dispatch(const std::vector<std::string>& args, CliEnv& env, const ExtraCommands& extra);

// Which of -output-curl-string / -output-policy the arguments ask for ("" for neither).
std::string CaptureMode(const std::vector<std::string>& args) {
  std::string mode;
  for (const auto& a : args) {
    if (a == "--") break;
    std::string_view f = a;
    if (f.starts_with("--")) f.remove_prefix(1);
    if (f == "-output-curl-string" || f == "-output-curl-string=true") mode = "curl";
    if (f == "-output-policy" || f == "-output-policy=true") mode = "policy";
  }
  return mode;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, CliEnv& env, const ExtraCommands& extra) {
  std::vector<std::string> extra_names;
  for (const auto& [name, _] : extra) extra_names.push_back(name);
  if (auto done = MaybeComplete(env, extra_names)) return *done;
  if (!args.empty() && (args[0] == "-autocomplete-install" || args[0] == "-autocomplete-uninstall")) {
    std::error_code ec;
    std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) self = "arca";
    return AutocompleteInstall(env, self, args[0] == "-autocomplete-uninstall");
  }
  std::string mode = CaptureMode(args);
  if (mode.empty() || args.empty() || extra.contains(args[0])) return Dispatch(args, env, extra);
  // Run the command against a client that records its request instead of sending it; what the
  // command prints about the unsent request is discarded.
  std::ostringstream discard_out, discard_err;
  CliEnv quiet = env;
  quiet.out = &discard_out;
  quiet.err = &discard_err;
  std::optional<CapturedRequest> captured;
  api::ClientConfig config;
  quiet.make_client = [&](const api::ClientConfig& c) -> std::unique_ptr<api::Client> {
    config = c;
    auto inner = env.make_client ? env.make_client(c) : std::make_unique<api::Client>(c);
    return std::make_unique<CapturingClient>(c, std::move(inner), &captured);
  };
  int code = Dispatch(args, quiet, extra);
  if (captured) {
    *env.out << (mode == "curl" ? CurlString(*captured, config) : PolicyString(*captured)) << "\n";
    return 0;
  }
  *env.err << discard_err.str()
           << (mode == "curl" ? "Could not generate cURL command\n" : "Could not generate policy\n");
  return code == 0 ? 1 : code;
}

namespace {

int Dispatch(const std::vector<std::string>& args, CliEnv& env, const ExtraCommands& extra) {
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
  if (args.size() >= 2) {  // two-word extra commands ("operator diagnose")
    if (auto it = extra.find(first + " " + args[1]); it != extra.end()) {
      return it->second(std::vector<std::string>(args.begin() + 2, args.end()));
    }
  }
  // Longest match: "kv metadata get" before "kv metadata", "operator init" before "operator";
  // four words for "operator raft snapshot save".
  if (args.size() >= 4) {
    std::string four = first + " " + args[1] + " " + args[2] + " " + args[3];
    for (const auto& c : CommandTable()) {
      if (c.name == four) {
        Ctx ctx(env, std::string(c.name), std::string(c.usage));
        return c.run(ctx, std::vector<std::string>(args.begin() + 4, args.end()));
      }
    }
  }
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
  if (const Group* g = FindGroup(first)) {
    std::string usage = "Usage: arca " + first + " <subcommand> [options] [args]\n\n  " +
                        std::string(g->synopsis) + ".\n\nSubcommands:\n" + Listing(first);
    bool help = args.size() >= 2 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help");
    if (args.size() == 1 || help) {
      // A bare group prints its help as Vault's does (to stderr, exit 1; with -h: stdout, 0).
      (help ? *env.out : *env.err) << usage;
      return help ? 0 : 1;
    }
    std::vector<std::string> subs;
    for (const auto& c : CommandTable()) {
      if (c.name.starts_with(first + " ")) {
        std::string_view rest = c.name.substr(first.size() + 1);
        subs.emplace_back(rest.substr(0, rest.find(' ')));
      }
    }
    *env.err << "Unknown subcommand: " << first << " " << args[1] << "\n"
             << DidYouMean(Suggestions(args[1], subs)) << "\n"
             << usage;
    return 1;
  }
  std::vector<std::string> names;
  for (const auto& c : CommandTable()) names.emplace_back(c.name.substr(0, c.name.find(' ')));
  for (const auto& [name, _] : extra) names.push_back(name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  *env.err << "Unknown command: " << first << "\n"
           << DidYouMean(Suggestions(first, names)) << "\n"
           << TopUsage(extra);
  return 127;
}

}  // namespace

}  // namespace arca::cli
