// Text renderings used by the CLI, reproducing the vault CLI byte for byte where it matters:
// Go's %v of decoded JSON, columnize tables, json.MarshalIndent and a YAML rendering.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace arca::cli {

// Go's fmt "%v" of a value decoded from JSON: null "<nil>", lists "[a b c]", maps
// "map[k:v k2:v2]" (keys sorted), numbers as written, strings raw.
std::string GoValue(const json::value& v);

// Go's "%q" of a list of strings: ["default" "root"].
std::string GoQuotedList(const json::value& v);

// Vault's looksLikeDuration: "period", "*_period", "ttl", "*_ttl", "*_timeout".
bool LooksLikeDuration(std::string_view key);
// Vault's humanDurationInt: integer seconds become "768h" / "1h30m" / "0s"; anything else is
// returned unchanged.
json::value HumanDurationValue(const json::value& v);
std::string HumanDuration(int64_t seconds);

// columnize: pads every column but the last to its widest cell and joins with 4 spaces;
// empty cells print as "n/a"; cells are trimmed; trailing spaces removed. Each row ends "\n".
std::string Columnize(const std::vector<std::vector<std::string>>& rows);
// Vault's tableOutput: like Columnize, with a row of dashes under the first (header) row.
std::string TableOutput(std::vector<std::vector<std::string>> rows);

// Go's json.MarshalIndent(v, "", "  ") plus a newline: object members keep their order (use
// SortKeysDeep first for Go maps), HTML characters escaped as \u003c, \u003e, \u0026.
std::string GoJsonIndent(const json::value& v);
// A copy with the members of every object sorted by key (Go marshals maps sorted).
json::value SortKeysDeep(const json::value& v);

// YAML as Vault prints it (sigs.k8s.io/yaml over the JSON): keys sorted, two-space indent,
// list items at their key's indentation, quoting where a plain scalar would change meaning.
std::string ToYaml(const json::value& v);

// Vault's wrapAtLength / wrapAtLengthWithPadding: word-wraps at 80 columns, prefixing every
// line with `pad` spaces.
std::string WrapAtLength(std::string_view text, size_t pad = 0);

}  // namespace arca::cli
