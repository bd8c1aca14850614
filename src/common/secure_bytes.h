// SecureBytes: an owning byte buffer for key material that is zeroed (OPENSSL_cleanse) whenever
// its storage is released. Move-only, so key material is never copied by accident; use Clone()
// when a copy is really wanted.
//
// Thread-safety: a value type; no internal synchronisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace arca {

class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size) : data_(size, 0) {}
  SecureBytes(const uint8_t* data, size_t size) : data_(data, data + size) {}
  explicit SecureBytes(std::span<const uint8_t> bytes) : data_(bytes.begin(), bytes.end()) {}
  static SecureBytes FromString(std::string_view s) {
    return SecureBytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  ~SecureBytes() { Wipe(); }

  SecureBytes(SecureBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecureBytes& operator=(SecureBytes&& other) noexcept {
    if (this != &other) {
      Wipe();
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
  // Resizing never reallocates silently: a growing resize copies into a fresh buffer and wipes
  // the old one.
  void resize(size_t n);

 private:
  void Wipe();
  std::vector<uint8_t> data_;
};

// Zeroes a std::string in place (for transient secrets held in strings).
void SecureWipe(std::string& s);

}  // namespace arca
