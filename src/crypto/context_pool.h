// ContextPool: a bounded free list of OpenSSL contexts prepared from one keyed template
// (crypto::AesGcmKey, crypto::HmacSha256Keyed), so that each operation reuses a context instead
// of setting the key up again. Owns what it holds: the contexts are freed (OpenSSL cleanses
// them) with the pool, or at once when it is full.
//
// Thread-safety: Take and Give may be called concurrently.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

namespace arca::crypto {

template <typename Ctx>
class ContextPool {
 public:
  using FreeFn = void (*)(Ctx*);
  ContextPool(FreeFn free, size_t max_kept) : free_(free), max_kept_(max_kept) {}
  ~ContextPool() {
    for (Ctx* c : kept_) free_(c);
  }
  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;

  // A kept context, or nullptr when none is left (the caller makes one).
  Ctx* Take() {
    std::lock_guard lock(mu_);
    if (kept_.empty()) return nullptr;
    Ctx* c = kept_.back();
    kept_.pop_back();
    return c;
  }
  // Keeps `c` for a later Take, or frees it when max_kept are kept already. Null is ignored.
  void Give(Ctx* c) {
    if (c == nullptr) return;
    {
      std::lock_guard lock(mu_);
      if (kept_.size() < max_kept_) {
        kept_.push_back(c);
        return;
      }
    }
    free_(c);
  }

 private:
  const FreeFn free_;
  const size_t max_kept_;
  std::mutex mu_;
  std::vector<Ctx*> kept_;  // guarded by mu_
};

}  // namespace arca::crypto
