// framework::FrameworkBackend: a logical::Backend built from a list of declared Paths (Vault's
// sdk/framework Backend). It matches the request path against the patterns (first match wins,
// so order matters), merges the URL captures over the body, validates and converts the fields,
// and dispatches to the handler of the operation.
//
//   no pattern matches                        NotFound("unsupported path")        404
//   the path lacks the operation              Unsupported("unsupported operation") 405
//     (kCreate without a create handler uses the update handler, as Vault does)
//   a field fails conversion / validation     InvalidRequest                      400
//   kHelp                                     {"help": markdown, "openapi": {...}}; on the
//                                             empty path the backend's root help
// Body parameters a path with fields does not declare are ignored and reported in the warning
// "Endpoint ignored these unrecognized parameters: [a b]" (unless takes_arbitrary_input).
//
// Usage:
//   FrameworkBackend::Options o{.type = "transit", .paths = {PathKeys(this), ...}};
//   auto b = FrameworkBackend::Create(std::move(o));   // or construct and check InitStatus()
//
// Thread-safety: immutable after construction; HandleRequest and HandleExistenceCheck may run
// concurrently (handlers must be thread-safe themselves).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logical/backend.h"
#include "logical/framework/field.h"
#include "logical/framework/field_data.h"
#include "logical/framework/path.h"

namespace arca::logical::framework {

// Renewal and revocation of one kind of leased secret. renew may be empty (not renewable);
// revoke must be set. Both get the request with lease_id and secret_internal filled in; renew
// answers with a Response whose `secret` has the new ttl (and may replace internal_data).
struct SecretType {
  std::function<Result<Response>(Request&)> renew;
  std::function<Result<Response>(Request&)> revoke;
};

// Internal data for a secret of `type`, with extra keys merged in.
json::object SecretInternal(std::string_view type, json::object extra = {});

class FrameworkBackend : public Backend {
 public:
  struct Options {
    std::string type;  // "kv", "transit", ...
    BackendKind kind = BackendKind::kLogical;
    std::vector<Path> paths;
    SpecialPaths special_paths;
    std::string help;  // Markdown description of the backend for root help
    std::function<void(std::string_view)> invalidate;  // optional: InvalidateKey
    // Optional: StandbySafe (see Backend); absent = nothing is served by a standby.
    std::function<bool(Operation, std::string_view)> standby_safe;
    std::function<void()> clean;                       // optional: Cleanup
    std::function<void(Storage&)> periodic;            // optional: Periodic (see Backend)
    // Leased secrets by type: kRenew / kRevoke requests carry the secret's internal data, whose
    // "secret_type" key picks the handlers (Vault's framework.Secret). A secret returned by a
    // handler should set internal_data["secret_type"] (see SecretInternal()).
    std::map<std::string, SecretType> secrets;
  };

  // Compiles every pattern. A pattern that does not compile or a default that does not convert
  // is a programming error: InitStatus() reports it and every request fails with it (500).
  explicit FrameworkBackend(Options options);
  ~FrameworkBackend() override;
  FrameworkBackend(const FrameworkBackend&) = delete;
  FrameworkBackend& operator=(const FrameworkBackend&) = delete;

  // Constructs and returns InitStatus()'s error if any.
  static Result<std::unique_ptr<FrameworkBackend>> Create(Options options);

  const Status& InitStatus() const { return init_status_; }

  Result<Response> HandleRequest(Request& req) override;
  // No matching path -> NotFound("unsupported path"); a path without existence_check ->
  // {supported = false}; otherwise {supported = true, exists = check()}. Field errors -> 400.
  Result<ExistenceCheck> HandleExistenceCheck(Request& req) override;
  const SpecialPaths& GetSpecialPaths() const override { return options_.special_paths; }
  void InvalidateKey(std::string_view key) override;
  bool StandbySafe(Operation op, std::string_view path) const override {
    return options_.standby_safe && options_.standby_safe(op, path);
  }
  void Cleanup() override;
  void Periodic(Storage& storage) override {
    if (options_.periodic) options_.periodic(storage);
  }
  std::string_view Type() const override { return options_.type; }
  BackendKind Kind() const override { return options_.kind; }

  const std::vector<Path>& paths() const { return options_.paths; }

 private:
  struct Compiled;  // a compiled pattern (Boost.Regex stays out of this header)

  // The first path matching req.path (its index in *index when given), with the URL captures
  // merged over req.data in *fields; nullptr when none matches.
  const Path* Route(const Request& req, json::object* fields, size_t* index = nullptr) const;
  // The validated parameters of paths[index] for `raw` (shared schema defaults).
  Result<FieldData> MakeFieldData(size_t index, json::object raw) const;
  Result<Response> Help(const Request& req, const Path* path) const;

  Options options_;
  std::vector<std::unique_ptr<Compiled>> compiled_;  // parallel to options_.paths
  Status init_status_;
};

}  // namespace arca::logical::framework
