#include "core/version_history.h"

#include <algorithm>

#include "common/json.h"

namespace arca::core {

Status RecordVersion(logical::Storage& storage, std::string_view version, int64_t now,
                     std::optional<std::string> build_date) {
  if (version.empty() || version.find('/') != std::string_view::npos) {
    return InvalidRequest("invalid version \"" + std::string(version) + "\"");
  }
  const std::string key = std::string(kVersionsPrefix) + std::string(version);
  ARCA_ASSIGN_OR_RETURN(auto existing, storage.Get(key));
  if (existing) return OkStatus();
  json::object o;
  o["timestamp_installed"] = now;
  if (build_date) o["build_date"] = *build_date;
  else o["build_date"] = nullptr;
  return logical::PutJson(storage, key, o);
}

Result<std::vector<VersionRecord>> ReadVersionHistory(logical::Storage& storage) {
  ARCA_ASSIGN_OR_RETURN(auto keys, storage.List(kVersionsPrefix));
  std::vector<VersionRecord> out;
  for (const auto& k : keys) {
    if (k.empty() || k.back() == '/') continue;
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(storage, std::string(kVersionsPrefix) + k));
    if (!v || !v->is_object()) continue;
    const auto& o = v->as_object();
    VersionRecord r;
    r.version = k;
    if (auto it = o.find("timestamp_installed"); it != o.end() && it->value().is_int64()) {
      r.timestamp_installed = it->value().as_int64();
    }
    if (auto it = o.find("build_date"); it != o.end() && it->value().is_string()) {
      r.build_date = std::string(it->value().as_string());
    }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const VersionRecord& a, const VersionRecord& b) {
    return a.timestamp_installed != b.timestamp_installed
               ? a.timestamp_installed < b.timestamp_installed
               : a.version < b.version;
  });
  return out;
}

}  // namespace arca::core
