// Translation between HTTP messages and logical::Request / logical::Response, following Vault's
// HTTP layer. Pure functions over light types: no sockets, no Beast; unit-tested directly.
//
// Request rules (BuildRequest):
// - Only targets under "/v1/" are API requests; anything else is kNotFound with no message
//   (answered 404 {"errors":[]}). The path is percent-decoded; a "." or ".." segment (also
//   encoded), a NUL byte, a backslash, an empty segment (except a trailing '/') or a malformed
//   escape is 400 "invalid request path".
// - GET/HEAD -> kRead (kList with ?list=true, kScan with ?scan=true), POST/PUT -> kUpdate,
//   DELETE -> kDelete, PATCH -> kPatch (needs Content-Type application/merge-patch+json, else
//   415), LIST -> kList, SCAN -> kScan, other methods -> 405 {"errors":[]}. ?help=1 -> kHelp.
//   kList/kScan paths end with '/'. Boolean query flags accept 1/t/true (any case), like Go's
//   strconv.ParseBool.
// - POST/PUT/PATCH bodies: empty -> {}, a JSON object -> data, anything else -> 400 "failed to
//   parse JSON input: ..."; application/x-www-form-urlencoded -> string fields (a repeated key is
//   joined with ',' as Vault does). GET/HEAD/DELETE/LIST/SCAN ignore the body and take the query
//   parameters (except list, scan, help) as string fields; a repeated key becomes an array.
// - Token: X-Vault-Token, else "Authorization: Bearer <t>". X-Vault-Wrap-TTL: a duration or
//   seconds (unparsable -> 400). id: a fresh UUID. headers: all, names lower-cased.
// - remote_addr: the peer IP; when the peer is in the trusted proxy set and sent
//   X-Forwarded-For, the right-most address of that header (the client the trusted proxy saw;
//   Vault's rule with x_forwarded_for_hop_skips = 0). A malformed address there is a 400.
//   Untrusted peers' X-Forwarded-For is ignored (not rejected).
//
// Thread-safety: stateless functions.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "http/cidr.h"
#include "logical/request.h"
#include "logical/response.h"

namespace arca::http {

using HeaderField = std::pair<std::string_view, std::string_view>;

// A parsed HTTP request, viewed (not owned): the views must outlive the call.
struct HttpRequestView {
  std::string_view method;  // "GET", "LIST", "BREW", ...
  std::string_view target;  // origin form "/v1/secret/foo?list=true" (absolute form accepted)
  std::span<const HeaderField> headers;  // names in any case; repeated names allowed
  std::string_view body;
  std::string_view remote_addr;  // peer IP, no port
};

struct HttpResponseOut {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // includes Content-Type when a body
  std::string body;                                          // empty for 204 and HEAD
  // A streamed body (logical::Response::stream; never for HEAD): sent chunked after the
  // headers, `body` unused.
  std::shared_ptr<logical::StreamSource> stream;
};

// Builds the logical request, or the Error to answer (see the rules above).
Result<logical::Request> BuildRequest(const HttpRequestView& in, const CidrSet& trusted_proxies);
// The same into `req`, a default-constructed request (left partly filled on error).
Status BuildRequest(const HttpRequestView& in, const CidrSet& trusted_proxies,
                    logical::Request& req);

// The client's address by the rule above (the peer, or the right-most X-Forwarded-For entry
// when the peer is a trusted proxy); a malformed X-Forwarded-For gives the peer. For requests
// that are not translated here (Handler::TakesRaw).
std::string ClientAddress(const HttpRequestView& in, const CidrSet& trusted_proxies);

// ASCII case-insensitive equality (header names, media types).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Encodes a handler result. `req` is the request after Handle (for id and mount_type);
// `head_request` drops the body.
HttpResponseOut BuildResponse(const logical::Request& req, const Result<logical::Response>& result,
                              bool head_request);

// {"errors":[messages...]} with err.http_status(), Cache-Control: no-store.
HttpResponseOut ErrorResponse(const Error& err, bool head_request = false);

// 503 {"errors":["server is overloaded, retry later"]} with Retry-After: 1.
HttpResponseOut OverloadedResponse(bool head_request = false);


// Percent-decodes `in`; with plus_as_space, '+' becomes ' ' (form/query encoding).
// nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space);

}  // namespace arca::http
