#include "server/hardening.h"

#include <sys/prctl.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace arca::server {
namespace {

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

Status ApplyCoreDumpProtection(bool disable_protection) {
  if (::prctl(PR_SET_DUMPABLE, disable_protection ? 1 : 0, 0, 0, 0) != 0) {
    return Internal(std::string("prctl(PR_SET_DUMPABLE) failed: ") + std::strerror(errno));
  }
  return OkStatus();
}

std::vector<std::string> AuditForbiddenDirs(const config::Config& config,
                                            const std::vector<std::string>& config_paths) {
  std::vector<std::string> dirs;
  for (const auto& storage : {config.storage, config.ha_storage}) {
    if (!storage) continue;
    if (auto it = storage->options.find("path");
        it != storage->options.end() && !it->second.empty()) {
      dirs.push_back(Absolute(it->second));
    }
  }
  for (const std::string& p : config_paths) {
    std::error_code ec;
    std::string abs = Absolute(p);
    if (std::filesystem::is_directory(abs, ec)) {
      dirs.push_back(abs);
    } else {
      dirs.push_back(std::filesystem::path(abs).parent_path().string());
    }
  }
  if (!config.plugin_directory.empty()) dirs.push_back(Absolute(config.plugin_directory));
  return dirs;
}

}  // namespace arca::server
