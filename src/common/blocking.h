// BlockingScope: tells the thread pool running the calling thread that it is about to wait
// (fsync, another thread, the network) rather than compute, for the scope's lifetime.
//
// The HTTP worker pool keeps only about as many workers awake as it has cores for, so that
// CPU-bound requests do not hop between threads; a worker inside a BlockingScope does not count,
// so the pool may start another one meanwhile (as Go's scheduler does around system calls).
// Outside a pool the scope does nothing.
//
// Thread-safety: the hooks are per thread; scopes nest.
#pragma once

namespace arca {

struct BlockingHooks {
  void (*enter)(void* ctx) = nullptr;
  void (*leave)(void* ctx) = nullptr;
  void* ctx = nullptr;
};

// Installs the hooks of the calling thread (a pool does it for its workers); nullptr removes them.
void SetThreadBlockingHooks(const BlockingHooks* hooks);

class BlockingScope {
 public:
  BlockingScope();
  ~BlockingScope();
  BlockingScope(const BlockingScope&) = delete;
  BlockingScope& operator=(const BlockingScope&) = delete;

 private:
  const BlockingHooks* hooks_;
};

}  // namespace arca
