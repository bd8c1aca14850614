#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>

#include "crypto/openssl_util.h"

namespace arca::crypto {
namespace {

// Small requests (AES-GCM nonces: one per transit item) come from a per-thread buffer refilled
// by one RAND_bytes call: in OpenSSL 3 each call costs far more than the bytes themselves
// (the DRBG lookup, its lock and parameter handling). Bytes handed out are wiped from the
// buffer; the buffer is wiped when the thread exits, and dropped in a forked child so that
// parent and child never share output.
constexpr size_t kBufferedMax = 32;
constexpr size_t kBufferSize = 1024;

std::atomic<uint64_t> fork_generation{0};
void OnFork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct ThreadBuffer {
  uint8_t bytes[kBufferSize];
  size_t pos = kBufferSize;  // next unused byte; kBufferSize = empty
  uint64_t generation = 0;
  ~ThreadBuffer() { OPENSSL_cleanse(bytes, sizeof(bytes)); }
};

bool TakeBuffered(std::span<uint8_t> out) {
  static const bool registered = [] { return pthread_atfork(nullptr, nullptr, OnFork) == 0; }();
  if (!registered) return false;
  thread_local ThreadBuffer buf;
  const uint64_t gen = fork_generation.load(std::memory_order_relaxed);
  if (buf.generation != gen || kBufferSize - buf.pos < out.size()) {
    if (RAND_bytes(buf.bytes, static_cast<int>(kBufferSize)) != 1) {
      OPENSSL_cleanse(buf.bytes, sizeof(buf.bytes));
      buf.pos = kBufferSize;
      return false;
    }
    buf.pos = 0;
    buf.generation = gen;
  }
  std::memcpy(out.data(), buf.bytes + buf.pos, out.size());
  OPENSSL_cleanse(buf.bytes + buf.pos, out.size());
  buf.pos += out.size();
  return true;
}

}  // namespace

Status RandomBytes(std::span<uint8_t> out) {
  if (!out.empty() && out.size() <= kBufferedMax && TakeBuffered(out)) return OkStatus();
  size_t done = 0;
  while (done < out.size()) {
    const size_t chunk = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      OPENSSL_cleanse(out.data(), out.size());
      return Internal("random number generator failed: " + internal::DrainOpenSslErrors());
    }
    done += chunk;
  }
  return OkStatus();
}

SecureBytes RandomKey(size_t n) {
  SecureBytes key(n);
  if (!RandomBytes({key.data(), key.size()})) {
    internal::FatalCryptoError("random number generator failed");
  }
  return key;
}

std::string RandomBytesString(size_t n) {
  std::string out(n, '\0');
  if (!RandomBytes({reinterpret_cast<uint8_t*>(out.data()), out.size()})) {
    internal::FatalCryptoError("random number generator failed");
  }
  return out;
}

std::string RandomBase62(size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    std::string bytes = RandomBytesString(n * 2);
    for (unsigned char c : bytes) {
      if (c >= 248) continue;  // rejection sampling keeps the distribution uniform
      out.push_back(kAlphabet[c % 62]);
      if (out.size() == n) break;
    }
  }
  return out;
}

}  // namespace arca::crypto
