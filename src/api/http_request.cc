#include "api/http_request.h"

#include "api/asio_util.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <filesystem>
#include <memory>

#include "common/secure_bytes.h"

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

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "Post", "Get": how Go's net/http names methods in transport errors.
std::string GoMethod(std::string_view m) {
  std::string out(m);
  for (size_t i = 1; i < out.size(); ++i) {
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  }
  return out;
}

Result<std::unique_ptr<ssl::context>> MakeSslContext(const HttpRequestOptions& o) {
  try {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!o.ca_pem.empty()) {
      error_code ec;
      ctx->add_certificate_authority(boost::asio::buffer(o.ca_pem.data(), o.ca_pem.size()), ec);
      if (ec) return InvalidRequest("error loading CA PEM: " + ec.message());
    } else if (o.ca_cert.empty()) {
      ctx->set_default_verify_paths();
    } else if (std::filesystem::is_directory(o.ca_cert)) {
      size_t loaded = 0;
      for (const auto& entry : std::filesystem::directory_iterator(o.ca_cert)) {
        if (!entry.is_regular_file()) continue;
        error_code ec;
        ctx->load_verify_file(entry.path().string(), ec);
        if (!ec) ++loaded;
      }
      if (loaded == 0) {
        return InvalidRequest("no PEM certificate in CA directory \"" + o.ca_cert + "\"");
      }
    } else {
      ctx->load_verify_file(o.ca_cert);
    }
    ctx->set_verify_mode(o.tls_skip_verify ? ssl::verify_none : ssl::verify_peer);
    return ctx;
  } catch (const std::filesystem::filesystem_error& e) {
    return InvalidRequest("error reading CA \"" + o.ca_cert + "\": " + e.code().message());
  } catch (const boost::system::system_error& e) {
    return InvalidRequest("error loading CA \"" + o.ca_cert + "\": " + e.code().message());
  }
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return InvalidRequest("invalid URL \"" + std::string(url) + "\": " + u.error().message());
  HttpUrl out;
  out.scheme = Lower(std::string(u->scheme()));
  if (out.scheme != "http" && out.scheme != "https") {
    return InvalidRequest("unsupported protocol scheme \"" + out.scheme + "\" in URL \"" +
                          std::string(url) + "\"");
  }
  out.host = std::string(u->host_address());
  if (out.host.empty()) return InvalidRequest("no host in URL \"" + std::string(url) + "\"");
  if (u->has_userinfo()) {
    return InvalidRequest("URL \"" + std::string(url) + "\" must not carry user information");
  }
  const std::string default_port = out.scheme == "https" ? "443" : "80";
  out.port = u->has_port() && !u->port().empty() ? std::string(u->port()) : default_port;
  out.host_header = std::string(u->encoded_host());
  if (out.port != default_port) out.host_header += ":" + out.port;
  out.path = std::string(u->encoded_path());
  if (out.path.empty()) out.path = "/";
  if (u->has_query()) out.query = std::string(u->encoded_query());
  return out;
}

Result<HttpResponse> HttpRequest(std::string_view method_in, std::string_view url,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view body, const HttpRequestOptions& options) {
  std::string method(method_in);
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string prefix = GoMethod(method) + " \"" + std::string(url) + "\": ";
  auto transport_error = [&](const std::string& detail) { return Unavailable(prefix + detail); };

  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return InvalidRequest("unsupported HTTP method " + method);
  ARCA_ASSIGN_OR_RETURN(HttpUrl target, ParseHttpUrl(url));
  std::unique_ptr<ssl::context> ssl_ctx;
  if (target.scheme == "https") {
    ARCA_ASSIGN_OR_RETURN(ssl_ctx, MakeSslContext(options));
  }

  std::string request_target = target.path;
  if (!target.query.empty()) request_target += "?" + target.query;
  http::request<http::string_body> req{verb, request_target, 11};
  bool has_host = false;
  for (const auto& [k, v] : headers) {
    if (k.find_first_of("\r\n:") != std::string::npos ||
        v.find_first_of("\r\n") != std::string::npos) {
      return InvalidRequest("invalid HTTP header \"" + k + "\"");
    }
    if (Lower(k) == "host") has_host = true;
    req.insert(k, v);
  }
  if (!has_host) req.set(http::field::host, target.host_header);
  if (req.find(http::field::user_agent) == req.end()) {
    req.set(http::field::user_agent, std::string("Arca/") + ARCA_VERSION);
  }
  req.body() = std::string(body);
  struct WipeOnExit {
    std::string& s;
    ~WipeOnExit() { SecureWipe(s); }
  } wipe_request_body{req.body()};
  req.keep_alive(false);
  req.prepare_payload();

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints;
  error_code ec = RunIo(ioc, [&](auto handler) {
    resolver.async_resolve(target.host, target.port,
                           [&, handler](error_code e, auto results) mutable {
                             endpoints = results;
                             handler(e);
                           });
  });
  if (ec) return transport_error("dial tcp: lookup " + target.host + ": no such host");
  const std::string host_port = target.host.find(':') != std::string::npos
                                    ? "[" + target.host + "]:" + target.port
                                    : target.host + ":" + target.port;
  beast::tcp_stream stream(ioc);
  stream.expires_after(options.timeout);
  ec = RunIo(ioc, [&](auto handler) { stream.async_connect(endpoints, handler); });
  if (ec == beast::error::timeout)
    return transport_error("dial tcp " + host_port + ": i/o timeout");
  if (ec)
    return transport_error("dial tcp " + host_port + ": connect: " + LowerFirst(ec.message()));

  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_body);
  if (verb == http::verb::head) parser.skip(true);
  // The bodies may carry key material (a KMS data key): the read buffer wipes itself when freed,
  // and the request body is wiped once sent.
  beast::basic_flat_buffer<SecureAllocator<char>> buffer;
  auto exchange = [&](auto& s) {
    stream.expires_after(options.timeout);
    error_code e = RunIo(ioc, [&](auto handler) { http::async_write(s, req, handler); });
    if (e) return e;
    stream.expires_after(options.timeout);
    return RunIo(ioc, [&](auto handler) { http::async_read(s, buffer, parser, handler); });
  };
  if (ssl_ctx) {
    beast::ssl_stream<beast::tcp_stream&> tls(stream, *ssl_ctx);
    error_code addr_ec;
    net::ip::make_address(target.host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(tls.native_handle(), target.host.c_str());
    if (!options.tls_skip_verify) tls.set_verify_callback(ssl::host_name_verification(target.host));
    stream.expires_after(options.timeout);
    ec = RunIo(ioc, [&](auto handler) { tls.async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      long verify = SSL_get_verify_result(tls.native_handle());
      if (verify != X509_V_OK) {
        return transport_error(std::string("tls: failed to verify certificate: x509: ") +
                               X509_verify_cert_error_string(verify));
      }
      if (ec == beast::error::timeout) return transport_error("net/http: TLS handshake timeout");
      return transport_error("tls: " + LowerFirst(ec.message()));
    }
    ec = exchange(tls);
  } else {
    ec = exchange(stream);
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
  if (ec == beast::error::timeout) {
    return transport_error(
        "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
  }
  if (ec == http::error::body_limit) {
    return transport_error("response body larger than " + std::to_string(options.max_body) +
                           " bytes");
  }
  if (ec) return transport_error(LowerFirst(ec.message()));

  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
  }
  out.body = std::move(res.body());
  return out;
}

Result<HttpFetchResponse> HttpFetch(const HttpFetchRequest& request) {
  HttpRequestOptions o;
  o.timeout = request.timeout;
  o.ca_pem = request.ca_pem;
  o.max_body = request.max_body;
  ARCA_ASSIGN_OR_RETURN(HttpResponse r,
                        HttpRequest(request.method, request.url, request.headers, request.body, o));
  return HttpFetchResponse{r.status, std::move(r.headers), std::move(r.body)};
}

}  // namespace arca::api
