// The http-01 challenge check (RFC 8555 §8.3): GET http://<domain>:<port>/.well-known/
// acme-challenge/<token> and compare the body with the key authorization. A plain HTTP/1.1
// request over a POSIX socket with timeouts: the response is small and never trusted beyond that
// comparison. Redirects are not followed (Arca's documented difference).
//
// Thread-safety: stateless; blocks the calling thread for at most about policy.timeout.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <string_view>

#include "engines/pki/acme/problem.h"

namespace arca::pki::acme {

// What a challenge validation may connect to and how long it may hold its thread.
struct ValidationPolicy {
  // Loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16 — cloud metadata services —,
  // fe80::/10) and unspecified (0.0.0.0/8, ::) addresses, also inside IPv4-mapped /
  // IPv4-compatible / NAT64 IPv6 addresses, are refused unless this is set (the server's
  // ARCA_ACME_ALLOW_LOCAL_TARGETS, for tests whose client serves challenges on loopback).
  bool allow_local_addresses = false;
  std::chrono::milliseconds timeout{10'000};         // the whole validation: DNS, connect, I/O
  std::chrono::milliseconds connect_timeout{5'000};  // one connection attempt (one address)
};

// Why a validation may not connect to `addr` (e.g. "a loopback address"), or nullptr when it
// may. Families other than IPv4/IPv6 are refused.
const char* ForbiddenTargetReason(const sockaddr* addr);

// Resolves `host` (a name, an IPv4 address or a bracketed IPv6 address) once, refuses it when any
// address it resolves to is forbidden by `policy` (without connecting anywhere), then connects to
// the checked addresses in turn (each attempt bounded by policy.connect_timeout) until
// `deadline`. Name resolution is bounded by `deadline` too. Returns a non-blocking socket the
// caller closes. Problems: dns (no resolution), rejectedIdentifier (a forbidden address),
// connection.
AcmeResult<int> DialTcp(const std::string& host, int port,
                        std::chrono::steady_clock::time_point deadline,
                        const ValidationPolicy& policy);
// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `deadline` passes.
bool WaitReady(int fd, short events, std::chrono::steady_clock::time_point deadline);

AcmeStatus ValidateHttp01(std::string_view domain, int port, std::string_view token,
                          std::string_view key_authorization, const ValidationPolicy& policy = {});

}  // namespace arca::pki::acme
