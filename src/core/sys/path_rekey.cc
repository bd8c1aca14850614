// sys/rekey/{init,update,verify,backup} and sys/rekey/recovery-key-backup (Vault's unseal key
// rekey), sys/generate-root/{attempt,update} and sys/decode-token. The rekey and generate-root
// paths answer bare objects (Vault serves them outside the logical layer) and need no token;
// the backup paths and decode-token answer the usual envelope.
#include "common/encoding.h"
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

Response Bare(const json::object& o) {
  Response resp;
  resp.raw = logical::RawBody{200, "application/json", json::serialize(o)};
  return resp;
}

// Go's encoding of a []string: null when empty (nil), else the list.
json::value StringsOrNull(const std::vector<std::string>& v) {
  if (v.empty()) return nullptr;
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object RekeyStatusJson(const RekeyStatus& st) {
  json::object o;
  o["nonce"] = st.nonce;
  o["started"] = st.started;
  o["t"] = st.t;
  o["n"] = st.n;
  o["progress"] = st.progress;
  o["required"] = st.required;
  o["pgp_fingerprints"] = StringsOrNull(st.pgp_fingerprints);
  o["backup"] = st.backup;
  o["verification_required"] = st.verification_required;
  if (!st.verification_nonce.empty()) o["verification_nonce"] = st.verification_nonce;
  return o;
}

json::object RekeyVerifyStatusJson(const RekeyVerifyStatus& st) {
  json::object o;
  o["nonce"] = st.nonce;
  o["started"] = st.started;
  o["t"] = st.t;
  o["n"] = st.n;
  o["progress"] = st.progress;
  return o;
}

json::object GenerateRootJson(const GenerateRootStatus& st) {
  json::object o;
  o["nonce"] = st.nonce;
  o["started"] = st.started;
  o["progress"] = st.progress;
  o["required"] = st.required;
  o["complete"] = st.complete;
  o["encoded_token"] = st.encoded_token;
  o["encoded_root_token"] = st.encoded_token;  // the standard (root) strategy sets both
  o["pgp_fingerprint"] = st.pgp_fingerprint;
  o["otp"] = st.otp;
  o["otp_length"] = st.otp_length;
  return o;
}

fw::FieldSchema KeyField() {
  return Field(fw::FieldType::kString, "One key share (hex or base64).");
}
fw::FieldSchema NonceField() {
  return Field(fw::FieldType::kString, "The nonce of the operation.");
}

// `base` is "rekey" (unseal keys, or an auto seal's root key) or "rekey-recovery-key".
fw::Path RekeyInitPath(Core& core, const std::string& base) {
  const bool recovery = base == "rekey-recovery-key";
  fw::Path p;
  p.pattern = base + "/init";
  p.help_synopsis = "Reads, starts or cancels a rekey of the unseal keys.";
  p.fields["secret_shares"] = Field(fw::FieldType::kInt, "Number of new key shares.");
  p.fields["secret_threshold"] = Field(fw::FieldType::kInt, "Number of new key shares required to reconstruct the root key.");
  p.fields["pgp_keys"] = Field(fw::FieldType::kCommaStringSlice, "PGP public keys (base64) to encrypt the new key shares with.");
  p.fields["backup"] = Field(fw::FieldType::kBool, "Store the PGP-encrypted new key shares in storage.");
  p.fields["require_verification"] = Field(fw::FieldType::kBool, "Make the new key shares take effect only once a threshold of them is given to sys/rekey/verify.");
  p.operations[Operation::kRead] = {[&core, recovery](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(RekeyStatus st, core.GetRekeyStatus(recovery));
    return Bare(RekeyStatusJson(st));
  }, "Progress of the current rekey attempt."};
  p.operations[Operation::kUpdate] = {[&core, recovery](Request&, fw::FieldData& d) -> Result<Response> {
    RekeyParams params;
    params.secret_shares = static_cast<int>(d.GetInt("secret_shares"));
    params.secret_threshold = static_cast<int>(d.GetInt("secret_threshold"));
    params.pgp_keys = d.GetStringSlice("pgp_keys");
    params.backup = d.GetBool("backup");
    params.require_verification = d.GetBool("require_verification");
    ARCA_ASSIGN_OR_RETURN(RekeyStatus st, core.StartRekey(params, recovery));
    return Bare(RekeyStatusJson(st));
  }, "Starts a rekey."};
  p.operations[Operation::kDelete] = {[&core, recovery](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.CancelRekey(recovery));
    return Response();
  }, "Cancels the current rekey attempt."};
  return p;
}

fw::Path RekeyUpdatePath(Core& core, const std::string& base) {
  const bool recovery = base == "rekey-recovery-key";
  fw::Path p;
  p.pattern = base + "/update";
  p.help_synopsis = "Gives one current unseal key share to the rekey attempt.";
  p.fields["key"] = KeyField();
  p.fields["nonce"] = NonceField();
  p.operations[Operation::kUpdate] = {[&core, recovery](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::optional<RekeyResult> r,
                          core.RekeyUpdate(d.GetString("key"), d.GetString("nonce"), recovery));
    if (!r) {
      ARCA_ASSIGN_OR_RETURN(RekeyStatus st, core.GetRekeyStatus(recovery));
      return Bare(RekeyStatusJson(st));
    }
    json::object o;
    o["nonce"] = r->nonce;
    o["complete"] = true;
    o["keys"] = Strings(r->keys_hex);
    o["keys_base64"] = Strings(r->keys_base64);
    o["pgp_fingerprints"] = StringsOrNull(r->pgp_fingerprints);
    o["backup"] = r->backup;
    o["verification_required"] = r->verification_required;
    if (!r->verification_nonce.empty()) o["verification_nonce"] = r->verification_nonce;
    return Bare(o);
  }, "Submits a key share."};
  return p;
}

fw::Path RekeyVerifyPath(Core& core, const std::string& base) {
  const bool recovery = base == "rekey-recovery-key";
  fw::Path p;
  p.pattern = base + "/verify";
  p.help_synopsis = "Verifies the new unseal key shares of a rekey before they take effect.";
  p.fields["key"] = KeyField();
  p.fields["nonce"] = NonceField();
  p.operations[Operation::kRead] = {[&core, recovery](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(RekeyVerifyStatus st, core.GetRekeyVerifyStatus(recovery));
    return Bare(RekeyVerifyStatusJson(st));
  }, "Progress of the verification."};
  p.operations[Operation::kUpdate] = {[&core, recovery](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::optional<std::string> done,
                          core.RekeyVerify(d.GetString("key"), d.GetString("nonce"), recovery));
    if (!done) {
      ARCA_ASSIGN_OR_RETURN(RekeyVerifyStatus st, core.GetRekeyVerifyStatus(recovery));
      return Bare(RekeyVerifyStatusJson(st));
    }
    return Bare(json::object{{"nonce", *done}, {"complete", true}});
  }, "Submits a new key share."};
  p.operations[Operation::kDelete] = {[&core, recovery](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(RekeyVerifyStatus st, core.RestartRekeyVerify(recovery));
    return Bare(RekeyVerifyStatusJson(st));
  }, "Restarts the verification with a new nonce."};
  return p;
}

// Backups exist only for PGP-encrypted shares (pgp_keys with backup=true).
fw::Path RekeyBackupPath(Core& core, std::string pattern, bool recovery) {
  fw::Path p;
  p.pattern = std::move(pattern);
  p.help_synopsis = std::string("Reads or deletes the backup of PGP-encrypted ") +
                    (recovery ? "recovery keys." : "unseal keys.");
  p.operations[Operation::kRead] = {[&core, recovery](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::optional<json::object> backup, core.RekeyBackup(recovery));
    if (!backup) return InvalidRequest("no backed-up keys found");
    json::object keys, keys_b64;
    if (const json::value* k = backup->if_contains("keys"); k && k->is_object()) {
      keys = k->as_object();
      for (const auto& [fingerprint, list] : keys) {
        json::array b64;
        if (list.is_array()) {
          for (const auto& hex : list.as_array()) {
            auto raw = hex.is_string() ? HexDecode(hex.as_string()) : HexDecode("x");
            if (!raw) return Internal("error decoding hex-encoded backup key");
            b64.emplace_back(Base64Encode(*raw));
          }
        }
        keys_b64[fingerprint] = std::move(b64);
      }
    }
    json::value nonce = backup->contains("nonce") ? backup->at("nonce") : json::value("");
    return Response::WithData(
        json::object{{"nonce", nonce}, {"keys", std::move(keys)}, {"keys_base64", std::move(keys_b64)}});
  }, "Returns the backed-up keys."};
  p.operations[Operation::kDelete] = {[&core, recovery](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.DeleteRekeyBackup(recovery));
    return Response();
  }, "Deletes the backed-up keys."};
  return p;
}

fw::Path GenerateRootAttemptPath(Core& core) {
  fw::Path p;
  p.pattern = "generate-root/attempt";
  p.help_synopsis = "Reads, starts or cancels a root token generation.";
  p.fields["otp"] = Field(fw::FieldType::kString, "A base62 one-time password of otp_length characters to encode the token with.");
  p.fields["pgp_key"] = Field(fw::FieldType::kString, "A base64 PGP public key to encrypt the token with.");
  p.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(GenerateRootStatus st, core.GetGenerateRootStatus());
    return Bare(GenerateRootJson(st));
  }, "Progress of the current attempt."};
  p.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(GenerateRootStatus st,
                          core.StartGenerateRoot(d.GetString("otp"), d.GetString("pgp_key")));
    return Bare(GenerateRootJson(st));
  }, "Starts a root token generation."};
  p.operations[Operation::kDelete] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.CancelGenerateRoot());
    return Response();
  }, "Cancels the current attempt."};
  return p;
}

fw::Path GenerateRootUpdatePath(Core& core) {
  fw::Path p;
  p.pattern = "generate-root/update";
  p.help_synopsis = "Gives one unseal key share to the root token generation.";
  p.fields["key"] = KeyField();
  p.fields["nonce"] = NonceField();
  p.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(GenerateRootStatus st,
                          core.GenerateRootUpdate(d.GetString("key"), d.GetString("nonce")));
    return Bare(GenerateRootJson(st));
  }, "Submits a key share."};
  return p;
}

fw::Path DecodeTokenPath() {
  fw::Path p;
  p.pattern = "decode-token";
  p.help_synopsis = "Decodes an encoded root token with its one-time password.";
  p.fields["encoded_token"] = Field(fw::FieldType::kString, "The encoded token (from sys/generate-root).");
  p.fields["otp"] = Field(fw::FieldType::kString, "The one-time password it was encoded with.");
  p.operations[Operation::kUpdate] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::string token,
                          DecodeRootToken(d.GetString("encoded_token"), d.GetString("otp")));
    return Response::WithData(json::object{{"token", std::move(token)}});
  }, "Decodes the token."};
  return p;
}

}  // namespace

std::vector<fw::Path> RekeyPaths(Core& core) {
  std::vector<fw::Path> paths;
  for (const std::string base : {"rekey", "rekey-recovery-key"}) {
    paths.push_back(RekeyInitPath(core, base));
    paths.push_back(RekeyUpdatePath(core, base));
    paths.push_back(RekeyVerifyPath(core, base));
  }
  paths.push_back(RekeyBackupPath(core, "rekey/backup", false));
  paths.push_back(RekeyBackupPath(core, "rekey/recovery-key-backup", true));
  paths.push_back(GenerateRootAttemptPath(core));
  paths.push_back(GenerateRootUpdatePath(core));
  paths.push_back(DecodeTokenPath());
  return paths;
}

std::vector<std::string> RekeyUnauthenticatedPaths() {
  return {"rekey/init",
          "rekey/update",
          "rekey/verify",
          "rekey-recovery-key/init",
          "rekey-recovery-key/update",
          "rekey-recovery-key/verify",
          "generate-root/attempt",
          "generate-root/update",
          "decode-token"};
}

}  // namespace arca::core::sys
