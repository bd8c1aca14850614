// The `arca` command-line client, modelled on the `vault` CLI: same commands, flags, output and
// exit codes (0 success, 1 local/usage error, 2 server error; 127 for an unknown command, as
// vault does).
//
// Thread-safety: Run() uses the process's streams and environment; RunCli() only what it is
// given, so tests can run it on any thread with their own CliEnv.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/context.h"

namespace arca::cli {

// Commands implemented elsewhere (`server`, `agent`): name -> handler(args after the name).
using ExtraCommands = std::map<std::string, std::function<int(std::vector<std::string>)>>;

// main(): dispatches argv[1..] with the process environment.
int Run(int argc, char** argv, const ExtraCommands& extra_commands);

// Dispatches `args` (without the program name) in `env`.
int RunCli(const std::vector<std::string>& args, CliEnv& env,
           const ExtraCommands& extra_commands = {});

}  // namespace arca::cli
