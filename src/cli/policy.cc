// `arca policy list|read|write|delete|fmt`: ACL policies under sys/policies/acl.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <istream>
#include <iterator>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "hcl/format.h"

namespace arca::cli {
namespace {

// Vault lower-cases and trims policy names before using them.
std::string PolicyName(std::string_view raw) {
  size_t b = raw.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  std::string name(raw.substr(b, raw.find_last_not_of(" \t\r\n") - b + 1));
  for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return name;
}

// The policy text of a sys/policies/acl/NAME response: data.policy, else a top-level policy
// (or the legacy `rules`) field. Null when absent.
const json::value* PolicyText(const json::object& secret) {
  if (const json::value* d = secret.if_contains("data"); d && d->is_object()) {
    if (const json::value* p = d->as_object().if_contains("policy"); p && p->is_string()) {
      return p;
    }
  }
  for (const char* key : {"policy", "rules"}) {
    if (const json::value* p = secret.if_contains(key); p && p->is_string()) return p;
  }
  return nullptr;
}

}  // namespace

int RunPolicyList(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto secret = client->List("sys/policies/acl");
  if (!secret) return ServerError(ctx, "Error listing policies", secret.error());
  json::array names;
  if (secret->has_value()) {
    const json::value* keys = nullptr;
    if (const json::value* d = (**secret).if_contains("data"); d && d->is_object()) {
      keys = d->as_object().if_contains("keys");
    }
    if (keys == nullptr) keys = (**secret).if_contains("keys");
    if (keys != nullptr && keys->is_array()) names = keys->as_array();
  }
  if (ctx.format() != "table") return OutputData(ctx, names);
  for (const auto& n : names) {
    ctx.out() << (n.is_string() ? std::string(n.as_string()) : json::serialize(n)) << "\n";
  }
  return 0;
}

int RunPolicyRead(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  std::string name = PolicyName((*args)[0]);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto secret = client->Read("sys/policies/acl/" + name);
  if (!secret) return ServerError(ctx, "Error reading policy named " + name, secret.error());
  const json::value* text = secret->has_value() ? PolicyText(**secret) : nullptr;
  if (text == nullptr) {
    ctx.err() << "No policy named: " << name << "\n";
    return 2;
  }
  if (ctx.format() == "table") {
    ctx.out() << TrimSpace(text->as_string()) << "\n";
    return 0;
  }
  return OutputData(ctx, json::object{{"policy", *text}});
}

int RunPolicyWrite(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 2, 2)) return 1;
  std::string name = PolicyName((*args)[0]);
  const std::string& file = (*args)[1];
  std::string rules;
  if (file == "-") {
    rules.assign(std::istreambuf_iterator<char>(ctx.in()), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      ctx.err() << "Error opening policy file: open " << file << ": no such file or directory\n";
      return 2;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    rules = buf.str();
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body{{"policy", rules}};
  auto r = client->Call("PUT", "sys/policies/acl/" + name, &body);
  if (!r) return ServerError(ctx, "Error uploading policy", r.error());
  ctx.out() << "Success! Uploaded policy: " << name << "\n";
  return 0;
}

int RunPolicyDelete(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  std::string name = PolicyName((*args)[0]);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("DELETE", "sys/policies/acl/" + name);
  if (!r) return ServerError(ctx, "Error deleting " + name, r.error());
  ctx.out() << "Success! Deleted policy: " << name << "\n";
  return 0;
}

int RunPolicyFmt(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  const std::string& file = (*args)[0];
  std::string text;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      ctx.err() << "Error opening policy file: open " << file << ": no such file or directory\n";
      return 2;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  auto formatted = hcl::Format(text, file);
  if (!formatted) {
    ctx.err() << "Error parsing policy: " << formatted.error().message() << "\n";
    return 1;
  }
  if (*formatted != text) {
    // Write beside the file and rename over it, so that a failure leaves the original intact.
    std::string tmp = file + ".arca-fmt.tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << *formatted;
      out.flush();
      if (!out) {
        ctx.err() << "Error writing policy file " << file << "\n";
        std::remove(tmp.c_str());
        return 2;
      }
    }
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
      ctx.err() << "Error writing policy file " << file << "\n";
      std::remove(tmp.c_str());
      return 2;
    }
  }
  ctx.out() << "Success! Formatted policy: " << file << "\n";
  return 0;
}

}  // namespace arca::cli
