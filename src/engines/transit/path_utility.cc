// hash(/:algorithm) and random(/:source)(/:bytes): key-less helpers.
#include <charconv>

#include "common/encoding.h"
#include "crypto/random.h"
#include "engines/transit/internal.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::OptionalParamRegex;

constexpr int64_t kMaxRandomBytes = 128 * 1024;

Result<std::string> Encode(std::string_view raw, const std::string& format) {
  if (format == "hex") return HexEncode(raw);
  if (format == "base64") return Base64Encode(raw);
  return InvalidRequest("unsupported encoding format " + format +
                        "; must be \"hex\" or \"base64\"");
}

Result<Response> HandleHash(Request&, FieldData& d) {
  std::string alg_name = d.GetString("urlalgorithm");
  if (alg_name.empty()) alg_name = d.GetString("algorithm");
  ARCA_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg, crypto::ParseHashAlgorithm(alg_name));
  const std::string format = d.GetString("format");
  if (format != "hex" && format != "base64") {
    return InvalidRequest("unsupported encoding format " + format +
                          "; must be \"hex\" or \"base64\"");
  }
  ARCA_ASSIGN_OR_RETURN(std::string input, DecodeBase64Field(d.GetString("input"), "input"));
  ARCA_ASSIGN_OR_RETURN(std::string sum, crypto::Hash(alg, input));
  ARCA_ASSIGN_OR_RETURN(std::string text, Encode(sum, format));
  Response resp;
  resp.data["sum"] = std::move(text);
  return resp;
}

Result<int64_t> ParseBytes(const std::string& text) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return InvalidRequest("error parsing url-set byte count: " + text);
  }
  return n;
}

Result<Response> HandleRandom(Request&, FieldData& d) {
  std::string source = d.GetString("source");
  std::string url_bytes = d.GetString("urlbytes");
  // random/32: a number in the source position is the byte count.
  if (url_bytes.empty() && !source.empty() &&
      source.find_first_not_of("0123456789") == std::string::npos) {
    url_bytes = source;
    source.clear();
  }
  if (source.empty()) source = "platform";
  if (source != "platform" && source != "seal" && source != "all") {
    return InvalidRequest("unsupported entropy source \"" + source +
                          "\"; must be \"platform\" or \"seal\", or \"all\"");
  }
  int64_t bytes = d.GetInt("bytes");
  if (!url_bytes.empty()) {
    ARCA_ASSIGN_OR_RETURN(bytes, ParseBytes(url_bytes));
  }
  if (bytes < 1) return InvalidRequest("missing bytes");
  if (bytes > kMaxRandomBytes) {
    return InvalidRequest("bytes cannot be greater than " + std::to_string(kMaxRandomBytes));
  }
  // "seal" and "all" use the platform CSPRNG too: Arca's seals have no entropy source.
  std::string raw = crypto::RandomBytesString(static_cast<size_t>(bytes));
  auto text = Encode(raw, d.GetString("format"));
  SecureWipe(raw);
  if (!text) return std::unexpected(text.error());
  Response resp;
  resp.data["random_bytes"] = std::move(*text);
  return resp;
}

}  // namespace

std::vector<Path> UtilityPaths(const StatePtr&) {
  std::vector<Path> paths;

  Path hash;
  hash.pattern = "hash" + OptionalParamRegex("urlalgorithm");
  hash.fields["urlalgorithm"] = {.type = FieldType::kString, .description = "Hash algorithm."};
  hash.fields["algorithm"] = {
      .type = FieldType::kString, .description = "Hash algorithm.", .default_value = "sha2-256"};
  hash.fields["input"] = {.type = FieldType::kString, .description = "Base64 input."};
  hash.fields["format"] = {.type = FieldType::kString,
                           .description = "Output encoding: hex or base64.",
                           .default_value = "hex"};
  hash.operations[Operation::kUpdate] = {HandleHash, "Hash input data."};
  hash.help_synopsis = "Generate a hash sum for input data.";
  paths.push_back(std::move(hash));

  Path random;
  random.pattern = "random(/" + GenericNameRegex("source") + ")?" + OptionalParamRegex("urlbytes");
  random.fields["source"] = {.type = FieldType::kString,
                             .description = "platform, seal or all.",
                             .default_value = "platform"};
  random.fields["urlbytes"] = {.type = FieldType::kString, .description = "Byte count (URL)."};
  random.fields["bytes"] = {
      .type = FieldType::kInt, .description = "Number of bytes.", .default_value = 32};
  random.fields["format"] = {.type = FieldType::kString,
                             .description = "Output encoding: base64 or hex.",
                             .default_value = "base64"};
  random.operations[Operation::kUpdate] = {HandleRandom, "Generate random bytes."};
  random.help_synopsis = "Generate random bytes.";
  paths.push_back(std::move(random));
  return paths;
}

}  // namespace arca::engines::transit
