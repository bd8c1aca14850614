// Internal to the config module: walks the entries of one object, dispatching known keys to
// handlers and applying Arca's policy to the rest (warn for ignorable Vault keys, refuse unsafe
// ones, refuse unknown ones with a "did you mean" hint).
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"
#include "common/status.h"
#include "hcl/node.h"

namespace arca::config {

class KeyTable {
 public:
  using Handler = std::function<Status(const hcl::Entry&)>;

  // `context` names the object in messages ("top level", "listener \"tcp\"", ...).
  KeyTable(std::string context, std::vector<std::string>* warnings)
      : context_(std::move(context)), warnings_(warnings) {}

  // A key Arca implements.
  KeyTable& On(std::string_view key, Handler handler);
  // Vault keys Arca accepts and ignores with a warning. A name ending in '*' is a prefix.
  KeyTable& Ignore(std::initializer_list<std::string_view> keys);
  // Vault keys Arca refuses because ignoring them would be unsafe; `why` ends the message.
  KeyTable& Refuse(std::initializer_list<std::string_view> keys, std::string_view why);

  // Visits every entry of `object` (which must be an object) in order.
  Status Run(const hcl::Node& object) const;

 private:
  struct Rule {
    std::string name;
    enum { kHandle, kIgnore, kRefuse } action;
    Handler handler;
    std::string why;
  };
  const Rule* Lookup(std::string_view key) const;
  std::string Suggest(std::string_view key) const;

  std::string context_;
  std::vector<std::string>* warnings_;
  std::vector<Rule> rules_;
};

// "file:line:col" of an entry's key.
std::string KeyWhere(const hcl::Entry& entry);

// A duration: a string Vault-style ("768h", "90s", "3600") or a non-negative integer of seconds.
Result<Seconds> AsDuration(const hcl::Node& node, std::string_view what);

// Flattens a stanza body into string options; nested lists/objects are errors.
Result<std::map<std::string, std::string>> FlattenOptions(const hcl::Node& body,
                                                          std::string_view context);

}  // namespace arca::config
