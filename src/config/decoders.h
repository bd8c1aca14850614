// Internal to the config module: decoders of the config stanzas. Each takes the entry of the
// stanza's key and appends its warnings to `warnings`.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "hcl/node.h"

namespace arca::config {

// `listener "tcp" { ... }` (or the JSON forms, or `listener { type = "tcp" ... }`): one entry
// may hold several listeners (a JSON list).
Result<std::vector<ListenerConfig>> DecodeListeners(const hcl::Entry& entry,
                                                    std::vector<std::string>* warnings);

// `storage "<type>" { ... }` and `ha_storage`/`backend`/`ha_backend`. `entry` must hold exactly
// one stanza.
Result<StorageConfig> DecodeStorage(const hcl::Entry& entry);

// `seal "<type>" { ... }`; exactly one stanza.
Result<SealConfig> DecodeSeal(const hcl::Entry& entry);

// `telemetry { ... }`, applied key by key on top of `telemetry`.
Status DecodeTelemetry(const hcl::Entry& entry, TelemetryConfig* telemetry,
                       std::vector<std::string>* warnings);

}  // namespace arca::config
