// AWS Signature Version 4 (the "AWS4-HMAC-SHA256" scheme) for requests to AWS services, here the
// KMS JSON API of the awskms seal. Follows AWS's published signing process: a canonical request
// (method, normalised and URI-encoded path, sorted query, lower-cased and trimmed headers, the
// list of signed headers, the hex SHA-256 of the payload), a string to sign bound to the
// credential scope <date>/<region>/<service>/aws4_request, a signing key derived from the secret
// key by four HMAC-SHA256 steps, and the Authorization header. Checked against AWS's SigV4 test
// suite (sigv4_test.cc).
//
// Thread-safety: functions only; no shared state. The secret key and the derived keys are kept
// in SecureBytes and wiped when done; nothing here logs.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::seal {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct AwsCredentials {
  std::string access_key_id;
  SecureBytes secret_access_key;
  std::string session_token;  // empty for long-term credentials
};

struct SigV4Request {
  std::string method;  // "GET", "POST"
  // The absolute path, not percent-encoded ("/", "/example space/"); "." and ".." segments and
  // repeated slashes are normalised away, as AWS does for every service but S3.
  std::string path = "/";
  // The query string without '?', as sent ("a=1&b=2"); it is percent-decoded, re-encoded and
  // sorted for the canonical request.
  std::string query;
  // Headers to sign, including Host. Names are case-insensitive; a name given several times is
  // signed as the values joined by ',' in the order given.
  HttpHeaders headers;
  std::string_view payload;
};

struct SigV4Options {
  std::string region;   // "us-east-1"
  std::string service;  // "kms"
  // ISO 8601 basic time "20150830T123600Z" (AmzDate()); also sent as X-Amz-Date.
  std::string amz_date;
  // With a session token: sign X-Amz-Security-Token (true; what the SDKs do for KMS) or add it
  // after signing (false; AWS's post-sts-header-after case).
  bool sign_security_token = true;
  // Also send and sign X-Amz-Content-Sha256 (S3 wants it; KMS does not need it).
  bool add_content_sha256 = false;
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // 64 lower-case hex digits
  std::string authorization;   // the Authorization header's value
  // What the caller must send in addition to SigV4Request::headers: X-Amz-Date (unless the
  // request had it), X-Amz-Security-Token, X-Amz-Content-Sha256 (when asked) and Authorization.
  HttpHeaders added_headers;
};

// Signs `request`. InvalidRequest for a missing access key or secret key, a region or service
// that is empty or contains '/', a malformed amz_date, or a request without a Host header.
Result<SigV4Signature> SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                              const SigV4Options& options);

// "20150830T123600Z" for `t` (UTC).
std::string AmzDate(std::chrono::system_clock::time_point t);

// The canonical URI of a decoded absolute path: "." and ".." resolved, repeated '/' collapsed
// (a trailing '/' kept), each byte outside A-Z a-z 0-9 - _ . ~ percent-encoded (upper-case hex).
std::string CanonicalUri(std::string_view path);

// The canonical query string of a raw query: each name and value percent-decoded ('+' kept as a
// literal plus, as AWS does), re-encoded as CanonicalUri encodes, and sorted by name then value.
std::string CanonicalQuery(std::string_view query);

}  // namespace arca::seal
