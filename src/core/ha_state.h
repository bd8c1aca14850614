// Core's HA state (internal to src/core: core.cc and ha.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/core.h"
#include "storage/backend.h"

namespace arca::core {

struct Core::HaState {
  storage::HaLockable* lockable = nullptr;
  std::string node_id;
  std::string api_addr;
  std::string cluster_addr;

  std::thread thread;
  std::thread standby_thread;  // standby reads: sets the read-only state up (standby_reads.cc)
  int standby_setup_failures = 0;  // in a row; only the standby thread touches it
  std::atomic<bool> stop{false};  // ends the HA thread (seal, shutdown)
  std::atomic<bool> step_down{false};  // sys/step-down asked
  std::mutex mu;  // guards the fields below; cv wakes the HA thread
  std::condition_variable cv;
  std::unique_ptr<storage::HaLock> lock;  // held while active
  bool active = false;
  std::chrono::system_clock::time_point active_since;
  std::function<void(bool)> hook;

  // The leader as last read from storage.
  std::mutex leader_mu;
  std::optional<HaLeader> leader;  // guarded by leader_mu
  std::chrono::steady_clock::time_point leader_read;  // guarded by leader_mu

  std::mutex nodes_mu;
  std::map<std::string, HaNode> nodes;  // standbys' echoes by node id; guarded by nodes_mu
};

}  // namespace arca::core
