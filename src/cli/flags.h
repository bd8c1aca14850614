// A small flag parser with Go's `flag` package conventions, as the vault CLI uses them:
// `-name=value`, `-name value`, `--name=value`, `--name value`, booleans as `-name` or
// `-name=false`, repeatable list flags, `--` ends the flags. Flags must come before the
// positional arguments: a flag-looking argument after a positional one is an error.
//
// Thread-safety: a FlagSet is used by one command invocation on one thread.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::cli {

// `text` as lines of at most `width` characters (a longer word stands alone), each prefixed by
// `indent` and ended by '\n'.
std::string WrapWords(std::string_view text, size_t width, std::string_view indent);

class FlagSet {
 public:
  // The help section flags registered from now on belong to ("HTTP Options", "Output Options",
  // "KV Options", ...). Until a section is chosen: "Command Options". Sections are printed in
  // the order they were first used.
  void Section(std::string title);

  // Registers a flag writing into *target (which must outlive Parse()). The current value of
  // *target is the default. Registering a name twice replaces the earlier registration.
  void String(std::string name, std::string* target, std::string usage = "");
  void Bool(std::string name, bool* target, std::string usage = "");
  void Int(std::string name, int* target, std::string usage = "");
  // Repeatable: each occurrence appends.
  void StringList(std::string name, std::vector<std::string>* target, std::string usage = "");

  // Parses `args` and returns the positional arguments. Errors (kInvalidRequest) name the
  // problem: unknown flag, missing value, malformed integer/boolean, flag after arguments.
  // -h / -help / --help set help_requested() and stop parsing successfully.
  Result<std::vector<std::string>> Parse(const std::vector<std::string>& args);

  bool IsSet(std::string_view name) const { return set_.contains(std::string(name)); }
  bool help_requested() const { return help_; }
  // Vault's help layout: for each section, "Title:\n\n" then, sorted by name, every flag as
  // "  -name=<string>\n" (<int> for integers, nothing for booleans) followed by its usage
  // wrapped at 80 columns and indented by six spaces, and a blank line.
  std::string Usage() const;

 private:
  enum class Kind { kString, kBool, kInt, kList };
  struct Flag {
    Kind kind;
    void* target;
    std::string usage;
    std::string section;
  };
  void Add(std::string name, Kind kind, void* target, std::string usage);
  Status Assign(const std::string& name, Flag& flag, std::string_view value);

  std::map<std::string, Flag> flags_;
  std::vector<std::string> sections_;  // in the order their first flag was registered
  std::string section_ = "Command Options";
  std::set<std::string> set_;
  bool help_ = false;
};

}  // namespace arca::cli
