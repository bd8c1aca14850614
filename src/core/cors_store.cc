#include "core/cors_store.h"

#include <algorithm>

#include "common/json.h"

namespace arca::core {
namespace {

std::vector<std::string> WithDefaults(const std::vector<std::string>& headers) {
  std::vector<std::string> out = DefaultCorsHeaders();
  for (const auto& h : headers) {
    if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  }
  return out;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

void CorsStore::Publish(std::shared_ptr<const CorsConfig> c) {
  current_ = std::move(c);
  enabled_.store(current_ != nullptr, std::memory_order_release);
}

Status CorsStore::Load(logical::Storage& storage) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(storage, kCorsConfigPath));
  std::lock_guard lock(mu_);
  if (!v || !v->is_object()) {
    Publish(nullptr);
    return OkStatus();
  }
  const auto& o = v->as_object();
  auto strings = [&](const char* key) -> Result<std::vector<std::string>> {
    std::vector<std::string> out;
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return out;
    if (!it->value().is_array()) return Internal(std::string("corrupt CORS entry: ") + key);
    for (const auto& e : it->value().as_array()) {
      if (!e.is_string()) return Internal(std::string("corrupt CORS entry: ") + key);
      out.emplace_back(e.as_string());
    }
    return out;
  };
  auto en = o.find("enabled");
  if (en == o.end() || !en->value().is_bool() || !en->value().as_bool()) {
    Publish(nullptr);
    return OkStatus();
  }
  auto c = std::make_shared<CorsConfig>();
  c->enabled = true;
  ARCA_ASSIGN_OR_RETURN(c->allowed_origins, strings("allowed_origins"));
  ARCA_ASSIGN_OR_RETURN(auto headers, strings("allowed_headers"));
  c->allowed_headers = WithDefaults(headers);
  Publish(std::move(c));
  return OkStatus();
}

std::shared_ptr<const CorsConfig> CorsStore::Get() const {
  if (!enabled_.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard lock(mu_);
  return current_;
}

Status CorsStore::Enable(logical::Storage& storage, std::vector<std::string> origins,
                         std::vector<std::string> headers) {
  origins.erase(std::remove(origins.begin(), origins.end(), std::string()), origins.end());
  headers.erase(std::remove(headers.begin(), headers.end(), std::string()), headers.end());
  if (origins.empty()) return InvalidRequest("at least one origin or the wildcard must be provided");
  if (origins.size() > 1 && std::find(origins.begin(), origins.end(), "*") != origins.end()) {
    return InvalidRequest("to allow all origins the '*' must be the only value for allowed_origins");
  }
  for (const auto& h : headers) {
    if (h.find_first_of("\r\n,: ") != std::string::npos) {
      return InvalidRequest("invalid header name \"" + h + "\"");
    }
  }
  json::object o;
  o["enabled"] = true;
  o["allowed_origins"] = ToArray(origins);
  o["allowed_headers"] = ToArray(headers);
  std::lock_guard lock(mu_);
  ARCA_RETURN_IF_ERROR(logical::PutJson(storage, kCorsConfigPath, o));
  auto c = std::make_shared<CorsConfig>();
  c->enabled = true;
  c->allowed_origins = std::move(origins);
  c->allowed_headers = WithDefaults(headers);
  Publish(std::move(c));
  return OkStatus();
}

Status CorsStore::Disable(logical::Storage& storage) {
  std::lock_guard lock(mu_);
  ARCA_RETURN_IF_ERROR(storage.Delete(kCorsConfigPath));
  Publish(nullptr);
  return OkStatus();
}

}  // namespace arca::core
