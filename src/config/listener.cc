// Decoding of `listener` stanzas.
#include <arpa/inet.h>

#include <limits>

#include "config/decoders.h"
#include "config/key_table.h"
#include "hcl/blocks.h"

namespace arca::config {
namespace {

constexpr uint64_t kDefaultMaxRequestSize = 33554432;

// Accepts "10.0.0.0/8", "192.168.1.5", "::1", "fd00::/8".
bool ValidCidr(const std::string& s) {
  std::string addr = s;
  std::string prefix;
  if (size_t slash = s.find('/'); slash != std::string::npos) {
    addr = s.substr(0, slash);
    prefix = s.substr(slash + 1);
  }
  unsigned char buf[16];
  int max_bits;
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
    max_bits = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
    max_bits = 128;
  } else {
    return false;
  }
  if (s.find('/') == std::string::npos) return true;
  if (prefix.empty() || prefix.size() > 3) return false;
  int bits = 0;
  for (char c : prefix) {
    if (c < '0' || c > '9') return false;
    bits = bits * 10 + (c - '0');
  }
  return bits <= max_bits;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Status DecodeListenerTelemetry(const hcl::Entry& entry, ListenerConfig* l,
                               std::vector<std::string>* warnings) {
  KeyTable table("listener telemetry", warnings);
  table.On("unauthenticated_metrics_access", [&](const hcl::Entry& e) -> Status {
    ARCA_ASSIGN_OR_RETURN(l->unauthenticated_metrics_access, hcl::AsBool(*e.value, e.key));
    return OkStatus();
  });
  // The JSON form may wrap the block in a list.
  if (entry.value->kind == hcl::Kind::kList) {
    for (const hcl::NodePtr& item : entry.value->list) ARCA_RETURN_IF_ERROR(table.Run(*item));
    return OkStatus();
  }
  return table.Run(*entry.value);
}

Result<ListenerConfig> DecodeOne(const std::string& type, const hcl::Node& body, hcl::Position pos,
                                 std::vector<std::string>* warnings) {
  ListenerConfig l;
  l.line = pos.line;
  l.type = type;
  if (type == "unix") {
    return InvalidRequest(hcl::Where(body, pos) + ": listener type \"unix\" is not supported yet");
  }
  if (type != "tcp") {
    return InvalidRequest(hcl::Where(body, pos) + ": unknown listener type " + Quote(type) +
                          " (supported: tcp)");
  }
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
  const hcl::Entry* min_version = nullptr;
  const hcl::Entry* address = nullptr;

  KeyTable table("listener " + Quote(type), warnings);
  table
      .On("type", [](const hcl::Entry&) { return OkStatus(); })  // consumed by the caller
      .On("address",
          [&](const hcl::Entry& e) {
            address = &e;
            return str(&l.address)(e);
          })
      .On("cluster_address", str(&l.cluster_address))
      .On("tls_disable", boolean(&l.tls_disable))
      .On("tls_cert_file", str(&l.tls_cert_file))
      .On("tls_key_file", str(&l.tls_key_file))
      .On("tls_client_ca_file", str(&l.tls_client_ca_file))
      .On("tls_min_version",
          [&](const hcl::Entry& e) {
            min_version = &e;
            return str(&l.tls_min_version)(e);
          })
      .On("tls_require_and_verify_client_cert", boolean(&l.tls_require_and_verify_client_cert))
      .On("tls_disable_client_certs", boolean(&l.tls_disable_client_certs))
      .On("max_request_size",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(int64_t n, hcl::AsInt(*e.value, e.key));
            if (n < 0)
              l.max_request_size = std::numeric_limits<uint64_t>::max();
            else
              l.max_request_size = n == 0 ? kDefaultMaxRequestSize : static_cast<uint64_t>(n);
            return OkStatus();
          })
      .On("max_request_duration",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(l.max_request_duration, AsDuration(*e.value, e.key));
            if (l.max_request_duration.count() == 0) l.max_request_duration = Seconds(90);
            return OkStatus();
          })
      .On("http_read_timeout", duration(&l.http_read_timeout))
      .On("http_idle_timeout", duration(&l.http_idle_timeout))
      .On("x_forwarded_for_authorized_addrs",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(l.x_forwarded_for_authorized_addrs,
                                  hcl::AsStringList(*e.value, e.key));
            for (const std::string& a : l.x_forwarded_for_authorized_addrs) {
              if (!ValidCidr(a)) {
                return InvalidRequest(hcl::Where(*e.value) + ": " + e.key +
                                      ": invalid address or CIDR " + Quote(a));
              }
            }
            return OkStatus();
          })
      .On("telemetry",
          [&](const hcl::Entry& e) { return DecodeListenerTelemetry(e, &l, warnings); })
      .Ignore({"proxy_protocol_behavior", "proxy_protocol_authorized_addrs",
               "custom_response_headers", "http_read_header_timeout", "http_write_timeout",
               "profiling", "inflight_requests_logging", "agent_api", "role",
               "disable_request_limiter", "disable_replication_status_endpoints",
               "replication_status_endpoints", "socket_mode", "socket_user", "socket_group"})
      .Refuse({"tls_cipher_suites", "tls_prefer_server_cipher_suites", "tls_max_version",
               "tls_acme_*", "tls_alpn*"},
              "it changes how TLS is negotiated")
      .Refuse({"x_forwarded_for_hop_skips", "x_forwarded_for_reject_not_authorized",
               "x_forwarded_for_reject_not_present", "x_forwarded_for_client_cert_header",
               "x_forwarded_for_client_cert_header_decoders"},
              "it changes which client addresses and certificates are trusted")
      .Refuse({"redact_addresses", "redact_cluster_name", "redact_version"},
              "it hides information from unauthenticated clients")
      .Refuse({"require_request_header", "chroot_namespace", "disable_unauthed_rekey_endpoints",
               "disable_unauthed_generate_root_endpoints"},
              "it restricts what clients may do");
  ARCA_RETURN_IF_ERROR(table.Run(body));

  if (address && l.address.empty()) {
    return InvalidRequest(KeyWhere(*address) + ": address must not be empty");
  }
  if (l.tls_min_version != "tls10" && l.tls_min_version != "tls11" &&
      l.tls_min_version != "tls12" && l.tls_min_version != "tls13") {
    const hcl::Node& at = min_version ? *min_version->value : body;
    return InvalidRequest(hcl::Where(at) + ": tls_min_version: invalid value " +
                          Quote(l.tls_min_version) + " (expected tls10, tls11, tls12 or tls13)");
  }
  std::string where = hcl::Where(body, pos) + ": listener " + Quote(type) + ": ";
  if (!l.tls_disable && (l.tls_cert_file.empty() || l.tls_key_file.empty())) {
    return InvalidRequest(where +
                          "TLS is enabled but tls_cert_file and tls_key_file are not "
                          "both set (set tls_disable = true for plain HTTP)");
  }
  if (l.tls_require_and_verify_client_cert && l.tls_disable_client_certs) {
    return InvalidRequest(where +
                          "tls_require_and_verify_client_cert and "
                          "tls_disable_client_certs are mutually exclusive");
  }
  if (l.tls_require_and_verify_client_cert && l.tls_disable) {
    return InvalidRequest(where +
                          "tls_require_and_verify_client_cert needs TLS, but tls_disable "
                          "is set");
  }
  return l;
}

// `listener { type = "tcp" ... }`: the zero-label form Vault also accepts.
const hcl::Entry* TypeField(const hcl::Node& node) {
  if (node.kind != hcl::Kind::kObject) return nullptr;
  const hcl::Entry* t = node.Find("type");
  return t && t->value->kind == hcl::Kind::kString ? t : nullptr;
}

}  // namespace

Result<std::vector<ListenerConfig>> DecodeListeners(const hcl::Entry& entry,
                                                    std::vector<std::string>* warnings) {
  std::vector<hcl::NodePtr> candidates;
  if (entry.value->kind == hcl::Kind::kList)
    candidates = entry.value->list;
  else
    candidates.push_back(entry.value);

  std::vector<ListenerConfig> out;
  for (const hcl::NodePtr& node : candidates) {
    if (const hcl::Entry* t = TypeField(*node)) {
      ARCA_ASSIGN_OR_RETURN(ListenerConfig l,
                            DecodeOne(t->value->string_value, *node, entry.key_pos, warnings));
      out.push_back(std::move(l));
      continue;
    }
    hcl::Entry one{entry.key, entry.key_pos, node, entry.is_block};
    ARCA_ASSIGN_OR_RETURN(std::vector<hcl::Block> found, hcl::ExpandBlocks(one, 1));
    for (const hcl::Block& b : found) {
      ARCA_ASSIGN_OR_RETURN(ListenerConfig l, DecodeOne(b.labels[0], *b.body, b.pos, warnings));
      out.push_back(std::move(l));
    }
  }
  return out;
}

}  // namespace arca::config
