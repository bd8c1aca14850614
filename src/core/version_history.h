// The versions of Arca that have unsealed this storage (sys/version-history). Each version is
// recorded once, at its first unseal, under "core/versions/<version>" in the barrier:
// {"timestamp_installed": <unix seconds>, "build_date": <string or null>}.
//
// Thread-safety: free functions over a thread-safe Storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logical/storage.h"

namespace arca::core {

inline constexpr std::string_view kVersionsPrefix = "core/versions/";

struct VersionRecord {
  std::string version;
  int64_t timestamp_installed = 0;  // unix seconds
  std::optional<std::string> build_date;
};

// Records `version` installed at `now` unless it is already recorded (the first unseal counts).
Status RecordVersion(logical::Storage& storage, std::string_view version, int64_t now,
                     std::optional<std::string> build_date = std::nullopt);
// Every recorded version, oldest install first (ties by version string).
Result<std::vector<VersionRecord>> ReadVersionHistory(logical::Storage& storage);

}  // namespace arca::core
