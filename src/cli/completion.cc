#include "cli/completion.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"

namespace arca::cli {
namespace {

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) words.push_back(w);
  if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) words.emplace_back();
  return words;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<int> MaybeComplete(CliEnv& env, const std::vector<std::string>& extra) {
  auto line = env.getenv("COMP_LINE");
  if (!line) return std::nullopt;
  std::string_view upto = *line;
  if (auto point = env.getenv("COMP_POINT")) {
    size_t p = 0;
    for (char c : *point) p = c >= '0' && c <= '9' ? p * 10 + static_cast<size_t>(c - '0') : p;
    if (p < upto.size()) upto = upto.substr(0, p);
  }
  std::vector<std::string> words = Words(upto);
  if (words.empty()) return 0;
  words.erase(words.begin());  // the program
  if (words.empty()) words.emplace_back();
  const std::string& current = words.back();
  if (current.starts_with("-")) return 0;  // flags are not completed
  // The command words before the cursor, then every table entry that continues them.
  std::vector<std::string> before(words.begin(), words.end() - 1);
  std::vector<std::string> candidates;
  auto consider = [&](std::string_view name) {
    std::vector<std::string> parts = Words(name);
    if (parts.size() <= before.size()) return;
    if (!std::equal(before.begin(), before.end(), parts.begin())) return;
    const std::string& next = parts[before.size()];
    if (next.starts_with(current)) candidates.push_back(next);
  };
  for (const auto& c : CommandTable()) consider(c.name);
  if (before.empty()) {
    for (const auto& e : extra) consider(e);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (const auto& c : candidates) *env.out << c << "\n";
  return 0;
}

int AutocompleteInstall(CliEnv& env, const std::string& binary, bool uninstall) {
  auto home = env.getenv("HOME");
  if (!home || home->empty()) {
    *env.err << "Error executing CLI: HOME is not set\n";
    return 1;
  }
  const std::string bash_line = "complete -C " + binary + " arca";
  struct Rc {
    std::string path;
    std::vector<std::string> lines;
    bool create;
  };
  const Rc rcs[] = {
      {*home + "/.bashrc", {bash_line}, true},
      {*home + "/.zshrc", {"autoload -U +X bashcompinit && bashcompinit", bash_line}, false},
  };
  int changed = 0;
  for (const Rc& rc : rcs) {
    bool exists = std::filesystem::exists(rc.path);
    if (!exists && !rc.create) continue;
    std::string text = exists ? ReadFile(rc.path) : "";
    bool present = text.find(bash_line) != std::string::npos;
    if (!uninstall) {
      if (present) {
        *env.err << "Error executing CLI: already installed in " << rc.path << "\n";
        return 1;
      }
      std::ofstream out(rc.path, std::ios::app);
      if (!text.empty() && text.back() != '\n') out << "\n";
      for (const auto& l : rc.lines) out << l << "\n";
      if (!out) {
        *env.err << "Error executing CLI: cannot write " << rc.path << "\n";
        return 1;
      }
    } else {
      if (!present) continue;
      std::istringstream in(text);
      std::string kept;
      for (std::string l; std::getline(in, l);) {
        if (l == bash_line) continue;
        kept += l + "\n";
      }
      std::ofstream(rc.path, std::ios::trunc) << kept;
    }
    ++changed;
  }
  if (uninstall && changed == 0) {
    *env.err << "Error executing CLI: not installed\n";
    return 1;
  }
  return 0;
}

}  // namespace arca::cli
