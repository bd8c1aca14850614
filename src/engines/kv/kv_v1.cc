// KV version 1: Vault's pass-through backend, built on the path framework.
#include <chrono>
#include <memory>

#include "common/json.h"
#include "engines/kv/kv.h"
#include "logical/framework/framework_backend.h"

namespace arca::engines::kv {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldType;

constexpr std::chrono::seconds kFallbackDefaultTtl = std::chrono::hours(768);

constexpr char kHelp[] = R"(
The KV backend reads and writes arbitrary secrets to the storage backend.
The secrets are encrypted/decrypted by Arca: they are never stored unencrypted
in the backend and the backend never has an opportunity to see the unencrypted
value.

Every path holds one object of keys and values. A write replaces the whole
object. A "ttl" key (for example "1h") is returned as the lease duration, a hint
for how often consumers should refresh the secret; no lease is created.
)";

constexpr char kPathSynopsis[] = "Pass-through secret storage to the mount's storage.";
constexpr char kPathDescription[] = R"(
Write any object of keys and values to a path; reading the path returns it.
Listing a path returns the keys one level below it (folders end in '/').
A "ttl" key in the data sets the lease_duration reported on reads (the refresh
interval); otherwise the mount's default lease TTL is reported.
)";

// What the handlers share; owned by the handlers' closures.
struct State {
  logical::Storage* storage = nullptr;  // from BackendConfig; req.storage wins when set
  const logical::SystemView* system = nullptr;

  Result<logical::Storage*> StorageFor(const Request& req) const {
    logical::Storage* s = req.storage != nullptr ? req.storage : storage;
    if (s == nullptr) return Internal("kv: no storage configured for the mount");
    return s;
  }

  std::chrono::seconds DefaultTtl() const {
    return system != nullptr ? system->DefaultLeaseTtl() : kFallbackDefaultTtl;
  }
};

// The TTL reported for an entry: its "ttl" (or "lease") key when it parses as a duration.
std::chrono::seconds EntryTtl(const json::object& data, std::chrono::seconds fallback) {
  const json::value* raw = data.if_contains("ttl");
  if (raw == nullptr) raw = data.if_contains("lease");
  if (raw == nullptr) return fallback;
  auto parsed = logical::framework::ConvertValue(FieldType::kDuration, *raw);
  if (!parsed) return fallback;
  return std::chrono::seconds(parsed->as_int64());
}

Result<Response> HandleRead(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  std::string key = d.GetString("path");
  ARCA_ASSIGN_OR_RETURN(auto raw, s->Get(key));
  if (!raw) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
  auto parsed = ParseJson(*raw);
  if (!parsed || !parsed->is_object()) {
    return Internal("json decoding failed: stored entry is not a JSON object");
  }
  Response resp = Response::WithData(std::move(parsed->as_object()));
  logical::Secret secret;
  secret.ttl = EntryTtl(resp.data, st.DefaultTtl());
  secret.renewable = false;
  secret.register_lease = false;
  resp.secret = std::move(secret);
  return resp;
}

Result<Response> HandleWrite(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  std::string key = d.GetString("path");
  if (key.empty()) return InvalidRequest("missing path");
  if (req.data.empty()) return InvalidRequest("missing data fields");
  Status put = s->Put(key, json::serialize(req.data));
  if (!put) return std::unexpected(put.error().WithContext("failed to write"));
  return Response{};
}

Result<Response> HandleDelete(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_RETURN_IF_ERROR(s->Delete(d.GetString("path")));
  return Response{};
}

Result<Response> HandleList(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  std::string prefix = d.GetString("path");
  if (!prefix.empty() && !prefix.ends_with('/')) prefix += '/';
  ARCA_ASSIGN_OR_RETURN(auto keys, s->List(prefix));
  return Response::ListResponse(keys);
}

Result<bool> EntryExists(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(auto raw, s->Get(d.GetString("path")));
  return raw.has_value();
}

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewKvV1Backend(const logical::BackendConfig& config) {
  auto st = std::make_shared<const State>(State{config.storage, config.system});
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };

  logical::framework::Path path;
  path.pattern = logical::framework::MatchAllRegex("path");
  path.fields["path"] = {.type = FieldType::kString, .description = "Location of the secret."};
  path.takes_arbitrary_input = true;  // the body is the secret itself
  path.operations[Operation::kRead] = {bind(HandleRead), "Retrieve the secret at the path."};
  path.operations[Operation::kCreate] = {bind(HandleWrite), "Store a secret at the path."};
  path.operations[Operation::kUpdate] = {bind(HandleWrite), "Store a secret at the path."};
  path.operations[Operation::kDelete] = {bind(HandleDelete), "Delete the secret at the path."};
  path.operations[Operation::kList] = {bind(HandleList), "List secret entries at the path."};
  path.existence_check = bind(EntryExists);
  path.help_synopsis = kPathSynopsis;
  path.help_description = kPathDescription;

  logical::framework::FrameworkBackend::Options options;
  options.type = "kv";
  options.help = kHelp;
  // A read-serving HA standby answers reads and lists (core.h, StandbyMayServe).
  options.standby_safe = [](Operation op, std::string_view) {
    return op == Operation::kRead || op == Operation::kList;
  };
  options.paths.push_back(std::move(path));
  ARCA_ASSIGN_OR_RETURN(auto backend,
                        logical::framework::FrameworkBackend::Create(std::move(options)));
  return std::unique_ptr<logical::Backend>(std::move(backend));
}

}  // namespace arca::engines::kv
