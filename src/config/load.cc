// Reading config files and directories from disk.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "hcl/parser.h"

namespace arca::config {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileSize = 16 << 20;

Result<std::string> ReadFile(const fs::path& path) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileSize) {
    return InvalidRequest("config file \"" + path.string() + "\" is too large");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidRequest("cannot read config file \"" + path.string() +
                          "\": " + std::strerror(errno));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return InvalidRequest("cannot read config file \"" + path.string() + "\"");
  return buf.str();
}

bool IsConfigFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".hcl" || ext == ".json";
}

Status ApplyFile(const fs::path& path, Config* config) {
  ARCA_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::string name = path.string();
  if (path.extension() == ".json") {
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{') {
      return InvalidRequest(name + ": a .json config file must hold a JSON object");
    }
  }
  ARCA_ASSIGN_OR_RETURN(hcl::NodePtr root, hcl::Parse(text, name));
  return ApplyDocument(*root, config);
}

Status ApplyPath(const std::string& path, Config& config) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return InvalidRequest("config path \"" + path + "\" does not exist");
  }
  if (!fs::is_directory(st)) {
    ARCA_RETURN_IF_ERROR(ApplyFile(path, &config));
  } else {
    std::vector<fs::path> files;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code fec;
      if (IsConfigFile(it->path()) && it->is_regular_file(fec)) files.push_back(it->path());
    }
    if (ec) return InvalidRequest("cannot list config directory \"" + path + "\": " + ec.message());
    if (files.empty()) {
      return InvalidRequest("config directory \"" + path + "\" has no .hcl or .json files");
    }
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    for (const fs::path& f : files) ARCA_RETURN_IF_ERROR(ApplyFile(f, &config));
  }
  return OkStatus();
}

}  // namespace

Result<Config> LoadPaths(const std::vector<std::string>& paths) {
  Config config;
  for (const auto& path : paths) {
    try {
      ARCA_RETURN_IF_ERROR(ApplyPath(path, config));
    } catch (const std::exception& e) {  // filesystem or allocation failures stay inside
      return InvalidRequest("cannot load config \"" + path + "\": " + e.what());
    }
  }
  ARCA_RETURN_IF_ERROR(Validate(config));
  return config;
}

Result<Config> LoadPath(const std::string& path) { return LoadPaths({path}); }

}  // namespace arca::config
