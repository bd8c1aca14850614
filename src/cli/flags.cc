#include "cli/flags.h"

#include <algorithm>
#include <charconv>

#include "api/client_config.h"

namespace arca::cli {

void FlagSet::Section(std::string title) { section_ = std::move(title); }

void FlagSet::Add(std::string name, Kind kind, void* target, std::string usage) {
  if (std::find(sections_.begin(), sections_.end(), section_) == sections_.end()) {
    sections_.push_back(section_);
  }
  flags_[std::move(name)] = {kind, target, std::move(usage), section_};
}

void FlagSet::String(std::string name, std::string* target, std::string usage) {
  Add(std::move(name), Kind::kString, target, std::move(usage));
}
void FlagSet::Bool(std::string name, bool* target, std::string usage) {
  Add(std::move(name), Kind::kBool, target, std::move(usage));
}
void FlagSet::Int(std::string name, int* target, std::string usage) {
  Add(std::move(name), Kind::kInt, target, std::move(usage));
}
void FlagSet::StringList(std::string name, std::vector<std::string>* target, std::string usage) {
  Add(std::move(name), Kind::kList, target, std::move(usage));
}

Status FlagSet::Assign(const std::string& name, Flag& flag, std::string_view value) {
  switch (flag.kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag.target) = std::string(value);
      break;
    case Kind::kList:
      static_cast<std::vector<std::string>*>(flag.target)->emplace_back(value);
      break;
    case Kind::kBool: {
      auto b = api::ParseGoBool(value);
      if (!b) {
        return InvalidRequest("invalid boolean value \"" + std::string(value) + "\" for -" + name);
      }
      *static_cast<bool*>(flag.target) = *b;
      break;
    }
    case Kind::kInt: {
      int n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
        return InvalidRequest("invalid value \"" + std::string(value) + "\" for flag -" + name +
                              ": parse error");
      }
      *static_cast<int*>(flag.target) = n;
      break;
    }
  }
  set_.insert(name);
  return OkStatus();
}

Result<std::vector<std::string>> FlagSet::Parse(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  size_t i = 0;
  bool after_dashes = false;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;  // "-" alone is a positional argument
    if (arg == "--") {
      ++i;
      after_dashes = true;
      break;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body.empty() || body[0] == '-' || body[0] == '=') {
      return InvalidRequest("bad flag syntax: " + std::string(arg));
    }
    size_t eq = body.find('=');
    std::string name(body.substr(0, eq));
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      if (name == "h" || name == "help") {
        help_ = true;
        return positional;
      }
      return InvalidRequest("flag provided but not defined: -" + name);
    }
    if (eq != std::string_view::npos) {
      ARCA_RETURN_IF_ERROR(Assign(name, it->second, body.substr(eq + 1)));
    } else if (it->second.kind == Kind::kBool) {
      ARCA_RETURN_IF_ERROR(Assign(name, it->second, "true"));
    } else {
      if (i + 1 >= args.size()) return InvalidRequest("flag needs an argument: -" + name);
      ARCA_RETURN_IF_ERROR(Assign(name, it->second, args[++i]));
    }
  }
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!after_dashes && arg.size() > 1 && arg[0] == '-') {
      return InvalidRequest(
          "Command flags must be provided before positional arguments. The following argument "
          "was given after the positional arguments: " +
          arg);
    }
    positional.push_back(arg);
  }
  return positional;
}

std::string WrapWords(std::string_view text, size_t width, std::string_view indent) {
  std::string out, line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out.append(indent).append(line).append("\n");
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) out.append(indent).append(line).append("\n");
  return out;
}


std::string FlagSet::Usage() const {
  std::string out;
  auto emit = [&](const std::string& section) {
    std::string body;
    for (const auto& [name, flag] : flags_) {
      if (flag.section != section) continue;
      body += "  -" + name;
      if (flag.kind == Kind::kInt) body += "=<int>";
      else if (flag.kind != Kind::kBool) body += "=<string>";
      body += "\n";
      if (!flag.usage.empty()) body += WrapWords(flag.usage, 72, "      ");
      body += "\n";
    }
    if (body.empty()) return;
    out += section + ":\n\n" + body;
  };
  for (const auto& section : sections_) emit(section);
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

}  // namespace arca::cli
