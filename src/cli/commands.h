// The command table of the CLI and the commands it lists. Each command is a function
// (Ctx&, args after the command name) -> exit code, defined in its own file.
// Internal to cli/.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "cli/context.h"
#include "common/json.h"
#include "common/status.h"

namespace arca::cli {

using CommandFn = int (*)(Ctx& ctx, const std::vector<std::string>& args);

struct CommandSpec {
  std::string_view name;      // "read", "operator init", "kv get"
  std::string_view synopsis;  // one line for the command listing
  std::string_view usage;     // shown by -h and after usage errors
  CommandFn run;
};

// Every command, in listing order.
std::span<const CommandSpec> CommandTable();

// ---- Helpers shared by commands.

// Prints "<what>: <error message>" to stderr and returns 2.
int ServerError(Ctx& ctx, std::string_view what, const Error& error);
// Vault's sanitizePath (trim spaces and surrounding '/') and ensureTrailingSlash.
std::string SanitizePath(std::string_view path);
std::string EnsureTrailingSlash(std::string_view path);
// The seal-status table (and HA status from sys/leader) shared by status and operator unseal.
// Returns 0, or 1 when the leader status could not be read.
int OutputSealStatus(Ctx& ctx, api::Client& client, const json::object& seal_status);
// Turns the `data` of a secret response into query parameters (lists repeat the key).
api::QueryParams DataToQuery(const json::object& data);

// `s` without leading and trailing blanks (spaces, tabs, CR, LF).
std::string TrimSpace(std::string_view s);
// Validates the duration flag `name` (if set) and stores it in Go's form ("1h0m0s") in `out`;
// with omit_zero a zero duration leaves `out` empty (Vault omits zero durations in requests).
// Prints the flag error and returns false when it does not parse.
bool DurationFlag(Ctx& ctx, std::string_view name, const std::string& value, std::string& out,
                  bool omit_zero = false);

// Lists an API path and prints the keys (list, kv list).
int ListAndPrint(Ctx& ctx, api::Client& client, const std::string& path);

// ---- Commands.
int RunStatus(Ctx& ctx, const std::vector<std::string>& args);
int RunMonitor(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorUsage(Ctx& ctx, const std::vector<std::string>& args);
int RunDebug(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorDiagnose(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorMigrate(Ctx& ctx, const std::vector<std::string>& args);
int RunVersion(Ctx& ctx, const std::vector<std::string>& args);
int RunRead(Ctx& ctx, const std::vector<std::string>& args);
int RunWrite(Ctx& ctx, const std::vector<std::string>& args);
int RunDelete(Ctx& ctx, const std::vector<std::string>& args);
int RunList(Ctx& ctx, const std::vector<std::string>& args);
int RunPathHelp(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorInit(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorUnseal(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorSeal(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorKeyStatus(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorRotate(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorMembers(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorStepDown(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorRaftSnapshotSave(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorRaftSnapshotRestore(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorRekey(Ctx& ctx, const std::vector<std::string>& args);
int RunOperatorGenerateRoot(Ctx& ctx, const std::vector<std::string>& args);
int RunSecretsEnable(Ctx& ctx, const std::vector<std::string>& args);
int RunSecretsDisable(Ctx& ctx, const std::vector<std::string>& args);
int RunAuthEnable(Ctx& ctx, const std::vector<std::string>& args);
int RunAuthDisable(Ctx& ctx, const std::vector<std::string>& args);
int RunAuthList(Ctx& ctx, const std::vector<std::string>& args);
int RunAuthTune(Ctx& ctx, const std::vector<std::string>& args);
int RunAuditEnable(Ctx& ctx, const std::vector<std::string>& args);
int RunAuditDisable(Ctx& ctx, const std::vector<std::string>& args);
int RunAuditList(Ctx& ctx, const std::vector<std::string>& args);
int RunSecretsList(Ctx& ctx, const std::vector<std::string>& args);
int RunSecretsTune(Ctx& ctx, const std::vector<std::string>& args);
int RunKvGet(Ctx& ctx, const std::vector<std::string>& args);
int RunKvPut(Ctx& ctx, const std::vector<std::string>& args);
int RunKvEnableVersioning(Ctx& ctx, const std::vector<std::string>& args);
int RunKvDelete(Ctx& ctx, const std::vector<std::string>& args);
int RunKvList(Ctx& ctx, const std::vector<std::string>& args);
int RunKvPatch(Ctx& ctx, const std::vector<std::string>& args);
int RunKvUndelete(Ctx& ctx, const std::vector<std::string>& args);
int RunKvDestroy(Ctx& ctx, const std::vector<std::string>& args);
int RunKvRollback(Ctx& ctx, const std::vector<std::string>& args);
int RunKvMetadataGet(Ctx& ctx, const std::vector<std::string>& args);
int RunKvMetadataPut(Ctx& ctx, const std::vector<std::string>& args);
int RunKvMetadataPatch(Ctx& ctx, const std::vector<std::string>& args);
int RunKvMetadataDelete(Ctx& ctx, const std::vector<std::string>& args);
int RunPolicyList(Ctx& ctx, const std::vector<std::string>& args);
int RunPolicyRead(Ctx& ctx, const std::vector<std::string>& args);
int RunPolicyWrite(Ctx& ctx, const std::vector<std::string>& args);
int RunPolicyDelete(Ctx& ctx, const std::vector<std::string>& args);
int RunPolicyFmt(Ctx& ctx, const std::vector<std::string>& args);
int RunTokenCreate(Ctx& ctx, const std::vector<std::string>& args);
int RunTokenLookup(Ctx& ctx, const std::vector<std::string>& args);
int RunTokenRevoke(Ctx& ctx, const std::vector<std::string>& args);
int RunTokenRenew(Ctx& ctx, const std::vector<std::string>& args);
int RunLeaseLookup(Ctx& ctx, const std::vector<std::string>& args);
int RunLeaseRenew(Ctx& ctx, const std::vector<std::string>& args);
int RunLeaseRevoke(Ctx& ctx, const std::vector<std::string>& args);
int RunUnwrap(Ctx& ctx, const std::vector<std::string>& args);
int RunTokenCapabilities(Ctx& ctx, const std::vector<std::string>& args);
int RunLogin(Ctx& ctx, const std::vector<std::string>& args);
int RunPrintToken(Ctx& ctx, const std::vector<std::string>& args);
int RunSecretsMove(Ctx& ctx, const std::vector<std::string>& args);
int RunAuthMove(Ctx& ctx, const std::vector<std::string>& args);
int RunAuthHelp(Ctx& ctx, const std::vector<std::string>& args);
int RunPluginList(Ctx& ctx, const std::vector<std::string>& args);
int RunPluginInfo(Ctx& ctx, const std::vector<std::string>& args);
int RunVersionHistory(Ctx& ctx, const std::vector<std::string>& args);

}  // namespace arca::cli
