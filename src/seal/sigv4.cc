#include "seal/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/hmac.h"

namespace arca::seal {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string UriEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes; a '%' not followed by two hex digits stays as it is.
std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and collapses each run of spaces/tabs inside it into one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool ValidScopePart(std::string_view s) {
  return !s.empty() && s.find('/') == std::string_view::npos &&
         std::none_of(s.begin(), s.end(),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool ValidAmzDate(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i) {
    if (i == 8) continue;
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  }
  return true;
}

SecureBytes HmacStep(const SecureBytes& key, std::string_view data) {
  std::string mac = crypto::HmacSha256(key.span(), data);
  SecureBytes out = SecureBytes::FromString(mac);
  SecureWipe(mac);
  return out;
}

}  // namespace

std::string CanonicalUri(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    bool last = next == path.size();
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else if (seg == ".") {
      trailing_slash = last;
    } else if (seg.empty()) {
      trailing_slash = last;
    } else {
      segments.push_back(seg);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string out;
  for (auto seg : segments) out += "/" + UriEncode(seg);
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view piece = query.substr(pos, amp - pos);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      std::string_view name = piece.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : piece.substr(eq + 1);
      params.emplace_back(UriEncode(UriDecode(name)), UriEncode(UriDecode(value)));
    }
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<SigV4Signature> SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                              const SigV4Options& options) {
  if (credentials.access_key_id.empty()) return InvalidRequest("AWS access key id is empty");
  if (credentials.secret_access_key.empty()) return InvalidRequest("AWS secret key is empty");
  if (!ValidScopePart(options.region)) {
    return InvalidRequest("invalid AWS region \"" + options.region + "\"");
  }
  if (!ValidScopePart(options.service)) {
    return InvalidRequest("invalid AWS service name \"" + options.service + "\"");
  }
  if (!ValidAmzDate(options.amz_date)) {
    return InvalidRequest("invalid X-Amz-Date \"" + options.amz_date +
                          "\" (want YYYYMMDDTHHMMSSZ)");
  }
  const std::string payload_hash = HexEncode(crypto::Sha256(request.payload));

  SigV4Signature sig;
  std::map<std::string, std::string> canonical;  // lower-case name -> joined values
  for (const auto& [name, value] : request.headers) {
    if (name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return InvalidRequest("invalid HTTP header \"" + name + "\"");
    }
    std::string key = Lower(CanonicalHeaderValue(name));
    auto [it, inserted] = canonical.emplace(key, CanonicalHeaderValue(value));
    if (!inserted) it->second += "," + CanonicalHeaderValue(value);
  }
  if (!canonical.contains("host")) return InvalidRequest("request to sign has no Host header");
  if (auto it = canonical.find("x-amz-date"); it == canonical.end()) {
    canonical.emplace("x-amz-date", options.amz_date);
    sig.added_headers.emplace_back("X-Amz-Date", options.amz_date);
  } else if (it->second != options.amz_date) {
    return InvalidRequest("X-Amz-Date header differs from the signing time");
  }
  const bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_security_token) {
    canonical["x-amz-security-token"] = credentials.session_token;
    sig.added_headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (options.add_content_sha256) {
    canonical["x-amz-content-sha256"] = payload_hash;
    sig.added_headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
  }

  std::string header_block;
  for (const auto& [name, value] : canonical) {
    header_block += name + ":" + value + "\n";
    if (!sig.signed_headers.empty()) sig.signed_headers += ';';
    sig.signed_headers += name;
  }
  std::string method = request.method;
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  sig.canonical_request = method + "\n" + CanonicalUri(request.path) + "\n" +
                          CanonicalQuery(request.query) + "\n" + header_block + "\n" +
                          sig.signed_headers + "\n" + payload_hash;

  const std::string date = options.amz_date.substr(0, 8);
  const std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
  sig.string_to_sign = std::string(kAlgorithm) + "\n" + options.amz_date + "\n" + scope + "\n" +
                       HexEncode(crypto::Sha256(sig.canonical_request));

  SecureBytes key = SecureBytes::FromString("AWS4");
  key.Append(credentials.secret_access_key.view());
  key = HmacStep(key, date);
  key = HmacStep(key, options.region);
  key = HmacStep(key, options.service);
  key = HmacStep(key, "aws4_request");
  sig.signature = HexEncode(crypto::HmacSha256(key.span(), sig.string_to_sign));

  sig.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                      scope + ", SignedHeaders=" + sig.signed_headers +
                      ", Signature=" + sig.signature;
  if (has_token && !options.sign_security_token) {
    sig.added_headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  sig.added_headers.emplace_back("Authorization", sig.authorization);
  return sig;
}

}  // namespace arca::seal
