// Shell completion, as Vault's CLI offers it: `arca -autocomplete-install` adds
// `complete -C <arca> arca` to ~/.bashrc (and ~/.zshrc, with bashcompinit, when it exists);
// bash then runs arca with COMP_LINE/COMP_POINT set, and arca prints the candidate words.
// Internal to cli/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"

namespace arca::cli {

// When COMP_LINE is set (bash asks for completions), prints the candidates for the word under
// the cursor, one per line, and returns 0; otherwise nullopt. `extra`: top-level commands
// outside the table (server, agent).
std::optional<int> MaybeComplete(CliEnv& env, const std::vector<std::string>& extra);

// -autocomplete-install / -autocomplete-uninstall for the binary at `binary`.
int AutocompleteInstall(CliEnv& env, const std::string& binary, bool uninstall);

}  // namespace arca::cli
