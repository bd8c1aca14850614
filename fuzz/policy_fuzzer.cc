// libFuzzer target: ACL policy text -> hcl::Parse -> ParsePolicy -> Acl::Compile -> checks, and
// the HCL formatter. Properties checked beyond "no crash, no sanitizer report":
//   - a formatted document parses again and formats to itself (idempotence);
//   - a policy that parses compiles, and its ACL answers checks without failing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/policy/acl.h"
#include "core/policy/policy.h"
#include "hcl/format.h"
#include "hcl/parser.h"

using namespace arca;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;  // policies are small; keep the run fast
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto policy = core::policy::ParsePolicy("fuzz", text)) {
    auto acl = core::policy::Acl::Compile({*policy});
    if (!acl) __builtin_trap();  // documented never to fail for parsed policies
    static constexpr std::string_view kPaths[] = {
        "secret/data/app", "secret/", "sys/mounts", "kv/a/b/c", "", "a+b/*", "auth/token/create"};
    static constexpr logical::Operation kOps[] = {
        logical::Operation::kRead, logical::Operation::kCreate, logical::Operation::kUpdate,
        logical::Operation::kList, logical::Operation::kDelete, logical::Operation::kScan};
    json::object params{{"ttl", "1h"}, {"role", json::array{"a", "b"}}};
    for (std::string_view p : kPaths) {
      for (auto op : kOps) (void)(*acl)->Allowed(p, op, params);
      (void)(*acl)->Capabilities(p);
      (void)(*acl)->AnyAllowedUnder(std::string(p) + "/");
    }
  }

  if (auto formatted = hcl::Format(text, "fuzz.hcl")) {
    if (!hcl::Parse(*formatted, "fuzz.hcl")) __builtin_trap();
    auto again = hcl::Format(*formatted, "fuzz.hcl");
    if (!again || *again != *formatted) __builtin_trap();
  }
  return 0;
}
