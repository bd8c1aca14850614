// The http-01 challenge check (RFC 8555 §8.3): GET http://<domain>:<port>/.well-known/
// acme-challenge/<token> and compare the body with the key authorization. A plain HTTP/1.1
// request over a POSIX socket with timeouts: the response is small and never trusted beyond that
// comparison. Redirects are not followed (Arca's documented difference).
//
// Thread-safety: stateless; blocks the calling thread for at most about `timeout` per address.
#pragma once

#include <chrono>
#include <string>
#include <poll.h>
#include <string_view>

#include "engines/pki/acme/problem.h"

namespace arca::pki::acme {

// Connects to `host` (a name, an IPv4 address or a bracketed IPv6 address) on `port`, trying
// each resolved address until `deadline`. Returns a non-blocking socket the caller closes.
AcmeResult<int> DialTcp(const std::string& host, int port, std::chrono::steady_clock::time_point deadline);
// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `deadline` passes.
bool WaitReady(int fd, short events, std::chrono::steady_clock::time_point deadline);

AcmeStatus ValidateHttp01(std::string_view domain, int port, std::string_view token,
                          std::string_view key_authorization,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace arca::pki::acme
