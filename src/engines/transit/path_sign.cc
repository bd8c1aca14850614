// sign/:name(/:algorithm), verify/:name(/:algorithm), hmac/:name(/:algorithm).
#include <charconv>

#include "engines/transit/internal.h"
#include "engines/transit/key_ops.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldMap;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::OptionalParamRegex;

// The hash algorithm: the URL suffix wins over hash_algorithm / algorithm.
std::string AlgorithmName(const FieldData& d, const char* field) {
  std::string url = d.GetString("urlalgorithm");
  if (!url.empty()) return url;
  if (d.Has(field)) return d.GetString(field);
  if (d.Has("algorithm")) return d.GetString("algorithm");
  return "sha2-256";
}

Result<SignOptions> SignOptionsFrom(const FieldData& d, KeyType type) {
  SignOptions o;
  const std::string hash = AlgorithmName(d, "hash_algorithm");
  if (hash == "none") {
    o.hash_none = true;
  } else {
    ARCA_ASSIGN_OR_RETURN(o.hash, crypto::ParseHashAlgorithm(hash));
  }
  o.prehashed = d.GetBool("prehashed");
  const std::string sig_alg = d.GetString("signature_algorithm");
  if (sig_alg.empty() || sig_alg == "pss") {
    o.pss = true;
  } else if (sig_alg == "pkcs1v15") {
    o.pss = false;
  } else {
    return InvalidRequest("unsupported signature algorithm: " + sig_alg);
  }
  const std::string marshal = d.GetString("marshaling_algorithm");
  if (marshal.empty() || marshal == "asn1") {
    o.jws = false;
  } else if (marshal == "jws") {
    o.jws = true;
  } else {
    return InvalidRequest("unsupported marshaling algorithm: " + marshal);
  }
  const std::string salt = d.GetString("salt_length");
  if (salt.empty() || salt == "auto") {
    o.salt_length = -2;
  } else if (salt == "hash") {
    o.salt_length = -1;
  } else {
    int n = 0;
    auto [ptr, ec] = std::from_chars(salt.data(), salt.data() + salt.size(), n);
    if (ec != std::errc() || ptr != salt.data() + salt.size() || n < 0) {
      return InvalidRequest("invalid salt_length: " + salt);
    }
    o.salt_length = n;
  }
  if (!IsRsa(type) && (!sig_alg.empty() || d.Has("salt_length")) && IsAsymmetric(type)) {
    // Vault ignores RSA-only options for other key types.
    o.pss = true;
    o.salt_length = -2;
  }
  return o;
}

json::object SingleInput(const FieldData& d) {
  json::object o;
  for (const char* f : {"input", "context", "signature", "hmac", "reference"}) {
    const json::value& v = d.Get(f);
    if (v.is_string() && !v.as_string().empty()) o[f] = v;
  }
  return o;
}

using ItemFn = std::function<Result<json::object>(const json::object&)>;

Result<Response> RunItems(const FieldData& d, const ItemFn& fn) {
  ARCA_ASSIGN_OR_RETURN(auto batch, BatchInput(d));
  if (!batch) {
    ARCA_ASSIGN_OR_RETURN(json::object out, fn(SingleInput(d)));
    return Response::WithData(std::move(out));
  }
  json::array results;
  size_t errors = 0;
  for (const json::object& item : *batch) {
    auto r = fn(item);
    json::object out;
    if (r) {
      out = std::move(*r);
    } else {
      ++errors;
      out["error"] = r.error().message();
    }
    const json::value* ref = item.if_contains("reference");
    out["reference"] = ref != nullptr && ref->is_string() ? ref->as_string() : json::string();
    results.push_back(std::move(out));
  }
  return BatchResponse(std::move(results), errors, d.GetInt("partial_failure_response_code"));
}

Result<std::string> DecodedInput(const json::object& item) {
  ARCA_ASSIGN_OR_RETURN(std::string b64, ItemString(item, "input"));
  return DecodeBase64Field(b64, "input");
}

Result<Response> HandleSign(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.RequireKey(req, d.GetString("name")));
  if (!SupportsSigning(p->type)) {
    return InvalidRequest("key type " + std::string(KeyTypeName(p->type)) +
                          " does not support signing");
  }
  ARCA_ASSIGN_OR_RETURN(SignOptions opts, SignOptionsFrom(d, p->type));
  const int64_t version = d.GetInt("key_version");
  return RunItems(d, [&](const json::object& item) -> Result<json::object> {
    ARCA_ASSIGN_OR_RETURN(std::string input, DecodedInput(item));
    ARCA_ASSIGN_OR_RETURN(std::string ctx_b64, ItemString(item, "context"));
    ARCA_ASSIGN_OR_RETURN(std::string ctx, DecodeBase64Field(ctx_b64, "context"));
    int64_t used = 0;
    ARCA_ASSIGN_OR_RETURN(std::string sig, SignValue(*p, input, ctx, opts, version, &used));
    json::object out;
    out["signature"] = std::move(sig);
    out["key_version"] = used;
    return out;
  });
}

Result<Response> HandleVerify(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.RequireKey(req, d.GetString("name")));
  ARCA_ASSIGN_OR_RETURN(SignOptions opts, SignOptionsFrom(d, p->type));
  ARCA_ASSIGN_OR_RETURN(
      crypto::HashAlgorithm hmac_alg,
      crypto::ParseHashAlgorithm(opts.hash_none ? "sha2-256" : AlgorithmName(d, "hash_algorithm")));
  return RunItems(d, [&](const json::object& item) -> Result<json::object> {
    ARCA_ASSIGN_OR_RETURN(std::string input, DecodedInput(item));
    ARCA_ASSIGN_OR_RETURN(std::string sig, ItemString(item, "signature"));
    ARCA_ASSIGN_OR_RETURN(std::string hmac, ItemString(item, "hmac"));
    if (!sig.empty() && !hmac.empty()) {
      return InvalidRequest("provide one of 'signature' or 'hmac', not both");
    }
    bool valid = false;
    if (!hmac.empty()) {
      ARCA_ASSIGN_OR_RETURN(valid, VerifyHmacValue(*p, hmac_alg, input, hmac));
    } else if (!sig.empty()) {
      ARCA_ASSIGN_OR_RETURN(std::string ctx_b64, ItemString(item, "context"));
      ARCA_ASSIGN_OR_RETURN(std::string ctx, DecodeBase64Field(ctx_b64, "context"));
      ARCA_ASSIGN_OR_RETURN(valid, VerifySignatureValue(*p, input, sig, ctx, opts));
    } else {
      return InvalidRequest("missing 'signature' or 'hmac' to verify");
    }
    json::object out;
    out["valid"] = valid;
    return out;
  });
}

Result<Response> HandleHmac(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.RequireKey(req, d.GetString("name")));
  ARCA_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                        crypto::ParseHashAlgorithm(AlgorithmName(d, "algorithm")));
  const int64_t version = d.GetInt("key_version");
  return RunItems(d, [&](const json::object& item) -> Result<json::object> {
    ARCA_ASSIGN_OR_RETURN(std::string input, DecodedInput(item));
    int64_t used = 0;
    ARCA_ASSIGN_OR_RETURN(std::string mac, HmacValue(*p, alg, input, version, &used));
    json::object out;
    out["hmac"] = std::move(mac);
    out["key_version"] = used;
    return out;
  });
}

FieldMap SignFields() {
  FieldMap f;
  f["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  f["urlalgorithm"] = {.type = FieldType::kString, .description = "Hash algorithm (URL form)."};
  f["input"] = {.type = FieldType::kString, .description = "Base64 input."};
  f["context"] = {.type = FieldType::kString, .description = "Base64 context (derived keys)."};
  f["key_version"] = {.type = FieldType::kInt, .description = "Key version (0 = latest)."};
  f["hash_algorithm"] = {.type = FieldType::kString, .description = "Hash algorithm."};
  f["algorithm"] = {.type = FieldType::kString, .description = "Deprecated alias."};
  f["prehashed"] = {.type = FieldType::kBool, .description = "Input is already hashed."};
  f["signature_algorithm"] = {.type = FieldType::kString, .description = "RSA: pss or pkcs1v15."};
  f["marshaling_algorithm"] = {.type = FieldType::kString, .description = "ECDSA: asn1 or jws."};
  f["salt_length"] = {.type = FieldType::kString, .description = "RSA-PSS: auto, hash or bytes."};
  f["reference"] = {.type = FieldType::kString, .description = "Echoed in batch results."};
  f["partial_failure_response_code"] = {.type = FieldType::kInt, .description = "Batch status."};
  return f;
}

}  // namespace

std::vector<Path> SignPaths(const StatePtr& st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  std::vector<Path> paths;

  Path sign;
  sign.pattern = "sign/" + GenericNameRegex("name") + OptionalParamRegex("urlalgorithm");
  sign.fields = SignFields();
  sign.takes_arbitrary_input = true;
  sign.operations[Operation::kUpdate] = {bind(HandleSign), "Sign input with a named key."};
  sign.help_synopsis = "Generate a signature for input data.";
  paths.push_back(std::move(sign));

  Path verify;
  verify.pattern = "verify/" + GenericNameRegex("name") + OptionalParamRegex("urlalgorithm");
  verify.fields = SignFields();
  verify.fields["signature"] = {.type = FieldType::kString, .description = "Signature."};
  verify.fields["hmac"] = {.type = FieldType::kString, .description = "HMAC."};
  verify.takes_arbitrary_input = true;
  verify.operations[Operation::kUpdate] = {bind(HandleVerify), "Verify a signature or HMAC."};
  verify.help_synopsis = "Verify a signature or HMAC for input data.";
  paths.push_back(std::move(verify));

  Path hmac;
  hmac.pattern = "hmac/" + GenericNameRegex("name") + OptionalParamRegex("urlalgorithm");
  hmac.fields["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  hmac.fields["urlalgorithm"] = {.type = FieldType::kString, .description = "Hash algorithm."};
  hmac.fields["algorithm"] = {.type = FieldType::kString, .description = "Hash algorithm."};
  hmac.fields["input"] = {.type = FieldType::kString, .description = "Base64 input."};
  hmac.fields["key_version"] = {.type = FieldType::kInt, .description = "Key version."};
  hmac.fields["reference"] = {.type = FieldType::kString, .description = "Echoed in batches."};
  hmac.fields["partial_failure_response_code"] = {.type = FieldType::kInt,
                                                  .description = "Batch status."};
  hmac.takes_arbitrary_input = true;
  hmac.operations[Operation::kUpdate] = {bind(HandleHmac), "HMAC input with a named key."};
  hmac.help_synopsis = "Generate an HMAC for input data.";
  paths.push_back(std::move(hmac));
  return paths;
}

}  // namespace arca::engines::transit
