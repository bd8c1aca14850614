#include "core/in_flight.h"

#include <atomic>
#include <chrono>

namespace arca::core {
namespace {

std::atomic<uint64_t> g_instances{0};

std::string_view Method(logical::Operation op) {
  switch (op) {
    case logical::Operation::kRead: return "GET";
    case logical::Operation::kList: return "LIST";
    case logical::Operation::kScan: return "SCAN";
    case logical::Operation::kDelete: return "DELETE";
    case logical::Operation::kPatch: return "PATCH";
    case logical::Operation::kCreate:
    case logical::Operation::kUpdate: return "POST";
    default: return logical::OperationName(op);
  }
}

}  // namespace

InFlightRequests::InFlightRequests() : instance_(++g_instances) {}
InFlightRequests::~InFlightRequests() = default;

InFlightRequests::Slot& InFlightRequests::ThreadSlot() {
  // This thread's slots in the last few tables it served (usually one: the server's core).
  thread_local std::vector<std::pair<uint64_t, std::shared_ptr<Slot>>> cached;
  for (auto& [instance, slot] : cached) {
    if (instance == instance_) return *slot;
  }
  auto slot = std::make_shared<Slot>();
  {
    std::lock_guard lock(slots_mu_);
    slot->index = slots_.size();
    slots_.push_back(slot);
  }
  if (cached.size() >= 8) cached.erase(cached.begin());
  cached.emplace_back(instance_, slot);
  return *slot;
}

InFlightRequests::Scope InFlightRequests::Track(const logical::Request& req) {
  Slot& slot = ThreadSlot();
  Info info;
  info.start_unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  info.remote_address = req.remote_addr;
  info.path = req.original_path.empty() ? req.path : req.original_path;
  info.method = std::string(Method(req.operation));
  if (!req.id.empty()) info.id = req.id;
  uint64_t seq = 0;
  {
    std::lock_guard lock(slot.mu);
    seq = ++slot.next;
    // Requests made inside the core (no HTTP id) get one unique within this table.
    if (info.id.empty()) info.id = "internal-" + std::to_string(slot.index) + "-" + std::to_string(seq);
    slot.active.emplace_back(seq, std::move(info));
  }
  return Scope(&slot, seq);
}

InFlightRequests::Scope::~Scope() {
  if (slot_ == nullptr) return;
  std::lock_guard lock(slot_->mu);
  auto& active = slot_->active;
  for (auto it = active.rbegin(); it != active.rend(); ++it) {
    if (it->first == seq_) {
      active.erase(std::next(it).base());
      break;
    }
  }
}

std::vector<InFlightRequests::Info> InFlightRequests::Snapshot() const {
  std::vector<std::shared_ptr<Slot>> slots;
  {
    std::lock_guard lock(slots_mu_);
    slots = slots_;
  }
  std::vector<Info> out;
  for (const auto& s : slots) {
    std::lock_guard lock(s->mu);
    for (const auto& [seq, info] : s->active) out.push_back(info);
  }
  return out;
}

}  // namespace arca::core
