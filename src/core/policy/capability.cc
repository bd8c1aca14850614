#include "core/policy/capability.h"

#include <algorithm>
#include <array>
#include <utility>

namespace arca::core::policy {
namespace {

constexpr std::array<std::pair<std::string_view, Capability>, 10> kNames = {{
    {"deny", kDeny},
    {"create", kCreate},
    {"read", kRead},
    {"update", kUpdate},
    {"delete", kDelete},
    {"list", kList},
    {"sudo", kSudo},
    {"patch", kPatch},
    {"scan", kScan},
    {"subscribe", kSubscribe},
}};

}  // namespace

std::optional<Capability> CapabilityFromName(std::string_view name) {
  for (const auto& [n, cap] : kNames) {
    if (n == name) return cap;
  }
  return std::nullopt;
}

std::string_view CapabilityName(Capability cap) {
  if (cap == kRoot) return "root";
  for (const auto& [n, c] : kNames) {
    if (c == cap) return n;
  }
  return {};
}

std::vector<std::string> CapabilityNames(uint32_t caps) {
  if (caps & kRoot) return {"root"};
  if ((caps & kDeny) || caps == 0) return {"deny"};
  std::vector<std::string> out;
  for (const auto& [n, cap] : kNames) {
    if (cap != kDeny && (caps & cap)) out.emplace_back(n);
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) out.emplace_back("deny");  // only unknown bits set
  return out;
}

}  // namespace arca::core::policy
