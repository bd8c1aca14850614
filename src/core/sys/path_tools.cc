// sys/tools/random(/:source)(/:bytes) and sys/tools/hash(/:algorithm).
#include <algorithm>
#include <cctype>

#include "common/encoding.h"
#include "core/sys/paths.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr int64_t kMaxRandomBytes = 128 * 1024;

Result<std::string> Encode(std::string_view raw, const std::string& format) {
  if (format == "base64") return Base64Encode(raw);
  if (format == "hex") return HexEncode(raw);
  return InvalidRequest("unsupported encoding format \"" + format + "\"; must be hex or base64");
}

}  // namespace

std::vector<fw::Path> ToolPaths(Core&) {
  std::vector<fw::Path> paths;

  fw::Path random;
  random.pattern = R"(tools/random(?:/(?<source>[^/]+))?(?:/(?<urlbytes>[^/]+))?)";
  random.help_synopsis = "Generate random bytes.";
  random.fields["source"] =
      Field(fw::FieldType::kString, "platform, seal or all (Arca: all use the platform).", "platform");
  random.fields["urlbytes"] = Field(fw::FieldType::kString, "The number of bytes, in the URL.");
  random.fields["bytes"] = Field(fw::FieldType::kInt, "The number of bytes (default 32).", 32);
  random.fields["format"] = Field(fw::FieldType::kString, "hex or base64 (default).", "base64");
  random.operations[Operation::kUpdate] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    std::string source = d.GetString("source");
    int64_t bytes = d.GetInt("bytes");
    // "/tools/random/64" puts the count where the source goes.
    if (!source.empty() && std::all_of(source.begin(), source.end(), ::isdigit)) {
      bytes = std::stoll(source.substr(0, 9));
      source = "platform";
    }
    if (std::string u = d.GetString("urlbytes"); !u.empty()) {
      if (!std::all_of(u.begin(), u.end(), ::isdigit) || u.size() > 9) {
        return InvalidRequest("error parsing URL-provided bytes value \"" + u + "\"");
      }
      bytes = std::stoll(u);
    }
    if (source != "platform" && source != "seal" && source != "all") {
      return InvalidRequest("unsupported entropy source \"" + source + "\"");
    }
    if (bytes < 1) return InvalidRequest("number of bytes must be positive");
    if (bytes > kMaxRandomBytes) {
      return InvalidRequest("number of bytes exceeds the maximum of " +
                            std::to_string(kMaxRandomBytes));
    }
    ARCA_ASSIGN_OR_RETURN(std::string out,
                          Encode(crypto::RandomBytesString(static_cast<size_t>(bytes)),
                                 d.GetString("format")));
    return Response::WithData({{"random_bytes", out}});
  }, "Generate random bytes."};
  paths.push_back(std::move(random));

  fw::Path hash;
  hash.pattern = "tools/hash(?:/(?<urlalgorithm>[^/]+))?";
  hash.help_synopsis = "Generate a hash sum for input data.";
  hash.fields["urlalgorithm"] = Field(fw::FieldType::kString, "The algorithm, in the URL.");
  hash.fields["algorithm"] = Field(fw::FieldType::kString, "The hash algorithm.", "sha2-256");
  hash.fields["input"] = Field(fw::FieldType::kString, "The base64-encoded input data.");
  hash.fields["format"] = Field(fw::FieldType::kString, "hex (default) or base64.", "hex");
  hash.operations[Operation::kUpdate] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    std::string name = d.GetString("urlalgorithm");
    if (name.empty()) name = d.GetString("algorithm");
    ARCA_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg, crypto::ParseHashAlgorithm(name));
    auto input = Base64Decode(d.GetString("input"));
    if (!input) return InvalidRequest("unable to decode input as base64");
    ARCA_ASSIGN_OR_RETURN(std::string sum, crypto::Hash(alg, *input));
    ARCA_ASSIGN_OR_RETURN(std::string out, Encode(sum, d.GetString("format")));
    return Response::WithData({{"sum", out}});
  }, "Hash the input."};
  paths.push_back(std::move(hash));
  return paths;
}

}  // namespace arca::core::sys
