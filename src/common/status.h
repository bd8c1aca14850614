// Errors as values: arca::Status and arca::Result<T>.
//
// Every fallible call returns a Status (success or an Error) or a Result<T> (a T or an Error).
// An Error carries a kind, which maps to an HTTP status in exactly one place (HttpStatusFor), and
// the messages that go into the `errors` array of Vault's error envelope.
//
// Thread-safety: values; no shared state.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arca {

enum class ErrorKind {
  kInvalidRequest,        // 400: bad parameters, malformed input, CAS mismatch
  kPermissionDenied,      // 403: bad/expired token, ACL refusal
  kNotFound,              // 404: unsupported path, missing entry
  kUnsupportedOperation,  // 405: method not supported on the path
  kPreconditionFailed,    // 412
  kPayloadTooLarge,       // 413: body past max_request_size
  kUnsupportedMediaType,  // 415: PATCH without merge-patch content type
  kRateLimited,           // 429: quota exceeded, worker queue full
  kInternal,              // 500
  kUpstream,              // 502: a third-party system failed
  kSealed,                // 503: the barrier is sealed
  kUnavailable,           // 503: not initialized / no active node / shutting down
  // 503 if it ever reaches a client: a read-serving HA standby cannot complete the request
  // itself (it would write: a token use, a wrapping token, a lease, any storage write); the
  // server forwards the original request to the active node instead (docs/ha.md).
  kForwardToActive,
};

// The HTTP status code for an error kind. The single place this mapping lives.
int HttpStatusFor(ErrorKind kind);
std::string_view ErrorKindName(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind) {
    messages_.push_back(std::move(message));
  }
  Error(ErrorKind kind, std::vector<std::string> messages)
      : kind_(kind), messages_(std::move(messages)) {}

  ErrorKind kind() const { return kind_; }
  int http_status() const { return HttpStatusFor(kind_); }
  // First message (empty if none).
  const std::string& message() const;
  const std::vector<std::string>& messages() const { return messages_; }
  // "kind: message" for logs and test failures.
  std::string ToString() const;

  // Returns a copy whose first message is "<prefix>: <message>".
  Error WithContext(std::string_view prefix) const;

 private:
  ErrorKind kind_;
  std::vector<std::string> messages_;
};

using Status = std::expected<void, Error>;
template <typename T>
using Result = std::expected<T, Error>;

inline Status OkStatus() { return {}; }

inline std::unexpected<Error> MakeError(ErrorKind kind, std::string message) {
  return std::unexpected<Error>(Error(kind, std::move(message)));
}
inline std::unexpected<Error> InvalidRequest(std::string m) {
  return MakeError(ErrorKind::kInvalidRequest, std::move(m));
}
inline std::unexpected<Error> PermissionDenied(std::string m = "permission denied") {
  return MakeError(ErrorKind::kPermissionDenied, std::move(m));
}
inline std::unexpected<Error> NotFound(std::string m) {
  return MakeError(ErrorKind::kNotFound, std::move(m));
}
inline std::unexpected<Error> Unsupported(std::string m = "unsupported operation") {
  return MakeError(ErrorKind::kUnsupportedOperation, std::move(m));
}
inline std::unexpected<Error> Internal(std::string m) {
  return MakeError(ErrorKind::kInternal, std::move(m));
}
inline std::unexpected<Error> Sealed(std::string m = "Vault is sealed") {
  return MakeError(ErrorKind::kSealed, std::move(m));
}
inline std::unexpected<Error> Unavailable(std::string m) {
  return MakeError(ErrorKind::kUnavailable, std::move(m));
}
inline std::unexpected<Error> ForwardToActive(std::string m) {
  return MakeError(ErrorKind::kForwardToActive, std::move(m));
}

}  // namespace arca

#define ARCA_CONCAT_INNER_(a, b) a##b
#define ARCA_CONCAT_(a, b) ARCA_CONCAT_INNER_(a, b)

// Returns the error of a Status/Result expression from the enclosing function.
#define ARCA_RETURN_IF_ERROR(expr)                                 \
  do {                                                             \
    auto&& arca_status_ = (expr);                                  \
    if (!arca_status_) return std::unexpected(arca_status_.error()); \
  } while (0)

// `ARCA_ASSIGN_OR_RETURN(auto x, Foo());` declares x from Foo()'s value or returns its error.
#define ARCA_ASSIGN_OR_RETURN(lhs, expr) \
  ARCA_ASSIGN_OR_RETURN_IMPL_(ARCA_CONCAT_(arca_result_, __LINE__), lhs, expr)
#define ARCA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)       \
  auto tmp = (expr);                                      \
  if (!tmp) return std::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
