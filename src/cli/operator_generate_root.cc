// `arca operator generate-root`: Vault's flags, prompts and output against
// sys/generate-root/*; -generate-otp and -decode work as in Vault >= 1.10 (base62 OTP of the
// server's otp_length; token = base64-decoded encoded token XOR OTP).
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/key_holder.h"
#include "cli/output.h"
#include "cli/pgp_flags.h"
#include "common/encoding.h"
#include "crypto/random.h"

namespace arca::cli {
namespace {


// Vault's printStatus (table) or api.GenerateRootStatusResponse in field order.
int PrintStatus(Ctx& ctx, const json::object& s) {
  if (ctx.format() != "table") {
    return OutputStruct(ctx, {{"nonce", Str(s, "nonce")},
                              {"started", Bool(s, "started")},
                              {"progress", Int(s, "progress")},
                              {"required", Int(s, "required")},
                              {"complete", Bool(s, "complete")},
                              {"encoded_token", Str(s, "encoded_token")},
                              {"encoded_root_token", Str(s, "encoded_root_token")},
                              {"pgp_fingerprint", Str(s, "pgp_fingerprint")},
                              {"otp", Str(s, "otp")},
                              {"otp_length", Int(s, "otp_length")}});
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"Nonce", Str(s, "nonce")});
  rows.push_back({"Started", Bool(s, "started") ? "true" : "false"});
  rows.push_back({"Progress", std::to_string(Int(s, "progress")) + "/" +
                                  std::to_string(Int(s, "required"))});
  rows.push_back({"Complete", Bool(s, "complete") ? "true" : "false"});
  if (!Str(s, "pgp_fingerprint").empty()) {
    rows.push_back({"PGP Fingerprint", Str(s, "pgp_fingerprint")});
  }
  if (!Str(s, "encoded_token").empty()) {
    rows.push_back({"Encoded Token", Str(s, "encoded_token")});
  } else if (!Str(s, "encoded_root_token").empty()) {
    rows.push_back({"Encoded Root Token", Str(s, "encoded_root_token")});
  }
  if (!Str(s, "otp").empty()) {
    ctx.err() << WrapAtLength(
                     "A One-Time-Password has been generated for you and is shown in the OTP "
                     "field. You will need this value to decode the resulting root token, so "
                     "keep it safe.")
              << "\n" << std::flush;
    rows.push_back({"OTP", Str(s, "otp")});
  }
  if (Int(s, "otp_length") != 0) {
    rows.push_back({"OTP Length", std::to_string(Int(s, "otp_length"))});
  }
  ctx.out() << Columnize(rows);
  return 0;
}

Result<json::object> GetStatus(Ctx& ctx, api::Client& client) {
  auto r = client.Call("GET", "sys/generate-root/attempt");
  if (!r) {
    ServerError(ctx, "Error getting root generation status", r.error());
    return std::unexpected(r.error());
  }
  return *r;
}

int GenerateOtp(Ctx& ctx, api::Client& client) {
  auto status = GetStatus(ctx, client);
  if (!status) return 2;
  int64_t length = Int(*status, "otp_length");
  if (length <= 0) length = 28;  // Vault's TokenLength + TokenPrefixLength
  std::string otp = crypto::RandomBase62(static_cast<size_t>(length));
  if (ctx.format() == "table") return PrintRaw(ctx, otp);
  return OutputData(ctx, json::object{{"otp", otp}, {"otp_length", static_cast<int64_t>(otp.size())}});
}

int Decode(Ctx& ctx, api::Client& client, std::string encoded, const std::string& otp) {
  if (encoded.empty()) {
    ctx.err() << "Missing encoded value: use -decode=<string> to supply it\n";
    return 1;
  }
  if (otp.empty()) {
    ctx.err() << "Missing otp: use -otp to supply it\n";
    return 1;
  }
  if (encoded == "-") {
    encoded.assign(std::istreambuf_iterator<char>(ctx.in()), std::istreambuf_iterator<char>());
    if (encoded.empty()) {
      ctx.err() << "Missing encoded value. When using -decode=\"-\" value must be passed via "
                   "stdin.\n";
      return 1;
    }
  }
  auto status = GetStatus(ctx, client);
  if (!status) return 2;
  auto raw = Base64Decode(TrimSpace(encoded));
  if (!raw) {
    ctx.err() << "Error decoding root token: error decoding base64'd token: "
              << raw.error().message() << "\n";
    return 1;
  }
  if (raw->size() != otp.size()) {
    ctx.err() << "Error decoding root token: error xoring token: length of byte slices is not "
                 "equivalent: "
              << raw->size() << " != " << otp.size() << "\n";
    return 1;
  }
  std::string token(raw->size(), '\0');
  for (size_t i = 0; i < raw->size(); ++i) token[i] = static_cast<char>((*raw)[i] ^ otp[i]);
  if (ctx.format() == "table") return PrintRaw(ctx, token);
  return OutputData(ctx, json::object{{"token", token}});
}

int Provide(Ctx& ctx, api::Client& client, const std::string& arg,
            const std::string& nonce_flag) {
  auto status = GetStatus(ctx, client);
  if (!status) return 2;
  if (!Bool(*status, "started")) {
    ctx.err() << WrapAtLength(
                     "No root generation is in progress. Start a root generation by running "
                     "\"arca operator generate-root -init\".")
              << "\n"
              << WrapAtLength("If starting root generation using the OTP method and generating "
                              "your own OTP, the length of the OTP string needs to be " +
                              std::to_string(Int(*status, "otp_length")) +
                              " characters in length.")
              << "\n";
    return 1;
  }
  auto body = KeyShareBody(ctx, arg, "Operation nonce: " + Str(*status, "nonce") + "\n",
                           "Unseal", nonce_flag, Str(*status, "nonce"));
  if (!body) return 1;
  auto r = client.Call("PUT", "sys/generate-root/update", &*body);
  if (!r) return ServerError(ctx, "Error posting unseal key", r.error());
  return PrintStatus(ctx, *r);
}

}  // namespace

int RunOperatorGenerateRoot(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool init = false, cancel = false, status = false, generate_otp = false;
  bool dr_token = false, recovery_token = false;
  std::string decode, otp, nonce;
  std::vector<std::string> pgp_key_flag;
  ctx.flags.Bool("init", &init, "Start a root token generation.");
  ctx.flags.Bool("cancel", &cancel, "Reset the root token generation progress.");
  ctx.flags.Bool("status", &status, "Print the status of the current attempt.");
  ctx.flags.Bool("generate-otp", &generate_otp, "Generate and print an OTP for the token.");
  ctx.flags.String("decode", &decode, "Decode the encoded token with -otp (\"-\": stdin).");
  ctx.flags.String("otp", &otp, "OTP code to use with -decode or -init.");
  ctx.flags.StringList("pgp-key", &pgp_key_flag, "Path to a PGP public key file to encrypt the token with.");
  ctx.flags.String("nonce", &nonce, "Nonce value provided at initialization.");
  ctx.flags.Bool("dr-token", &dr_token, "Generate a DR operation token (not in Arca).");
  ctx.flags.Bool("recovery-token", &recovery_token, "Generate a recovery token (not in Arca).");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 1)) return 1;
  if (dr_token || recovery_token) {
    ctx.err() << "Arca has no DR replication or recovery mode: -dr-token and -recovery-token "
                 "are not accepted\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;

  if (generate_otp) return GenerateOtp(ctx, *client);
  if (!decode.empty()) return Decode(ctx, *client, decode, otp);
  if (cancel) {
    auto r = client->Call("DELETE", "sys/generate-root/attempt");
    if (!r) return ServerError(ctx, "Error canceling root token generation", r.error());
    ctx.out() << "Success! Root token generation canceled (if it was started)\n";
    return 0;
  }
  if (init) {
    if (!otp.empty() && !pgp_key_flag.empty()) {
      ctx.err() << "Error initializing: cannot specify both -otp and -pgp-key\n";
      return 1;
    }
    std::vector<std::string> keys;
    if (!PgpKeysFlag(ctx, "pgp-key", pgp_key_flag, true, &keys)) return 1;
    json::object body{{"otp", otp}, {"pgp_key", keys.empty() ? "" : keys[0]}};
    auto r = client->Call("PUT", "sys/generate-root/attempt", &body);
    if (!r) return ServerError(ctx, "Error initializing root generation", r.error());
    return PrintStatus(ctx, *r);
  }
  if (status) {
    auto r = GetStatus(ctx, *client);
    if (!r) return 2;
    return PrintStatus(ctx, *r);
  }
  return Provide(ctx, *client, args->empty() ? "" : (*args)[0], nonce);
}

}  // namespace arca::cli
