// Coverage feedback for libFuzzer from GCC's -fsanitize-coverage=trace-pc.
//
// GCC calls __sanitizer_cov_trace_pc() at every basic block of the instrumented sources; this
// shim (compiled WITHOUT instrumentation) hashes the caller's address into a table of 8-bit
// counters that it registers with libFuzzer as inline counters, so the fuzzer is guided by
// block coverage exactly as with clang's -fsanitize=fuzzer. libFuzzer's own trace_pc stub (which
// only reports that trace-pc is unsupported) is made weak in the build's copy of the archive.
#include <cstddef>
#include <cstdint>

namespace {

constexpr size_t kCounters = 1 << 16;
alignas(64) uint8_t g_counters[kCounters];

}  // namespace

extern "C" void __sanitizer_cov_8bit_counters_init(uint8_t* start, uint8_t* stop);

extern "C" void __sanitizer_cov_trace_pc() {
  auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  uint8_t& c = g_counters[(pc ^ (pc >> 16)) & (kCounters - 1)];
  if (c != 255) ++c;
}

__attribute__((constructor)) static void RegisterCounters() {
  __sanitizer_cov_8bit_counters_init(g_counters, g_counters + kCounters);
}
