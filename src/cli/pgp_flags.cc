#include "cli/pgp_flags.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "pgp/pgp.h"

namespace arca::cli {
namespace {

Result<std::string> ReadKeyFile(std::string path) {
  if (path.empty()) return InvalidRequest("empty path");
  if (path[0] == '@') path.erase(0, 1);
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::string why = std::strerror(errno);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return InvalidRequest("open " + path + ": " + why);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return pgp::KeyFileToBase64(ss.str(), path);
}

}  // namespace

Result<std::vector<std::string>> ReadPgpKeyFiles(std::string_view value) {
  std::vector<std::string> keys;
  size_t pos = 0;
  while (true) {
    size_t comma = value.find(',', pos);
    std::string entry = TrimSpace(value.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
    if (pgp::IsKeybase(entry)) {
      return InvalidRequest("keybase user lookups are not supported (\"" + entry +
                            "\"): Arca does not contact Keybase; give a file holding the public key");
    }
    ARCA_ASSIGN_OR_RETURN(std::string key, ReadKeyFile(entry));
    keys.push_back(std::move(key));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return keys;
}

bool PgpKeysFlag(Ctx& ctx, std::string_view name, const std::vector<std::string>& values,
                 bool single, std::vector<std::string>* keys) {
  if (values.empty()) return true;
  auto fail = [&](const std::string& value, const std::string& why) {
    ctx.err() << "invalid value \"" << value << "\" for flag -" << name << ": " << why << "\n";
    return false;
  };
  if (values.size() > 1) return fail(values[1], "can only be specified once");
  auto read = ReadPgpKeyFiles(values[0]);
  if (!read) return fail(values[0], read.error().message());
  if (single && read->size() > 1) return fail(values[0], "can only specify one pgp key");
  *keys = std::move(*read);
  return true;
}

}  // namespace arca::cli
