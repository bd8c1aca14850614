#include "cli/commands.h"

#include "common/duration.h"

#include <ostream>

namespace arca::cli {

namespace {

constexpr CommandSpec kCommands[] = {
    {"read", "Read data and retrieves secrets",
     "Usage: arca read [options] PATH [KEY=VALUE ...]\n\n"
     "  Reads the data at PATH: a secret, a configuration, dynamic credentials.\n"
     "  KEY=VALUE pairs are sent as query parameters.\n\n"
     "  Read a secret from a KV version 1 mount:\n\n"
     "      $ arca read secret/my-app\n\n"
     "  Generate database credentials and print only the password:\n\n"
     "      $ arca read -field=password database/creds/readonly\n\n"
     "  A raw body (a PEM, sys/health) as the server sent it:\n\n"
     "      $ arca read -format=raw pki/ca/pem",
     RunRead},
    {"write", "Write data, configuration, and secrets",
     "Usage: arca write [options] PATH [DATA K=V...]\n\n"
     "  Writes data to PATH. Each K=V pair sets one field; K=@file reads the field\n"
     "  from a file, K=- from stdin. A lone @file (a JSON object or K=V words) or -\n"
     "  (stdin) gives the whole body.\n\n"
     "  Create a userpass user:\n\n"
     "      $ arca write auth/userpass/users/ana password=s3cret policies=dev\n\n"
     "  Send a JSON body from a file, or from stdin:\n\n"
     "      $ arca write sys/mounts/kv2 @mount.json\n"
     "      $ echo '{\"type\":\"kv\"}' | arca write sys/mounts/kv3 -",
     RunWrite},
    {"delete", "Delete secrets and configuration",
     "Usage: arca delete [options] PATH [K=V...]\n\n"
     "  Deletes what is at PATH. Deleting something that does not exist succeeds.\n\n"
     "      $ arca delete secret/my-app\n"
     "      $ arca delete transit/keys/old-key",
     RunDelete},
    {"list", "List data or secrets",
     "Usage: arca list [options] PATH\n\n"
     "  Lists the keys under PATH; a key ending in / has keys below it.\n\n"
     "      $ arca list secret/\n"
     "      $ arca list -detailed sys/policies/acl",
     RunList},
    {"status", "Print seal and HA status",
     "Usage: arca status [options]\n\n  Prints the seal status. Exit code 0 unsealed, 2 sealed, "
     "1 error."
     "\n"
     "\n      $ arca status"
     "\n      $ arca status -format=json",
     RunStatus},
    {"path-help", "Retrieve API help for paths",
     "Usage: arca path-help [options] PATH\n\n  Retrieves API help for the path."
     "\n\n      $ arca path-help secret/\n      $ arca path-help sys/mounts", RunPathHelp},
    {"version", "Prints the Arca CLI version", "Usage: arca version\n\n  Prints the version."
     "\n"
     "\n      $ arca version",
     RunVersion},
    {"kv get", "Retrieves data from the KV store",
     "Usage: arca kv get [options] KEY\n\n"
     "  Reads KEY from a KV mount (version 1 or 2). An unknown key is an error.\n\n"
     "      $ arca kv get -mount=secret my-app\n\n"
     "  An older version (KV version 2), or one field only:\n\n"
     "      $ arca kv get -mount=secret -version=1 my-app\n"
     "      $ arca kv get -mount=secret -field=password my-app",
     RunKvGet},
    {"kv put", "Sets or updates data in the KV store",
     "Usage: arca kv put [options] KEY [DATA]\n\n"
     "  Writes DATA (K=V pairs, @file, or - for stdin) as the new value of KEY,\n"
     "  replacing the old one (a new version on KV version 2).\n\n"
     "      $ arca kv put -mount=secret my-app user=ana password=s3cret\n\n"
     "  Only if the current version is 3 (check-and-set; -cas=0: only if KEY does not\n"
     "  exist yet):\n\n"
     "      $ arca kv put -mount=secret -cas=3 my-app password=n3w",
     RunKvPut},
    {"kv delete", "Deletes versions in the KV store",
     "Usage: arca kv delete [options] KEY\n\n"
     "  Deletes KEY. On KV version 2 this is a soft delete of the latest version\n"
     "  (or of -versions) that \"kv undelete\" reverses.\n\n"
     "      $ arca kv delete -mount=secret my-app\n"
     "      $ arca kv delete -mount=secret -versions=1,2 my-app",
     RunKvDelete},
    {"kv list", "List data or secrets",
     "Usage: arca kv list [options] PATH\n\n"
     "  Lists the keys under PATH in a KV mount.\n\n"
     "      $ arca kv list -mount=secret apps/",
     RunKvList},
    {"kv patch", "Sets or updates data in the KV store without overwriting",
     "Usage: arca kv patch [options] KEY [DATA]\n\n"
     "  Merges DATA into the latest version of KEY (KV version 2), keeping the other\n"
     "  fields. -method=rw reads and writes back instead of sending a PATCH.\n\n"
     "      $ arca kv patch -mount=secret my-app password=n3w\n"
     "      $ arca kv patch -mount=secret -remove-data=old_field my-app",
     RunKvPatch},
    {"kv enable-versioning", "Turns on versioning for a KV store",
     "Usage: arca kv enable-versioning [options] KEY\n\n  Turns on versioning for the K/V "
     "version 1 mount at KEY (upgrades it to version 2 in place)."
     "\n"
     "\n      $ arca kv enable-versioning secret/",
     RunKvEnableVersioning},
    {"kv undelete", "Undeletes versions in the KV store",
     "Usage: arca kv undelete [options] KEY\n\n  Undeletes the given versions of KEY "
     "(KV v2; -versions=1,2 required)."
     "\n"
     "\n      $ arca kv undelete -mount=secret -versions=2,3 my-app",
     RunKvUndelete},
    {"kv destroy", "Permanently removes one or more versions in the KV store",
     "Usage: arca kv destroy [options] KEY\n\n  Destroys the given versions of KEY "
     "(KV v2; -versions=1,2 required)."
     "\n"
     "\n      $ arca kv destroy -mount=secret -versions=1 my-app",
     RunKvDestroy},
    {"kv rollback", "Rolls back to a previous version of data",
     "Usage: arca kv rollback [options] KEY\n\n  Writes version -version=N of KEY back as the "
     "newest version (KV v2)."
     "\n"
     "\n      $ arca kv rollback -mount=secret -version=2 my-app",
     RunKvRollback},
    {"kv metadata get", "Retrieves key metadata from the KV store",
     "Usage: arca kv metadata get [options] KEY\n\n  Prints the metadata and versions of KEY "
     "(KV v2)."
     "\n"
     "\n      $ arca kv metadata get -mount=secret my-app",
     RunKvMetadataGet},
    {"kv metadata put", "Sets or updates key settings in the KV store",
     "Usage: arca kv metadata put [options] KEY\n\n  Sets -max-versions=N, -cas-required, "
     "-delete-version-after=D and -custom-metadata=k=v (repeatable) on KEY (KV v2)."
     "\n"
     "\n      $ arca kv metadata put -mount=secret -max-versions=5 my-app"
     "\n      $ arca kv metadata put -mount=secret -delete-version-after=720h my-app",
     RunKvMetadataPut},
    {"kv metadata patch", "Patches key settings in the KV store",
     "Usage: arca kv metadata patch [options] KEY\n\n  Changes only the given settings of KEY "
     "(KV v2): -max-versions=N, -cas-required, -delete-version-after=D, -custom-metadata=k=v and "
     "-remove-custom-metadata=k (both repeatable)."
     "\n"
     "\n      $ arca kv metadata patch -mount=secret -custom-metadata=owner=ops my-app",
     RunKvMetadataPatch},
    {"kv metadata delete", "Deletes all versions and metadata for a key in the KV store",
     "Usage: arca kv metadata delete [options] KEY\n\n  Deletes KEY with all its versions "
     "(KV v2)."
     "\n"
     "\n      $ arca kv metadata delete -mount=secret my-app",
     RunKvMetadataDelete},
    {"operator init", "Initializes a server",
     "Usage: arca operator init [options]\n\n  Initializes the server: -key-shares=5 "
     "-key-threshold=3, -status checks the state.\n\n  Encrypt the unseal keys (and the root "
     "token) with PGP public keys read from files:\n\n      $ arca operator init -key-shares=3 "
     "-key-threshold=2 \\\n          -pgp-keys=alice.asc,bob.asc,carol.asc "
     "-root-token-pgp-key=ops.asc",
     RunOperatorInit},
    {"operator unseal", "Unseals the server",
     "Usage: arca operator unseal [options] [KEY]\n\n  Provides one unseal key share; prompts "
     "when KEY is absent. -reset discards the progress."
     "\n"
     "\n      $ arca operator unseal"
     "\n      $ arca operator unseal -reset",
     RunOperatorUnseal},
    {"operator seal", "Seals the server",
     "Usage: arca operator seal [options]\n\n  Seals the server."
     "\n\n      $ arca operator seal", RunOperatorSeal},
    {"operator key-status", "Provides information about the active encryption key",
     "Usage: arca operator key-status [options]\n\n  Prints the active key term and install time."
     "\n"
     "\n      $ arca operator key-status",
     RunOperatorKeyStatus},
    {"operator members", "Returns the list of nodes in the cluster",
     "Usage: arca operator members [options]\n\n"
     "  Lists the nodes of an HA cluster (sys/ha-status): the active node and the\n"
     "  standbys it heard from lately, with their addresses, version and last echo.\n\n"
     "      $ arca operator members\n"
     "      $ arca operator members -format=json",
     RunOperatorMembers},
    {"operator step-down", "Forces the server to resign active duty",
     "Usage: arca operator step-down [options]\n\n"
     "  Forces the active node at the given address to step down (sys/step-down). It\n"
     "  waits before campaigning again; another node normally takes over at once, but\n"
     "  if none does, the same node may become active again.\n\n"
     "      $ arca operator step-down",
     RunOperatorStepDown},
    {"operator raft snapshot save", "Saves a snapshot of the storage",
     "Usage: arca operator raft snapshot save <snapshot_file>\n\n"
     "  Saves a snapshot of the server's storage (sys/storage/raft/snapshot) to a file:\n"
     "  every entry, encrypted as stored, at one point in time. Works on every storage\n"
     "  backend that supports snapshots (file, inmem, etcd, postgresql), not only Raft.\n\n"
     "      $ arca operator raft snapshot save raft.snap",
     RunOperatorRaftSnapshotSave},
    {"operator raft snapshot restore", "Installs the provided snapshot, returning the cluster "
     "to the state defined in it",
     "Usage: arca operator raft snapshot restore [options] <snapshot_file>\n\n"
     "  Installs the snapshot; everything in the storage is replaced by it. The snapshot\n"
     "  must have been taken with this cluster's keys unless -force is given; after a\n"
     "  forced restore from another cluster the server is sealed and opens with the\n"
     "  snapshot's unseal keys.\n\n"
     "      $ arca operator raft snapshot restore raft.snap\n\n"
     "Command Options:\n\n"
     "  -force\n"
     "      Installs the provided snapshot even when it was not taken with this\n"
     "      cluster's keys. The default is false.",
     RunOperatorRaftSnapshotRestore},
    {"operator rotate", "Rotates the underlying encryption key",
     "Usage: arca operator rotate [options]\n\n  Adds a new encryption key to the keyring."
     "\n"
     "\n      $ arca operator rotate",
     RunOperatorRotate},
    {"operator rekey", "Generates new unseal keys",
     "Usage: arca operator rekey [options] [KEY]\n\n  Generates a new set of unseal keys from a "
     "quorum of the current ones: -init (-key-shares, -key-threshold, -verify, -pgp-keys, "
     "-backup), then one KEY per call (\"-\" reads stdin; prompts when absent) with -nonce; "
     "-verify with the new keys when verification was required; -status, -cancel, "
     "-backup-retrieve, -backup-delete; -target=recovery for recovery keys."
     "\n"
     "\n      $ arca operator rekey -init -key-shares=3 -key-threshold=2 -verify"
     "\n      $ arca operator rekey -nonce=NONCE"
     "\n      $ arca operator rekey -verify -nonce=VERIFICATION_NONCE",
     RunOperatorRekey},
    {"operator generate-root", "Generates a new root token",
     "Usage: arca operator generate-root [options] [KEY]\n\n  Generates a new root token from a "
     "quorum of unseal keys: -init (with -otp, -pgp-key, or neither to get a generated OTP), "
     "then one KEY per call with -nonce; -decode=ENCODED -otp=OTP prints the token; "
     "-generate-otp, -status, -cancel."
     "\n"
     "\n      $ arca operator generate-root -init"
     "\n      $ arca operator generate-root -nonce=NONCE"
     "\n      $ arca operator generate-root -decode=ENCODED_TOKEN -otp=OTP",
     RunOperatorGenerateRoot},
    {"audit enable", "Enables an audit device",
     "Usage: arca audit enable [options] TYPE [CONFIG K=V...]\n\n"
     "  Enables an audit device of TYPE (file, syslog, socket) at -path (default: the\n"
     "  type) with its options. Once a device is enabled, a request that no device can\n"
     "  record is refused.\n\n"
     "      $ arca audit enable file file_path=/var/log/arca/audit.log\n"
     "      $ arca audit enable -path=remote socket address=10.0.0.5:9090",
     RunAuditEnable},
    {"audit disable", "Disables an audit device",
     "Usage: arca audit disable [options] PATH\n\n  Disables the audit device at PATH."
     "\n"
     "\n      $ arca audit disable file/",
     RunAuditDisable},
    {"audit list", "Lists enabled audit devices",
     "Usage: arca audit list [options]\n\n  Lists the enabled audit devices (-detailed adds "
     "options)."
     "\n"
     "\n      $ arca audit list -detailed",
     RunAuditList},
    {"auth enable", "Enables a new auth method",
     "Usage: arca auth enable [options] TYPE\n\n"
     "  Enables an auth method of TYPE at -path (default: the type).\n\n"
     "      $ arca auth enable userpass\n"
     "      $ arca auth enable -path=ci -description=\"CI jobs\" approle",
     RunAuthEnable},
    {"auth disable", "Disables an auth method",
     "Usage: arca auth disable [options] PATH\n\n  Disables the auth method at PATH; its "
     "tokens are revoked."
     "\n"
     "\n      $ arca auth disable userpass/",
     RunAuthDisable},
    {"auth list", "Lists enabled auth methods",
     "Usage: arca auth list [options]\n\n  Lists the enabled auth methods (-detailed)."
     "\n"
     "\n      $ arca auth list -detailed",
     RunAuthList},
    {"auth tune", "Tunes an auth method configuration",
     "Usage: arca auth tune [options] PATH\n\n  Tunes the auth method at PATH (TTLs, "
     "description, listing visibility)."
     "\n"
     "\n      $ arca auth tune -default-lease-ttl=30m -token-type=batch approle/",
     RunAuthTune},
    {"secrets enable", "Enable a secrets engine",
     "Usage: arca secrets enable [options] TYPE\n\n"
     "  Enables a secrets engine of TYPE at -path (default: the type).\n\n"
     "      $ arca secrets enable -path=kv -version=2 kv\n"
     "      $ arca secrets enable -default-lease-ttl=1h database",
     RunSecretsEnable},
    {"secrets disable", "Disable a secrets engine",
     "Usage: arca secrets disable [options] PATH\n\n  Disables the secrets engine at PATH."
     "\n"
     "\n      $ arca secrets disable kv/",
     RunSecretsDisable},
    {"secrets list", "List enabled secrets engines",
     "Usage: arca secrets list [options]\n\n  Lists the enabled secrets engines (-detailed)."
     "\n"
     "\n      $ arca secrets list -detailed",
     RunSecretsList},
    {"secrets tune", "Tune a secrets engine configuration",
     "Usage: arca secrets tune [options] PATH\n\n  Tunes the configuration of the secrets engine "
     "at PATH."
     "\n"
     "\n      $ arca secrets tune -max-lease-ttl=24h database/",
     RunSecretsTune},
    {"login", "Authenticate locally",
     "Usage: arca login [options] [TOKEN]\n\n"
     "  Authenticates with a token (read from stdin with -, prompted when absent), or\n"
     "  with an auth method (-method), and stores the token with the token helper\n"
     "  (~/.vault-token, or ~/.arca-token when it exists).\n\n"
     "      $ arca login\n"
     "      $ arca login -method=userpass username=ana\n"
     "      $ arca login -token-only -method=approle role_id=... secret_id=...",
     RunLogin},
    {"policy list", "Lists the installed policies",
     "Usage: arca policy list [options]\n\n  Lists the names of the ACL policies."
     "\n\n      $ arca policy list", RunPolicyList},
    {"policy read", "Prints the contents of a policy",
     "Usage: arca policy read [options] NAME\n\n  Prints the rules of the named policy."
     "\n"
     "\n      $ arca policy read app-read",
     RunPolicyRead},
    {"policy write", "Uploads a named policy from a file",
     "Usage: arca policy write [options] NAME PATH\n\n"
     "  Uploads the ACL policy in the file at PATH (- reads stdin) under NAME,\n"
     "  replacing a policy of that name.\n\n"
     "      $ arca policy write app-read ./app-read.hcl\n"
     "      $ echo 'path \"kv/*\" { capabilities = [\"read\"] }' | arca policy write ro -",
     RunPolicyWrite},
    {"policy fmt", "Formats a policy on disk",
     "Usage: arca policy fmt [options] PATH\n\n  Checks the HCL policy file at PATH and rewrites "
     "it in the canonical layout (indentation, spacing, aligned '=')."
     "\n"
     "\n      $ arca policy fmt app-read.hcl",
     RunPolicyFmt},
    {"policy delete", "Deletes a policy by name",
     "Usage: arca policy delete [options] NAME\n\n  Deletes the named policy."
     "\n\n      $ arca policy delete app-read", RunPolicyDelete},
    {"token create", "Create a new token",
     "Usage: arca token create [options]\n\n"
     "  Creates a token, by default a child of the token this command runs with.\n\n"
     "      $ arca token create -policy=app-read -ttl=1h\n"
     "      $ arca token create -orphan -period=24h -display-name=nightly-job\n"
     "      $ arca token create -role=ci -format=json",
     RunTokenCreate},
    {"token lookup", "Display information about a token",
     "Usage: arca token lookup [options] [TOKEN | ACCESSOR]\n\n"
     "  Shows a token's properties: its own (no argument), another one, or one known\n"
     "  by its accessor (-accessor).\n\n"
     "      $ arca token lookup\n"
     "      $ arca token lookup -accessor 8609694a-cdbc-db9b-d345-e782dbb562ed",
     RunTokenLookup},
    {"lease lookup", "Lookup lease information by lease id",
     "Usage: arca lease lookup [options] ID\n\n  Shows the lease's issue and expire time, TTL "
     "and whether it is renewable."
     "\n"
     "\n      $ arca lease lookup database/creds/readonly/2f6a614c",
     RunLeaseLookup},
    {"lease renew", "Renews the lease of a secret",
     "Usage: arca lease renew [options] ID\n\n"
     "  Extends the lease by -increment (default: the secret's own TTL), within its\n"
     "  maximum TTL.\n\n"
     "      $ arca lease renew -increment=2h database/creds/readonly/2f6a614c",
     RunLeaseRenew},
    {"lease revoke", "Revokes leases and secrets",
     "Usage: arca lease revoke [options] ID\n\n"
     "  Revokes the lease ID; -prefix revokes every lease under ID, -force (with\n"
     "  -prefix) drops them even when the backend fails to revoke, -sync waits for the\n"
     "  revocation.\n\n"
     "      $ arca lease revoke database/creds/readonly/2f6a614c\n"
     "      $ arca lease revoke -prefix -sync database/creds/readonly",
     RunLeaseRevoke},
    {"unwrap", "Unwraps a wrapped secret",
     "Usage: arca unwrap [options] [TOKEN]\n\n"
     "  Returns the response wrapped in TOKEN (or in the token this command runs\n"
     "  with). A wrapping token unwraps once.\n\n"
     "      $ arca unwrap hvs.CAES...\n"
     "      $ VAULT_TOKEN=hvs.CAES... arca unwrap",
     RunUnwrap},
    {"token renew", "Renew a token lease",
     "Usage: arca token renew [options] [TOKEN | ACCESSOR]\n\n  Renews the given token (or, "
     "without an argument, the one this command uses) by -increment (-i); -accessor renews by "
     "accessor."
     "\n"
     "\n      $ arca token renew"
     "\n      $ arca token renew -increment=1h hvs.TOKEN",
     RunTokenRenew},
    {"token revoke", "Revoke a token and its children",
     "Usage: arca token revoke [options] [TOKEN | ACCESSOR]\n\n  Revokes the token and its "
     "children (-self: the current token; -accessor; -mode=orphan)."
     "\n"
     "\n      $ arca token revoke hvs.TOKEN"
     "\n      $ arca token revoke -self"
     "\n      $ arca token revoke -mode=path auth/userpass/",
     RunTokenRevoke},
    {"secrets move", "Move a secrets engine to a new path",
     "Usage: arca secrets move [options] SOURCE DESTINATION\n\n  Moves the secrets engine at "
     "SOURCE to DESTINATION (sys/remount); its data and leases follow."
     "\n"
     "\n      $ arca secrets move secret/ team-a/",
     RunSecretsMove},
    {"auth move", "Move an auth method to a new path",
     "Usage: arca auth move [options] SOURCE DESTINATION\n\n  Moves the auth method at "
     "auth/SOURCE to auth/DESTINATION (sys/remount)."
     "\n"
     "\n      $ arca auth move approle/ ci-approle/",
     RunAuthMove},
    {"auth help", "Prints usage for an auth method",
     "Usage: arca auth help [options] TYPE | PATH\n\n  Prints how to log in with the auth method "
     "of that type, or the one enabled at that path."
     "\n"
     "\n      $ arca auth help userpass",
     RunAuthHelp},
    {"plugin list", "Lists available plugins",
     "Usage: arca plugin list [options] [TYPE]\n\n  Lists the plugins in the catalog (all built "
     "in), optionally only those of TYPE (auth, database, secret)."
     "\n"
     "\n      $ arca plugin list secret",
     RunPluginList},
    {"plugin info", "Read information about a plugin in the catalog",
     "Usage: arca plugin info [options] TYPE NAME\n\n  Prints the catalog entry of the plugin."
     "\n"
     "\n      $ arca plugin info secret kv",
     RunPluginInfo},
    {"version-history", "Prints the version history of the target Arca server",
     "Usage: arca version-history [options]\n\n  Prints the versions the server has run, with "
     "when each was first started."
     "\n"
     "\n      $ arca version-history",
     RunVersionHistory},
    {"monitor", "Stream log messages from an Arca server",
     "Usage: arca monitor [options]\n\n"
     "  Streams the server's log lines to stdout as they are written, at a level that\n"
     "  may be more detailed than the server's own, until the server ends the stream\n"
     "  or the command is interrupted. Lines are dropped when they come faster than\n"
     "  the client reads.\n\n"
     "      $ arca monitor -log-level=debug\n"
     "      $ arca monitor -log-format=json",
     RunMonitor},
    {"operator usage", "Lists historical client counts",
     "Usage: arca operator usage [options]\n\n"
     "  Prints the client count report (sys/internal/counters/activity): distinct\n"
     "  entities, non-entity tokens and active clients per namespace, and the total.\n\n"
     "      $ arca operator usage\n"
     "      $ arca operator usage -start-time=2026-01 -end-time=2026-01",
     RunOperatorUsage},
    {"debug", "Runs the debug command",
     "Usage: arca debug [options]\n\n"
     "  Probes the server at an interval for a duration and packs what it saw\n"
     "  (configuration, host information, metrics, server status, in-flight requests,\n"
     "  the log) into a .tar.gz in the layout of `vault debug`. Targets: config, host,\n"
     "  metrics, requests, server-status, log (default: all).\n\n"
     "      $ arca debug -duration=1m -output=arca-debug.tar.gz\n"
     "      $ arca debug -duration=10m -interval=1m -target=metrics -target=log",
     RunDebug},
    // Run by the arca binary itself (src/server/diagnose.cc: it needs the configuration and
    // storage code); listed here for help and completion.
    {"operator diagnose", "Troubleshoot problems starting Arca",
     "Usage: arca operator diagnose -config=<path> [-format=table|json]\n\n  Checks a server "
     "configuration without starting the server (see docs/troubleshooting.md)."
     "\n"
     "\n      $ arca operator diagnose -config=/etc/arca/arca.hcl",
     RunOperatorDiagnose},
    // Run by the arca binary itself (src/server/migrate.cc: it needs the storage backends).
    {"operator migrate", "Migrates Arca data between storage backends",
     "Usage: arca operator migrate -config=<path> [-start=<key>] [-max-parallel=10] [-reset]\n\n"
     "  Copies every entry of storage_source into storage_destination (an empty storage),\n"
     "  as stored: offline, without unsealing (see docs/migrate.md)."
     "\n"
     "\n      $ arca operator migrate -config=migrate.hcl",
     RunOperatorMigrate},
    {"print token", "Prints the token the CLI would use",
     "Usage: arca print token\n\n  Prints the value of the token the CLI uses: ARCA_TOKEN or "
     "VAULT_TOKEN, else the token helper (~/.arca-token, ~/.vault-token, or the token_helper "
     "program named in ~/.vault)."
     "\n"
     "\n      $ arca print token",
     RunPrintToken},
    {"token capabilities", "Print capabilities of a token on a path",
     "Usage: arca token capabilities [options] [TOKEN] PATH\n\n  Prints the capabilities of the "
     "token (default: the current one) on PATH."
     "\n"
     "\n      $ arca token capabilities secret/data/my-app"
     "\n      $ arca token capabilities hvs.TOKEN sys/mounts",
     RunTokenCapabilities},
};

}  // namespace

std::span<const CommandSpec> CommandTable() { return kCommands; }

int RunOperatorDiagnose(Ctx& ctx, const std::vector<std::string>&) {
  ctx.err() << "operator diagnose is run by the arca binary (this build of the CLI lacks the "
               "server code it needs)\n";
  return 1;
}

int RunOperatorMigrate(Ctx& ctx, const std::vector<std::string>&) {
  ctx.err() << "operator migrate is run by the arca binary (this build of the CLI lacks the "
               "storage code it needs)\n";
  return 1;
}

int ServerError(Ctx& ctx, std::string_view what, const Error& error) {
  ctx.err() << what << ": " << error.message() << "\n";
  return 2;
}

std::string TrimSpace(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

bool DurationFlag(Ctx& ctx, std::string_view name, const std::string& value, std::string& out,
                  bool omit_zero) {
  if (!ctx.flags.IsSet(name)) return true;
  auto d = ParseDuration(value);
  if (!d) {
    ctx.err() << "invalid value \"" << value << "\" for flag -" << name
              << ": parse error: " << d.error().message() << "\n";
    return false;
  }
  if (!omit_zero || d->count() != 0) out = FormatGoDuration(*d);
  return true;
}

std::string SanitizePath(std::string_view path) {
  size_t b = path.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  path = path.substr(b, path.find_last_not_of(" \t\r\n") - b + 1);
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  return std::string(path);
}

std::string EnsureTrailingSlash(std::string_view path) {
  std::string out(path);
  if (out.empty() || out.back() != '/') out += '/';
  return out;
}

api::QueryParams DataToQuery(const json::object& data) {
  api::QueryParams q;
  for (const auto& kv : data) {
    if (kv.value().is_array()) {
      for (const auto& v : kv.value().as_array()) {
        q.emplace_back(kv.key(), v.is_string() ? std::string(v.as_string()) : json::serialize(v));
      }
    } else if (kv.value().is_string()) {
      q.emplace_back(kv.key(), std::string(kv.value().as_string()));
    } else {
      q.emplace_back(kv.key(), json::serialize(kv.value()));
    }
  }
  return q;
}

}  // namespace arca::cli
