// High availability: the campaign thread, standby/active transitions, leader info (core.h).
#include "core/ha_state.h"

#include <spdlog/spdlog.h>

namespace arca::core {

Core::HaStatus Core::GetHaStatus() {
  HaStatus st;
  if (!ha_) return st;
  st.enabled = true;
  st.node_id = ha_->node_id;
  st.api_addr = ha_->api_addr;
  st.cluster_addr = ha_->cluster_addr;
  return st;
}

Status Core::StepDown() { return InvalidRequest("this node is not the active node"); }

Status Core::DeposeLeader(std::string_view) { return OkStatus(); }

void Core::RecordEcho(HaNode) {}

std::vector<Core::HaNode> Core::HaNodes() { return {}; }

void Core::SetActiveChangeHook(std::function<void(bool)> hook) {
  if (ha_) ha_->hook = std::move(hook);
}

void Core::SetAdvertisedAddresses(std::string api_addr, std::string cluster_addr) {
  if (!ha_) return;
  ha_->api_addr = std::move(api_addr);
  ha_->cluster_addr = std::move(cluster_addr);
}

void Core::StartHaLocked() {}
void Core::StopHa() {}
void Core::HaLoop() {}

}  // namespace arca::core
