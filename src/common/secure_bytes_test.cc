// SecureBytes and SecureWipe: whole allocations are wiped (including the old buffer when one
// grows), and key buffers are page-aligned and left out of core dumps (MADV_DONTDUMP).
#include "common/secure_bytes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace arca {
namespace {

struct Freed {
  const uint8_t* ptr;
  size_t len;
  bool all_zero;
};

// Records every secure free while alive (the observer sees the memory before it is released).
class FreeRecorder {
 public:
  FreeRecorder() {
    SetSecureFreeObserverForTest([this](const uint8_t* p, size_t n) {
      freed_.push_back({p, n, std::all_of(p, p + n, [](uint8_t b) { return b == 0; })});
    });
  }
  ~FreeRecorder() { SetSecureFreeObserverForTest(nullptr); }
  const Freed* Find(const uint8_t* p) const {
    for (const Freed& f : freed_) {
      if (f.ptr == p) return &f;
    }
    return nullptr;
  }

 private:
  std::vector<Freed> freed_;
};

size_t Page() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

TEST(SecureBytes, GrowingWipesTheWholeOldBuffer) {
  FreeRecorder rec;
  SecureBytes b(16);
  std::fill(b.data(), b.data() + b.size(), 0xAA);
  const uint8_t* old = b.data();
  b.resize(3 * Page());  // more than the old allocation holds: a new buffer
  ASSERT_NE(b.data(), old);
  const Freed* f = rec.Find(old);
  ASSERT_NE(f, nullptr) << "the old buffer was not freed through the secure allocator";
  EXPECT_GE(f->len, 16u);
  EXPECT_TRUE(f->all_zero) << "the old buffer still held key bytes when it was freed";
  // The bytes moved; the new ones are zero.
  EXPECT_EQ(b[0], 0xAA);
  EXPECT_EQ(b[15], 0xAA);
  EXPECT_EQ(b[16], 0);
}

TEST(SecureBytes, DestructionAndMoveAssignmentWipeWholeAllocations) {
  FreeRecorder rec;
  const uint8_t* first = nullptr;
  const uint8_t* second = nullptr;
  {
    SecureBytes a(100);
    std::fill(a.data(), a.data() + a.size(), 0x5C);
    first = a.data();
    a.resize(10);  // the 90 bytes given up are wiped now, the allocation stays
    SecureBytes b = SecureBytes::FromString("another secret");
    second = b.data();
    b = std::move(a);  // b's old buffer is freed here
    const Freed* f = rec.Find(second);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->all_zero);
    EXPECT_EQ(rec.Find(first), nullptr);  // now owned by b
  }
  const Freed* f = rec.Find(first);
  ASSERT_NE(f, nullptr);
  EXPECT_GE(f->len, 100u);  // the whole allocation, not the 10 bytes in use at the end
  EXPECT_TRUE(f->all_zero);
}

// The VmFlags of the mapping that holds `addr`, from /proc/self/smaps.
std::string VmFlagsOf(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  auto a = reinterpret_cast<uintptr_t>(addr);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(' ') > line.find('-')) {
      inside = lo <= a && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

TEST(SecureBytes, BuffersArePageAlignedAndLeftOutOfCoreDumps) {
  SecureBytes key(32);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(key.data()) % Page(), 0u);
  std::string flags = VmFlagsOf(key.data());
  ASSERT_FALSE(flags.empty()) << "no mapping found for the buffer";
  EXPECT_NE((flags + " ").find(" dd "), std::string::npos) << flags;
  // The check can fail: ordinary heap memory is dumped.
  std::vector<uint8_t> plain(32);
  std::string plain_flags = VmFlagsOf(plain.data());
  ASSERT_FALSE(plain_flags.empty());
  EXPECT_EQ((plain_flags + " ").find(" dd "), std::string::npos) << plain_flags;
}

TEST(SecureWipe, WipesTheWholeCapacityNotJustTheSize) {
  std::string s(200, 'k');
  s.resize(5);  // the other 195 'k's are still in the buffer
  const char* buf = s.data();
  const size_t cap = s.capacity();
  ASSERT_GE(cap, 200u);
  SecureWipe(s);
  EXPECT_TRUE(s.empty());
  ASSERT_EQ(s.data(), buf);  // same buffer, still owned by s
  EXPECT_TRUE(std::all_of(buf, buf + cap, [](char c) { return c == 0; }));
}

}  // namespace
}  // namespace arca
