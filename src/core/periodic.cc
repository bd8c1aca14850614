// The periodic thread: calls Periodic() of every mounted backend (static role rotations, CRL
// rebuilds, tidies) about every config_.periodic_interval while the core is unsealed.
//
// It never takes state_mu_ (PreSeal holds it exclusively while it joins this thread); it works
// on a snapshot of the router's routes, whose shared ownership keeps each backend alive.
#include <spdlog/spdlog.h>

#include "core/core.h"

namespace arca::core {
namespace {
constexpr auto kReleaseMappedEvery = std::chrono::minutes(5);
}  // namespace

void Core::StartPeriodic() {
  StopPeriodic();
  {
    std::lock_guard lock(periodic_mu_);
    periodic_stop_ = false;
  }
  periodic_thread_ = std::thread([this] { PeriodicLoop(); });
}

void Core::StopPeriodic() {
  {
    std::lock_guard lock(periodic_mu_);
    periodic_stop_ = true;
  }
  periodic_cv_.notify_all();
  if (periodic_thread_.joinable()) periodic_thread_.join();
}

void Core::PeriodicLoop() {
  auto last_release = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lock(periodic_mu_);
      periodic_cv_.wait_for(lock, config_.periodic_interval, [this] { return periodic_stop_; });
      if (periodic_stop_) return;
    }
    // Pages of a mapped storage file touched since (lease revocations, scans) leave the RSS
    // again every few minutes; hot ones fault back in cheaply from the page cache.
    if (auto now = std::chrono::steady_clock::now(); now - last_release > kReleaseMappedEvery) {
      config_.physical->ReleaseMappedMemory();
      last_release = now;
    }
    for (const auto& route : router_.All()) {
      {
        std::lock_guard lock(periodic_mu_);
        if (periodic_stop_) return;
      }
      logical::Backend* backend = route->backend();
      if (backend == nullptr || route->type() == "system" || route->type() == "token") continue;
      try {
        backend->Periodic(route->view());
      } catch (const std::exception& e) {
        spdlog::error("core: periodic function of {} failed: {}", route->router_path(), e.what());
      }
    }
  }
}

}  // namespace arca::core
