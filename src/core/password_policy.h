// Password policies (sys/policies/password/:name): named HCL documents
//
//   length = 20
//   rule "charset" {
//     charset   = "abcdefghijklmnopqrstuvwxyz"
//     min-chars = 1
//   }
//
// stored through the barrier and used by engines (SystemView::GeneratePassword) to make
// passwords for the users they create.
//
// Thread-safety: every method is thread-safe (storage does the locking; no cache).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/password.h"
#include "logical/storage.h"

namespace arca::core {

// Parses and validates a policy document. Errors: InvalidRequest naming the problem (HCL
// syntax, an unknown rule type or key, a policy that cannot produce a password).
Result<crypto::PasswordPolicy> ParsePasswordPolicy(std::string_view text);

class PasswordPolicyStore {
 public:
  // `view` is where policies live (the core gives "sys/password_policy/"); it must outlive this.
  explicit PasswordPolicyStore(logical::Storage& view) : view_(view) {}

  // Validates and stores. Errors: InvalidRequest (bad name or document), storage errors.
  Status Put(std::string_view name, std::string_view text);
  // The document, or NotFound.
  Result<std::string> Get(std::string_view name);
  Status Delete(std::string_view name);
  Result<std::vector<std::string>> List();
  // A password from the named policy (the default policy when `name` is empty). Errors:
  // InvalidRequest when the policy does not exist.
  Result<std::string> Generate(std::string_view name);

 private:
  logical::Storage& view_;
};

}  // namespace arca::core
