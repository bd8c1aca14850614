// PGP key flags of the operator commands, read as Vault's CLI reads them: `-pgp-keys` and
// `-recovery-pgp-keys` (operator init; operator rekey uses the same) take comma-separated file
// paths, `-root-token-pgp-key` (and generate-root's `-pgp-key`) exactly one. A leading '@' is
// dropped from a path; a file holds an ASCII-armored, base64 or binary OpenPGP public key
// (pgp::KeyFileToBase64) and the request carries the base64 of the binary key.
// "keybase:<user>" is refused: Arca never contacts Keybase (docs/compat.md).
// Internal to cli/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/context.h"
#include "common/status.h"

namespace arca::cli {

// The keys named by one flag value ("a.asc,b.gpg"), in order.
Result<std::vector<std::string>> ReadPgpKeyFiles(std::string_view value);

// Reads the flag `name` (given at most once; with `single`, naming exactly one key) into
// `keys`. Nothing to do when the flag is absent. Prints Vault's flag error ("invalid value
// \"...\" for flag -NAME: ...") and returns false on failure.
bool PgpKeysFlag(Ctx& ctx, std::string_view name, const std::vector<std::string>& values,
                 bool single, std::vector<std::string>* keys);

}  // namespace arca::cli
