#include "engines/kv/kv_upgrade.h"

#include <algorithm>
#include <deque>

#include "common/encoding.h"
#include "crypto/random.h"
#include "engines/kv/kv_v2_internal.h"

namespace arca::engines::kv {
namespace {

// Every key below `prefix` (recursively), except the marker and the staging area.
Result<std::vector<std::string>> AllKeys(logical::Storage& s, std::string_view staging) {
  std::vector<std::string> keys;
  std::deque<std::string> folders{""};
  while (!folders.empty()) {
    std::string folder = std::move(folders.front());
    folders.pop_front();
    ARCA_ASSIGN_OR_RETURN(auto children, s.List(folder));
    for (const std::string& c : children) {
      std::string full = folder + c;
      if (full == kUpgradeMarkerKey || (!staging.empty() && full.starts_with(staging))) continue;
      if (full.ends_with('/')) {
        folders.push_back(std::move(full));
      } else {
        keys.push_back(std::move(full));
      }
    }
  }
  return keys;
}

Status SaveMarker(logical::Storage& s, std::string_view state, std::string_view staging) {
  return logical::PutJson(s, kUpgradeMarkerKey,
                          json::object{{"state", state}, {"staging", staging}});
}

}  // namespace

Result<std::optional<std::string>> UpgradeState(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kUpgradeMarkerKey));
  if (!v) return std::nullopt;
  if (!v->is_object() || !v->as_object().contains("state") ||
      !v->as_object().at("state").is_string()) {
    return Internal("corrupt KV upgrade marker");
  }
  return std::string(v->as_object().at("state").as_string());
}

Status UpgradeV1ToV2(logical::Storage& s, std::function<int64_t()> now_ns) {
  std::string state, staging;
  ARCA_ASSIGN_OR_RETURN(auto marker, logical::GetJson(s, kUpgradeMarkerKey));
  if (marker) {
    const json::object& m = marker->as_object();
    if (!m.contains("state") || !m.contains("staging")) return Internal("corrupt KV upgrade marker");
    state = std::string(m.at("state").as_string());
    staging = std::string(m.at("staging").as_string());
  } else {
    // Choose a staging prefix no existing key begins with.
    ARCA_ASSIGN_OR_RETURN(auto keys, AllKeys(s, ""));
    do {
      staging = ".kv-upgrade-" + HexEncode(crypto::RandomBytesString(8)) + "/";
    } while (std::any_of(keys.begin(), keys.end(),
                         [&](const std::string& k) { return k.starts_with(staging); }));
    state = "copying";
    ARCA_RETURN_IF_ERROR(SaveMarker(s, state, staging));
  }

  if (state == "copying") {
    ARCA_ASSIGN_OR_RETURN(auto keys, AllKeys(s, staging));
    for (const std::string& k : keys) {
      ARCA_ASSIGN_OR_RETURN(auto value, s.Get(k));
      if (!value) continue;
      ARCA_RETURN_IF_ERROR(s.Put(staging + HexEncode(k), *value));
      ARCA_RETURN_IF_ERROR(s.Delete(k));
    }
    state = "converting";
    ARCA_RETURN_IF_ERROR(SaveMarker(s, state, staging));
  }

  if (state == "converting") {
    ARCA_ASSIGN_OR_RETURN(auto entries, s.List(staging));
    for (const std::string& e : entries) {
      auto path = HexDecode(e);
      if (!path) return Internal("corrupt KV upgrade staging entry " + e);
      std::string key = std::move(*path);
      ARCA_ASSIGN_OR_RETURN(auto value, s.Get(staging + e));
      if (value) {
        // v1 entries are JSON objects; anything else is kept under a "value" field.
        json::object data;
        if (auto parsed = ParseJson(*value); parsed && parsed->is_object()) {
          data = std::move(parsed->as_object());
        } else {
          data["value"] = *value;
        }
        int64_t now = now_ns();
        v2::KeyMeta meta{.created_ns = now, .updated_ns = now, .current_version = 1};
        meta.versions[1] = v2::VersionMeta{.created_ns = now};
        ARCA_RETURN_IF_ERROR(s.Put(v2::VersionKey(key, 1), json::serialize(data)));
        ARCA_RETURN_IF_ERROR(v2::SaveMeta(s, key, meta));
      }
      ARCA_RETURN_IF_ERROR(s.Delete(staging + e));
    }
    state = "done";
    ARCA_RETURN_IF_ERROR(SaveMarker(s, state, staging));
  }
  if (state != "done") return Internal("unknown KV upgrade state " + state);
  return OkStatus();
}

}  // namespace arca::engines::kv
