// Decoding of the `storage`, `ha_storage`, `seal` and `telemetry` stanzas.
#include <algorithm>
#include <array>
#include <cctype>

#include "config/decoders.h"
#include "config/key_table.h"
#include "hcl/blocks.h"

namespace arca::config {
namespace {

constexpr std::array<std::string_view, 5> kStorageTypes = {"inmem", "file", "lmdb", "etcd",
                                                           "postgresql"};
constexpr std::array<std::string_view, 5> kSealTypes = {"shamir", "static", "transit", "pkcs11",
                                                        "awskms"};

template <size_t N>
std::string JoinNames(const std::array<std::string_view, N>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Expands `entry` into exactly one stanza with one label (its type).
Result<hcl::Block> OneStanza(const hcl::Entry& entry) {
  ARCA_ASSIGN_OR_RETURN(std::vector<hcl::Block> blocks, hcl::ExpandBlocks(entry, 1));
  if (blocks.size() != 1) {
    return InvalidRequest(KeyWhere(entry) + ": \"" + entry.key + "\" must hold exactly one " +
                          "stanza, found " + std::to_string(blocks.size()));
  }
  return std::move(blocks[0]);
}

}  // namespace

Result<StorageConfig> DecodeStorage(const hcl::Entry& entry) {
  ARCA_ASSIGN_OR_RETURN(hcl::Block block, OneStanza(entry));
  const std::string& type = block.labels[0];
  if (std::find(kStorageTypes.begin(), kStorageTypes.end(), type) == kStorageTypes.end()) {
    return InvalidRequest(KeyWhere(entry) + ": " + entry.key + " type \"" + type +
                          "\" is not supported (supported: " + JoinNames(kStorageTypes) + ")");
  }
  StorageConfig out;
  out.type = type;
  out.line = entry.key_pos.line;
  ARCA_ASSIGN_OR_RETURN(out.options, FlattenOptions(*block.body, entry.key + " \"" + type + "\""));
  return out;
}

Result<SealConfig> DecodeSeal(const hcl::Entry& entry) {
  ARCA_ASSIGN_OR_RETURN(hcl::Block block, OneStanza(entry));
  const std::string& type = block.labels[0];
  if (std::find(kSealTypes.begin(), kSealTypes.end(), type) == kSealTypes.end()) {
    return InvalidRequest(KeyWhere(entry) + ": seal type \"" + type +
                          "\" is not supported (supported: " + JoinNames(kSealTypes) + ")");
  }
  SealConfig out;
  out.type = type;
  ARCA_ASSIGN_OR_RETURN(out.options, FlattenOptions(*block.body, "seal \"" + type + "\""));
  if (auto it = out.options.find("disabled"); it != out.options.end()) {
    const std::string& v = it->second;
    if (v == "true" || v == "1") {
      out.disabled = true;
    } else if (v != "false" && v != "0" && !v.empty()) {
      return InvalidRequest(KeyWhere(entry) + ": seal \"" + type +
                            "\": disabled must be \"true\" or \"false\", not \"" + v + "\"");
    }
    out.options.erase(it);
  }
  if (out.disabled && type == "shamir") {
    return InvalidRequest(KeyWhere(entry) + ": Shamir seals cannot be set disabled (they "
                          "should simply not be set)");
  }
  return out;
}

Status DecodeTelemetry(const hcl::Entry& entry, TelemetryConfig* telemetry,
                       std::vector<std::string>* warnings) {
  KeyTable table("telemetry", warnings);
  table
      .On("prometheus_retention_time",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(telemetry->prometheus_retention_time,
                                  AsDuration(*e.value, e.key));
            return OkStatus();
          })
      .On("disable_hostname",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(telemetry->disable_hostname, hcl::AsBool(*e.value, e.key));
            return OkStatus();
          })
      .On("metrics_prefix",
          [&](const hcl::Entry& e) -> Status {
            ARCA_ASSIGN_OR_RETURN(telemetry->metrics_prefix, hcl::AsString(*e.value, e.key));
            for (char c : telemetry->metrics_prefix) {
              if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
                return InvalidRequest(hcl::Where(*e.value) +
                                      ": metrics_prefix may only hold letters, digits and '_'");
              }
            }
            return OkStatus();
          })
      .Ignore({"usage_gauge_period", "maximum_gauge_cardinality", "enable_hostname_label",
               "lease_metrics_epsilon", "num_lease_metrics_buckets",
               "add_lease_metrics_namespace_labels", "add_mount_point_rollback_metrics",
               "filter_default", "prefix_filter", "statsite_address", "statsd_address",
               "dogstatsd_addr", "dogstatsd_tags", "circonus_*", "stackdriver_*"});
  // The JSON form may wrap the block in a list.
  if (entry.value->kind == hcl::Kind::kList) {
    for (const hcl::NodePtr& item : entry.value->list) ARCA_RETURN_IF_ERROR(table.Run(*item));
    return OkStatus();
  }
  return table.Run(*entry.value);
}

}  // namespace arca::config
