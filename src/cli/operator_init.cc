// `arca operator init`.
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"
#include "cli/pgp_flags.h"

namespace arca::cli {
namespace {

json::array Strings(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : json::array();
}

}  // namespace

int RunOperatorInit(Ctx& ctx, const std::vector<std::string>& raw_args) {
  int shares = 5, threshold = 3, recovery_shares = 5, recovery_threshold = 3;
  bool status_only = false;
  std::vector<std::string> pgp_keys_flag, root_token_pgp_key_flag, recovery_pgp_keys_flag;
  ctx.flags.Int("key-shares", &shares, "Number of key shares to split the root key into.");
  ctx.flags.Int("key-threshold", &threshold, "Number of key shares required to unseal.");
  ctx.flags.Int("recovery-shares", &recovery_shares, "Recovery key shares (auto-unseal).");
  ctx.flags.Int("recovery-threshold", &recovery_threshold, "Recovery key threshold.");
  ctx.flags.StringList("pgp-keys", &pgp_keys_flag,
                       "Comma-separated list of paths to files on disk containing public PGP "
                       "keys, one per key share; the shares are returned encrypted and "
                       "base64-encoded in that order.");
  ctx.flags.StringList("root-token-pgp-key", &root_token_pgp_key_flag,
                       "Path to a file on disk containing a public PGP key; the root token is "
                       "returned encrypted and base64-encoded.");
  ctx.flags.StringList("recovery-pgp-keys", &recovery_pgp_keys_flag,
                       "Behaves like -pgp-keys, but for the recovery key shares (auto-unseal).");
  ctx.flags.Bool("status", &status_only, "Print the initialization status only.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  std::vector<std::string> pgp_keys, root_token_pgp_key, recovery_pgp_keys;
  if (!PgpKeysFlag(ctx, "pgp-keys", pgp_keys_flag, false, &pgp_keys) ||
      !PgpKeysFlag(ctx, "root-token-pgp-key", root_token_pgp_key_flag, true, &root_token_pgp_key) ||
      !PgpKeysFlag(ctx, "recovery-pgp-keys", recovery_pgp_keys_flag, false, &recovery_pgp_keys)) {
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;

  if (status_only) {
    auto r = client->Call("GET", "sys/init");
    if (!r) return ServerError(ctx, "Error checking init status", r.error());
    const json::value* init = r->if_contains("initialized");
    if (init && init->is_bool() && init->as_bool()) {
      ctx.out() << "Arca is initialized\n";
      return 0;
    }
    ctx.out() << "Arca is not initialized\n";
    return 2;
  }

  // As Vault's CLI: the seal decides which defaults apply (key shares for Shamir, recovery
  // shares for an auto seal); a flag of the other kind is sent only when given, so the server
  // refuses it by name.
  bool recovery_seal = false;
  {
    auto st = client->Call("GET", "sys/seal-status");
    if (!st) return ServerError(ctx, "Error getting seal status", st.error());
    const json::value* rs = st->if_contains("recovery_seal");
    recovery_seal = rs && rs->is_bool() && rs->as_bool();
  }
  json::object body;
  if (!recovery_seal || ctx.flags.IsSet("key-shares")) body["secret_shares"] = shares;
  if (!recovery_seal || ctx.flags.IsSet("key-threshold")) body["secret_threshold"] = threshold;
  auto to_array = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& k : v) a.emplace_back(k);
    return a;
  };
  if (!pgp_keys.empty()) body["pgp_keys"] = to_array(pgp_keys);
  if (!root_token_pgp_key.empty()) body["root_token_pgp_key"] = root_token_pgp_key[0];
  if (!recovery_pgp_keys.empty()) body["recovery_pgp_keys"] = to_array(recovery_pgp_keys);
  if (recovery_seal || ctx.flags.IsSet("recovery-shares")) body["recovery_shares"] = recovery_shares;
  if (recovery_seal || ctx.flags.IsSet("recovery-threshold")) {
    body["recovery_threshold"] = recovery_threshold;
  }

  auto r = client->Call("PUT", "sys/init", &body);
  if (!r) return ServerError(ctx, "Error initializing", r.error());
  const json::object& resp = *r;
  json::array keys_hex = Strings(resp, "keys");
  json::array keys_b64 = Strings(resp, "keys_base64");
  json::array rec_hex = Strings(resp, "recovery_keys");
  json::array rec_b64 = Strings(resp, "recovery_keys_base64");
  std::string root_token;
  if (const json::value* t = resp.if_contains("root_token"); t && t->is_string()) {
    root_token = std::string(t->as_string());
  }

  if (ctx.format() != "table") {
    json::object out;
    out["unseal_keys_b64"] = keys_b64;
    out["unseal_keys_hex"] = keys_hex;
    out["unseal_shares"] = keys_b64.empty() ? 0 : shares;
    out["unseal_threshold"] = keys_b64.empty() ? 0 : threshold;
    out["recovery_keys_b64"] = rec_b64;
    out["recovery_keys_hex"] = rec_hex;
    out["recovery_keys_shares"] = rec_b64.empty() ? 0 : recovery_shares;
    out["recovery_keys_threshold"] = rec_b64.empty() ? 0 : recovery_threshold;
    out["root_token"] = root_token;
    ctx.out() << (ctx.format() == "yaml" ? ToYaml(out) : GoJsonIndent(out));
    return 0;
  }

  std::ostream& o = ctx.out();
  for (size_t i = 0; i < keys_b64.size(); ++i) {
    o << "Unseal Key " << i + 1 << ": " << GoValue(keys_b64[i]) << "\n";
  }
  for (size_t i = 0; i < rec_b64.size(); ++i) {
    o << "Recovery Key " << i + 1 << ": " << GoValue(rec_b64[i]) << "\n";
  }
  o << "\nInitial Root Token: " << root_token << "\n";
  std::string t = std::to_string(threshold);
  if (!keys_hex.empty()) {
    o << "\n"
      << WrapAtLength("Arca initialized with " + std::to_string(shares) +
                      " key shares and a key threshold of " + t +
                      ". Please securely distribute the key shares printed above. When Arca is "
                      "re-sealed, restarted, or stopped, you must supply at least " +
                      t + " of these keys to unseal it before it can start servicing requests.")
      << "\n\n"
      << WrapAtLength("Arca does not store the generated root key. Without at least " + t +
                      " keys to reconstruct the root key, Arca will remain permanently sealed!")
      << "\n\n"
      << WrapAtLength(
             "It is possible to generate new unseal keys, provided you have a quorum of "
             "existing unseal keys shares. See \"arca operator rekey\" for more "
             "information.")
      << "\n";
  } else {
    o << "\nSuccess! Arca is initialized\n";
  }
  if (!rec_b64.empty()) {
    o << "\n"
      << WrapAtLength("Recovery key initialized with " + std::to_string(recovery_shares) +
                      " key shares and a key threshold of " + std::to_string(recovery_threshold) +
                      ". Please securely distribute the key shares printed above.")
      << "\n";
  }
  return 0;
}

}  // namespace arca::cli
