// Helpers shared by the key-holder commands (operator rekey, operator generate-root): reading a
// key share from the argument, stdin or a hidden prompt, and Vault's struct-ordered
// -format=json/yaml output. (PGP key files: cli/pgp_flags.h.) Internal to cli/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/context.h"
#include "common/json.h"
#include "common/status.h"

namespace arca::cli {

// The key share to submit. `arg` is the positional argument ("" when absent, "-" = all of
// stdin). Without an argument: a hidden prompt on a terminal (after `prompt_header`, e.g.
// "Rekey operation nonce: ...\n"; `label` is "Unseal" or "Recovery"), else one line of stdin.
// `*from_prompt` says whether the server's nonce may be used (prompt or piped line), as the
// vault CLI does. Prints the error and returns nullopt on failure.
std::optional<std::string> ReadKeyShare(Ctx& ctx, const std::string& arg,
                                        const std::string& prompt_header,
                                        std::string_view label, bool* from_prompt);

// The body of an update call ({"key", "nonce"}) for the operation whose status the server sent
// (`server_nonce`): the key share from ReadKeyShare, the nonce from -nonce (`nonce_flag`), else
// the server's when the key came from a prompt or a piped line. Prints Vault's error and returns
// nullopt when the key or the nonce is missing.
std::optional<json::object> KeyShareBody(Ctx& ctx, const std::string& arg,
                                         const std::string& prompt_header, std::string_view label,
                                         const std::string& nonce_flag,
                                         const std::string& server_nonce);

// Fields of a status response: the value, or "" / 0 / false when absent or of another type.
std::string Str(const json::object& o, std::string_view k);
int64_t Int(const json::object& o, std::string_view k);
bool Bool(const json::object& o, std::string_view k);

// Vault's OutputData of an API struct: json keeps the struct's field order (`ordered`), yaml
// sorts. Returns 0.
int OutputStruct(Ctx& ctx, const json::object& ordered);

// Vault's PrintRaw: the value, with a newline only when stdout is a terminal.
int PrintRaw(Ctx& ctx, std::string_view value);

}  // namespace arca::cli
