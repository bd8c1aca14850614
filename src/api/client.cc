#include "api/client.h"

#include "api/asio_util.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <filesystem>

namespace arca::api {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using internal::LowerFirst;
using internal::RunIo;

constexpr size_t kMaxResponseBody = 256u << 20;

// "Get", "Put": how Go's net/http names methods in transport errors.
std::string GoMethod(std::string_view m) {
  std::string out(m);
  for (size_t i = 1; i < out.size(); ++i) out[i] = static_cast<char>(std::tolower(out[i]));
  return out;
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string PercentEncode(std::string_view s, std::string_view keep, bool space_as_plus) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (IsUnreserved(c) || keep.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string EncodeQuery(QueryParams q) {
  // Go's url.Values.Encode sorts by key.
  std::stable_sort(q.begin(), q.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : q) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k, "", true) + "=" + PercentEncode(v, "", true);
  }
  return out;
}

bool IsStaleConnectionError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated || ec == http::error::partial_message;
}

// The statuses Vault's client follows (once): 301, 302 and 307.
bool IsRedirect(int status) { return status == 301 || status == 302 || status == 307; }

struct Target {
  std::string scheme;
  std::string host;       // for DNS, SNI and verification (no brackets)
  std::string host_port;  // "host:port" as Go prints it
  std::string port;
  std::string base;       // "http://host:port" as written in the address (no trailing '/')
  std::string base_path;  // address path without trailing '/'
};

Result<Target> ParseAddress(std::string_view address) {
  auto u = boost::urls::parse_uri(address);
  if (!u)
    return InvalidRequest("invalid address \"" + std::string(address) +
                          "\": " + u.error().message());
  Target t;
  t.scheme = std::string(u->scheme());
  for (auto& c : t.scheme) c = static_cast<char>(std::tolower(c));
  if (t.scheme != "http" && t.scheme != "https") {
    return InvalidRequest("unsupported protocol scheme \"" + t.scheme + "\" in address " +
                          std::string(address));
  }
  t.host = std::string(u->host_address());
  if (t.host.empty()) return InvalidRequest("no host in address \"" + std::string(address) + "\"");
  t.port = u->has_port() ? std::string(u->port()) : (t.scheme == "https" ? "443" : "80");
  std::string printable_host = std::string(u->encoded_host_and_port());
  t.host_port = u->has_port() ? printable_host : printable_host + ":" + t.port;
  t.base_path = std::string(u->encoded_path());
  while (!t.base_path.empty() && t.base_path.back() == '/') t.base_path.pop_back();
  t.base = t.scheme + "://" + printable_host;
  return t;
}

}  // namespace

struct Client::Impl {
  Result<Target> target = InvalidRequest("no address");
  net::io_context ioc;
  std::unique_ptr<ssl::context> ssl_ctx;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  bool connected() const { return plain || tls; }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void Close() {
    if (connected()) {
      error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().socket().close(ignored);
    }
    tls.reset();
    plain.reset();
    buffer.clear();
  }

  Status MakeSslContext(const ClientConfig& c) {
    if (ssl_ctx) return OkStatus();
    try {
      auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (!c.ca_cert.empty()) {
        if (std::filesystem::is_directory(c.ca_cert)) {
          ctx->add_verify_path(c.ca_cert);
        } else {
          ctx->load_verify_file(c.ca_cert);
        }
      } else if (!c.ca_path.empty()) {
        // VAULT_CAPATH: every PEM file in the directory (no c_rehash links needed, as Vault).
        size_t loaded = 0;
        for (const auto& entry : std::filesystem::directory_iterator(c.ca_path)) {
          if (!entry.is_regular_file()) continue;
          boost::system::error_code ec;
          ctx->load_verify_file(entry.path().string(), ec);
          if (!ec) ++loaded;
        }
        if (loaded == 0) {
          return InvalidRequest("error configuring TLS: no PEM certificate in ca_path \"" +
                                c.ca_path + "\"");
        }
      } else {
        ctx->set_default_verify_paths();
      }
      if (!c.client_cert.empty()) ctx->use_certificate_chain_file(c.client_cert);
      if (!c.client_key.empty()) ctx->use_private_key_file(c.client_key, ssl::context::pem);
      ctx->set_verify_mode(c.tls_skip_verify ? ssl::verify_none : ssl::verify_peer);
      ssl_ctx = std::move(ctx);
      return OkStatus();
    } catch (const std::filesystem::filesystem_error& e) {
      return InvalidRequest("error configuring TLS (ca_path \"" + c.ca_path + "\"): " +
                            e.code().message());
    } catch (const boost::system::system_error& e) {
      return InvalidRequest("error configuring TLS (ca_cert \"" + c.ca_cert + "\", client_cert \"" +
                            c.client_cert + "\"): " + e.code().message());
    }
  }

  // Opens the connection; on failure returns Go's "dial tcp ..." / "tls: ..." text.
  std::optional<std::string> Connect(const ClientConfig& c) {
    const Target& t = *target;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    error_code ec = RunIo(ioc, [&](auto handler) {
      resolver.async_resolve(t.host, t.port, [&, handler](error_code e, auto results) mutable {
        endpoints = results;
        handler(e);
      });
    });
    if (ec) return "dial tcp: lookup " + t.host + ": no such host";
    auto stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->expires_after(c.timeout);
    ec = RunIo(ioc, [&](auto handler) { stream->async_connect(endpoints, handler); });
    if (ec == beast::error::timeout) return "dial tcp " + t.host_port + ": i/o timeout";
    if (ec) return "dial tcp " + t.host_port + ": connect: " + LowerFirst(ec.message());
    stream->socket().set_option(tcp::no_delay(true), ec);
    if (t.scheme == "http") {
      plain = std::move(stream);
      return std::nullopt;
    }
    auto s = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *ssl_ctx);
    const std::string& server_name = c.tls_server_name.empty() ? t.host : c.tls_server_name;
    error_code addr_ec;
    net::ip::make_address(server_name, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(s->native_handle(), server_name.c_str());
    if (!c.tls_skip_verify) s->set_verify_callback(ssl::host_name_verification(server_name));
    beast::get_lowest_layer(*s).expires_after(c.timeout);
    ec = RunIo(ioc, [&](auto handler) { s->async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      long verify = SSL_get_verify_result(s->native_handle());
      if (verify != X509_V_OK) {
        return std::string("tls: failed to verify certificate: x509: ") +
               X509_verify_cert_error_string(verify);
      }
      if (ec == beast::error::timeout) return std::string("net/http: TLS handshake timeout");
      return "tls: " + LowerFirst(ec.message());
    }
    tls = std::move(s);
    return std::nullopt;
  }

  template <typename Stream>
  error_code Exchange(Stream& s, http::request<http::string_body>& req,
                      http::response_parser<http::string_body>& parser,
                      std::chrono::seconds timeout) {
    lowest().expires_after(timeout);
    error_code ec = RunIo(ioc, [&](auto handler) { http::async_write(s, req, handler); });
    if (ec) return ec;
    lowest().expires_after(timeout);
    return RunIo(ioc, [&](auto handler) { http::async_read(s, buffer, parser, handler); });
  }

  // Sends `req` over the kept-alive connection (opened when needed; a stale one is re-opened
  // once) and reads the response. `method` and `url` name the request in errors and in the
  // ApiResponse.
  Result<ApiResponse> RoundTrip(const ClientConfig& c, http::request<http::string_body>& req,
                                const std::string& method, const std::string& url) {
    auto transport_error = [&](const std::string& detail) {
      return Unavailable(GoMethod(method) + " \"" + url + "\": " + detail);
    };
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = connected();
      if (!reused) {
        if (auto err = Connect(c)) {
          Close();
          return transport_error(*err);
        }
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBody);
      if (req.method() == http::verb::head) parser.skip(true);
      error_code ec =
          tls ? Exchange(*tls, req, parser, c.timeout) : Exchange(*plain, req, parser, c.timeout);
      if (ec) {
        Close();
        if (reused && attempt == 0 && !parser.is_header_done() && IsStaleConnectionError(ec)) {
          continue;  // the server closed the idle keep-alive connection: reconnect once
        }
        if (ec == beast::error::timeout) {
          return transport_error(
              "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        }
        return transport_error(LowerFirst(ec.message()));
      }
      auto res = parser.release();
      if (!res.keep_alive()) Close();
      ApiResponse out;
      out.status = static_cast<int>(res.result_int());
      out.method = method;
      out.url = url;
      for (const auto& field : res) {
        std::string name(field.name_string());
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        out.headers[name] = std::string(field.value());
      }
      out.body = std::move(res.body());
      size_t first = out.body.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && (out.body[first] == '{' || out.body[first] == '[')) {
        if (auto v = ParseJson(out.body)) out.json = std::move(*v);
      }
      return out;
    }
    return transport_error("connection closed by the server");
  }
};

Client::Client(ClientConfig config) : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  impl_->target = ParseAddress(config_.address);
}

Client::~Client() {
  if (impl_) impl_->Close();
}

Result<ApiResponse> Client::Stream(std::string_view path, const QueryParams& query,
                                   const std::function<bool(std::string_view)>& on_data,
                                   std::chrono::milliseconds max_duration) {
  const auto started = std::chrono::steady_clock::now();
  std::string url = UrlFor(path);
  std::string qs = EncodeQuery(query);
  if (!qs.empty()) url += "?" + qs;
  auto transport_error = [&](const std::string& detail) {
    return Unavailable("Get \"" + url + "\": " + detail);
  };
  if (!impl_->target) return transport_error(impl_->target.error().message());
  const Target& t = *impl_->target;
  if (t.scheme == "https") {
    if (auto st = impl_->MakeSslContext(config_); !st) return std::unexpected(st.error());
  }
  http::request<http::empty_body> req{http::verb::get, url.substr(t.base.size()), 11};
  req.set(http::field::host, t.host_port);
  req.set(http::field::user_agent,
          std::string("Arca/") + ARCA_VERSION + " (+https://github.com/arca)");
  req.set("X-Vault-Request", "true");
  if (!config_.token.empty()) req.set("X-Vault-Token", config_.token);
  for (const auto& [k, v] : config_.headers) req.set(k, v);
  req.keep_alive(false);

  impl_->Close();  // a fresh connection, closed when the stream ends
  if (auto err = impl_->Connect(config_)) {
    impl_->Close();
    return transport_error(*err);
  }
  struct CloseAfter {
    Impl& impl;
    ~CloseAfter() { impl.Close(); }
  } close_after{*impl_};

  auto run = [&](auto& s) -> Result<ApiResponse> {
    impl_->lowest().expires_after(config_.timeout);
    error_code ec = RunIo(impl_->ioc, [&](auto h) { http::async_write(s, req, h); });
    if (ec) return transport_error(LowerFirst(ec.message()));
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    ec = RunIo(impl_->ioc, [&](auto h) { http::async_read_header(s, impl_->buffer, parser, h); });
    if (ec) return transport_error(LowerFirst(ec.message()));
    ApiResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    out.method = "GET";
    out.url = url;
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.headers[name] = std::string(field.value());
    }
    const bool ok = out.status >= 200 && out.status < 300;
    if (ok) {
      if (max_duration.count() > 0) {
        impl_->lowest().expires_at(started + max_duration);
      } else {
        impl_->lowest().expires_never();
      }
    }
    char chunk[8192];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      ec = RunIo(impl_->ioc, [&](auto h) { http::async_read_some(s, impl_->buffer, parser, h); });
      if (ec == http::error::need_buffer) ec = {};
      const size_t n = sizeof(chunk) - parser.get().body().size;
      if (n > 0) {
        if (ok) {
          if (!on_data(std::string_view(chunk, n))) break;
        } else if (out.body.size() < kMaxResponseBody) {
          out.body.append(chunk, n);
        }
      }
      if (ec) {
        if (ec == http::error::end_of_stream || ec == net::error::eof) break;
        if (ok && ec == beast::error::timeout && max_duration.count() > 0) break;  // its end
        return transport_error(LowerFirst(ec.message()));
      }
    }
    if (!ok) {
      if (auto v = ParseJson(out.body)) out.json = std::move(*v);
    }
    return out;
  };
  return impl_->tls ? run(*impl_->tls) : run(*impl_->plain);
}

std::string Client::UrlFor(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string encoded = PercentEncode(path, "/:@!$&'()*+,;=", false);
  if (!impl_->target) return config_.address + "/v1/" + encoded;
  return impl_->target->base + impl_->target->base_path + "/v1/" + encoded;
}

Result<ApiResponse> Client::Request(std::string_view method_in, std::string_view path,
                                    const json::object* body, const QueryParams& query_in) {
  return Send(method_in, path, body, nullptr, {}, query_in);
}

Result<ApiResponse> Client::RequestRaw(std::string_view method, std::string_view path,
                                       std::string body, std::string_view content_type) {
  return Send(method, path, nullptr, &body, content_type, {});
}

Result<ApiResponse> Client::Send(std::string_view method_in, std::string_view path,
                                 const json::object* body, std::string* raw_body,
                                 std::string_view raw_content_type, const QueryParams& query_in) {
  std::string method(method_in);
  for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  QueryParams query = query_in;
  if (method == "LIST") {
    method = "GET";
    query.emplace_back("list", "true");
  }
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return InvalidRequest("unsupported HTTP method " + method);

  std::string url = UrlFor(path);
  std::string qs = EncodeQuery(query);
  if (!qs.empty()) url += "?" + qs;
  auto transport_error = [&](const std::string& detail) {
    return Unavailable(GoMethod(method) + " \"" + url + "\": " + detail);
  };
  if (!impl_->target) return transport_error(impl_->target.error().message());
  const Target& t = *impl_->target;
  if (t.scheme == "https") {
    if (auto st = impl_->MakeSslContext(config_); !st) return std::unexpected(st.error());
  }

  std::string target = url.substr(t.base.size());
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, t.host_port);
  req.set(http::field::user_agent,
          std::string("Arca/") + ARCA_VERSION + " (+https://github.com/arca)");
  req.set("X-Vault-Request", "true");
  if (!config_.token.empty()) req.set("X-Vault-Token", config_.token);
  if (!config_.wrap_ttl.empty()) req.set("X-Vault-Wrap-TTL", config_.wrap_ttl);
  for (const auto& [k, v] : config_.headers) req.set(k, v);
  if (body != nullptr) {
    req.set(http::field::content_type,
            verb == http::verb::patch ? "application/merge-patch+json" : "application/json");
    req.body() = json::serialize(*body);
  } else if (raw_body != nullptr) {
    if (!raw_content_type.empty()) req.set(http::field::content_type, raw_content_type);
    req.body() = std::move(*raw_body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  ARCA_ASSIGN_OR_RETURN(ApiResponse out, impl_->RoundTrip(config_, req, method, url));
  if (!IsRedirect(out.status) || config_.disable_redirects) return out;

  // Vault's client follows one redirect (a standby's 307 to the active node's api_addr): the
  // same method, body and headers (token included) to the Location, on a connection of its
  // own; a redirect from there is returned as it is.
  auto location = out.headers.find("location");
  if (location == out.headers.end() || location->second.empty()) return out;
  std::string next_url = location->second;
  if (next_url.starts_with('/')) next_url = t.base + next_url;  // relative: same origin
  auto redirect_error = [&](const std::string& detail) {
    return Unavailable(GoMethod(method) + " \"" + url + "\": " + detail);
  };
  auto next = ParseAddress(next_url);
  if (!next) return redirect_error("invalid redirect location: " + next.error().message());
  if (t.scheme == "https" && next->scheme != "https") {
    return redirect_error("redirect would cause protocol downgrade");
  }
  Impl other;
  other.target = *next;
  if (next->scheme == "https") {
    if (auto st = other.MakeSslContext(config_); !st) return std::unexpected(st.error());
  }
  auto parsed = boost::urls::parse_uri(next_url);
  std::string next_target(parsed->encoded_target());
  if (next_target.empty()) next_target = "/";
  req.target(next_target);
  req.set(http::field::host, next->host_port);
  req.keep_alive(false);
  auto followed = other.RoundTrip(config_, req, method, next_url);
  other.Close();
  return followed;
}

Result<json::object> Client::Call(std::string_view method, std::string_view path,
                                  const json::object* body, const QueryParams& query) {
  ARCA_ASSIGN_OR_RETURN(ApiResponse r, Request(method, path, body, query));
  // A redirect still there after the one followed is an error, not an empty answer.
  if (r.status >= 400 || IsRedirect(r.status)) return std::unexpected(ResponseError(r));
  if (r.json.is_object()) return r.json.as_object();
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  return Internal("unexpected response body from " + r.method + " " + r.url + ": " + r.body);
}

Result<std::optional<json::object>> Client::ToSecret(Result<ApiResponse> r, bool lenient_404) {
  if (!r) return std::unexpected(r.error());
  const ApiResponse& resp = *r;
  bool empty = resp.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (resp.status == 404) {
    if (empty) return std::optional<json::object>();
    json::object o = resp.object();
    auto non_empty = [&](std::string_view key) {
      const json::value* v = o.if_contains(key);
      if (v == nullptr) return false;
      if (v->is_object()) return !v->as_object().empty();
      if (v->is_array()) return !v->as_array().empty();
      return false;
    };
    if (non_empty("data") || non_empty("warnings")) return std::optional<json::object>(o);
    if (lenient_404) return std::optional<json::object>();
  }
  if (resp.status >= 400 || IsRedirect(resp.status)) {
    return std::unexpected(ResponseError(resp));
  }
  if (empty) return std::optional<json::object>();
  if (!resp.json.is_object()) {
    return Internal("unexpected response body from " + resp.method + " " + resp.url + ": " +
                    resp.body);
  }
  return std::optional<json::object>(resp.json.as_object());
}

Result<std::optional<json::object>> Client::Read(std::string_view path, const QueryParams& query) {
  return ToSecret(Request("GET", path, nullptr, query), true);
}

Result<std::optional<json::object>> Client::List(std::string_view path) {
  return ToSecret(Request("LIST", path), true);
}

Result<std::optional<json::object>> Client::Write(std::string_view path, const json::object& data) {
  return ToSecret(Request("PUT", path, &data), false);
}

Result<std::optional<json::object>> Client::Delete(std::string_view path,
                                                   const QueryParams& query) {
  return ToSecret(Request("DELETE", path, nullptr, query), false);
}

}  // namespace arca::api
