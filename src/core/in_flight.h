// The requests the core is handling right now (sys/in-flight-req).
//
// Each thread that handles requests owns a slot (a small stack: a request may run a nested one
// on the same thread) guarded by its own mutex, which only a reader of the whole table ever
// contends for: tracking a request costs an uncontended lock and a few small copies, never a
// shared lock or a shared cache line.
//
// Thread-safety: Track and Snapshot are safe for concurrent use. A Scope must end on the thread
// that created it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "logical/request.h"

namespace arca::core {

class InFlightRequests {
  struct Slot;

 public:
  struct Info {
    std::string id;
    int64_t start_unix_ns = 0;
    std::string remote_address, path, method, client_id;
  };

  class Scope {
   public:
    Scope(Scope&& o) noexcept : slot_(o.slot_), seq_(o.seq_) { o.slot_ = nullptr; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope();

   private:
    friend class InFlightRequests;
    Scope(Slot* slot, uint64_t seq) : slot_(slot), seq_(seq) {}
    Slot* slot_;  // null when moved from
    uint64_t seq_;
  };

  InFlightRequests();
  ~InFlightRequests();
  InFlightRequests(const InFlightRequests&) = delete;
  InFlightRequests& operator=(const InFlightRequests&) = delete;

  // Registers `req` (its path as received) until the Scope ends.
  Scope Track(const logical::Request& req);
  // Every request in flight now.
  std::vector<Info> Snapshot() const;

 private:
  struct Slot {
    size_t index = 0;  // position in slots_
    std::mutex mu;
    uint64_t next = 0;                              // guarded by mu
    std::vector<std::pair<uint64_t, Info>> active;  // guarded by mu
  };
  Slot& ThreadSlot();

  const uint64_t instance_;  // tells this table from one at the same address before it
  mutable std::mutex slots_mu_;
  std::vector<std::shared_ptr<Slot>> slots_;  // guarded by slots_mu_; one per thread
};

}  // namespace arca::core
