// HTTP request -> logical::Request (see translate.h for the rules).
#include <cctype>

#include "common/duration.h"
#include "common/uuid.h"
#include "http/translate.h"

#include <strings.h>

namespace arca::http {
namespace {

using logical::Operation;

constexpr std::string_view kApiPrefix = "/v1/";

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}


std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The media type of a Content-Type value: parameters dropped (compare it ignoring case).
std::string_view MediaType(std::string_view content_type) {
  return Trim(content_type.substr(0, content_type.find(';')));
}

// Go's strconv.ParseBool truthy values.
bool IsTrue(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

std::unexpected<Error> InvalidPath() { return InvalidRequest("invalid request path"); }

// Checks the decoded API path (after "/v1/").
Status ValidatePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return InvalidPath();
  }
  if (path.empty()) return OkStatus();
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    bool last = slash == std::string_view::npos;
    if (seg == "." || seg == "..") return InvalidPath();
    // An empty segment is only allowed as the end after a trailing '/'.
    if (seg.empty() && !(last && start > 0)) return InvalidPath();
    if (last) break;
    start = slash + 1;
  }
  return OkStatus();
}

struct QueryParam {
  std::string key;
  std::string value;
};

// Splits "a=1&b=2" into decoded pairs. Pairs with a malformed escape are dropped (as Go's
// URL.Query() does) unless `strict`, where they are an error.
Result<std::vector<QueryParam>> ParsePairs(std::string_view text, bool strict) {
  std::vector<QueryParam> out;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) {
      if (strict) return InvalidRequest("failed to parse form data: invalid URL escape");
      continue;
    }
    if (key->empty()) continue;
    out.push_back({std::move(*key), std::move(*value)});
  }
  return out;
}

// Adds string fields to `data`; a key seen again becomes an array (query) or is joined with ','
// (form, as Vault's parseFormRequest does).
void AddFields(std::vector<QueryParam>& params, bool join_repeated, json::object& data) {
  for (auto& p : params) {
    auto it = data.find(p.key);
    if (it == data.end()) {
      data.emplace(p.key, json::string(p.value));
    } else if (join_repeated) {
      auto& s = it->value().as_string();
      s.append(",");
      s.append(p.value);
    } else if (it->value().is_array()) {
      it->value().as_array().emplace_back(json::string(p.value));
    } else {
      json::array arr;
      arr.emplace_back(std::move(it->value()));
      arr.emplace_back(json::string(p.value));
      it->value() = std::move(arr);
    }
  }
}

const std::string* FirstHeader(const logical::Request& req, const std::string& lower_name) {
  auto it = req.headers.find(lower_name);
  if (it == req.headers.end() || it->second.empty()) return nullptr;
  return &it->second.front();
}

Result<std::string> ForwardedFor(const logical::Request& req) {
  auto it = req.headers.find("x-forwarded-for");
  if (it == req.headers.end()) return std::string();
  // Several headers are one comma-separated list, in order.
  std::string_view last;
  for (const std::string& value : it->second) {
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (!item.empty()) last = item;
    }
  }
  if (last.empty()) return std::string();
  if (!IpAddress::Parse(last)) return InvalidRequest("invalid X-Forwarded-For address");
  if (last.front() == '[') last = last.substr(1, last.size() - 2);
  return std::string(last);
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string ClientAddress(const HttpRequestView& in, const CidrSet& trusted_proxies) {
  if (trusted_proxies.empty() || !trusted_proxies.Contains(in.remote_addr)) {
    return std::string(in.remote_addr);
  }
  logical::Request tmp;
  for (const auto& [name, value] : in.headers) {
    if (name.size() == 15 && strncasecmp(name.data(), "x-forwarded-for", 15) == 0) {
      tmp.headers["x-forwarded-for"].emplace_back(value);
    }
  }
  auto client = ForwardedFor(tmp);
  if (!client || client->empty()) return std::string(in.remote_addr);
  return std::move(*client);
}

std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space) {
  // Up to the first escape (usually the whole input), a plain copy.
  const size_t plain = in.find_first_of(plus_as_space ? std::string_view("%+") : "%");
  std::string out(in.substr(0, plain));
  if (plain == std::string_view::npos) return out;
  out.reserve(in.size());
  for (size_t i = plain; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<logical::Request> BuildRequest(const HttpRequestView& in, const CidrSet& trusted_proxies) {
  logical::Request req;
  ARCA_RETURN_IF_ERROR(BuildRequest(in, trusted_proxies, req));
  return req;
}

Status BuildRequest(const HttpRequestView& in, const CidrSet& trusted_proxies,
                    logical::Request& req) {
  std::string_view target = in.target;
  // Absolute form ("http://host/v1/...") as sent to proxies.
  if (auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  target = target.substr(0, target.find('#'));
  size_t qmark = target.find('?');
  std::string_view raw_path = target.substr(0, qmark);
  std::string_view raw_query =
      qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);

  std::optional<std::string> decoded;
  std::string_view full_path = raw_path;
  if (raw_path.find('%') != std::string_view::npos) {
    decoded = PercentDecode(raw_path, false);
    if (!decoded) return InvalidPath();
    full_path = *decoded;
  }
  if (full_path.substr(0, kApiPrefix.size()) != kApiPrefix) {
    return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
  }
  req.path.assign(full_path.substr(kApiPrefix.size()));
  ARCA_RETURN_IF_ERROR(ValidatePath(req.path));

  ARCA_ASSIGN_OR_RETURN(std::vector<QueryParam> query, ParsePairs(raw_query, false));
  auto query_flag = [&query](std::string_view name) {
    for (const auto& p : query) {
      if (p.key == name) return IsTrue(p.value);
    }
    return false;
  };

  for (const auto& [name, value] : in.headers) {
    req.headers[ToLower(name)].emplace_back(value);
  }
  if (const std::string* ct = FirstHeader(req, "content-type")) req.content_type = *ct;

  const std::string_view m = in.method;
  bool query_data = false;  // query parameters become the data
  bool body_data = false;   // the body becomes the data
  if (m == "GET" || m == "HEAD") {
    req.operation = Operation::kRead;
    if (query_flag("list")) {
      req.operation = Operation::kList;
    } else if (query_flag("scan")) {
      req.operation = Operation::kScan;
    }
    query_data = true;
  } else if (m == "POST" || m == "PUT") {
    req.operation = Operation::kUpdate;
    body_data = true;
  } else if (m == "DELETE") {
    req.operation = Operation::kDelete;
    query_data = true;
  } else if (m == "PATCH") {
    if (!EqualsIgnoreCase(MediaType(req.content_type), "application/merge-patch+json")) {
      return MakeError(ErrorKind::kUnsupportedMediaType,
                       "PATCH requires Content-Type application/merge-patch+json");
    }
    req.operation = Operation::kPatch;
    body_data = true;
  } else if (m == "LIST") {
    req.operation = Operation::kList;
    query_data = true;
  } else if (m == "SCAN") {
    req.operation = Operation::kScan;
    query_data = true;
  } else {
    return std::unexpected(Error(ErrorKind::kUnsupportedOperation, std::vector<std::string>{}));
  }
  if (query_flag("help")) req.operation = Operation::kHelp;
  if ((req.operation == Operation::kList || req.operation == Operation::kScan) &&
      (req.path.empty() || req.path.back() != '/')) {
    req.path.push_back('/');
  }

  if (const std::string* tok = FirstHeader(req, "x-vault-token"); tok && !tok->empty()) {
    req.client_token = *tok;
  } else if (const std::string* auth = FirstHeader(req, "authorization")) {
    std::string_view v = Trim(*auth);
    if (v.size() > 7 && EqualsIgnoreCase(v.substr(0, 7), "bearer ")) {
      req.client_token.assign(Trim(v.substr(7)));
    }
  }

  if (const std::string* wrap = FirstHeader(req, "x-vault-wrap-ttl")) {
    std::string_view v = Trim(*wrap);
    if (!v.empty()) {
      auto ttl = ParseDuration(v);
      if (!ttl) return InvalidRequest("error parsing wrap TTL: " + ttl.error().message());
      req.wrap_ttl = *ttl;
    }
  }

  if (query_data) {
    std::erase_if(query, [](const QueryParam& p) {
      return p.key == "list" || p.key == "scan" || p.key == "help";
    });
    AddFields(query, false, req.data);
  } else if (body_data) {
    std::string_view body = Trim(in.body);
    // Like Vault, a form content type whose body starts like JSON is JSON: `curl -d '{...}'`
    // sends that content type by default.
    bool looks_like_json = !body.empty() && (body.front() == '{' || body.front() == '[');
    const std::string_view media = MediaType(req.content_type);
    auto is = [media](std::string_view type) { return EqualsIgnoreCase(media, type); };
    if (is("application/ocsp-request") || is("application/pkcs10") || is("application/pkix-cert") ||
        is("application/octet-stream")) {
      req.raw_body.assign(in.body);
    } else if (is("application/x-www-form-urlencoded") && !looks_like_json) {
      ARCA_ASSIGN_OR_RETURN(std::vector<QueryParam> form, ParsePairs(body, true));
      AddFields(form, true, req.data);
    } else if (!body.empty()) {
      ARCA_ASSIGN_OR_RETURN(req.data, ParseJsonObject(body));
    }
  }

  req.remote_addr.assign(in.remote_addr);
  if (!trusted_proxies.empty() && trusted_proxies.Contains(in.remote_addr)) {
    ARCA_ASSIGN_OR_RETURN(std::string client, ForwardedFor(req));
    if (!client.empty()) req.remote_addr = std::move(client);
  }
  req.id = GenerateRequestId();
  return OkStatus();
}

}  // namespace arca::http
