// ACL capabilities: the bits a policy path grants, and their names.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arca::core::policy {

// Bit values of the capabilities a path rule may grant (a uint32_t bitmap).
enum Capability : uint32_t {
  kDeny = 1,
  kCreate = 2,
  kRead = 4,
  kUpdate = 8,
  kDelete = 16,
  kList = 32,
  kSudo = 64,
  kPatch = 128,
  kScan = 256,       // OpenBao: recursive list
  kSubscribe = 512,  // Vault: event subscriptions (accepted, parsed, otherwise unused)
  kRoot = 1u << 31,  // never written in a policy; marks the root policy in results
};

// Every capability a root token has (all grants plus sudo; not kDeny).
inline constexpr uint32_t kAllCapabilities =
    kCreate | kRead | kUpdate | kDelete | kList | kSudo | kPatch | kScan | kSubscribe;

// "read" -> kRead, ...; nullopt for unknown names (case-sensitive, as in Vault).
std::optional<Capability> CapabilityFromName(std::string_view name);

// Name of one capability bit ("read"); "" for values that are not a single known bit.
std::string_view CapabilityName(Capability cap);

// Names of the bits in `caps`, sorted alphabetically, in the sys/capabilities form:
// kRoot -> ["root"]; kDeny set, or no bit at all -> ["deny"]; else e.g. ["list", "read"].
std::vector<std::string> CapabilityNames(uint32_t caps);

}  // namespace arca::core::policy
