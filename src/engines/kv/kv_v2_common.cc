// KV v2: storage encoding of config and key metadata, time formatting, shared rules.
#include <functional>

#include "engines/kv/kv_v2_internal.h"

#include "common/rfc3339.h"
#include "logical/framework/field.h"

namespace arca::engines::kv::v2 {

Result<logical::Storage*> State::StorageFor(const logical::Request& req) const {
  logical::Storage* s = req.storage != nullptr ? req.storage : storage_;
  if (s == nullptr) return Internal("kv: no storage configured for the mount");
  return s;
}

int64_t State::NowNs() const {
  auto t = clock_ ? clock_() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

State::KeyGuard::KeyGuard(const State& st, std::string path)
    : st_(st), path_(std::move(path)), lock_(st.StripeFor(path_)) {}

State::KeyGuard::~KeyGuard() {
  // Still under the key's lock (members are destroyed after this body).
  if (published_) {
    st_.Insert(path_, std::move(published_));
  } else {
    st_.Drop(path_);
  }
}

Result<std::optional<KeyMeta>> State::KeyGuard::Meta(logical::Storage& s) const {
  if (st_.Cacheable(s)) {
    CacheShard& sh = st_.ShardFor(path_);
    std::lock_guard lock(sh.mu);
    if (auto it = sh.keys.find(path_); it != sh.keys.end()) {
      if (it->second->absent) return std::optional<KeyMeta>();
      return std::optional<KeyMeta>(it->second->meta);
    }
  }
  return LoadMeta(s, path_);
}

void State::KeyGuard::Publish(logical::Storage& s, std::shared_ptr<const CachedKey> key) {
  if (st_.Cacheable(s)) published_ = std::move(key);
}

Result<MountConfig> State::Config(logical::Storage& s) const {
  if (!Cacheable(s)) return LoadConfig(s);
  {
    std::lock_guard lock(config_cache_mu_);
    if (config_cache_) return *config_cache_;
  }
  // A miss loads under the config lock, so no config write can finish in between.
  std::lock_guard config_lock(config_mu_);
  ARCA_ASSIGN_OR_RETURN(MountConfig c, LoadConfig(s));
  std::lock_guard lock(config_cache_mu_);
  config_cache_ = c;
  return c;
}

void State::SetConfig(logical::Storage& s, std::optional<MountConfig> c) const {
  if (!Cacheable(s)) return;
  std::lock_guard lock(config_cache_mu_);
  config_cache_ = std::move(c);
}

void State::Invalidate(std::string_view storage_key) const {
  if (storage_key == "config") {
    std::lock_guard config_lock(config_mu_);
    std::lock_guard lock(config_cache_mu_);
    config_cache_.reset();
    return;
  }
  std::string_view path;
  if (storage_key.starts_with("metadata/")) {
    path = storage_key.substr(9);
  } else if (storage_key.starts_with("versions/")) {
    path = storage_key.substr(9);
    const size_t at = path.rfind('@');
    if (at == std::string_view::npos) return;
    path = path.substr(0, at);
  } else {
    return;
  }
  std::lock_guard key_lock(StripeFor(path));
  Drop(path);
}

std::mutex& State::StripeFor(std::string_view path) const {
  return stripes_[std::hash<std::string_view>{}(path) % stripes_.size()];
}

State::CacheShard& State::ShardFor(std::string_view path) const {
  // Other bits of the hash than the lock stripes use.
  return cache_[(std::hash<std::string_view>{}(path) >> 8) % cache_.size()];
}

void State::Drop(std::string_view path) const {
  CacheShard& sh = ShardFor(path);
  std::lock_guard lock(sh.mu);
  if (auto it = sh.keys.find(path); it != sh.keys.end()) sh.keys.erase(it);
}

void State::Insert(std::string_view path, std::shared_ptr<const CachedKey> key) const {
  CacheShard& sh = ShardFor(path);
  std::lock_guard lock(sh.mu);
  if (auto it = sh.keys.find(path); it != sh.keys.end()) {
    it->second = std::move(key);
    return;
  }
  if (sh.keys.size() >= kReadCacheKeys / kCacheShards) sh.keys.erase(sh.keys.begin());
  sh.keys.emplace(std::string(path), std::move(key));
}

Result<std::shared_ptr<const CachedKey>> State::ReadKey(logical::Storage& s,
                                                        std::string_view path) const {
  const bool cacheable = Cacheable(s);
  if (cacheable) {
    CacheShard& sh = ShardFor(path);
    std::lock_guard lock(sh.mu);
    if (auto it = sh.keys.find(path); it != sh.keys.end()) {
      if (it->second->absent) return std::shared_ptr<const CachedKey>();
      return it->second;
    }
  }
  // A miss loads under the key's lock, as Vault's reads do: the metadata and the data it names
  // are read together (a concurrent write could otherwise prune that version in between), and
  // no mutation can finish between the load and the insert below.
  std::lock_guard key_lock(StripeFor(path));
  ARCA_ASSIGN_OR_RETURN(auto meta, LoadMeta(s, path));
  if (!meta) {
    if (cacheable) {
      auto absent = std::make_shared<CachedKey>();
      absent->absent = true;
      Insert(path, std::move(absent));
    }
    return std::shared_ptr<const CachedKey>();
  }
  auto key = std::make_shared<CachedKey>();
  key->meta = std::move(*meta);
  const int64_t current = key->meta.current_version;
  if (auto it = key->meta.versions.find(current);
      it != key->meta.versions.end() && !it->second.destroyed) {
    ARCA_ASSIGN_OR_RETURN(auto raw, s.Get(VersionKey(path, current)));
    if (raw) {
      auto parsed = ParseJson(*raw);
      if (!parsed || !parsed->is_object()) {
        return Internal("kv: stored version is not a JSON object");
      }
      key->data_version = current;
      key->data = std::make_shared<const json::object>(std::move(parsed->as_object()));
      key->data_metadata = VersionMetadataJson(key->meta, current);
    }
  }
  std::shared_ptr<const CachedKey> out = std::move(key);
  if (cacheable) Insert(path, out);
  return out;
}

Result<bool> State::KeyExists(logical::Storage& s, std::string_view path) const {
  if (!Cacheable(s)) {
    ARCA_ASSIGN_OR_RETURN(auto meta, LoadMeta(s, path));
    return meta.has_value();
  }
  ARCA_ASSIGN_OR_RETURN(auto key, ReadKey(s, path));
  return key != nullptr;
}

std::string MetaKey(std::string_view path) { return "metadata/" + std::string(path); }

std::string VersionKey(std::string_view path, int64_t version) {
  return "versions/" + std::string(path) + "@" + std::to_string(version);
}

namespace {

int64_t IntOr(const json::object& o, std::string_view key, int64_t fallback = 0) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : fallback;
}

bool BoolOr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

// Reads the JSON object at `key` into *out (left empty when absent).
Status LoadObject(logical::Storage& s, std::string_view key, std::optional<json::object>* out) {
  ARCA_ASSIGN_OR_RETURN(auto raw, s.Get(key));
  if (!raw) return OkStatus();
  auto parsed = ParseJson(*raw);
  if (!parsed || !parsed->is_object()) {
    return Internal("kv: stored entry \"" + std::string(key) + "\" is not a JSON object");
  }
  *out = parsed->as_object();
  return OkStatus();
}

}  // namespace

Result<MountConfig> LoadConfig(logical::Storage& s) {
  std::optional<json::object> o;
  ARCA_RETURN_IF_ERROR(LoadObject(s, "config", &o));
  MountConfig c;
  if (!o) return c;
  c.max_versions = IntOr(*o, "max_versions");
  c.cas_required = BoolOr(*o, "cas_required");
  c.delete_version_after = IntOr(*o, "delete_version_after");
  return c;
}

Status SaveConfig(logical::Storage& s, const MountConfig& c) {
  json::object o{{"max_versions", c.max_versions},
                 {"cas_required", c.cas_required},
                 {"delete_version_after", c.delete_version_after}};
  return s.Put("config", json::serialize(o));
}

Result<std::optional<KeyMeta>> LoadMeta(logical::Storage& s, std::string_view path) {
  std::optional<json::object> o;
  ARCA_RETURN_IF_ERROR(LoadObject(s, MetaKey(path), &o));
  if (!o) return std::optional<KeyMeta>{};
  KeyMeta m;
  m.created_ns = IntOr(*o, "created_time");
  m.updated_ns = IntOr(*o, "updated_time");
  m.current_version = IntOr(*o, "current_version");
  m.oldest_version = IntOr(*o, "oldest_version");
  m.max_versions = IntOr(*o, "max_versions");
  m.cas_required = BoolOr(*o, "cas_required");
  m.delete_version_after = IntOr(*o, "delete_version_after");
  if (const json::value* cm = o->if_contains("custom_metadata"); cm && cm->is_object()) {
    m.custom_metadata = cm->as_object();
  }
  if (const json::value* vs = o->if_contains("versions"); vs && vs->is_object()) {
    for (const auto& [k, v] : vs->as_object()) {
      if (!v.is_object()) continue;
      int64_t n = 0;
      try {
        n = std::stoll(std::string(k));
      } catch (...) {
        return Internal("kv: corrupt version number in metadata");
      }
      m.versions[n] =
          VersionMeta{IntOr(v.as_object(), "created_time"), IntOr(v.as_object(), "deletion_time"),
                      BoolOr(v.as_object(), "destroyed")};
    }
  }
  return std::optional<KeyMeta>(std::move(m));
}

std::string EncodeMeta(const KeyMeta& m) {
  json::object versions;
  for (const auto& [n, v] : m.versions) {
    versions[std::to_string(n)] = json::object{{"created_time", v.created_ns},
                                               {"deletion_time", v.deletion_ns},
                                               {"destroyed", v.destroyed}};
  }
  json::object o{{"created_time", m.created_ns},
                 {"updated_time", m.updated_ns},
                 {"current_version", m.current_version},
                 {"oldest_version", m.oldest_version},
                 {"max_versions", m.max_versions},
                 {"cas_required", m.cas_required},
                 {"delete_version_after", m.delete_version_after},
                 {"custom_metadata", m.custom_metadata},
                 {"versions", std::move(versions)}};
  return json::serialize(o);
}

Status SaveMeta(logical::Storage& s, std::string_view path, const KeyMeta& m) {
  return s.Put(MetaKey(path), EncodeMeta(m));
}

Status DeleteKey(logical::Storage& s, std::string_view path, const KeyMeta& m) {
  for (const auto& [n, v] : m.versions) ARCA_RETURN_IF_ERROR(s.Delete(VersionKey(path, n)));
  return s.Delete(MetaKey(path));
}

std::string FormatTime(int64_t ns) { return ns == 0 ? "" : FormatRfc3339Nanos(ns); }

json::value CustomMetadataJson(const KeyMeta& m) {
  if (m.custom_metadata.empty()) return nullptr;
  return m.custom_metadata;
}

json::object VersionMetadataJson(const KeyMeta& m, int64_t version) {
  VersionMeta v;
  if (auto it = m.versions.find(version); it != m.versions.end()) v = it->second;
  return json::object{{"created_time", FormatTime(v.created_ns)},
                      {"custom_metadata", CustomMetadataJson(m)},
                      {"deletion_time", FormatTime(v.deletion_ns)},
                      {"destroyed", v.destroyed},
                      {"version", version}};
}

bool IsLive(const VersionMeta& v, int64_t now_ns) {
  return !v.destroyed && (v.deletion_ns == 0 || v.deletion_ns > now_ns);
}

int64_t EffectiveMaxVersions(const MountConfig& c, const KeyMeta& m) {
  if (m.max_versions > 0) return m.max_versions;
  return c.max_versions > 0 ? c.max_versions : kDefaultMaxVersions;
}

int64_t EffectiveDeleteAfter(const MountConfig& c, const KeyMeta& m) {
  // A key's value cannot exceed the mount's (when the mount sets one).
  if (m.delete_version_after > 0 &&
      (c.delete_version_after == 0 || m.delete_version_after < c.delete_version_after)) {
    return m.delete_version_after;
  }
  return c.delete_version_after;
}

Result<std::string> KeyPath(const std::string& raw) {
  if (raw.empty()) return InvalidRequest("missing path");
  return raw;
}

Status ValidateCustomMetadata(const json::object& cm) {
  if (cm.size() > kMaxCustomMetadataKeys) {
    return InvalidRequest("custom_metadata: must not contain more than " +
                          std::to_string(kMaxCustomMetadataKeys) + " keys");
  }
  for (const auto& [k, v] : cm) {
    if (k.empty()) return InvalidRequest("custom_metadata: keys must not be empty");
    if (k.size() > kMaxCustomMetadataKeyBytes) {
      return InvalidRequest("custom_metadata: length of key \"" + std::string(k) + "\" exceeds " +
                            std::to_string(kMaxCustomMetadataKeyBytes) + " bytes");
    }
    if (!v.is_string()) {
      return InvalidRequest("custom_metadata: value of key \"" + std::string(k) +
                            "\" must be a string");
    }
    if (v.as_string().size() > kMaxCustomMetadataValueBytes) {
      return InvalidRequest("custom_metadata: length of value for key \"" + std::string(k) +
                            "\" exceeds " + std::to_string(kMaxCustomMetadataValueBytes) +
                            " bytes");
    }
  }
  return OkStatus();
}

Result<int64_t> NonNegativeInt(const json::value& raw, std::string_view name) {
  auto v = logical::framework::ConvertValue(logical::framework::FieldType::kInt, raw);
  if (!v) return InvalidRequest("invalid " + std::string(name) + ": " + v.error().message());
  if (v->as_int64() < 0) {
    return InvalidRequest("invalid " + std::string(name) + ": must not be negative");
  }
  return v->as_int64();
}

std::unexpected<Error> NotFoundEmpty() {
  return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
}

json::value MergePatch(const json::value& target, const json::value& patch) {
  if (!patch.is_object()) return patch;
  json::object result = target.is_object() ? target.as_object() : json::object{};
  for (const auto& [k, v] : patch.as_object()) {
    if (v.is_null()) {
      result.erase(k);
    } else {
      const json::value* cur = result.if_contains(k);
      result[k] = MergePatch(cur != nullptr ? *cur : json::value(nullptr), v);
    }
  }
  return result;
}

}  // namespace arca::engines::kv::v2
