#include "server/replication.h"

#include <charconv>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "common/uuid.h"

namespace arca::server {
namespace {

constexpr std::string_view kIndexPrefix = "arca1:";

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string PositionLine(std::string_view epoch, uint64_t index, bool reset) {
  json::object o;
  if (reset) o["reset"] = true;
  o["epoch"] = json::string(epoch);
  o["index"] = index;
  return ToJson(o) + "\n";
}

}  // namespace

std::string EncodeIndexHeader(const ReplicationPosition& pos) {
  return Base64Encode(std::string(kIndexPrefix) + pos.epoch + ":" + std::to_string(pos.index));
}

std::optional<ReplicationPosition> DecodeIndexHeader(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  auto raw = Base64Decode(value);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  if (!s.starts_with(kIndexPrefix)) return std::nullopt;
  s.remove_prefix(kIndexPrefix.size());
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto index = ParseU64(s.substr(colon + 1));
  if (!index) return std::nullopt;
  return ReplicationPosition{std::string(s.substr(0, colon)), *index};
}

Result<ReplicationPosition> ParseInvalidationsTarget(std::string_view target) {
  size_t q = target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::optional<std::string_view> epoch, from;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    if (kv.starts_with("epoch=")) epoch = kv.substr(6);
    if (kv.starts_with("from=")) from = kv.substr(5);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (!epoch || epoch->empty() || !from) return InvalidRequest("invalidations need epoch and from");
  std::optional<uint64_t> index = ParseU64(*from);
  if (!index) return InvalidRequest("invalidations: from is not a number");
  return ReplicationPosition{std::string(*epoch), *index};
}

// ---- InvalidationLog ----

InvalidationLog::InvalidationLog(size_t max_batches, size_t max_keys)
    : max_batches_(max_batches), max_keys_(max_keys), epoch_(GenerateUuid()) {}

void InvalidationLog::Activate() {
  std::string epoch = GenerateUuid();
  std::lock_guard lock(mu_);
  epoch_ = std::move(epoch);
  ring_.clear();
  keys_ = 0;
}

void InvalidationLog::Record(std::span<const std::string_view> keys, bool everything) {
  Batch b;
  b.everything = everything;
  b.keys.reserve(keys.size());
  for (std::string_view k : keys) b.keys.emplace_back(k);
  std::lock_guard lock(mu_);
  b.index = ++index_;
  keys_ += b.keys.size();
  ring_.push_back(std::move(b));
  while (!ring_.empty() && (ring_.size() > max_batches_ || keys_ > max_keys_)) {
    keys_ -= ring_.front().keys.size();
    ring_.pop_front();
  }
}

ReplicationPosition InvalidationLog::Position() const {
  std::lock_guard lock(mu_);
  return ReplicationPosition{epoch_, index_};
}

std::string InvalidationLog::LinesAfter(std::string_view epoch, uint64_t from,
                                        size_t max_batches) const {
  std::lock_guard lock(mu_);
  const uint64_t oldest = ring_.empty() ? index_ + 1 : ring_.front().index;
  // The follower is of another epoch, ahead of the log, or behind what the ring keeps.
  if (epoch != epoch_ || from > index_ || from + 1 < oldest) {
    return PositionLine(epoch_, index_, true);
  }
  std::string out;
  uint64_t last = from;
  size_t sent = 0;
  for (auto it = ring_.begin() + static_cast<std::ptrdiff_t>(from + 1 - oldest);
       it != ring_.end() && sent < max_batches; ++it, ++sent) {
    if (it->everything) return PositionLine(epoch_, index_, true);
    json::object o;
    o["epoch"] = json::string(epoch_);
    o["index"] = it->index;
    o["keys"] = ToJsonArray(it->keys);
    out += ToJson(o);
    out += '\n';
    last = it->index;
  }
  out += PositionLine(epoch_, last, false);
  return out;
}

// ---- StandbyFollower ----

StandbyFollower::StandbyFollower(FollowerOptions opts)
    : opts_(std::move(opts)), client_(opts_.tls, opts_.timeout) {}

StandbyFollower::~StandbyFollower() { Stop(); }

void StandbyFollower::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void StandbyFollower::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  applied_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StandbyFollower::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

StandbyFollower::State StandbyFollower::GetState() const {
  std::lock_guard lock(mu_);
  return state_;
}

bool StandbyFollower::Fresh(std::chrono::milliseconds bound) const {
  std::lock_guard lock(mu_);
  return state_.synced && !state_.applied.epoch.empty() &&
         std::chrono::steady_clock::now() - state_.last_heard <= bound;
}

bool StandbyFollower::WaitFor(const ReplicationPosition& want, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(mu_);
  auto reached = [&] {
    return state_.synced && state_.applied.epoch == want.epoch &&
           state_.applied.index >= want.index;
  };
  if (reached()) return true;
  wake_ = true;
  cv_.notify_all();
  return applied_cv_.wait_until(lock, deadline, [&] { return stop_ || reached(); }) && reached();
}

void StandbyFollower::Reset() {
  caught_up_.store(false, std::memory_order_release);
  std::lock_guard lock(mu_);
  state_ = State{};
}

Status StandbyFollower::ApplyAnswer(std::string_view body,
                                    std::chrono::steady_clock::time_point sent) {
  State st = GetState();
  bool heartbeat = false;
  Status result = OkStatus();
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (line.empty()) continue;
    auto o = ParseJsonObject(line);
    if (!o) {
      result = Internal("standby reads: a bad line from the active node: " + o.error().message());
      break;
    }
    std::string epoch = StringOr(*o, "epoch");
    const int64_t index = IntOr(*o, "index", -1);
    if (epoch.empty() || index < 0) {
      result = Internal("standby reads: a line without epoch or index from the active node");
      break;
    }
    if (BoolOr(*o, "reset")) {
      spdlog::info(
          "standby reads: following the active node from a fresh state (epoch {}, index {})", epoch,
          index);
      if (opts_.purge) opts_.purge();
      st.applied = ReplicationPosition{std::move(epoch), static_cast<uint64_t>(index)};
      st.synced = true;
      st.last_heard = sent;
      heartbeat = true;
      continue;
    }
    if (epoch != st.applied.epoch || !st.synced) {
      result = Internal("standby reads: the active node's log changed epoch without a reset");
      break;
    }
    auto keys = o->find("keys");
    if (keys == o->end()) {  // the heartbeat: everything up to `index` was sent
      if (static_cast<uint64_t>(index) != st.applied.index) {
        result = Internal("standby reads: a gap in the active node's log");
        break;
      }
      st.last_heard = sent;
      heartbeat = true;
      continue;
    }
    if (static_cast<uint64_t>(index) != st.applied.index + 1) {
      result = Internal("standby reads: a gap in the active node's log");
      break;
    }
    std::vector<std::string> ks = StringsOf(*o, "keys");
    if (opts_.apply && !ks.empty()) opts_.apply(ks);
    st.applied.index = static_cast<uint64_t>(index);
  }
  if (!result) {
    // Start over from a reset (an empty epoch is unknown to every log).
    std::lock_guard lock(mu_);
    state_ = State{};
    applied_cv_.notify_all();
    return result;
  }
  if (!heartbeat) {
    std::lock_guard lock(mu_);
    state_ = State{};
    applied_cv_.notify_all();
    return Internal("standby reads: an answer of the active node without a heartbeat");
  }
  {
    std::lock_guard lock(mu_);
    state_ = st;
  }
  applied_cv_.notify_all();
  return OkStatus();
}

Status StandbyFollower::Poll() {
  std::optional<LeaderInfo> leader = opts_.leader ? opts_.leader() : std::nullopt;
  if (!leader || leader->cluster_addr.empty()) return Unavailable(std::string(kNoActiveNodeError));
  State st = GetState();
  std::string target = std::string(kInvalidationsTarget) +
                       "?epoch=" + (st.synced ? st.applied.epoch : std::string("-")) +
                       "&from=" + std::to_string(st.synced ? st.applied.index : 0);
  const auto sent = std::chrono::steady_clock::now();
  auto res = client_.Send(leader->cluster_addr, "GET", target, "", {});
  if (!res) return std::unexpected(res.error());
  if (res->status != 200) {
    return Unavailable("standby reads: the active node answered " + std::to_string(res->status));
  }
  return ApplyAnswer(res->body, sent);
}

void StandbyFollower::Loop() {
  for (;;) {
    bool more = false;
    if (opts_.ready && !opts_.ready()) {
      caught_up_.store(false, std::memory_order_release);
    } else if (!caught_up_.load(std::memory_order_acquire)) {
      // Invalidations applied before the state was loaded were no-ops: start it from storage.
      if (opts_.purge) opts_.purge();
      caught_up_.store(true, std::memory_order_release);
    }
    if (!opts_.enabled || opts_.enabled()) {
      const uint64_t before = GetState().applied.index;
      Status s = Poll();
      if (!s) {
        const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count();
        int64_t last = last_warned_ms_.load();
        if (now_ms - last >= 5000 && last_warned_ms_.compare_exchange_strong(last, now_ms)) {
          spdlog::debug("standby reads: following the active node: {}", s.error().message());
        }
      } else {
        // Batches came: there may be more (an answer holds at most a few hundred).
        more = GetState().applied.index != before;
      }
    } else {
      Reset();
    }
    std::unique_lock lock(mu_);
    if (!more) cv_.wait_for(lock, opts_.interval, [this] { return stop_ || wake_; });
    if (stop_) return;
    wake_ = false;
  }
}

}  // namespace arca::server
