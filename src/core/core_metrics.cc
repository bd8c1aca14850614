// Gauges the core contributes to sys/metrics: seal state, lease and token counts. They are
// computed when scraped; the token count lists stored tokens, so it is cached for a while.
// Scrapes run inside a request that holds state_mu_, so the callbacks never take it: they read
// the seal state from unsealed_gauge_, and a sealed barrier just fails the token listing.
#include <chrono>
#include <mutex>

#include "common/metrics.h"
#include "core/core.h"

namespace arca::core {
namespace {

constexpr auto kTokenCountCache = std::chrono::seconds(30);

std::vector<metrics::GaugeSample> One(double v) { return {{{}, v}}; }

}  // namespace

void Core::RegisterMetrics() {
  auto& reg = metrics::Registry::Global();
  reg.SetGauge("core.unsealed", "1 when the core is unsealed, 0 when sealed.",
               [this] { return One(unsealed_gauge_.load() ? 1 : 0); }, this);
  reg.SetGauge("core.active",
               "1 when this node serves requests: unsealed and, in an HA cluster, the active node.",
               [this] { return One(unsealed_gauge_.load() && !standby_.load() ? 1 : 0); }, this);
  // A counter in meaning (never decreases); a gauge so that each core reports its own.
  reg.SetGauge("arca.storage.writes",
               "Physical storage writes made by this node: puts, deletes and batch entries.",
               [this] { return One(static_cast<double>(StorageWrites())); }, this);
  reg.SetGauge("expire.num_leases", "Leases known to the expiration manager.",
               [this]() -> std::vector<metrics::GaugeSample> {
                 if (!unsealed_gauge_.load()) return {};
                 auto n = expiration_->Count("all");
                 return n ? One(static_cast<double>(*n)) : std::vector<metrics::GaugeSample>{};
               },
               this);
  reg.SetGauge("expire.num_irrevocable_leases", "Leases whose revocation gave up.",
               [this]() -> std::vector<metrics::GaugeSample> {
                 if (!unsealed_gauge_.load()) return {};
                 auto n = expiration_->Count("irrevocable");
                 return n ? One(static_cast<double>(*n)) : std::vector<metrics::GaugeSample>{};
               },
               this);
  struct TokenCountCache {
    std::mutex mu;
    std::chrono::steady_clock::time_point at{};
    double value = -1;
  };
  auto cache = std::make_shared<TokenCountCache>();
  reg.SetGauge("token.stored", "Stored service tokens (refreshed at most every 30 s).",
               [this, cache]() -> std::vector<metrics::GaugeSample> {
                 std::lock_guard lock(cache->mu);
                 auto now = std::chrono::steady_clock::now();
                 if (cache->value < 0 || now - cache->at > kTokenCountCache) {
                   if (!unsealed_gauge_.load()) return {};
                   auto ids = token_view_->List("id/");
                   if (!ids) return {};
                   cache->value = static_cast<double>(ids->size());
                   cache->at = now;
                 }
                 return One(cache->value);
               },
               this);
}

}  // namespace arca::core
