// Printing API results the way the vault CLI does (table / json / yaml, -field, warnings).
// A "secret" is the response envelope: {request_id, lease_id, lease_duration, renewable, data,
// warnings, auth, wrap_info, mount_type}.
//
// Every function returns the exit code to use (0 printed, 1 a local failure such as a missing
// -field). Thread-safety: one Ctx per thread.
#pragma once

#include <string>
#include <string_view>

#include "cli/context.h"
#include "common/json.h"

namespace arca::cli {

// Prints a secret: table (lease/refresh fields, auth fields, wrap info, sorted data; warnings to
// stderr first), json (the envelope in Vault's field order, data sorted) or yaml.
int OutputSecret(Ctx& ctx, const json::object& secret);
// Prints the `keys` of a list response: a Keys table (sorted), or the keys array as json/yaml.
int OutputList(Ctx& ctx, const json::object& secret);
// Prints a map as a Key/Value table (sorted; duration-looking keys humanised), or as json/yaml.
int OutputData(Ctx& ctx, const json::value& data);
// Prints WARNING! ... for the secret's warnings on stderr (table format only).
void PrintWarnings(Ctx& ctx, const json::object& secret);

// Vault's RawField: the value of `field` in a secret: auth fields (token, token_accessor,
// token_duration, token_renewable, token_policies, identity_policies, policies) when the secret
// has auth, wrapping fields when it has wrap_info, else lease_id, lease_duration, request_id,
// renewable, refresh_interval, then data[field]. Null when absent.
json::value RawField(const json::object& secret, std::string_view field);
// Prints a field raw (table format: Go %v without newline; other formats: rendered value).
// A missing field prints `Field "x" not present in secret` and returns 1.
int PrintRawField(Ctx& ctx, const json::value& value, std::string_view field);
// For a secret (RawField) or a plain map (map[field]).
int PrintSecretField(Ctx& ctx, const json::object& secret, std::string_view field);
int PrintMapField(Ctx& ctx, const json::object& map, std::string_view field);

// The secret envelope in the JSON shape of Vault's api.Secret (field order kept, maps sorted).
json::value SecretForJson(const json::object& secret);

// "== Title ==" header lines used by `kv get` (Vault's padEqualSigns / getHeaderForMap).
// The member `key` if it is an object; nullptr otherwise.
const json::object* GetObject(const json::object& o, std::string_view key);
// The member `key` as a table cell shows it (GoValue); "" when missing or null.
std::string CellText(const json::object& o, std::string_view key);
std::string PadEqualSigns(std::string_view header, size_t total_len);
std::string HeaderForMap(std::string_view header, const json::object& data);

}  // namespace arca::cli
