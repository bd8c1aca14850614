// The http-01 challenge check (RFC 8555 §8.3): GET http://<domain>:<port>/.well-known/
// acme-challenge/<token> and compare the body with the key authorization. A plain HTTP/1.1
// request over a POSIX socket with timeouts: the response is small and never trusted beyond that
// comparison. Redirects are not followed (Arca's documented difference).
//
// Thread-safety: stateless; blocks the calling thread for at most about `timeout` per address.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "engines/pki/acme/problem.h"

namespace arca::pki::acme {

AcmeStatus ValidateHttp01(std::string_view domain, int port, std::string_view token,
                          std::string_view key_authorization,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace arca::pki::acme
