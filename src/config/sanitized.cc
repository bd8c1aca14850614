// SanitizedJson: the parsed configuration without secrets (sys/config/state/sanitized).
#include "config/config.h"

namespace arca::config {

json::object SanitizedJson(const Config& c) {
  json::object o;
  o["api_addr"] = c.api_addr;
  o["cache_size"] = c.cache_size;
  o["cluster_addr"] = c.cluster_addr;
  o["cluster_name"] = c.cluster_name;
  o["default_lease_ttl"] = static_cast<int64_t>(c.default_lease_ttl.count());
  o["max_lease_ttl"] = static_cast<int64_t>(c.max_lease_ttl.count());
  o["disable_cache"] = c.disable_cache;
  o["disable_mlock"] = c.disable_mlock;
  o["disable_standby_reads"] = c.disable_standby_reads;
  o["standby_read_max_staleness"] =
      std::to_string(c.standby_read_max_staleness.count()) + "ms";
  o["enable_ui"] = c.ui;
  o["raw_storage_endpoint"] = c.raw_storage_endpoint;
  o["log_level"] = c.log_level;
  o["log_format"] = c.log_format;
  o["pid_file"] = c.pid_file;
  json::array listeners;
  for (const auto& l : c.listeners) {
    json::object cfg;
    cfg["address"] = l.address;
    cfg["tls_disable"] = l.tls_disable;
    cfg["tls_cert_file"] = l.tls_cert_file;
    cfg["tls_key_file"] = l.tls_key_file;
    cfg["tls_client_ca_file"] = l.tls_client_ca_file;
    cfg["tls_min_version"] = l.tls_min_version;
    cfg["tls_require_and_verify_client_cert"] = l.tls_require_and_verify_client_cert;
    cfg["tls_disable_client_certs"] = l.tls_disable_client_certs;
    cfg["max_request_size"] = l.max_request_size;
    cfg["max_request_duration"] = static_cast<int64_t>(l.max_request_duration.count());
    cfg["http_read_timeout"] = static_cast<int64_t>(l.http_read_timeout.count());
    cfg["http_idle_timeout"] = static_cast<int64_t>(l.http_idle_timeout.count());
    json::array xff;
    for (const auto& a : l.x_forwarded_for_authorized_addrs) xff.emplace_back(a);
    cfg["x_forwarded_for_authorized_addrs"] = std::move(xff);
    json::object t;
    t["unauthenticated_metrics_access"] = l.unauthenticated_metrics_access;
    cfg["telemetry"] = std::move(t);
    json::object entry;
    entry["type"] = l.type;
    entry["config"] = std::move(cfg);
    listeners.push_back(std::move(entry));
  }
  o["listeners"] = std::move(listeners);
  if (c.storage) {
    json::object st;
    st["type"] = c.storage->type;  // options (paths, connection strings) are left out
    o["storage"] = std::move(st);
  }
  if (c.ha_storage) {
    json::object st;
    st["type"] = c.ha_storage->type;
    o["ha_storage"] = std::move(st);
  }
  json::array seals;
  json::object seal;
  seal["type"] = c.seal ? c.seal->type : "shamir";
  seal["disabled"] = false;
  seals.push_back(std::move(seal));
  if (c.disabled_seal) {
    json::object old;
    old["type"] = c.disabled_seal->type;
    old["disabled"] = true;
    seals.push_back(std::move(old));
  }
  o["seals"] = std::move(seals);
  json::object tel;
  tel["prometheus_retention_time"] = static_cast<int64_t>(c.telemetry.prometheus_retention_time.count());
  tel["disable_hostname"] = c.telemetry.disable_hostname;
  tel["metrics_prefix"] = c.telemetry.metrics_prefix;
  o["telemetry"] = std::move(tel);
  return o;
}

}  // namespace arca::config
