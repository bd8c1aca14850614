// ExpirationManager: construction, per-lease claims, registration, lookup, renewal, listing.
#include "core/expiration/expiration_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "common/duration.h"
#include "crypto/random.h"

namespace arca::core {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kRandomIdLength = 24;  // characters after "<path>/", as Vault
constexpr int kTimeChars = 6;

std::string_view TrimSlashes(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return p;
}

}  // namespace

ExpirationManager::ExpirationManager(logical::Storage& storage, RevokeFn revoke, RenewFn renew,
                                     ExpirationOptions options)
    : storage_(storage),
      revoke_(std::move(revoke)),
      renew_(std::move(renew)),
      options_(std::move(options)) {}

ExpirationManager::~ExpirationManager() { Stop(); }

int64_t ExpirationManager::Now() const {
  auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

std::string ExpirationManager::NewLeaseId(std::string_view path) const {
  std::string id(TrimSlashes(path));
  id += '/';
  // 6 characters of issue time (base62, sortable), then 18 random ones (107 bits): leases issued
  // together get neighbouring storage keys, so concurrent registrations touch few B-tree pages.
  uint64_t t = static_cast<uint64_t>(std::max<int64_t>(0, Now()));
  char stamp[kTimeChars];
  for (int i = kTimeChars - 1; i >= 0; --i) {
    stamp[i] = kBase62[t % 62];
    t /= 62;
  }
  id.append(stamp, kTimeChars);
  const size_t want = id.size() + kRandomIdLength - kTimeChars;
  // Rejection sampling keeps the characters uniform (248 = 4 * 62).
  while (id.size() < want) {
    for (unsigned char b : crypto::RandomBytesString(32)) {
      if (b >= 248) continue;
      id += kBase62[b % 62];
      if (id.size() == want) break;
    }
  }
  return id;
}

// --- claims ---

void ExpirationManager::Claim(const std::string& lease_id) {
  std::unique_lock lock(mu_);
  claim_cv_.wait(lock, [&] { return !claimed_.contains(lease_id); });
  claimed_.insert(lease_id);
}

bool ExpirationManager::TryClaim(const std::string& lease_id) {
  std::lock_guard lock(mu_);
  return claimed_.insert(lease_id).second;
}

void ExpirationManager::Release(const std::string& lease_id) {
  {
    std::lock_guard lock(mu_);
    claimed_.erase(lease_id);
  }
  claim_cv_.notify_all();
}

// --- storage helpers ---

Result<std::optional<LeaseEntry>> ExpirationManager::Load(std::string_view lease_id) {
  ARCA_ASSIGN_OR_RETURN(auto raw, storage_.Get(LeaseEntryKey(lease_id)));
  if (!raw) return std::optional<LeaseEntry>();
  auto obj = ParseJsonObject(*raw);
  if (!obj) return Internal("lease " + std::string(lease_id) + ": corrupt entry");
  auto entry = LeaseEntry::FromJson(*obj);
  if (!entry) {
    return Internal("lease " + std::string(lease_id) + ": " + entry.error().message());
  }
  return std::optional<LeaseEntry>(std::move(*entry));
}

Result<LeaseEntry> ExpirationManager::Persist(LeaseEntry entry) {
  // Claimed while its keys are written, so that Tidy or RevokeByToken never take an index key
  // written ahead of its entry for a stale one.
  Claim(entry.lease_id);
  ClaimGuard guard(*this, entry.lease_id);
  if (options_.put_batch) {
    std::vector<std::pair<std::string, std::string>> puts;
    puts.emplace_back(DueKey(entry.expire_time, entry.lease_id), "");
    if (!entry.token_hash.empty()) {
      puts.emplace_back(TokenIndexKey(entry.token_hash, entry.lease_id), "");
    }
    puts.emplace_back(LeaseEntryKey(entry.lease_id), json::serialize(entry.ToJson()));
    ARCA_RETURN_IF_ERROR(options_.put_batch(puts));
  } else {
    ARCA_RETURN_IF_ERROR(storage_.Put(DueKey(entry.expire_time, entry.lease_id), ""));
    if (!entry.token_hash.empty()) {
      ARCA_RETURN_IF_ERROR(storage_.Put(TokenIndexKey(entry.token_hash, entry.lease_id), ""));
    }
    ARCA_RETURN_IF_ERROR(
        storage_.Put(LeaseEntryKey(entry.lease_id), json::serialize(entry.ToJson())));
  }
  bool earliest;
  {
    std::lock_guard lock(mu_);
    auto next = schedule_.NextDue();
    earliest = !next || entry.expire_time < *next;
    schedule_.Add(entry.expire_time, entry.lease_id);
  }
  if (earliest) work_cv_.notify_one();
  return entry;
}

Status ExpirationManager::SetExpiry(LeaseEntry& entry, int64_t new_expire) {
  int64_t old_expire = entry.expire_time;
  if (new_expire != old_expire) {
    ARCA_RETURN_IF_ERROR(storage_.Put(DueKey(new_expire, entry.lease_id), ""));
  }
  entry.expire_time = new_expire;
  ARCA_RETURN_IF_ERROR(
      storage_.Put(LeaseEntryKey(entry.lease_id), json::serialize(entry.ToJson())));
  if (new_expire == old_expire) return OkStatus();
  // A leftover old key is stale (its expiry no longer matches the entry): harmless.
  if (auto s = storage_.Delete(DueKey(old_expire, entry.lease_id)); !s) {
    spdlog::warn("expiration: removing old due key of {}: {}", entry.lease_id,
                 s.error().message());
  }
  bool earliest;
  {
    std::lock_guard lock(mu_);
    schedule_.Remove(old_expire, entry.lease_id);
    auto next = schedule_.NextDue();
    earliest = !next || new_expire < *next;
    schedule_.Add(new_expire, entry.lease_id);
  }
  if (earliest) work_cv_.notify_one();
  return OkStatus();
}

// --- registration ---

Result<LeaseEntry> ExpirationManager::Register(std::string_view path,
                                               const logical::Secret& secret,
                                               std::string_view token_hash,
                                               std::string_view mount_accessor) {
  if (TrimSlashes(path).empty()) return InvalidRequest("a lease needs a request path");
  if (secret.ttl.count() < 0 || secret.max_ttl.count() < 0) {
    return InvalidRequest("negative lease TTL");
  }
  if (token_hash.find('/') != std::string_view::npos) return InvalidRequest("bad token hash");
  int64_t now = Now();
  std::chrono::seconds max_ttl = secret.max_ttl.count() > 0 ? secret.max_ttl
                                                            : options_.max_lease_ttl;
  std::chrono::seconds ttl = secret.ttl.count() > 0 ? secret.ttl : options_.default_lease_ttl;
  ttl = std::min(ttl, max_ttl);

  LeaseEntry e;
  e.lease_id = NewLeaseId(path);
  e.path = std::string(TrimSlashes(path));
  e.mount_accessor = std::string(mount_accessor);
  e.token_hash = std::string(token_hash);
  e.internal_data = secret.internal_data;
  e.issue_time = now;
  e.expire_time = now + ttl.count();
  e.max_expire = now + max_ttl.count();
  e.ttl = ttl;
  e.renewable = secret.renewable;
  return Persist(std::move(e));
}

Result<LeaseEntry> ExpirationManager::RegisterAuth(std::string_view path,
                                                   std::string_view token_hash,
                                                   std::chrono::seconds ttl, bool renewable,
                                                   std::string_view mount_accessor) {
  if (TrimSlashes(path).empty()) return InvalidRequest("a lease needs a request path");
  if (token_hash.empty() || token_hash.find('/') != std::string_view::npos) {
    return InvalidRequest("a token lease needs a token hash");
  }
  if (ttl.count() <= 0) return InvalidRequest("a token lease needs a positive TTL");
  int64_t now = Now();
  LeaseEntry e;
  e.lease_id = std::string(TrimSlashes(path)) + "/h" + std::string(token_hash);
  e.path = std::string(TrimSlashes(path));
  e.mount_accessor = std::string(mount_accessor);
  e.token_hash = std::string(token_hash);
  e.is_auth = true;
  e.issue_time = now;
  e.expire_time = now + ttl.count();
  e.ttl = ttl;
  e.renewable = renewable;
  return Persist(std::move(e));
}

Status ExpirationManager::RenewAuth(std::string_view token_hash, std::chrono::seconds ttl) {
  if (token_hash.empty() || token_hash.find('/') != std::string_view::npos) {
    return InvalidRequest("bad token hash");
  }
  if (ttl.count() <= 0) return InvalidRequest("a token lease needs a positive TTL");
  std::string folder = std::string(kTokenIndexPrefix) + std::string(token_hash) + "/";
  ARCA_ASSIGN_OR_RETURN(auto names, storage_.List(folder));
  for (const std::string& name : names) {
    auto id = UnescapeLeaseId(name);
    if (!id) continue;
    // A token lease being revoked right now needs no renewal.
    if (!TryClaim(*id)) continue;
    ClaimGuard guard(*this, *id);
    ARCA_ASSIGN_OR_RETURN(auto e, Load(*id));
    if (!e || !e->is_auth || e->token_hash != token_hash || e->irrevocable) continue;
    int64_t now = Now();
    e->ttl = ttl;
    e->last_renewal = now;
    ARCA_RETURN_IF_ERROR(SetExpiry(*e, now + ttl.count()));
  }
  return OkStatus();
}

// --- API operations ---

Result<std::optional<LeaseEntry>> ExpirationManager::Lookup(std::string_view lease_id) {
  if (lease_id.empty()) return InvalidRequest("lease_id must be specified");
  return Load(lease_id);
}

Result<ExpirationManager::Renewed> ExpirationManager::Renew(std::string_view lease_id,
                                                            std::chrono::seconds increment) {
  if (lease_id.empty()) return InvalidRequest("lease_id must be specified");
  if (increment.count() < 0) return InvalidRequest("increment must not be negative");
  std::string id(lease_id);
  Claim(id);
  ClaimGuard guard(*this, id);
  ARCA_ASSIGN_OR_RETURN(auto loaded, Load(id));
  if (!loaded) return InvalidRequest("lease not found");
  LeaseEntry e = std::move(*loaded);
  if (e.is_auth) return InvalidRequest("tokens cannot be renewed through this endpoint");
  if (!e.renewable || e.irrevocable) return InvalidRequest("lease is not renewable");
  int64_t now = Now();
  if (e.expire_time <= now) return InvalidRequest("lease expired");

  ARCA_ASSIGN_OR_RETURN(logical::Secret s, renew_(e, increment));
  std::chrono::seconds ttl = s.ttl.count() > 0 ? s.ttl : increment.count() > 0 ? increment : e.ttl;
  Renewed out;
  if (e.max_expire > 0 && now + ttl.count() > e.max_expire) {
    std::chrono::seconds capped(std::max<int64_t>(0, e.max_expire - now));
    out.warnings.push_back("TTL of \"" + FormatGoDuration(ttl) +
                           "\" exceeded the effective max_ttl of \"" + FormatGoDuration(capped) +
                           "\"; TTL value is capped accordingly");
    ttl = capped;
  }
  e.ttl = ttl;
  e.renewable = s.renewable;
  if (!s.internal_data.empty()) e.internal_data = s.internal_data;
  e.last_renewal = now;
  ARCA_RETURN_IF_ERROR(SetExpiry(e, now + ttl.count()));
  out.ttl = ttl;
  out.entry = std::move(e);
  return out;
}

Result<std::vector<std::string>> ExpirationManager::List(std::string_view prefix) {
  std::string p(prefix);
  if (!p.empty() && p.back() != '/') p += '/';
  return storage_.List(std::string(kLeaseIdPrefix) + p);
}

Result<int64_t> ExpirationManager::Count(std::string_view type) {
  std::string t(type);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  std::lock_guard lock(mu_);
  if (t == "irrevocable") return irrevocable_count_;
  if (t.empty() || t == "all") return static_cast<int64_t>(schedule_.size()) + irrevocable_count_;
  return InvalidRequest("invalid lease count type \"" + std::string(type) +
                        "\": must be irrevocable or all");
}

Result<std::vector<LeaseEntry>> ExpirationManager::ListIrrevocable(size_t limit) {
  ARCA_ASSIGN_OR_RETURN(auto names, storage_.List(kIrrevocablePrefix));
  std::vector<LeaseEntry> out;
  for (const std::string& name : names) {
    if (limit > 0 && out.size() >= limit) break;
    auto id = UnescapeLeaseId(name);
    if (!id) continue;
    ARCA_ASSIGN_OR_RETURN(auto e, Load(*id));
    if (e && e->irrevocable) out.push_back(std::move(*e));
  }
  std::sort(out.begin(), out.end(),
            [](const LeaseEntry& a, const LeaseEntry& b) { return a.lease_id < b.lease_id; });
  return out;
}

size_t ExpirationManager::ScheduledCount() const {
  std::lock_guard lock(mu_);
  return schedule_.size();
}

}  // namespace arca::core
