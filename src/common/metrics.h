// Process metrics: request latency histograms by operation and mount, counters, and gauges
// computed when scraped. Rendered as Prometheus text (sys/metrics?format=prometheus) or in the
// JSON shape Vault's in-memory sink returns (sys/metrics).
//
// Hot path: ObserveRequest costs one shared-lock map lookup and three relaxed atomic adds.
// Counters are created once and then bumped lock-free through the returned reference.
//
// Thread-safety: every method is thread-safe. References returned by GetCounter stay valid for
// the registry's lifetime. Gauge callbacks run on the scraping thread, outside the registry's
// locks, and must be thread-safe themselves.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json.h"

namespace arca::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A latency histogram with fixed buckets (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1,      5};
  void Observe(double seconds);
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const;  // seconds
  // Cumulative counts per bound (Prometheus "le" buckets), without +Inf (= Count()).
  std::array<uint64_t, kBounds.size()> Cumulative() const;
  double Max() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> max_ns_{0};
};

struct GaugeSample {
  Labels labels;
  double value = 0;
};

class Registry {
 public:
  // The process-wide registry (what sys/metrics reports).
  static Registry& Global();

  // Prefix of every metric name ("vault" unless telemetry.metrics_prefix says otherwise).
  void SetPrefix(std::string prefix);

  // One finished API request: `operation` ("read", ...), `mount` ("secret/", "" when no mount
  // matched), its duration and HTTP status. Series beyond kMaxSeries fold into mount="other".
  void ObserveRequest(std::string_view operation, std::string_view mount, double seconds,
                      int status);

  // The counter `name` (dotted, without prefix: "audit.log_request_failure") with `labels`,
  // created on first use. Prometheus shows it as <prefix>_<name with '_'>_total.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});

  // A gauge (dotted name, e.g. "token.count") computed at scrape time. Registering a name again
  // replaces its callback.
  // `owner` identifies who registered it, for RemoveGaugesOf.
  void SetGauge(std::string name, std::string help,
                std::function<std::vector<GaugeSample>()> fn, const void* owner = nullptr);
  void RemoveGauge(const std::string& name);
  // Removes the gauges `owner` registered that nobody has replaced since.
  void RemoveGaugesOf(const void* owner);

  std::string Prometheus() const;
  json::object Json() const;

  static constexpr size_t kMaxSeries = 2000;

 private:
  struct RouteKey {
    std::string operation, mount;
    bool operator==(const RouteKey&) const = default;
  };
  struct RouteKeyHash {
    size_t operator()(const RouteKey& k) const;
  };
  struct Gauge {
    std::string help;
    std::function<std::vector<GaugeSample>()> fn;
    const void* owner = nullptr;
  };

  Histogram& RouteHistogram(std::string_view operation, std::string_view mount);
  std::string Name(std::string_view base) const;
  std::map<std::string, std::vector<GaugeSample>> EvaluateGauges() const;

  mutable std::shared_mutex mu_;
  std::string prefix_ = "vault";
  std::unordered_map<RouteKey, std::unique_ptr<Histogram>, RouteKeyHash> routes_;
  std::map<int, std::unique_ptr<Counter>> statuses_;
  std::map<std::pair<std::string, Labels>, std::unique_ptr<Counter>> counters_;
  std::map<std::string, std::string> counter_help_;
  std::map<std::string, Gauge> gauges_;
};

}  // namespace arca::metrics
