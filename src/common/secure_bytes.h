// SecureBytes: an owning byte buffer for key material. Its storage comes from SecureAllocator:
// page-aligned, whole pages, marked MADV_DONTDUMP (left out of core dumps even when the process
// is dumpable), and wiped in full (OPENSSL_cleanse over the whole allocation, not just the bytes
// in use) before it is freed, so a reallocation never leaves an old copy behind. Move-only, so
// key material is never copied by accident; use Clone() when a copy is really wanted.
//
// Thread-safety: a value type; no internal synchronisation. The allocator is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace arca {

namespace secure_internal {
// Page-aligned, page-rounded, MADV_DONTDUMP memory of at least `bytes` bytes; throws
// std::bad_alloc when out of memory (as operator new does).
void* Allocate(size_t bytes);
// Wipes all `bytes` (the size given to Allocate) and frees.
void Free(void* p, size_t bytes) noexcept;
}  // namespace secure_internal

// The allocator behind SecureBytes (usable for other containers of secrets).
template <class T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT: allocator rebinding
  T* allocate(size_t n) { return static_cast<T*>(secure_internal::Allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { secure_internal::Free(p, n * sizeof(T)); }
  friend bool operator==(const SecureAllocator&, const SecureAllocator&) noexcept { return true; }
};

// Test hook: called by every SecureAllocator free after the wipe and before the memory is
// released, with the whole allocation (so a test can check that it is all zero). Null = none.
// Not thread-safe: set it only while no other thread allocates secure memory.
void SetSecureFreeObserverForTest(std::function<void(const uint8_t*, size_t)> observer);

class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size) : data_(size, 0) {}
  SecureBytes(const uint8_t* data, size_t size) : data_(data, data + size) {}
  explicit SecureBytes(std::span<const uint8_t> bytes) : data_(bytes.begin(), bytes.end()) {}
  static SecureBytes FromString(std::string_view s) {
    return SecureBytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  ~SecureBytes() = default;  // the allocator wipes

  SecureBytes(SecureBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecureBytes& operator=(SecureBytes&& other) noexcept {
    if (this != &other) {
      Buffer().swap(data_);  // frees (and so wipes) the old buffer now
      data_ = std::move(other.data_);
      other.data_.clear();
    }
    return *this;
  }
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  SecureBytes Clone() const { return SecureBytes(data_.data(), data_.size()); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  uint8_t& operator[](size_t i) { return data_[i]; }
  uint8_t operator[](size_t i) const { return data_[i]; }
  std::span<const uint8_t> span() const { return {data_.data(), data_.size()}; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_.data()), data_.size()};
  }
  // Shrinking wipes the bytes given up; growing may move the bytes to a new buffer (the old one
  // is wiped by the allocator).
  void resize(size_t n);
  // Appends `bytes` (growing as resize does).
  void Append(std::string_view bytes);

 private:
  using Buffer = std::vector<uint8_t, SecureAllocator<uint8_t>>;
  Buffer data_;
};

// Zeroes a std::string's whole buffer (its capacity, not just its size) and empties it, for
// transient secrets held in strings. The buffer stays allocated (and zero) until `s` dies.
void SecureWipe(std::string& s);

}  // namespace arca
