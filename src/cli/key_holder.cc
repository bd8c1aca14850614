#include "cli/key_holder.h"

#include <istream>
#include <iterator>
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"

namespace arca::cli {

std::optional<std::string> ReadKeyShare(Ctx& ctx, const std::string& arg,
                                        const std::string& prompt_header,
                                        std::string_view label, bool* from_prompt) {
  *from_prompt = false;
  if (arg == "-") {
    std::string all((std::istreambuf_iterator<char>(ctx.in())), std::istreambuf_iterator<char>());
    return TrimSpace(all);
  }
  if (!arg.empty()) return TrimSpace(arg);
  *from_prompt = true;
  if (!ctx.env().stdin_is_terminal) {
    std::string line;
    std::getline(ctx.in(), line);
    return TrimSpace(line);
  }
  if (ctx.global.non_interactive) {
    ctx.err() << WrapAtLength(
                     "Refusing to read from stdin with -non-interactive specified; specify "
                     "nonce via the -nonce flag")
              << "\n";
    return std::nullopt;
  }
  ctx.out() << prompt_header << label << " Key (will be hidden): " << std::flush;
  auto line = ctx.env().read_hidden_line ? ctx.env().read_hidden_line()
                                         : Result<std::string>(InvalidRequest("no terminal"));
  ctx.out() << "\n";
  if (!line) {
    std::string lower(label);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ctx.err() << WrapAtLength("An error occurred attempting to ask for the " + lower +
                              " key. The raw error message is shown below, but usually this is "
                              "because you attempted to pipe a value into the command or you "
                              "are executing outside of a terminal (tty). If you want to pipe "
                              "the value, pass \"-\" as the argument to read from stdin. The "
                              "raw error was: " +
                              line.error().message())
              << "\n";
    return std::nullopt;
  }
  return TrimSpace(*line);
}

std::optional<json::object> KeyShareBody(Ctx& ctx, const std::string& arg,
                                         const std::string& prompt_header, std::string_view label,
                                         const std::string& nonce_flag,
                                         const std::string& server_nonce) {
  bool from_prompt = false;
  auto key = ReadKeyShare(ctx, arg, prompt_header, label, &from_prompt);
  if (!key) return std::nullopt;
  if (key->empty()) {
    ctx.err() << "Error posting unseal key: no key was provided\n";
    return std::nullopt;
  }
  std::string nonce = nonce_flag;
  if (nonce.empty() && from_prompt) nonce = server_nonce;
  if (nonce.empty()) {
    ctx.err() << "Missing nonce value: specify it via the -nonce flag\n";
    return std::nullopt;
  }
  return json::object{{"key", *key}, {"nonce", nonce}};
}

std::string Str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}
int64_t Int(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : 0;
}
bool Bool(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_bool() && v->as_bool();
}

int OutputStruct(Ctx& ctx, const json::object& ordered) {
  ctx.out() << (ctx.format() == "yaml" ? ToYaml(ordered) : GoJsonIndent(ordered));
  return 0;
}

int PrintRaw(Ctx& ctx, std::string_view value) {
  ctx.out() << value;
  if (ctx.env().stdout_is_terminal) ctx.out() << "\n";
  return 0;
}

}  // namespace arca::cli
