// What the etcd clients share (etcd_client.h's contract): the result of one attempt on one
// endpoint, the failover of a call across the endpoints, and the cached authentication token.
// Internal to src/storage/etcd.
#pragma once

#include <algorithm>
#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"

namespace arca::storage::etcd::internal {

struct Attempt {
  bool retry_elsewhere = false;  // the endpoint could not answer: try the next one
  Error error;
  bool unauthenticated = false;  // the token was refused: authenticate again
};

// Runs `one(endpoint)` (returning std::expected<T, Attempt>) on the endpoint in use first, then
// on the others in order; when a whole round failed (a leader election answers "unavailable"
// everywhere), rounds repeat after a pause growing from 25 to 400 ms until `timeout` has passed
// since the call began. The endpoint that answered becomes the one in use (unless the list was
// replaced meanwhile). `mu` guards `list` and `current`.
template <class T, class Endpoint, class Fn>
Result<T> CallWithFailover(std::mutex& mu,
                           const std::shared_ptr<std::vector<std::shared_ptr<Endpoint>>>& list_ref,
                           size_t& current, std::chrono::milliseconds timeout, Fn&& one) {
  std::shared_ptr<std::vector<std::shared_ptr<Endpoint>>> list;
  size_t start;
  {
    std::lock_guard lock(mu);
    list = list_ref;
    start = current;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<Error> last;
  const size_t n = list->size();
  auto pause = std::chrono::milliseconds(25);
  for (size_t attempt = 0;; ++attempt) {
    const size_t idx = (start + attempt) % n;
    std::expected<T, Attempt> r = one(*(*list)[idx]);
    if (r) {
      if (idx != start) {
        std::lock_guard lock(mu);
        if (list_ref == list) current = idx;
      }
      if constexpr (std::is_void_v<T>) {
        return {};
      } else {
        return std::move(*r);
      }
    }
    if (!r.error().retry_elsewhere) return std::unexpected(std::move(r.error().error));
    last = std::move(r.error().error);
    if ((attempt + 1) % n == 0) {  // a whole round failed
      if (std::chrono::steady_clock::now() + pause >= deadline) break;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(400));
    }
  }
  return std::unexpected(std::move(*last));
}

// The endpoint's cached token (`ep.token` under `ep.token_mu`), or a new one from
// `authenticate(ep)` when there is none yet.
template <class Endpoint, class AuthFn>
std::expected<std::string, Attempt> TokenFor(Endpoint& ep, AuthFn&& authenticate) {
  {
    std::lock_guard lock(ep.token_mu);
    if (!ep.token.empty()) return ep.token;
  }
  return authenticate(ep);
}

}  // namespace arca::storage::etcd::internal
