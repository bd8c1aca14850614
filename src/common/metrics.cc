#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace arca::metrics {
namespace {

constexpr char kRequestHistogram[] = "core.handle_request";
constexpr char kRequestHelp[] = "Duration of API requests by operation and mount.";
constexpr char kStatusCounter[] = "core.response_status";
constexpr char kStatusHelp[] = "API responses by HTTP status code.";

// Prometheus label values escape backslash, double quote and newline.
std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string LabelText(const Labels& labels, std::string_view extra_key = {},
                      std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + EscapeLabel(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += std::string(extra_key) + "=\"" + std::string(extra_value) + "\"";
  }
  return out + "}";
}

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) {
    return std::to_string(static_cast<int64_t>(v));
  }
  return fmt::format("{:.9g}", v);
}

json::object LabelJson(const Labels& labels) {
  json::object o;
  for (const auto& [k, v] : labels) o[k] = v;
  return o;
}

std::string Underscored(std::string_view dotted) {
  std::string s(dotted);
  std::replace(s.begin(), s.end(), '.', '_');
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

}  // namespace

void Histogram::Observe(double seconds) {
  if (seconds < 0) seconds = 0;
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  const auto ns = static_cast<uint64_t>(seconds * 1e9);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  uint64_t prev = max_ns_.load(std::memory_order_relaxed);
  while (ns > prev && !max_ns_.compare_exchange_weak(prev, ns, std::memory_order_relaxed)) {
  }
}

double Histogram::Sum() const { return sum_ns_.load(std::memory_order_relaxed) / 1e9; }
double Histogram::Max() const { return max_ns_.load(std::memory_order_relaxed) / 1e9; }

std::array<uint64_t, Histogram::kBounds.size()> Histogram::Cumulative() const {
  std::array<uint64_t, kBounds.size()> out{};
  uint64_t running = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

size_t Registry::RouteKeyHash::operator()(const RouteKey& k) const {
  return std::hash<std::string>()(k.operation) * 31 + std::hash<std::string>()(k.mount);
}

Registry& Registry::Global() {
  static Registry* r = new Registry();  // never destroyed: worker threads may outlive main
  return *r;
}

void Registry::SetPrefix(std::string prefix) {
  std::unique_lock lock(mu_);
  prefix_ = std::move(prefix);
}

std::string Registry::Name(std::string_view base) const {
  return prefix_.empty() ? Underscored(base) : Underscored(prefix_) + "_" + Underscored(base);
}

Histogram& Registry::RouteHistogram(std::string_view operation, std::string_view mount) {
  RouteKey key{std::string(operation), std::string(mount)};
  {
    std::shared_lock lock(mu_);
    if (auto it = routes_.find(key); it != routes_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  if (routes_.size() >= kMaxSeries) key.mount = "other";
  auto& slot = routes_[key];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

void Registry::ObserveRequest(std::string_view operation, std::string_view mount, double seconds,
                              int status) {
  RouteHistogram(operation, mount).Observe(seconds);
  Counter* c = nullptr;
  {
    std::shared_lock lock(mu_);
    if (auto it = statuses_.find(status); it != statuses_.end()) c = it->second.get();
  }
  if (c == nullptr) {
    std::unique_lock lock(mu_);
    auto& slot = statuses_[status];
    if (!slot) slot = std::make_unique<Counter>();
    c = slot.get();
  }
  c->Add();
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help,
                              const Labels& labels) {
  auto key = std::make_pair(std::string(name), labels);
  {
    std::shared_lock lock(mu_);
    if (auto it = counters_.find(key); it != counters_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  counter_help_.emplace(std::string(name), std::string(help));
  auto& slot = counters_[key];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

void Registry::SetGauge(std::string name, std::string help,
                        std::function<std::vector<GaugeSample>()> fn, const void* owner) {
  std::unique_lock lock(mu_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(fn), owner};
}

void Registry::RemoveGaugesOf(const void* owner) {
  std::unique_lock lock(mu_);
  std::erase_if(gauges_, [owner](const auto& kv) { return kv.second.owner == owner; });
}

void Registry::RemoveGauge(const std::string& name) {
  std::unique_lock lock(mu_);
  gauges_.erase(name);
}

std::map<std::string, std::vector<GaugeSample>> Registry::EvaluateGauges() const {
  std::vector<std::pair<std::string, std::function<std::vector<GaugeSample>()>>> fns;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, g] : gauges_) fns.emplace_back(name, g.fn);
  }
  std::map<std::string, std::vector<GaugeSample>> out;
  for (auto& [name, fn] : fns) out[name] = fn ? fn() : std::vector<GaugeSample>{};
  return out;
}

std::string Registry::Prometheus() const {
  auto gauges = EvaluateGauges();
  std::shared_lock lock(mu_);
  std::string out;
  // Request latency histograms.
  {
    const std::string n = Name(kRequestHistogram) + "_seconds";
    out += "# HELP " + n + " " + kRequestHelp + "\n# TYPE " + n + " histogram\n";
    std::vector<std::pair<const RouteKey*, const Histogram*>> sorted;
    for (const auto& [k, h] : routes_) sorted.emplace_back(&k, h.get());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first->mount, a.first->operation) <
             std::tie(b.first->mount, b.first->operation);
    });
    for (const auto& [k, h] : sorted) {
      const Labels labels = {{"mount", k->mount}, {"operation", k->operation}};
      auto cum = h->Cumulative();
      const uint64_t count = h->Count();
      for (size_t i = 0; i < Histogram::kBounds.size(); ++i) {
        out += n + "_bucket" + LabelText(labels, "le", Number(Histogram::kBounds[i])) + " " +
               std::to_string(std::min(cum[i], count)) + "\n";
      }
      out += n + "_bucket" + LabelText(labels, "le", "+Inf") + " " + std::to_string(count) + "\n";
      out += n + "_sum" + LabelText(labels) + " " + Number(h->Sum()) + "\n";
      out += n + "_count" + LabelText(labels) + " " + std::to_string(count) + "\n";
    }
  }
  {
    const std::string n = Name(kStatusCounter) + "_total";
    out += "# HELP " + n + " " + kStatusHelp + "\n# TYPE " + n + " counter\n";
    for (const auto& [code, c] : statuses_) {
      out += n + LabelText({{"code", std::to_string(code)}}) + " " + std::to_string(c->Value()) +
             "\n";
    }
  }
  std::string last;
  for (const auto& [key, c] : counters_) {
    const std::string n = Name(key.first) + "_total";
    if (key.first != last) {
      auto help = counter_help_.find(key.first);
      out += "# HELP " + n + " " + (help != counter_help_.end() ? help->second : key.first) +
             "\n# TYPE " + n + " counter\n";
      last = key.first;
    }
    out += n + LabelText(key.second) + " " + std::to_string(c->Value()) + "\n";
  }
  for (const auto& [name, samples] : gauges) {
    const std::string n = Name(name);
    auto g = gauges_.find(name);
    out += "# HELP " + n + " " + (g != gauges_.end() ? g->second.help : name) + "\n# TYPE " + n +
           " gauge\n";
    for (const auto& s : samples) out += n + LabelText(s.labels) + " " + Number(s.value) + "\n";
  }
  return out;
}

json::object Registry::Json() const {
  auto gauges = EvaluateGauges();
  std::shared_lock lock(mu_);
  auto dotted = [this](std::string_view base) {
    return prefix_.empty() ? std::string(base) : prefix_ + "." + std::string(base);
  };
  json::array gauge_arr, counter_arr, sample_arr;
  for (const auto& [name, samples] : gauges) {
    for (const auto& s : samples) {
      json::value v = s.value;
      if (s.value == static_cast<double>(static_cast<int64_t>(s.value))) {
        v = static_cast<int64_t>(s.value);  // 3, not 3E0
      }
      gauge_arr.push_back(json::object{
          {"Name", dotted(name)}, {"Value", std::move(v)}, {"Labels", LabelJson(s.labels)}});
    }
  }
  auto counter_json = [&](const std::string& name, const Labels& labels, uint64_t v) {
    counter_arr.push_back(json::object{{"Name", dotted(name)},
                                       {"Count", v},
                                       {"Sum", v},
                                       {"Labels", LabelJson(labels)}});
  };
  for (const auto& [code, c] : statuses_) {
    counter_json(kStatusCounter, {{"code", std::to_string(code)}}, c->Value());
  }
  for (const auto& [key, c] : counters_) counter_json(key.first, key.second, c->Value());
  for (const auto& [k, h] : routes_) {
    const uint64_t count = h->Count();
    const double sum_ms = h->Sum() * 1000;
    sample_arr.push_back(json::object{
        {"Name", dotted(kRequestHistogram)},
        {"Count", count},
        {"Sum", sum_ms},
        {"Max", h->Max() * 1000},
        {"Mean", count ? sum_ms / static_cast<double>(count) : 0.0},
        {"Labels", json::object{{"mount", k.mount}, {"operation", k.operation}}}});
  }
  std::time_t now = std::time(nullptr);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S +0000 UTC", std::gmtime(&now));
  return json::object{{"Timestamp", ts},
                      {"Gauges", std::move(gauge_arr)},
                      {"Points", json::array{}},
                      {"Counters", std::move(counter_arr)},
                      {"Samples", std::move(sample_arr)}};
}

}  // namespace arca::metrics
