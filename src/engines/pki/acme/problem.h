// ACME problem documents (RFC 8555 §6.7, RFC 7807): every ACME error is answered with
// Content-Type application/problem+json and a type from the urn:ietf:params:acme:error: space.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "common/json.h"

namespace arca::pki::acme {

struct Problem {
  std::string type;  // the suffix after "urn:ietf:params:acme:error:", e.g. "malformed"
  std::string detail;
  int status = 400;

  std::string Urn() const { return "urn:ietf:params:acme:error:" + type; }
  json::object ToJson() const;
};

template <typename T>
using AcmeResult = std::expected<T, Problem>;
using AcmeStatus = std::expected<void, Problem>;

inline std::unexpected<Problem> MakeProblem(std::string type, std::string detail, int status = 400) {
  return std::unexpected(Problem{std::move(type), std::move(detail), status});
}
inline std::unexpected<Problem> Malformed(std::string detail) {
  return MakeProblem("malformed", std::move(detail));
}
inline std::unexpected<Problem> Unauthorized(std::string detail) {
  return MakeProblem("unauthorized", std::move(detail), 403);
}
inline std::unexpected<Problem> ServerInternal(std::string detail) {
  return MakeProblem("serverInternal", std::move(detail), 500);
}

}  // namespace arca::pki::acme
