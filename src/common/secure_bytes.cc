#include "common/secure_bytes.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

namespace arca {
namespace {

std::function<void(const uint8_t*, size_t)>& FreeObserver() {
  static std::function<void(const uint8_t*, size_t)> observer;
  return observer;
}

size_t PageSize() {
  static const size_t page = [] {
    long p = ::sysconf(_SC_PAGESIZE);
    return p > 0 ? static_cast<size_t>(p) : size_t{4096};
  }();
  return page;
}

size_t Rounded(size_t bytes) {
  size_t page = PageSize();
  if (bytes == 0) bytes = 1;
  return (bytes + page - 1) / page * page;
}

}  // namespace

namespace secure_internal {

void* Allocate(size_t bytes) {
  size_t len = Rounded(bytes);
  if (len < bytes) throw std::bad_alloc();  // overflow
  void* p = std::aligned_alloc(PageSize(), len);
  if (p == nullptr) throw std::bad_alloc();
  // Best effort: a kernel without MADV_DONTDUMP still gets a working buffer (and the process is
  // non-dumpable anyway unless disable_core_dump_protection).
  (void)::madvise(p, len, MADV_DONTDUMP);
  return p;
}

void Free(void* p, size_t bytes) noexcept {
  if (p == nullptr) return;
  size_t len = Rounded(bytes);
  OPENSSL_cleanse(p, len);
  if (auto& observer = FreeObserver()) observer(static_cast<const uint8_t*>(p), len);
  // The pages return to the heap: let them be dumped again like any other heap memory.
  (void)::madvise(p, len, MADV_DODUMP);
  std::free(p);
}

}  // namespace secure_internal

void SetSecureFreeObserverForTest(std::function<void(const uint8_t*, size_t)> observer) {
  FreeObserver() = std::move(observer);
}

void SecureBytes::resize(size_t n) {
  if (n < data_.size()) OPENSSL_cleanse(data_.data() + n, data_.size() - n);
  data_.resize(n);
}

void SecureBytes::Append(std::string_view bytes) {
  data_.insert(data_.end(), bytes.begin(), bytes.end());
}

void SecureWipe(std::string& s) {
  // Bytes past size() but within capacity() may still hold a secret (the string was longer once):
  // extend to the capacity (no reallocation), then wipe all of it.
  s.resize(s.capacity());
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace arca
