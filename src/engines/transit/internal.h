// Private to the transit engine: the state its path handlers share and the path groups.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "engines/transit/key_store.h"
#include "logical/framework/field_data.h"
#include "logical/framework/path.h"
#include "logical/request.h"
#include "logical/response.h"

namespace arca::engines::transit {

struct State {
  explicit State(std::function<int64_t()> now) : keys(std::move(now)) {}
  logical::Storage* storage = nullptr;  // BackendConfig's; req.storage wins when set
  KeyStore keys;
  std::mutex wrapping_mu;
  PkeyPtr wrapping_key;  // guarded by wrapping_mu; the BYOK RSA-4096 key, loaded on first use

  Result<logical::Storage*> StorageFor(const logical::Request& req) const {
    logical::Storage* s = req.storage != nullptr ? req.storage : storage;
    if (s == nullptr) return Internal("transit: no storage configured for the mount");
    return s;
  }
  // The key named by the "name" field, or 400 "encryption key not found".
  Result<PolicyPtr> RequireKey(logical::Request& req, const std::string& name);
};

using StatePtr = std::shared_ptr<State>;
using logical::framework::FieldData;
using logical::framework::Path;

std::vector<Path> KeyPaths(const StatePtr& st);      // path_keys.cc
std::vector<Path> EncryptPaths(const StatePtr& st);  // path_encrypt.cc
std::vector<Path> SignPaths(const StatePtr& st);     // path_sign.cc
std::vector<Path> UtilityPaths(const StatePtr& st);  // path_utility.cc (hash, random)
std::vector<Path> ExportPaths(const StatePtr& st);   // path_export.cc (export, backup, restore,
                                                     // cache-config)
std::vector<Path> ImportPaths(const StatePtr& st);   // path_import.cc (BYOK)

// Batch helpers (batch.cc).
// The items of "batch_input" (an array of objects, or a string holding one), or nullopt when
// absent. A non-array or an item that is not an object: 400.
Result<std::optional<std::vector<json::object>>> BatchInput(const FieldData& d);
// A string member of a batch item ("" when absent); a non-string value is an error.
Result<std::string> ItemString(const json::object& item, std::string_view field);
// The same rule for a value that may be absent (nullptr); the view is into `v`.
Result<std::string_view> StringValue(const json::value* v, std::string_view field);
// An integer (or a string holding one) that may be absent (0); anything else is an error.
Result<int64_t> IntValue(const json::value* v, std::string_view field);
// Base64-decodes `text` or fails with 400 "failed to base64-decode <what>".
Result<std::string> DecodeBase64Field(std::string_view text, std::string_view what);
// Builds the response of a batch: {"batch_results": [...]}; when any item has "error", the
// status is 400 unless `partial_failure_code` (1..599) says otherwise; when every item failed it
// is 400.
logical::Response BatchResponse(json::array results, size_t errors, int64_t partial_failure_code);

// The asymmetric of Describe for handlers: {"data": policy.Describe()}.
logical::Response KeyResponse(const Policy& p);

}  // namespace arca::engines::transit
