// High availability (core.h, "high availability"; docs/ha.md): the campaign thread, the
// standby/active transitions, the leader's advertisement and the standbys' echoes.
//
// The lock's value is this node's advertisement (node id, api and cluster addresses) encrypted
// through the barrier: only unsealed nodes of the cluster can read where the active node is.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/json.h"
#include "common/uuid.h"
#include "core/barrier/barrier.h"
#include "core/ha_state.h"
#include "storage/cache.h"
#include "storage/write_gate.h"

namespace arca::core {
namespace {

constexpr std::string_view kAdvertisementPath = "core/lock";
constexpr auto kLeaderCacheFor = std::chrono::milliseconds(500);
constexpr auto kEchoForgottenAfter = std::chrono::seconds(30);
constexpr auto kRetryAfterError = std::chrono::seconds(1);

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

void Core::InitHa() {
  storage::HaLockable* lockable = config_.physical->AsHaLockable();
  if (lockable == nullptr) return;
  ha_ = std::make_unique<HaState>();
  ha_->lockable = lockable;
  ha_->node_id = GenerateUuid();
  ha_->api_addr = config_.api_addr;
  ha_->cluster_addr = config_.cluster_addr;
}

void Core::SetAdvertisedAddresses(std::string api_addr, std::string cluster_addr) {
  {
    std::lock_guard lock(advertised_mu_);
    advertised_api_addr_ = api_addr;
  }
  if (!ha_) return;
  std::lock_guard lock(ha_->mu);
  ha_->api_addr = std::move(api_addr);
  ha_->cluster_addr = std::move(cluster_addr);
}

std::string Core::ApiAddr() const {
  if (!config_.api_addr.empty()) return config_.api_addr;
  std::lock_guard lock(advertised_mu_);
  return advertised_api_addr_;
}

void Core::SetActiveChangeHook(std::function<void(bool)> hook) {
  if (!ha_) return;
  std::lock_guard lock(ha_->mu);
  ha_->hook = std::move(hook);
}

void Core::StartHaLocked() {
  ha_->lockable->StartHa();  // from now on only a lock holder writes
  standby_ = true;
  ha_->stop = false;
  ha_->step_down = false;
  EnterStandbyLocked();
  ha_->thread = std::thread([this] { HaLoop(); });
  if (StandbyReadsEnabled()) ha_->standby_thread = std::thread([this] { StandbyReadsLoop(); });
}

void Core::EnterStandbyLocked() {
  if (!StandbyReadsEnabled()) {
    if (cache_ != nullptr) cache_->SetEnabled(false);
    return;
  }
  // A read-serving standby: writes are handed back to be forwarded; the cache is exact again
  // once the active node's invalidations are applied (standby_reads.cc).
  gate_->SetReadOnly(true);
  if (cache_ != nullptr) {
    cache_->Purge();
    cache_->SetEnabled(true);
  }
}

void Core::LeaveStandbyLocked() {
  standby_reads_ready_.store(false, std::memory_order_release);
  StopActiveLocked();  // drops the read-only state, if any
  gate_->SetReadOnly(false);
}

void Core::StopHa() {
  if (!ha_) return;
  {
    std::lock_guard lock(ha_->mu);
    ha_->stop = true;
  }
  ha_->cv.notify_all();
  if (ha_->thread.joinable()) ha_->thread.join();
  if (ha_->standby_thread.joinable()) ha_->standby_thread.join();
  standby_ = false;
  gate_->SetReadOnly(false);  // the storage itself still refuses writes without the lock
}

Result<std::string> Core::Advertisement() {
  json::object o;
  {
    std::lock_guard lock(ha_->mu);
    o["node_id"] = ha_->node_id;
    o["api_addr"] = ha_->api_addr;
    o["cluster_addr"] = ha_->cluster_addr;
  }
  return barrier_->EncryptValue(kAdvertisementPath, json::serialize(o));
}

Result<Core::HaLeader> Core::ReadAdvertisement(const storage::HaHolder& holder) {
  auto plain = barrier_->DecryptValue(kAdvertisementPath, holder.value);
  if (!plain) {
    // Written with a key term this node has not seen yet (a rotation on the active node).
    ARCA_RETURN_IF_ERROR(barrier_->Reload());
    plain = barrier_->DecryptValue(kAdvertisementPath, holder.value);
    if (!plain) return std::unexpected(plain.error());
  }
  ARCA_ASSIGN_OR_RETURN(json::value v, ParseJson(*plain));
  if (!v.is_object()) return Internal("core: the HA lock's advertisement is not an object");
  const json::object& o = v.as_object();
  HaLeader leader;
  auto str = [&](const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                     : std::string();
  };
  leader.node_id = str("node_id");
  leader.api_addr = str("api_addr");
  leader.cluster_addr = str("cluster_addr");
  leader.holder_id = holder.id;
  return leader;
}

void Core::HaWait(std::chrono::milliseconds d) {
  std::unique_lock lock(ha_->mu);
  ha_->cv.wait_for(lock, d, [this] { return ha_->stop.load(); });
}

void Core::HaLoop() {
  HaState& h = *ha_;
  while (!h.stop) {
    auto value = Advertisement();
    if (!value) {
      spdlog::error("core: HA: cannot encrypt this node's advertisement: {}",
                    value.error().message());
      HaWait(kRetryAfterError);
      continue;
    }
    auto acquired = h.lockable->Acquire(*value, h.stop);
    if (!acquired) {
      spdlog::warn("core: HA: campaigning for the lock failed (retrying): {}",
                   acquired.error().message());
      HaWait(kRetryAfterError);
      continue;
    }
    std::unique_ptr<storage::HaLock> lock = std::move(*acquired);
    if (!lock) break;  // stopped

    // Won: set up everything from storage, as an unseal does.
    Status became;
    {
      std::unique_lock state(state_mu_);
      if (sealed_) {
        lock->Release();
        break;
      }
      LeaveStandbyLocked();
      became = BecomeActiveLocked();
      if (became) {
        std::lock_guard g(h.mu);
        h.active = true;
        h.active_since = std::chrono::system_clock::now();
        standby_ = false;
      } else {
        StopActiveLocked();
        EnterStandbyLocked();
      }
    }
    if (!became) {
      spdlog::error("core: HA: taking over as the active node failed: {}",
                    became.error().message());
      lock->Release();
      HaWait(kRetryAfterError);
      continue;
    }
    InvalidateLeaderCache();
    spdlog::info("core: HA: this node is now the active node");
    std::function<void(bool)> hook;
    {
      std::lock_guard g(h.mu);
      hook = h.hook;
    }
    if (hook) hook(true);

    while (!h.stop && !h.step_down && !lock->WaitLost(std::chrono::milliseconds(100))) {
    }
    const bool lost = lock->Lost();
    const bool stepped_down = h.step_down.exchange(false);
    {
      std::unique_lock state(state_mu_);
      standby_ = true;
      {
        std::lock_guard g(h.mu);
        h.active = false;
      }
      if (!sealed_) StopActiveLocked();
      EnterStandbyLocked();  // the standby-reads thread sets the read-only state up again
    }
    lock->Release();
    lock.reset();
    InvalidateLeaderCache();
    if (hook) hook(false);
    if (lost) {
      spdlog::warn("core: HA: the lock was lost (no renewal in time, or it was taken over): "
                   "this node is a standby now");
    } else if (stepped_down) {
      spdlog::info("core: HA: stepped down; campaigning again in {} ms",
                   config_.step_down_wait.count());
      HaWait(config_.step_down_wait);
    } else {
      spdlog::info("core: HA: gave up the lock");
    }
  }
}

Status Core::BecomeActiveLocked() {
  // What the former active node wrote is not in this node's read cache: start it empty, and
  // use it while this node is the only writer.
  if (cache_ != nullptr) {
    cache_->Purge();
    cache_->SetEnabled(true);
  }
  // The keyring (and the root key, after a rekey) as the previous active node left them.
  ARCA_RETURN_IF_ERROR(barrier_->Reload());
  {
    std::lock_guard lock(unseal_mu_);
    seal_config_.reset();
    recovery_config_.reset();
  }
  return PostUnseal();
}

void Core::InvalidateLeaderCache() {
  std::lock_guard lock(ha_->leader_mu);
  ha_->leader.reset();
  ha_->leader_read = {};
}

Core::HaStatus Core::GetHaStatus() {
  HaStatus st;
  if (!ha_) return st;
  st.enabled = true;
  bool active;
  {
    std::lock_guard lock(ha_->mu);
    st.node_id = ha_->node_id;
    st.api_addr = ha_->api_addr;
    st.cluster_addr = ha_->cluster_addr;
    active = ha_->active;
    st.active_since = ha_->active_since;
  }
  if (Sealed()) return st;
  st.active = active;
  st.standby = !active;
  if (active) {
    st.leader = HaLeader{st.node_id, st.api_addr, st.cluster_addr, ""};
    return st;
  }
  std::lock_guard lock(ha_->leader_mu);
  const auto now = std::chrono::steady_clock::now();
  if (ha_->leader_read == std::chrono::steady_clock::time_point{} ||
      now - ha_->leader_read >= kLeaderCacheFor) {
    ha_->leader.reset();
    ha_->leader_read = now;
    auto holder = ha_->lockable->Holder();
    if (!holder) {
      spdlog::warn("core: HA: reading the lock holder: {}", holder.error().message());
    } else if (*holder) {
      auto leader = ReadAdvertisement(**holder);
      if (leader) {
        // Our own campaign key can be the oldest for a moment before we are set up as active.
        if (leader->node_id != st.node_id) ha_->leader = std::move(*leader);
      } else {
        spdlog::warn("core: HA: reading the active node's advertisement: {}",
                     leader.error().message());
      }
    }
  }
  st.leader = ha_->leader;
  return st;
}

Status Core::StepDown() {
  if (!ha_) return InvalidRequest("high availability is not enabled on this node");
  {
    std::lock_guard lock(ha_->mu);
    if (!ha_->active) return InvalidRequest("this node is not the active node");
    ha_->step_down = true;
  }
  ha_->cv.notify_all();
  return OkStatus();
}

Status Core::DeposeLeader(std::string_view holder_id) {
  if (!ha_) return InvalidRequest("high availability is not enabled on this node");
  ARCA_ASSIGN_OR_RETURN(auto holder, ha_->lockable->Holder());
  if (!holder || holder->id != holder_id) return OkStatus();  // already gone or replaced
  {
    std::lock_guard lock(ha_->mu);
    if (ha_->active) return InvalidRequest("this node is the active node");
  }
  spdlog::warn("core: HA: deposing the active node (lock hold {}): its process is gone",
               holder_id);
  ARCA_RETURN_IF_ERROR(ha_->lockable->Depose(holder_id));
  InvalidateLeaderCache();
  return OkStatus();
}

void Core::RecordEcho(HaNode node) {
  if (!ha_ || node.node_id.empty()) return;
  node.active = false;
  node.last_echo = std::chrono::system_clock::now();
  std::lock_guard lock(ha_->nodes_mu);
  ha_->nodes[node.node_id] = std::move(node);
}

std::vector<Core::HaNode> Core::HaNodes() {
  std::vector<HaNode> out;
  if (!ha_) return out;
  const auto now = std::chrono::system_clock::now();
  HaNode self;
  {
    std::lock_guard lock(ha_->mu);
    self.node_id = ha_->node_id;
    self.api_address = ha_->api_addr;
    self.cluster_address = ha_->cluster_addr;
    self.active = ha_->active;
  }
  self.hostname = Hostname();
  self.version = ARCA_VERSION;
  self.last_echo = now;
  out.push_back(std::move(self));
  std::lock_guard lock(ha_->nodes_mu);
  for (auto it = ha_->nodes.begin(); it != ha_->nodes.end();) {
    if (now - it->second.last_echo > kEchoForgottenAfter) {
      it = ha_->nodes.erase(it);
      continue;
    }
    if (it->first != out.front().node_id) out.push_back(it->second);
    ++it;
  }
  return out;
}

}  // namespace arca::core
