#include "config/config.h"

#include <algorithm>
#include <cctype>

#include "config/decoders.h"
#include "config/key_table.h"
#include "hcl/parser.h"

namespace arca::config {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Remembers the first stanza of a kind in one document to refuse a second one.
Status OnlyOnce(const hcl::Entry& e, const hcl::Entry** first, std::string_view what) {
  if (*first != nullptr) {
    return InvalidRequest(KeyWhere(e) + ": only one " + std::string(what) +
                          " stanza is allowed per file (the first is at line " +
                          std::to_string((*first)->key_pos.line) + ")");
  }
  *first = &e;
  return OkStatus();
}

// A positive duration with millisecond precision: "250ms", "1s", "1.5s", "2m", or a number of
// seconds.
Result<std::chrono::milliseconds> PositiveMillis(const hcl::Node& v, std::string_view key) {
  auto bad = [&] {
    return InvalidRequest(hcl::Where(v) + ": " + std::string(key) +
                          ": expected a positive duration such as \"500ms\" or \"2s\"");
  };
  double n = 0;
  std::string unit;
  if (auto i = hcl::AsInt(v, key); i) {
    n = static_cast<double>(*i);
    unit = "s";
  } else {
    ARCA_ASSIGN_OR_RETURN(std::string text, hcl::AsString(v, key));
    size_t pos = 0;
    while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) ||
                                 text[pos] == '.')) {
      ++pos;
    }
    if (pos == 0) return bad();
    try {
      size_t used = 0;
      n = std::stod(text.substr(0, pos), &used);
      if (used != pos) return bad();
    } catch (...) {
      return bad();
    }
    unit = text.substr(pos);
    if (unit.empty()) unit = "s";
  }
  double ms;
  if (unit == "ms") {
    ms = n;
  } else if (unit == "s") {
    ms = n * 1000;
  } else if (unit == "m") {
    ms = n * 60'000;
  } else if (unit == "h") {
    ms = n * 3'600'000;
  } else {
    return bad();
  }
  if (!(ms >= 1) || ms > 1e12) return bad();
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

}  // namespace

Status ApplyDocument(const hcl::Node& root, Config* c) {
  const hcl::Entry* storage_seen = nullptr;
  const hcl::Entry* ha_seen = nullptr;
  const hcl::Entry* seal_seen = nullptr;
  const hcl::Entry* disabled_seal_seen = nullptr;

  auto str = [](std::string* out) {
    return [out](const hcl::Entry& e) -> Status {
      ARCA_ASSIGN_OR_RETURN(*out, hcl::AsString(*e.value, e.key));
      return OkStatus();
    };
  };
  auto boolean = [](bool* out) {
    return [out](const hcl::Entry& e) -> Status {
      ARCA_ASSIGN_OR_RETURN(*out, hcl::AsBool(*e.value, e.key));
      return OkStatus();
    };
  };
  auto duration = [](Seconds* out) {
    return [out](const hcl::Entry& e) -> Status {
      ARCA_ASSIGN_OR_RETURN(*out, AsDuration(*e.value, e.key));
      return OkStatus();
    };
  };
  auto storage = [&](std::optional<StorageConfig>* out, const hcl::Entry** seen,
                     std::string_view name, std::string_view alias_of) {
    return [=](const hcl::Entry& e) -> Status {
      ARCA_RETURN_IF_ERROR(OnlyOnce(e, seen, name));
      if (!alias_of.empty()) {
        c->warnings.push_back(hcl::WhereLine(*e.value, e.key_pos) + ": \"" + e.key +
                              "\" is deprecated; use \"" + std::string(alias_of) + "\"");
      }
      ARCA_ASSIGN_OR_RETURN(*out, DecodeStorage(e));
      return OkStatus();
    };
  };

  KeyTable table("the top level", &c->warnings);
  table.On("storage", storage(&c->storage, &storage_seen, "storage", ""))
      .On("backend", storage(&c->storage, &storage_seen, "storage", "storage"))
      .On("ha_storage", storage(&c->ha_storage, &ha_seen, "ha_storage", ""))
      .On("ha_backend", storage(&c->ha_storage, &ha_seen, "ha_storage", "ha_storage"))
      .On("listener",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(std::vector<ListenerConfig> ls, DecodeListeners(e, &c->warnings));
            for (auto& l : ls) c->listeners.push_back(std::move(l));
            return OkStatus();
          })
      .On("seal",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(SealConfig s, DecodeSeal(e));
            // Two seal stanzas only for a seal migration: one of them disabled.
            if (s.disabled) {
              if (disabled_seal_seen != nullptr) {
                return InvalidRequest(KeyWhere(e) + ": only one seal stanza may be disabled "
                                      "(the first is at line " +
                                      std::to_string(disabled_seal_seen->key_pos.line) + ")");
              }
              disabled_seal_seen = &e;
              c->disabled_seal = std::move(s);
            } else {
              if (seal_seen != nullptr) {
                return InvalidRequest(KeyWhere(e) + ": only one seal stanza is allowed per file "
                                      "unless the other is disabled = \"true\" for a seal "
                                      "migration (the first is at line " +
                                      std::to_string(seal_seen->key_pos.line) + ")");
              }
              seal_seen = &e;
              c->seal = std::move(s);
            }
            return OkStatus();
          })
      .On("telemetry",
          [&](const hcl::Entry& e) { return DecodeTelemetry(e, &c->telemetry, &c->warnings); })
      .On("api_addr", str(&c->api_addr))
      .On("cluster_addr", str(&c->cluster_addr))
      .On("cluster_name", str(&c->cluster_name))
      .On("pid_file", str(&c->pid_file))
      .On("disable_mlock", boolean(&c->disable_mlock))
      .On("disable_core_dump_protection", boolean(&c->disable_core_dump_protection))
      .On("plugin_directory",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(c->plugin_directory, hcl::AsString(*e.value, e.key));
            c->warnings.push_back(hcl::WhereLine(*e.value, e.key_pos) +
                                  ": \"plugin_directory\" in the top level is not supported by "
                                  "Arca and was ignored (audit files may not be written there)");
            return OkStatus();
          })
      .On("ui", boolean(&c->ui))
      .On("raw_storage_endpoint", boolean(&c->raw_storage_endpoint))
      .On("disable_cache", boolean(&c->disable_cache))
      .On("disable_standby_reads", boolean(&c->disable_standby_reads))
      .On("standby_read_max_staleness",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(c->standby_read_max_staleness, PositiveMillis(*e.value, e.key));
            return OkStatus();
          })
      .On("cache_size",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(int64_t n, hcl::AsInt(*e.value, e.key));
            if (n < 0) {
              return InvalidRequest(hcl::Where(*e.value) + ": cache_size must not be negative");
            }
            c->cache_size = n;
            return OkStatus();
          })
      .On("log_level",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(std::string v, hcl::AsString(*e.value, e.key));
            v = Lower(v);
            if (v == "warning") v = "warn";
            if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error") {
              return InvalidRequest(hcl::Where(*e.value) + ": log_level: invalid value \"" + v +
                                    "\" (expected trace, debug, info, warn or error)");
            }
            c->log_level = v;
            return OkStatus();
          })
      .On("log_format",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(std::string v, hcl::AsString(*e.value, e.key));
            v = Lower(v);
            if (v != "standard" && v != "json") {
              return InvalidRequest(hcl::Where(*e.value) + ": log_format: invalid value \"" + v +
                                    "\" (expected standard or json)");
            }
            c->log_format = v;
            return OkStatus();
          })
      .On("default_lease_ttl", duration(&c->default_lease_ttl))
      .On("max_lease_ttl", duration(&c->max_lease_ttl))
      .Ignore({"plugin_file_uid", "plugin_file_permissions", "plugin_tmpdir",
               "service_registration", "enable_response_header_hostname",
               "enable_response_header_raft_node_id", "introspection_endpoint",
               "default_max_request_duration", "license_path", "user_lockout", "entropy",
               "disable_clustering", "disable_sealwrap", "disable_performance_standby",
               "disable_printable_check", "enable_ui", "log_file", "log_rotate_duration",
               "log_rotate_bytes", "log_rotate_max_files", "log_requests_level", "detect_deadlocks",
               "imprecise_lease_role_tracking", "experiments", "administrative_namespace_path",
               "cluster_cipher_suites", "disable_indexing", "enable_post_unseal_trace",
               "post_unseal_trace_directory", "sentinel", "replication", "kms_library", "hcp_link",
               "reporting", "disable_sentinel_trace",
               // OpenBao-only keys whose absence keeps Vault's (stricter or equal) behaviour.
               "initialize", "plugin", "unsafe_allow_api_audit_creation",
               "allow_audit_log_prefixing",
               "allow_unauthenticated_workflows"})
      .Refuse({"audit"}, "the declared audit devices would not record requests");
  return table.Run(root);
}

Status Validate(const Config& c) {
  if (c.default_lease_ttl > c.max_lease_ttl) {
    return InvalidRequest("default_lease_ttl (" + FormatShortDuration(c.default_lease_ttl) +
                          ") is greater than max_lease_ttl (" +
                          FormatShortDuration(c.max_lease_ttl) + ")");
  }
  return OkStatus();
}

Result<Config> Parse(std::string_view text, std::string_view filename) {
  ARCA_ASSIGN_OR_RETURN(hcl::NodePtr root, hcl::Parse(text, filename));
  Config c;
  ARCA_RETURN_IF_ERROR(ApplyDocument(*root, &c));
  ARCA_RETURN_IF_ERROR(Validate(c));
  return c;
}

}  // namespace arca::config
