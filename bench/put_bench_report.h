// What bench/etcd_put.cc and bench/etcd_put_grpc.cc share: this process's CPU time, and the
// report line (rate, p50/p99 latency, errors, CPU per operation) both print with the same
// fields so bench/etcd.sh can read either. Header-only; benches only.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

// User + system CPU time of this process so far, in microseconds.
inline double CpuMicros() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Prints "<name>_<op>_<bytes>B <rate> <op>s/s p50 .. p99 .. errors .. cpu ..us/op" from the
// per-thread latencies (ms); returns the exit code (0 when no operation failed).
inline int ReportPutBench(const std::string& name, const std::string& op, size_t value_bytes,
                          int seconds, const std::vector<std::vector<double>>& latencies,
                          long errors, double cpu_micros) {
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  std::printf(
      "%s_%s_%zuB %12.2f %ss/s   p50 %.2fms p99 %.2fms errors %ld"
      "   cpu %.0fus/op\n",
      name.c_str(), op.c_str(), value_bytes, static_cast<double>(all.size()) / seconds,
      op.c_str(), pct(0.5), pct(0.99), errors, all.empty() ? 0.0 : cpu_micros / all.size());
  return errors == 0 ? 0 : 1;
}
