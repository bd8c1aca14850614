#include "api/http_pool.h"

#include "api/asio_util.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <mutex>
#include <optional>

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

bool IsStaleConnectionError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated || ec == http::error::partial_message;
}

// One connection with its own io_context: used by one thread at a time (it is either in the
// idle list or held by exactly one Post call).
struct Conn {
  net::io_context ioc;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  ~Conn() {
    if (plain || tls) {
      error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().socket().close(ignored);
    }
  }
};

}  // namespace

struct HttpPool::Impl {
  std::string origin;
  std::string scheme, host, port, host_port;
  HttpPoolOptions options;
  std::unique_ptr<ssl::context> ssl_ctx;
  std::mutex mu;                            // guards idle
  std::vector<std::unique_ptr<Conn>> idle;  // connections no call is using

  std::unique_ptr<Conn> TakeIdle() {
    std::lock_guard lock(mu);
    if (idle.empty()) return nullptr;
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }
  void GiveBack(std::unique_ptr<Conn> c) {
    std::lock_guard lock(mu);
    if (idle.size() < options.max_idle) idle.push_back(std::move(c));
  }

  // Opens a connection; on failure returns the reason in Go's wording.
  Result<std::unique_ptr<Conn>> Connect(HttpPoolFailure* failure) {
    auto c = std::make_unique<Conn>();
    tcp::resolver resolver(c->ioc);
    tcp::resolver::results_type endpoints;
    error_code ec = RunIo(c->ioc, [&](auto handler) {
      resolver.async_resolve(host, port, [&, handler](error_code e, auto results) mutable {
        endpoints = results;
        handler(e);
      });
    });
    if (ec) return Unavailable("dial tcp: lookup " + host + ": no such host");
    auto stream = std::make_unique<beast::tcp_stream>(c->ioc);
    stream->expires_after(options.timeout);
    ec = RunIo(c->ioc, [&](auto handler) { stream->async_connect(endpoints, handler); });
    if (ec == beast::error::timeout) return Unavailable("dial tcp " + host_port + ": i/o timeout");
    if (ec == net::error::connection_refused) *failure = HttpPoolFailure::kRefused;
    if (ec) return Unavailable("dial tcp " + host_port + ": connect: " + LowerFirst(ec.message()));
    stream->socket().set_option(tcp::no_delay(true), ec);
    if (scheme == "http") {
      c->plain = std::move(stream);
      return c;
    }
    auto s = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *ssl_ctx);
    error_code addr_ec;
    net::ip::make_address(host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(s->native_handle(), host.c_str());
    s->set_verify_callback(
        ssl::host_name_verification(options.server_name.empty() ? host : options.server_name));
    beast::get_lowest_layer(*s).expires_after(options.timeout);
    ec =
        RunIo(c->ioc, [&](auto handler) { s->async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      long verify = SSL_get_verify_result(s->native_handle());
      if (verify != X509_V_OK) {
        return Unavailable(std::string("tls: failed to verify certificate: x509: ") +
                           X509_verify_cert_error_string(verify));
      }
      if (ec == beast::error::timeout) return Unavailable("net/http: TLS handshake timeout");
      return Unavailable("tls: " + LowerFirst(ec.message()));
    }
    c->tls = std::move(s);
    return c;
  }

  template <typename Stream>
  error_code Exchange(Conn& c, Stream& s, http::request<http::string_body>& req,
                      http::response_parser<http::string_body>& parser) {
    c.lowest().expires_after(options.timeout);
    error_code ec = RunIo(c.ioc, [&](auto handler) { http::async_write(s, req, handler); });
    if (ec) return ec;
    c.lowest().expires_after(options.timeout);
    return RunIo(c.ioc, [&](auto handler) { http::async_read(s, c.buffer, parser, handler); });
  }
};

HttpPool::HttpPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpPool::~HttpPool() = default;

const std::string& HttpPool::origin() const { return impl_->origin; }

Result<std::unique_ptr<HttpPool>> HttpPool::Create(std::string_view origin,
                                                   HttpPoolOptions options) {
  auto u = boost::urls::parse_uri(origin);
  if (!u) {
    return InvalidRequest("invalid address \"" + std::string(origin) +
                          "\": " + u.error().message());
  }
  auto impl = std::make_unique<Impl>();
  impl->scheme = std::string(u->scheme());
  for (auto& ch : impl->scheme) ch = static_cast<char>(std::tolower(ch));
  if (impl->scheme != "http" && impl->scheme != "https") {
    return InvalidRequest("unsupported protocol scheme \"" + impl->scheme + "\" in address \"" +
                          std::string(origin) + "\"");
  }
  impl->host = std::string(u->host_address());
  if (impl->host.empty()) {
    return InvalidRequest("no host in address \"" + std::string(origin) + "\"");
  }
  std::string path(u->encoded_path());
  if (!(path.empty() || path == "/") || u->has_query() || u->has_userinfo()) {
    return InvalidRequest("address \"" + std::string(origin) +
                          "\" must be scheme://host:port without a path, query or user");
  }
  impl->port = u->has_port() ? std::string(u->port()) : (impl->scheme == "https" ? "443" : "80");
  std::string printable(u->encoded_host_and_port());
  impl->host_port = u->has_port() ? printable : printable + ":" + impl->port;
  impl->origin = impl->scheme + "://" + printable;
  impl->options = std::move(options);
  if (impl->scheme == "https" || !impl->options.cert_file.empty() ||
      !impl->options.cert_pem.empty()) {
    const HttpPoolOptions& o = impl->options;
    try {
      auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (!o.ca_pem.empty()) {
        ctx->add_certificate_authority(net::buffer(o.ca_pem));
      } else if (!o.ca_file.empty()) {
        ctx->load_verify_file(o.ca_file);
      } else {
        ctx->set_default_verify_paths();
      }
      if (!o.cert_pem.empty()) ctx->use_certificate_chain(net::buffer(o.cert_pem));
      if (!o.cert_file.empty()) ctx->use_certificate_chain_file(o.cert_file);
      if (o.key_pem && !o.key_pem->empty()) {
        ctx->use_private_key(net::buffer(o.key_pem->view().data(), o.key_pem->size()),
                             ssl::context::pem);
      }
      if (!o.key_file.empty()) ctx->use_private_key_file(o.key_file, ssl::context::pem);
      ctx->set_verify_mode(ssl::verify_peer);
      impl->ssl_ctx = std::move(ctx);
      impl->options.key_pem.reset();  // the context holds the key now
    } catch (const boost::system::system_error& e) {
      return InvalidRequest("error configuring TLS (ca \"" + o.ca_file + "\", cert \"" +
                            o.cert_file + "\", key \"" + o.key_file + "\"): " + e.code().message());
    }
  }
  return std::unique_ptr<HttpPool>(new HttpPool(std::move(impl)));
}

void HttpPool::CloseIdle() {
  std::vector<std::unique_ptr<Conn>> dropped;
  std::lock_guard lock(impl_->mu);
  dropped.swap(impl_->idle);
}

Result<HttpPoolResponse> HttpPool::Post(
    std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  bool has_type = false;
  for (const auto& [k, v] : headers) has_type = has_type || beast::iequals(k, "content-type");
  if (has_type) return Send("POST", target, body, headers);
  auto all = headers;
  all.emplace(all.begin(), "Content-Type", "application/json");
  return Send("POST", target, body, all);
}

Result<HttpPoolResponse> HttpPool::Send(
    std::string_view method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers, HttpPoolFailure* failure) {
  Impl& im = *impl_;
  HttpPoolFailure ignored_failure;
  if (!failure) failure = &ignored_failure;
  *failure = HttpPoolFailure::kNone;
  const std::string url = im.origin + std::string(target);
  std::string verb_text(method);
  for (auto& ch : verb_text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string go_method = verb_text.substr(0, 1);
  for (size_t i = 1; i < verb_text.size(); ++i) {
    go_method += static_cast<char>(std::tolower(static_cast<unsigned char>(verb_text[i])));
  }
  auto fail = [&](const std::string& detail) {
    if (*failure == HttpPoolFailure::kNone) *failure = HttpPoolFailure::kOther;
    return Unavailable(go_method + " \"" + url + "\": " + detail);
  };
  http::request<http::string_body> req;
  req.method_string(verb_text);
  req.target(target);
  req.version(11);
  req.set(http::field::host, im.host_port);
  for (const auto& [k, v] : headers) req.insert(k, v);
  req.body() = std::string(body);
  req.keep_alive(true);
  if (!body.empty() || verb_text == "POST" || verb_text == "PUT" || verb_text == "PATCH") {
    req.prepare_payload();
  }

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Conn> conn = attempt == 0 ? im.TakeIdle() : nullptr;
    const bool reused = conn != nullptr;
    if (!reused) {
      auto made = im.Connect(failure);
      if (!made) return fail(made.error().message());
      conn = std::move(*made);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(im.options.max_body);
    if (verb_text == "HEAD") parser.skip(true);
    error_code ec = conn->tls ? im.Exchange(*conn, *conn->tls, req, parser)
                              : im.Exchange(*conn, *conn->plain, req, parser);
    if (ec) {
      conn.reset();
      if (reused && attempt == 0 && !parser.is_header_done() && IsStaleConnectionError(ec)) {
        // The server closed the idle keep-alive connection (idle timeout, or it restarted, in
        // which case every idle connection is dead): drop them all and dial again, once.
        CloseIdle();
        continue;
      }
      if (ec == beast::error::timeout) return fail("context deadline exceeded");
      if (ec == http::error::body_limit) {
        return fail("response body larger than " + std::to_string(im.options.max_body) + " bytes");
      }
      return fail(LowerFirst(ec.message()));
    }
    auto res = parser.release();
    HttpPoolResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (res.keep_alive()) {
      conn->buffer.clear();
      im.GiveBack(std::move(conn));
    }
    return out;
  }
  return fail("connection closed by the server");
}

}  // namespace arca::api
