#include "common/status.h"

namespace arca {

int HttpStatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidRequest: return 400;
    case ErrorKind::kPermissionDenied: return 403;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kUnsupportedOperation: return 405;
    case ErrorKind::kPreconditionFailed: return 412;
    case ErrorKind::kPayloadTooLarge: return 413;
    case ErrorKind::kUnsupportedMediaType: return 415;
    case ErrorKind::kRateLimited: return 429;
    case ErrorKind::kInternal: return 500;
    case ErrorKind::kUpstream: return 502;
    case ErrorKind::kSealed: return 503;
    case ErrorKind::kUnavailable: return 503;
    case ErrorKind::kForwardToActive: return 503;
  }
  return 500;
}

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidRequest: return "invalid request";
    case ErrorKind::kPermissionDenied: return "permission denied";
    case ErrorKind::kNotFound: return "not found";
    case ErrorKind::kUnsupportedOperation: return "unsupported operation";
    case ErrorKind::kPreconditionFailed: return "precondition failed";
    case ErrorKind::kPayloadTooLarge: return "payload too large";
    case ErrorKind::kUnsupportedMediaType: return "unsupported media type";
    case ErrorKind::kRateLimited: return "rate limited";
    case ErrorKind::kInternal: return "internal error";
    case ErrorKind::kUpstream: return "upstream error";
    case ErrorKind::kSealed: return "sealed";
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kForwardToActive: return "forward to the active node";
  }
  return "unknown";
}

const std::string& Error::message() const {
  static const std::string kEmpty;
  return messages_.empty() ? kEmpty : messages_.front();
}

std::string Error::ToString() const {
  std::string out(ErrorKindName(kind_));
  for (const auto& m : messages_) {
    out += ": ";
    out += m;
  }
  return out;
}

Error Error::WithContext(std::string_view prefix) const {
  Error copy = *this;
  if (copy.messages_.empty()) {
    copy.messages_.emplace_back(prefix);
  } else {
    copy.messages_.front() = std::string(prefix) + ": " + copy.messages_.front();
  }
  return copy;
}

}  // namespace arca
