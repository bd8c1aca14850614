// `arca operator rekey`: Vault's flags, prompts and output layout (status tables, "Key N: ..."
// lines and the warnings), against sys/rekey/* or, with -target=recovery,
// sys/rekey-recovery-key/*.
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/key_holder.h"
#include "cli/output.h"
#include "cli/pgp_flags.h"

namespace arca::cli {
namespace {

struct Target {
  std::string base;         // "sys/rekey" or "sys/rekey-recovery-key"
  std::string backup_path;  // sys/rekey/backup or sys/rekey/recovery-key-backup
  std::string key_type;     // "Unseal" or "Recovery"
  bool recovery = false;
};

std::optional<Target> ParseTarget(Ctx& ctx, const std::string& flag) {
  std::string t = TrimSpace(flag);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "barrier") return Target{"sys/rekey", "sys/rekey/backup", "Unseal", false};
  if (t == "recovery" || t == "hsm") {
    return Target{"sys/rekey-recovery-key", "sys/rekey/recovery-key-backup", "Recovery", true};
  }
  ctx.err() << "Unknown target: " << flag << "\n";
  return std::nullopt;
}

json::value Strings(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_array() ? *v : json::value(nullptr);
}

// api.RekeyStatusResponse / api.RekeyVerificationStatusResponse in their field order.
json::object StatusStruct(const json::object& s) {
  return {{"nonce", Str(s, "nonce")},
          {"started", Bool(s, "started")},
          {"t", Int(s, "t")},
          {"n", Int(s, "n")},
          {"progress", Int(s, "progress")},
          {"required", Int(s, "required")},
          {"pgp_fingerprints", Strings(s, "pgp_fingerprints")},
          {"backup", Bool(s, "backup")},
          {"verification_required", Bool(s, "verification_required")},
          {"verification_nonce", Str(s, "verification_nonce")}};
}
json::object VerifyStatusStruct(const json::object& s) {
  return {{"nonce", Str(s, "nonce")},
          {"started", Bool(s, "started")},
          {"t", Int(s, "t")},
          {"n", Int(s, "n")},
          {"progress", Int(s, "progress")}};
}

std::string Frac(int64_t a, int64_t b) { return std::to_string(a) + "/" + std::to_string(b); }

// Vault's printRekeyStatus.
int PrintStatus(Ctx& ctx, const json::object& s, bool verify) {
  if (ctx.format() != "table") return OutputStruct(ctx, verify ? VerifyStatusStruct(s) : StatusStruct(s));
  std::vector<std::vector<std::string>> rows{{"Key", "Value"}};
  if (verify) {
    rows.push_back({"Started", Bool(s, "started") ? "true" : "false"});
    rows.push_back({"New Shares", std::to_string(Int(s, "n"))});
    rows.push_back({"New Threshold", std::to_string(Int(s, "t"))});
    rows.push_back({"Verification Nonce", Str(s, "nonce")});
    rows.push_back({"Verification Progress", Frac(Int(s, "progress"), Int(s, "t"))});
  } else {
    rows.push_back({"Nonce", Str(s, "nonce")});
    rows.push_back({"Started", Bool(s, "started") ? "true" : "false"});
    if (Bool(s, "started")) {
      std::string progress = Frac(Int(s, "progress"), Int(s, "required"));
      if (Int(s, "progress") == Int(s, "required")) progress += " (verification in progress)";
      rows.push_back({"Rekey Progress", progress});
      rows.push_back({"New Shares", std::to_string(Int(s, "n"))});
      rows.push_back({"New Threshold", std::to_string(Int(s, "t"))});
      rows.push_back({"Verification Required", Bool(s, "verification_required") ? "true" : "false"});
      if (!Str(s, "verification_nonce").empty()) {
        rows.push_back({"Verification Nonce", Str(s, "verification_nonce")});
      }
    }
    json::value fps = Strings(s, "pgp_fingerprints");
    if (fps.is_array() && !fps.as_array().empty()) {
      rows.push_back({"PGP Fingerprints", GoValue(fps)});
      rows.push_back({"Backup", Bool(s, "backup") ? "true" : "false"});
    }
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int Status(Ctx& ctx, api::Client& client, const Target& target, bool verify) {
  auto r = client.Call("GET", target.base + (verify ? "/verify" : "/init"));
  if (!r) return ServerError(ctx, "Error reading rekey status", r.error());
  return PrintStatus(ctx, *r, verify);
}

int Init(Ctx& ctx, api::Client& client, const Target& target, int shares, int threshold,
         const std::vector<std::string>& pgp_flags, bool backup, bool verify) {
  std::vector<std::string> keys;
  if (!PgpKeysFlag(ctx, "pgp-keys", pgp_flags, false, &keys)) return 1;
  json::array pgp_keys;
  for (auto& k : keys) pgp_keys.emplace_back(k);
  json::object body{{"secret_shares", shares},
                    {"secret_threshold", threshold},
                    {"pgp_keys", pgp_keys.empty() ? json::value(nullptr) : json::value(pgp_keys)},
                    {"backup", backup},
                    {"require_verification", verify}};
  auto r = client.Call("PUT", target.base + "/init", &body);
  if (!r) return ServerError(ctx, "Error initializing rekey", r.error());
  if (ctx.format() == "table") {
    std::string lower = target.key_type;
    lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
    if (Int(*r, "t") == 0 && Int(*r, "n") == 0) {
      ctx.out() << "\nRotating barrier root key using recovery shares.\n\n";
      return PrintStatus(ctx, *r, false);
    }
    if (pgp_keys.empty()) {
      ctx.err() << WrapAtLength(
                       "WARNING! If you lose the keys after they are returned, there is no "
                       "recovery. Consider canceling this operation and re-initializing with "
                       "the -pgp-keys flag to protect the returned " + lower +
                       " keys along with -backup to allow recovery of the encrypted keys in "
                       "case of emergency. You can delete the stored keys later using the "
                       "-delete flag.")
                << "\n";
      ctx.out() << "\n";
    } else if (!backup) {
      ctx.err() << WrapAtLength(
                       "WARNING! You are using PGP keys for encryption of resulting " + lower +
                       " keys, but you did not enable the option to backup the keys to Arca's "
                       "core. If you lose the encrypted keys after they are returned, you will "
                       "not be able to recover them. Consider canceling this operation and "
                       "re-running with -backup to allow recovery of the encrypted unseal keys "
                       "in case of emergency. You can delete the backed up keys later using "
                       "the -delete flag.")
                << "\n";
      ctx.out() << "\n";
    }
  }
  return PrintStatus(ctx, *r, false);
}

// The warnings after the new keys (Vault's printWarnings).
int PrintAfterKeys(Ctx& ctx, api::Client& client, const Target& target,
                   const json::object& status, const json::object& resp) {
  std::ostream& o = ctx.out();
  const json::value* keys = resp.if_contains("keys");
  if (!keys || !keys->is_array() || keys->as_array().empty()) {
    o << "\nBarrier root key rotated using recovery keys.\n";
    return 0;
  }
  if (!Str(resp, "nonce").empty()) o << "\nOperation nonce: " << Str(resp, "nonce") << "\n";
  json::value fps = Strings(resp, "pgp_fingerprints");
  if (fps.is_array() && !fps.as_array().empty() && Bool(resp, "backup")) {
    o << "\n";
    if (!target.recovery) {
      o << WrapAtLength(
               "The encrypted unseal keys are backed up to \"core/unseal-keys-backup\" in the "
               "storage backend. Remove these keys at any time using \"arca operator rekey "
               "-backup-delete\". Arca does not automatically remove these keys.")
        << "\n";
    } else {
      o << WrapAtLength(
               "The encrypted recovery keys are backed up to \"core/recovery-keys-backup\" in "
               "the storage backend. Remove these keys at any time using \"arca operator rekey "
               "-backup-delete -target=recovery\". Arca does not automatically remove these "
               "keys.")
        << "\n";
    }
  }
  const std::string n = std::to_string(Int(status, "n"));
  const std::string t = std::to_string(Int(status, "t"));
  if (Bool(status, "verification_required")) {
    o << "\n";
    std::string action;
    if (!target.recovery) {
      o << WrapAtLength("Arca has created a new unseal key, split into " + n +
                        " key shares and a key threshold of " + t +
                        ". These will not be active until after verification is complete. "
                        "Please securely distribute the key shares printed above. When Arca "
                        "is re-sealed, restarted, or stopped, you must supply at least " + t +
                        " of these keys to unseal it before it can start servicing requests.")
        << "\n";
      action = "unseal";
    } else {
      o << WrapAtLength("Arca has created a new recovery key, split into " + n +
                        " key shares and a key threshold of " + t +
                        ". These will not be active until after verification is complete. "
                        "Please securely distribute the key shares printed above.")
        << "\n";
      action = "authenticate with";
    }
    o << "\n" << std::flush;
    ctx.err() << WrapAtLength(
                     "Again, these key shares are _not_ valid until verification is performed. "
                     "Do not lose or discard your current key shares until after verification "
                     "is complete or you will be unable to " + action +
                     " Arca. If you cancel the rekey process or seal Arca before verification "
                     "is complete the new shares will be discarded and the current shares will "
                     "remain valid.")
              << "\n" << std::flush;
    o << "\n" << std::flush;
    ctx.err() << WrapAtLength(
                     "The current verification status, including initial nonce, is shown "
                     "below.")
              << "\n" << std::flush;
    o << "\n";
    return Status(ctx, client, target, true);
  }
  o << "\n";
  if (!target.recovery) {
    o << WrapAtLength("Arca unseal keys rekeyed to " + n + " key shares and a key threshold of " +
                      t + ". Please securely distribute the key shares printed above. When Arca "
                      "is re-sealed, restarted, or stopped, you must supply at least " + t +
                      " of these keys to unseal it before it can start servicing requests.")
      << "\n";
  } else {
    o << WrapAtLength("Arca recovery keys rekeyed to " + n +
                      " key shares and a key threshold of " + t +
                      ". Please securely distribute the key shares printed above.")
      << "\n";
  }
  return 0;
}

int Provide(Ctx& ctx, api::Client& client, const Target& target, bool verify,
            const std::string& arg, const std::string& nonce_flag) {
  const std::string status_path = target.base + (verify ? "/verify" : "/init");
  auto status = client.Call("GET", status_path);
  if (!status) return ServerError(ctx, "Error getting rekey status", status.error());
  if (!Bool(*status, "started")) {
    ctx.err() << WrapAtLength(
                     "No rekey is in progress. Start a rekey process by running \"arca "
                     "operator rekey -init\".")
              << "\n";
    return 1;
  }
  auto body = KeyShareBody(ctx, arg, "Rekey operation nonce: " + Str(*status, "nonce") + "\n",
                           target.key_type, nonce_flag, Str(*status, "nonce"));
  if (!body) return 1;
  auto r = client.Call("PUT", target.base + (verify ? "/verify" : "/update"), &*body);
  if (!r) return ServerError(ctx, "Error posting unseal key", r.error());
  if (!Bool(*r, "complete")) return Status(ctx, client, target, verify);
  if (verify) {
    ctx.out() << WrapAtLength(
                     "Rekey verification successful. The rekey operation is complete and the "
                     "new keys are now active.")
              << "\n";
    return 0;
  }
  if (ctx.format() != "table") {
    json::object out{{"nonce", Str(*r, "nonce")},
                     {"complete", true},
                     {"keys", Strings(*r, "keys")},
                     {"keys_base64", Strings(*r, "keys_base64")},
                     {"pgp_fingerprints", Strings(*r, "pgp_fingerprints")},
                     {"backup", Bool(*r, "backup")},
                     {"verification_required", Bool(*r, "verification_required")}};
    if (!Str(*r, "verification_nonce").empty()) {
      out["verification_nonce"] = Str(*r, "verification_nonce");
    }
    return OutputStruct(ctx, out);
  }
  ctx.out() << "\n";
  json::value hex = Strings(*r, "keys");
  json::value b64 = Strings(*r, "keys_base64");
  json::value fps = Strings(*r, "pgp_fingerprints");
  const size_t count = hex.is_array() ? hex.as_array().size() : 0;
  const bool have_b64 = b64.is_array() && b64.as_array().size() == count;
  for (size_t i = 0; i < count; ++i) {
    std::string value = GoValue(have_b64 ? b64.as_array()[i] : hex.as_array()[i]);
    if (fps.is_array() && i < fps.as_array().size()) {
      ctx.out() << "Key " << i + 1 << " fingerprint: " << GoValue(fps.as_array()[i])
                << "; value: " << value << "\n";
    } else {
      ctx.out() << "Key " << i + 1 << ": " << value << "\n";
    }
  }
  return PrintAfterKeys(ctx, client, target, *status, *r);
}

}  // namespace

int RunOperatorRekey(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool init = false, cancel = false, status = false, verify = false, backup = false;
  bool backup_delete = false, backup_retrieve = false;
  int shares = 5, threshold = 3;
  std::string nonce, target_flag = "barrier";
  std::vector<std::string> pgp_keys;
  ctx.flags.Bool("init", &init, "Initialize the rekeying operation.");
  ctx.flags.Bool("cancel", &cancel, "Reset the rekeying progress.");
  ctx.flags.Bool("status", &status, "Print the status of the current attempt.");
  ctx.flags.Int("key-shares", &shares, "Number of key shares to split the generated root key into.");
  ctx.flags.Int("n", &shares, "Alias of -key-shares.");
  ctx.flags.Int("key-threshold", &threshold, "Number of key shares required to reconstruct the root key.");
  ctx.flags.Int("t", &threshold, "Alias of -key-threshold.");
  ctx.flags.String("nonce", &nonce, "Nonce value provided at initialization.");
  ctx.flags.String("target", &target_flag, "Target for rekeying: barrier or recovery.");
  ctx.flags.Bool("verify", &verify, "The action affects verification of the current rekey.");
  ctx.flags.StringList("pgp-keys", &pgp_keys, "Comma-separated paths to PGP public key files.");
  ctx.flags.Bool("backup", &backup, "Store a backup of the PGP-encrypted keys in Arca's core.");
  ctx.flags.Bool("backup-delete", &backup_delete, "Delete any stored backup keys.");
  ctx.flags.Bool("backup-retrieve", &backup_retrieve, "Retrieve the backed-up keys.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 1)) return 1;
  auto target = ParseTarget(ctx, target_flag);
  if (!target) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;

  if (backup_delete) {
    auto r = client->Call("DELETE", target->backup_path);
    if (!r) return ServerError(ctx, "Error deleting rekey backed up keys", r.error());
    ctx.out() << "Success! Deleted backed up keys (if they existed)\n";
    return 0;
  }
  if (backup_retrieve) {
    auto r = client->Call("GET", target->backup_path);
    if (!r) return ServerError(ctx, "Error retrieving rekey backed up keys", r.error());
    const json::object* data = GetObject(*r, "data");
    json::object secret{{"data", json::object{{"nonce", data ? CellText(*data, "nonce") : ""},
                                              {"keys", data && data->contains("keys") ? data->at("keys") : json::value(nullptr)},
                                              {"keys_base64", data && data->contains("keys_base64") ? data->at("keys_base64") : json::value(nullptr)}}}};
    return OutputSecret(ctx, secret);
  }
  if (cancel) {
    auto r = client->Call("DELETE", target->base + (verify ? "/verify" : "/init"));
    if (!r) return ServerError(ctx, "Error canceling rekey", r.error());
    ctx.out() << "Success! Canceled rekeying (if it was started)\n";
    return 0;
  }
  if (init) return Init(ctx, *client, *target, shares, threshold, pgp_keys, backup, verify);
  if (status) return Status(ctx, *client, *target, verify);
  return Provide(ctx, *client, *target, verify, args->empty() ? "" : (*args)[0], nonce);
}

}  // namespace arca::cli
