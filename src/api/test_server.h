// A tiny synchronous HTTP/1.1 (optionally TLS) server for the api/ and cli/ tests, on
// 127.0.0.1:0. One thread serves one connection at a time with keep-alive; the handler decides
// the response. Test-only: not part of the library's API.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace arca::api::testing {

struct SeenRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int connection = 0;  // 1-based index of the connection that carried it
};

struct CannedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  bool close_silently = false;  // answer, then drop the connection without Connection: close
  int delay_ms = 0;             // wait before answering
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
};

class TestServer {
 public:
  using Handler = std::function<CannedResponse(const SeenRequest&)>;

  // `tls` non-null: serve HTTPS with that context (which must outlive the server).
  explicit TestServer(Handler handler, boost::asio::ssl::context* tls = nullptr)
      : handler_(std::move(handler)), tls_(tls), acceptor_(ioc_) {
    namespace net = boost::asio;
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestServer() {
    stop_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket s(ioc_);
    s.connect({boost::asio::ip::make_address("127.0.0.1"),
               static_cast<boost::asio::ip::port_type>(port_)},
              ec);
    thread_.join();
  }

  int port() const { return port_; }
  std::string address() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<SeenRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() const { return connections_; }

 private:
  template <typename Stream>
  void Session(Stream& stream, int conn) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(stream, buf, req, ec);
      if (ec) return;
      SeenRequest seen{
          std::string(req.method_string()), std::string(req.target()), {}, req.body(), conn};
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(c));
        seen.headers[name] = std::string(f.value());
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(seen);
      }
      CannedResponse canned = handler_(seen);
      if (canned.delay_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(canned.delay_ms));
      }
      http::response<http::string_body> res{static_cast<http::status>(canned.status), 11};
      if (!canned.body.empty()) res.set(http::field::content_type, canned.content_type);
      for (const auto& [name, value] : canned.headers) res.set(name, value);
      res.body() = canned.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      if (req.method() == http::verb::head) {
        http::response_serializer<http::string_body> sr(res);
        http::write_header(stream, sr, ec);
      } else {
        http::write(stream, res, ec);
      }
      if (ec || canned.close_silently || !req.keep_alive()) return;
    }
  }

  void Serve() {
    while (!stop_) {
      boost::asio::ip::tcp::socket sock(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) return;
      int conn = ++connections_;
      if (tls_ != nullptr) {
        boost::beast::ssl_stream<boost::asio::ip::tcp::socket> s(std::move(sock), *tls_);
        s.handshake(boost::asio::ssl::stream_base::server, ec);
        if (!ec) Session(s, conn);
      } else {
        Session(sock, conn);
      }
    }
  }

  Handler handler_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<SeenRequest> requests_;
  std::thread thread_;
};

// A port on 127.0.0.1 nobody listens on (bound, then released).
inline int UnusedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A throw-away self-signed EC certificate for IP 127.0.0.1 and DNS arca.test, valid one hour.
struct SelfSigned {
  std::string cert_pem, key_pem;
};

inline SelfSigned MakeSelfSigned() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("arca-test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:arca.test");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, key, EVP_sha256());
  auto to_string = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  SelfSigned out;
  out.cert_pem = to_string([&](BIO* b) { PEM_write_bio_X509(b, x); });
  out.key_pem = to_string(
      [&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace arca::api::testing
