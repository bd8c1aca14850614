#include "audit/broker.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/blocking.h"
#include "common/encoding.h"
#include "common/log.h"
#include "common/metrics.h"
#include "crypto/random.h"

namespace arca::audit {
namespace {

constexpr std::string_view kConfigKey = "config";
constexpr std::string_view kHeadersKey = "audited-headers";

std::string SaltKey(std::string_view path) { return "salt/" + HexEncode(path); }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

json::object EntryJson(const DeviceEntry& e) {
  json::object opts;
  for (const auto& [k, v] : e.options) opts[k] = v;
  return json::object{{"path", e.path},
                      {"type", e.type},
                      {"description", e.description},
                      {"options", std::move(opts)},
                      {"local", e.local}};
}

Result<DeviceEntry> EntryFromJson(const json::value& v) {
  if (!v.is_object()) return Internal("corrupt audit table entry");
  const auto& o = v.get_object();
  DeviceEntry e;
  ARCA_ASSIGN_OR_RETURN(auto path, GetStringField(o, "path"));
  ARCA_ASSIGN_OR_RETURN(auto type, GetStringField(o, "type"));
  ARCA_ASSIGN_OR_RETURN(auto desc, GetStringField(o, "description"));
  ARCA_ASSIGN_OR_RETURN(auto local, GetBoolField(o, "local"));
  if (!path || !type) return Internal("corrupt audit table entry");
  e.path = *path;
  e.type = *type;
  e.description = desc.value_or("");
  e.local = local.value_or(false);
  if (auto* opts = o.if_contains("options"); opts && opts->is_object()) {
    for (const auto& [k, val] : opts->get_object()) {
      if (val.is_string()) e.options[k] = std::string(val.get_string());
    }
  }
  return e;
}

bool Overlaps(std::string_view a, std::string_view b) {
  return a.starts_with(b) || b.starts_with(a);
}

}  // namespace

Broker::Broker(logical::Storage& storage, Options options)
    : storage_(storage), options_(std::move(options)), snap_(std::make_shared<Snapshot>()) {}

Broker::~Broker() { Reset(); }

std::string Broker::NormalizePath(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return "";
  return std::string(path) + "/";
}

std::shared_ptr<const Broker::Snapshot> Broker::Current() const {
  std::lock_guard lock(snap_mu_);
  return snap_;
}

void Broker::Publish(std::shared_ptr<const Snapshot> snap) {
  size_t queued = 0;
  for (const Live& l : snap->devices) queued += l.device->writes_inline() ? 0 : 1;
  count_.store(snap->devices.size(), std::memory_order_release);
  queued_count_.store(queued, std::memory_order_release);
  std::lock_guard lock(snap_mu_);
  snap_ = std::move(snap);
}

Result<Broker::Live> Broker::MakeLive(DeviceEntry entry, std::string_view salt,
                                     BuildMode mode) const {
  ARCA_ASSIGN_OR_RETURN(BuiltDevice built, BuildDevice(entry.type, entry.options, mode,
                                                       options_.hooks, options_.file_policy));
  Live l;
  l.entry = std::move(entry);
  l.formatter =
      std::make_shared<const Formatter>(built.config.format, std::make_shared<const Hasher>(salt));
  l.device = std::make_shared<Device>(std::move(built.sink), built.config.write_timeout);
  return l;
}

Status Broker::SaveTable(const std::vector<DeviceEntry>& entries) {
  json::array a;
  for (const auto& e : entries) a.emplace_back(EntryJson(e));
  return logical::PutJson(storage_, kConfigKey, json::object{{"entries", std::move(a)}});
}

Status Broker::Load() {
  std::lock_guard admin(admin_mu_);
  auto next = std::make_shared<Snapshot>();
  ARCA_ASSIGN_OR_RETURN(auto table, logical::GetJson(storage_, kConfigKey));
  if (table && table->is_object()) {
    const json::value* entries = table->get_object().if_contains("entries");
    if (entries && entries->is_array()) {
      // Fail closed: serving requests without a device the table says is enabled would leave
      // them unaudited (or audited by fewer devices than configured). Devices built before an
      // error close with `next`.
      for (const auto& v : entries->get_array()) {
        auto e = EntryFromJson(v);
        if (!e) {
          return Internal("an entry of the audit table cannot be read (" +
                          e.error().message() + "); refusing to run without it");
        }
        ARCA_ASSIGN_OR_RETURN(auto salt, storage_.Get(SaltKey(e->path)));
        if (!salt || salt->size() != kSaltSize) {
          salt = crypto::RandomBytesString(kSaltSize);
          ARCA_RETURN_IF_ERROR(storage_.Put(SaltKey(e->path), *salt));
        }
        std::string path = e->path;
        auto live = MakeLive(std::move(*e), *salt, BuildMode::kRestore);
        if (!live) {
          log::GetLogger("audit")->error("audit device {} could not be restored: {}", path,
                                         live.error().message());
          return Internal("audit device \"" + path +
                          "\" could not be restored: " + live.error().message());
        }
        next->devices.push_back(std::move(*live));
      }
    }
  }
  ARCA_ASSIGN_OR_RETURN(auto headers, logical::GetJson(storage_, kHeadersKey));
  if (headers && headers->is_object()) {
    for (const auto& [name, cfg] : headers->get_object()) {
      bool hmac = false;
      if (cfg.is_object()) {
        if (auto* h = cfg.get_object().if_contains("hmac"); h && h->is_bool()) hmac = h->as_bool();
      }
      next->headers[Lower(name)] = hmac;
    }
  }
  auto old = Current();
  Publish(std::move(next));
  for (const auto& l : old->devices) l.device->Close();
  return OkStatus();
}

void Broker::Reset() {
  std::lock_guard admin(admin_mu_);
  auto old = Current();
  Publish(std::make_shared<Snapshot>());
  for (const auto& l : old->devices) l.device->Close();
}

Status Broker::Enable(DeviceEntry entry) {
  entry.path = NormalizePath(entry.path);
  if (entry.path.empty()) return InvalidRequest("audit device path must not be empty");
  std::lock_guard admin(admin_mu_);
  auto cur = Current();
  for (const auto& l : cur->devices) {
    if (Overlaps(l.entry.path, entry.path)) {
      return InvalidRequest("path already in use: \"" + l.entry.path + "\"");
    }
  }
  std::string salt = crypto::RandomBytesString(kSaltSize);
  ARCA_ASSIGN_OR_RETURN(Live live, MakeLive(entry, salt, BuildMode::kEnable));
  std::vector<DeviceEntry> entries;
  for (const auto& l : cur->devices) entries.push_back(l.entry);
  entries.push_back(entry);
  Status st = storage_.Put(SaltKey(entry.path), salt);
  if (st) st = SaveTable(entries);
  if (!st) {
    (void)storage_.Delete(SaltKey(entry.path));
    live.device->Close();
    return st;
  }
  auto next = std::make_shared<Snapshot>(*cur);
  next->devices.push_back(std::move(live));
  Publish(std::move(next));
  return OkStatus();
}

Status Broker::Disable(std::string_view raw_path) {
  std::string path = NormalizePath(raw_path);
  std::lock_guard admin(admin_mu_);
  auto cur = Current();
  auto next = std::make_shared<Snapshot>();
  next->headers = cur->headers;
  std::shared_ptr<Device> removed;
  std::vector<DeviceEntry> entries;
  for (const auto& l : cur->devices) {
    if (l.entry.path == path) {
      removed = l.device;
    } else {
      next->devices.push_back(l);
      entries.push_back(l.entry);
    }
  }
  if (!removed) return OkStatus();
  ARCA_RETURN_IF_ERROR(SaveTable(entries));
  ARCA_RETURN_IF_ERROR(storage_.Delete(SaltKey(path)));
  Publish(std::move(next));
  removed->Close();
  return OkStatus();
}

std::vector<DeviceEntry> Broker::List() const {
  std::vector<DeviceEntry> out;
  for (const auto& l : Current()->devices) out.push_back(l.entry);
  return out;
}

Status Broker::Log(const LogInput& input, bool response) {
  if (!HasDevices()) return OkStatus();
  if (input.request == nullptr || (response && input.response == nullptr)) {
    return Internal("audit: incomplete log input");
  }
  auto snap = Current();
  if (snap->devices.empty()) return OkStatus();
  auto now = std::chrono::system_clock::now();
  std::vector<Device::Ticket> tickets;
  tickets.reserve(snap->devices.size());
  for (const auto& l : snap->devices) {
    std::string line = response ? l.formatter->FormatResponse(input, snap->headers, now)
                                : l.formatter->FormatRequest(input, snap->headers, now);
    tickets.push_back(l.device->Submit(std::move(line)));
  }
  size_t ok = 0;
  // Queued devices write on their own threads: announce the wait. Inline ones are done already.
  std::optional<BlockingScope> blocking;
  for (const auto& t : tickets) {
    if (t.ack.valid()) {
      blocking.emplace();
      break;
    }
  }
  for (size_t i = 0; i < tickets.size(); ++i) {
    Status st = snap->devices[i].device->Wait(tickets[i]);
    if (st) {
      ++ok;
    } else {
      static metrics::Counter& request_failures = metrics::Registry::Global().GetCounter(
          "audit.log_request_failure", "Audit device failures to log a request.");
      static metrics::Counter& response_failures = metrics::Registry::Global().GetCounter(
          "audit.log_response_failure", "Audit device failures to log a response.");
      (response ? response_failures : request_failures).Add();
      log::GetLogger("audit")->error("audit device {} failed to log the {}: {}",
                                     snap->devices[i].entry.path, response ? "response" : "request",
                                     st.error().message());
    }
  }
  if (ok == 0) {
    return Internal(response ? "no audit backend succeeded in logging the response"
                             : "no audit backend succeeded in logging the request");
  }
  return OkStatus();
}

Status Broker::LogRequest(const LogInput& input) { return Log(input, false); }
Status Broker::LogResponse(const LogInput& input) { return Log(input, true); }

Result<std::string> Broker::Hash(std::string_view raw_path, std::string_view input) const {
  std::string path = NormalizePath(raw_path);
  for (const auto& l : Current()->devices) {
    if (l.entry.path == path) return l.formatter->hasher().Hash(input);
  }
  return InvalidRequest("unknown audit backend \"" + path + "\"");
}

Status Broker::Reopen() {
  Status first = OkStatus();
  for (const auto& l : Current()->devices) {
    Status st = l.device->Reopen();
    if (!st && first) first = std::unexpected(st.error().WithContext(l.entry.path));
  }
  return first;
}

HeaderConfig Broker::AuditedHeaders() const { return Current()->headers; }

Status Broker::SetAuditedHeader(std::string_view name, bool hmac) {
  std::string key = Lower(name);
  if (key.empty()) return InvalidRequest("missing header name");
  std::lock_guard admin(admin_mu_);
  auto next = std::make_shared<Snapshot>(*Current());
  next->headers[key] = hmac;
  json::object o;
  for (const auto& [k, v] : next->headers) o[k] = json::object{{"hmac", v}};
  ARCA_RETURN_IF_ERROR(logical::PutJson(storage_, kHeadersKey, o));
  Publish(std::move(next));
  return OkStatus();
}

Status Broker::DeleteAuditedHeader(std::string_view name) {
  std::string key = Lower(name);
  if (key.empty()) return InvalidRequest("missing header name");
  std::lock_guard admin(admin_mu_);
  auto cur = Current();
  if (!cur->headers.contains(key)) return OkStatus();
  auto next = std::make_shared<Snapshot>(*cur);
  next->headers.erase(key);
  json::object o;
  for (const auto& [k, v] : next->headers) o[k] = json::object{{"hmac", v}};
  ARCA_RETURN_IF_ERROR(logical::PutJson(storage_, kHeadersKey, o));
  Publish(std::move(next));
  return OkStatus();
}

}  // namespace arca::audit
