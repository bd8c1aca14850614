// Standby reads (core.h, "standby reads"; docs/ha.md "Standby reads"): the read-only state of
// a read-serving HA standby, what it may serve, and the active node's invalidations.
#include <spdlog/spdlog.h>

#include "core/ha_state.h"
#include "storage/cache.h"
#include "storage/write_gate.h"

namespace arca::core {
namespace {

// The logical operation of an HTTP method, for StandbyMayServe (nullopt: never served).
std::optional<logical::Operation> OperationOf(std::string_view method) {
  if (method == "GET" || method == "HEAD") return logical::Operation::kRead;
  if (method == "LIST") return logical::Operation::kList;
  if (method == "POST" || method == "PUT") return logical::Operation::kUpdate;
  if (method == "DELETE") return logical::Operation::kDelete;
  return std::nullopt;
}

}  // namespace

uint64_t Core::StorageWrites() const { return gate_->Writes(); }

void Core::SetStorageWriteObserver(
    std::function<void(std::span<const std::string_view> keys)> fn) {
  gate_->SetObserver(std::move(fn));
}

bool Core::StandbyMayServe(std::string_view method, std::string_view api_path) const {
  if (!StandbyReadsReady()) return false;
  auto op = OperationOf(method);
  if (!op) return false;
  if (api_path.starts_with("/")) api_path.remove_prefix(1);
  if (api_path.starts_with("v1/")) api_path.remove_prefix(3);
  return StandbyMayServeOp(*op, api_path);
}

bool Core::StandbyMayServeOp(logical::Operation op, std::string_view path) const {
  auto match = router_.Route(path);
  if (!match || match->route->backend() == nullptr) return false;
  return match->route->backend()->StandbySafe(op, match->relative_path);
}

void Core::ApplyInvalidations(const std::vector<std::string>& keys) {
  if (!StandbyReadsReady()) return;
  std::lock_guard lock(invalidate_mu_);
  if (cache_ != nullptr) cache_->Invalidate(keys);
}

void Core::PurgeStandbyState() {
  if (!StandbyReadsReady()) return;
  std::lock_guard lock(invalidate_mu_);
  if (cache_ != nullptr) cache_->Purge();
}

Status Core::SetupStandbyReadsLocked() {
  return Unavailable("standby reads are not set up yet");
}

void Core::StopStandbyReadsLocked() { standby_reads_ready_ = false; }

void Core::MaybeSetupStandbyReads() {}

}  // namespace arca::core
