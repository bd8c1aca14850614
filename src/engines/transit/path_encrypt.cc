// encrypt/:name, decrypt/:name, rewrap/:name, datakey/:plaintext/:name.
#include "common/encoding.h"
#include "crypto/random.h"
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

constexpr char kNonceNotAllowed[] = "provided nonce not allowed for this key";

// One encryption-family item with its fields decoded.
struct Item {
  std::string plaintext;  // raw (encrypt)
  std::string ciphertext;
  std::string context;  // raw
  std::string aad;      // raw
  std::string reference;
  int64_t key_version = 0;
  bool has_nonce = false;
  ~Item() { SecureWipe(plaintext); }
};

// The fields of one item: a batch_input element, or (single form) the request's own fields,
// read in place.
struct ItemFields {
  const json::object* item = nullptr;
  const FieldData* fields = nullptr;

  const json::value* Find(std::string_view name) const {
    if (item != nullptr) return item->if_contains(name);
    const json::value& v = fields->Get(name);
    return v.is_null() ? nullptr : &v;
  }
  Result<std::string_view> String(std::string_view name) const {
    return StringValue(Find(name), name);
  }
};

// Reads the item fields shared by encrypt/decrypt/rewrap.
Result<Item> DecodeItem(const ItemFields& src, bool want_plaintext) {
  Item it;
  ARCA_ASSIGN_OR_RETURN(std::string_view reference, src.String("reference"));
  it.reference.assign(reference);
  if (want_plaintext) {
    ARCA_ASSIGN_OR_RETURN(std::string_view b64, src.String("plaintext"));
    ARCA_ASSIGN_OR_RETURN(it.plaintext, DecodeBase64Field(b64, "plaintext"));
  } else {
    ARCA_ASSIGN_OR_RETURN(std::string_view ciphertext, src.String("ciphertext"));
    if (ciphertext.empty()) return InvalidRequest("missing ciphertext to decrypt");
    it.ciphertext.assign(ciphertext);
  }
  ARCA_ASSIGN_OR_RETURN(std::string_view ctx, src.String("context"));
  ARCA_ASSIGN_OR_RETURN(it.context, DecodeBase64Field(ctx, "context"));
  ARCA_ASSIGN_OR_RETURN(std::string_view aad, src.String("associated_data"));
  ARCA_ASSIGN_OR_RETURN(it.aad, DecodeBase64Field(aad, "associated_data"));
  ARCA_ASSIGN_OR_RETURN(std::string_view nonce, src.String("nonce"));
  it.has_nonce = !nonce.empty();
  ARCA_ASSIGN_OR_RETURN(it.key_version, IntValue(src.Find("key_version"), "key_version"));
  return it;
}

using ItemFn = std::function<Result<json::object>(const Policy&, const ItemFields&)>;

// Runs `fn` over the batch (or the single request); single errors are returned as errors.
Result<Response> RunItems(const Policy& p, const FieldData& d,
                          const std::optional<std::vector<json::object>>& batch, const ItemFn& fn) {
  if (!batch) {
    ARCA_ASSIGN_OR_RETURN(json::object out, fn(p, ItemFields{.fields = &d}));
    return Response::WithData(std::move(out));
  }
  json::array results;
  results.reserve(batch->size());
  size_t errors = 0;
  for (const json::object& item : *batch) {
    auto r = fn(p, ItemFields{.item = &item});
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

Result<json::object> EncryptOne(const Policy& p, const ItemFields& src) {
  ARCA_ASSIGN_OR_RETURN(Item it, DecodeItem(src, true));
  if (it.has_nonce) return InvalidRequest(kNonceNotAllowed);
  int64_t used = 0;
  ARCA_ASSIGN_OR_RETURN(std::string ct,
                        EncryptValue(p, it.plaintext, it.context, it.aad, it.key_version, &used));
  json::object out;
  out["ciphertext"] = std::move(ct);
  out["key_version"] = used;
  return out;
}

Result<json::object> DecryptOne(const Policy& p, const ItemFields& src) {
  ARCA_ASSIGN_OR_RETURN(Item it, DecodeItem(src, false));
  int64_t used = 0;
  ARCA_ASSIGN_OR_RETURN(std::string pt, DecryptValue(p, it.ciphertext, it.context, it.aad, &used));
  json::object out;
  out["plaintext"] = Base64Encode(pt);
  SecureWipe(pt);
  return out;
}

Result<json::object> RewrapOne(const Policy& p, const ItemFields& src) {
  ARCA_ASSIGN_OR_RETURN(Item it, DecodeItem(src, false));
  if (it.has_nonce) return InvalidRequest(kNonceNotAllowed);
  int64_t used = 0;
  ARCA_ASSIGN_OR_RETURN(std::string pt, DecryptValue(p, it.ciphertext, it.context, it.aad, &used));
  auto ct = EncryptValue(p, pt, it.context, it.aad, it.key_version, &used);
  SecureWipe(pt);
  if (!ct) return std::unexpected(ct.error());
  json::object out;
  out["ciphertext"] = std::move(*ct);
  out["key_version"] = used;
  return out;
}

Result<Response> Encrypt(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(auto batch, BatchInput(d));
  const std::string name = d.GetString("name");
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Get(*s, name));
  if (!p) {
    // Upsert: only when the ACL granted "create" (the existence check said the key is absent).
    if (req.operation != Operation::kCreate) return InvalidRequest("encryption key not found");
    KeyOptions opts;
    ARCA_ASSIGN_OR_RETURN(opts.type, ParseKeyType(d.GetString("type")));
    opts.convergent = d.GetBool("convergent_encryption");
    const ItemFields first = batch ? ItemFields{.item = &batch->front()} : ItemFields{.fields = &d};
    ARCA_ASSIGN_OR_RETURN(std::string_view ctx, first.String("context"));
    opts.derived = !ctx.empty();
    bool created = false;
    ARCA_ASSIGN_OR_RETURN(
        p, st.keys.GetOrCreate(
               *s, name, [&] { return Policy::Create(name, opts, st.keys.Now()); }, &created));
  }
  return RunItems(*p, d, batch, EncryptOne);
}

Result<Response> Decrypt(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(auto batch, BatchInput(d));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.RequireKey(req, d.GetString("name")));
  return RunItems(*p, d, batch, DecryptOne);
}

Result<Response> Rewrap(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(auto batch, BatchInput(d));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.RequireKey(req, d.GetString("name")));
  return RunItems(*p, d, batch, RewrapOne);
}

Result<Response> Datakey(State& st, Request& req, FieldData& d) {
  const std::string kind = d.GetString("plaintext");
  if (kind != "plaintext" && kind != "wrapped") {
    return InvalidRequest("Invalid path, must be 'plaintext' or 'wrapped'");
  }
  const int64_t bits = d.GetInt("bits");
  if (bits != 128 && bits != 256 && bits != 512) {
    return InvalidRequest("invalid bits value; must be 128, 256, or 512");
  }
  if (!d.GetString("nonce").empty()) return InvalidRequest(kNonceNotAllowed);
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.RequireKey(req, d.GetString("name")));
  ARCA_ASSIGN_OR_RETURN(std::string context, DecodeBase64Field(d.GetString("context"), "context"));
  SecureBytes key = crypto::RandomKey(static_cast<size_t>(bits / 8));
  int64_t used = 0;
  ARCA_ASSIGN_OR_RETURN(std::string ct,
                        EncryptValue(*p, key.view(), context, "", d.GetInt("key_version"), &used));
  Response resp;
  resp.data["ciphertext"] = std::move(ct);
  resp.data["key_version"] = used;
  if (kind == "plaintext") resp.data["plaintext"] = Base64Encode(key.view());
  return resp;
}

FieldMap CommonFields() {
  FieldMap f;
  f["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  f["context"] = {.type = FieldType::kString,
                  .description = "Base64 context for key derivation (derived keys)."};
  f["associated_data"] = {.type = FieldType::kString,
                          .description = "Base64 associated data authenticated with AEAD types."};
  f["nonce"] = {.type = FieldType::kString, .description = "Not allowed (Vault legacy)."};
  f["key_version"] = {.type = FieldType::kInt, .description = "Key version (0 = latest)."};
  f["reference"] = {.type = FieldType::kString, .description = "Echoed in batch results."};
  f["partial_failure_response_code"] = {.type = FieldType::kInt,
                                        .description = "Status when only some batch items fail."};
  return f;
}

}  // namespace

std::vector<Path> EncryptPaths(const StatePtr& st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  std::vector<Path> paths;

  Path enc;
  enc.pattern = "encrypt/" + GenericNameRegex("name");
  enc.fields = CommonFields();
  enc.fields["plaintext"] = {.type = FieldType::kString, .description = "Base64 plaintext."};
  enc.fields["type"] = {.type = FieldType::kString,
                        .description = "Type of a key created on first use.",
                        .default_value = "aes256-gcm96"};
  enc.fields["convergent_encryption"] = {
      .type = FieldType::kBool, .description = "Convergent encryption for a key created on use."};
  enc.takes_arbitrary_input = true;  // batch_input
  enc.operations[Operation::kCreate] = {bind(Encrypt), "Encrypt, creating the key."};
  enc.operations[Operation::kUpdate] = {bind(Encrypt), "Encrypt with a named key."};
  enc.existence_check = [st](Request& req, FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st->StorageFor(req));
    ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st->keys.Get(*s, d.GetString("name")));
    return p != nullptr;
  };
  enc.help_synopsis = "Encrypt a plaintext value or a batch of values.";
  paths.push_back(std::move(enc));

  Path dec;
  dec.pattern = "decrypt/" + GenericNameRegex("name");
  dec.fields = CommonFields();
  dec.fields["ciphertext"] = {.type = FieldType::kString, .description = "vault:v<N>:... value."};
  dec.takes_arbitrary_input = true;
  dec.operations[Operation::kUpdate] = {bind(Decrypt), "Decrypt with a named key."};
  dec.help_synopsis = "Decrypt a ciphertext value or a batch of values.";
  paths.push_back(std::move(dec));

  Path rewrap;
  rewrap.pattern = "rewrap/" + GenericNameRegex("name");
  rewrap.fields = CommonFields();
  rewrap.fields["ciphertext"] = {.type = FieldType::kString, .description = "Ciphertext."};
  rewrap.takes_arbitrary_input = true;
  rewrap.operations[Operation::kUpdate] = {bind(Rewrap), "Re-encrypt with the latest version."};
  rewrap.help_synopsis = "Rewrap ciphertext with the latest (or given) key version.";
  paths.push_back(std::move(rewrap));

  Path dk;
  dk.pattern = "datakey/" + GenericNameRegex("plaintext") + "/" + GenericNameRegex("name");
  dk.fields["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  dk.fields["plaintext"] = {.type = FieldType::kString,
                            .description = "\"plaintext\" or \"wrapped\"."};
  dk.fields["context"] = {.type = FieldType::kString, .description = "Base64 context."};
  dk.fields["nonce"] = {.type = FieldType::kString, .description = "Not allowed."};
  dk.fields["bits"] = {
      .type = FieldType::kInt, .description = "Key length: 128, 256 or 512.", .default_value = 256};
  dk.fields["key_version"] = {.type = FieldType::kInt, .description = "Key version."};
  dk.operations[Operation::kUpdate] = {bind(Datakey), "Generate a data key."};
  dk.help_synopsis = "Generate a data key wrapped by a named key.";
  paths.push_back(std::move(dk));
  return paths;
}

}  // namespace arca::engines::transit
