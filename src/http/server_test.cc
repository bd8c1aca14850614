// Socket tests of http::Server with a fake Handler on 127.0.0.1:0 and a small Beast client.
#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/uuid.h"
#include "http/test_certs.h"

namespace arca::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;
using std::chrono::seconds;

using HttpResponse = bhttp::response<bhttp::string_body>;

// Polls `done` (observable state without a hook to wait on) until it holds or a generous
// deadline passes. Returns whether it held.
template <class Pred>
bool Eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// ---- a stream source the test drives ----

struct StreamControl {
  std::mutex mu;
  std::string pending;          // guarded by mu
  bool ended = false;           // guarded by mu
  std::function<void()> wake;   // guarded by mu
  std::atomic<bool> created{false};
  std::atomic<bool> destroyed{false};

  void Push(std::string data, bool end = false) {
    std::lock_guard lock(mu);
    pending += data;
    ended = end;
    if (wake) wake();
  }
};

class TestStreamSource final : public logical::StreamSource {
 public:
  explicit TestStreamSource(std::shared_ptr<StreamControl> c) : c_(std::move(c)) {
    c_->created = true;
  }
  ~TestStreamSource() override {
    {
      std::lock_guard lock(c_->mu);
      c_->wake = nullptr;
    }
    c_->destroyed = true;
  }
  std::string content_type() const override { return "text/plain; charset=utf-8"; }
  bool Read(std::string& out) override {
    std::lock_guard lock(c_->mu);
    out += c_->pending;
    c_->pending.clear();
    return !c_->ended;
  }
  void SetWaker(std::function<void()> wake) override {
    std::lock_guard lock(c_->mu);
    c_->wake = std::move(wake);
  }

 private:
  std::shared_ptr<StreamControl> c_;
};

// ---- fake handler ----

class FakeHandler : public Handler {
 public:
  Result<logical::Response> Handle(logical::Request& req) override {
    {
      std::unique_lock lock(mu_);
      ++calls_;
      last_ = req;
      threads_[req.path].insert(std::this_thread::get_id());
      if (req.path == "block") {
        ++blocked_;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
        --blocked_;
      }
    }
    req.mount_type = "system";
    if (req.path == "sys/health") {
      return logical::Response::WithData({{"initialized", true}});
    }
    if (req.path == "secret/") return logical::Response::ListResponse({"a", "b/"});
    if (req.path == "denied") return PermissionDenied();
    // A read-serving standby that finds it must forward (ForwardToActive; see TakesRaw).
    if (req.path.ends_with("forward-me") || req.path == "forward-declined") {
      return ForwardToActive("needs the active node");
    }
    if (req.path == "stream") {
      logical::Response r;
      r.stream = std::make_shared<TestStreamSource>(stream_);
      return r;
    }
    if (req.path == "throw") throw std::runtime_error("boom");
    if (req.path == "bad-status") {
      logical::Response r;
      r.raw = logical::RawBody{1000, "text/plain", "x"};
      return r;
    }
    if (req.path == "bad-header") {
      logical::Response r = logical::Response::WithData({{"a", 1}});
      r.headers = {{"X-Ok", "yes"}, {"X-Evil", "a\r\nSet-Cookie: x=1"}};
      return r;
    }
    return logical::Response::WithData({{"path", req.path}});
  }

  // The raw hook takes only the second call of a request that answered ForwardToActive.
  bool TakesRaw(const RawRequest& req) const override {
    return req.forward && (req.target.find("forward-me") != std::string_view::npos ||
                           req.target.find("forward-declined") != std::string_view::npos);
  }
  RawResponse HandleRaw(const RawRequest& req) override {
    ++raw_calls_;
    if (req.target.find("forward-declined") != std::string_view::npos) return RawResponse{0, {}, {}};
    return RawResponse{299, {{"X-Relayed", std::string(req.method)}}, "relayed " + std::string(req.body)};
  }
  int raw_calls() const { return raw_calls_.load(); }

  // Paths under "inline/" (and "throw" when inline_throw_ is set) run on the I/O thread.
  bool RunsInline(const logical::Request& req) const override {
    return req.path.starts_with("inline/") || (inline_throw_ && req.path == "throw");
  }
  void SetInlineThrow() { inline_throw_ = true; }
  StreamControl& stream() { return *stream_; }
  // The threads that ran requests for `path`.
  std::set<std::thread::id> threads(const std::string& path) {
    std::lock_guard lock(mu_);
    return threads_[path];
  }

  // Waits until `n` handler calls are blocked on path "block".
  bool WaitForBlocked(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(10), [&] { return blocked_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  logical::Request last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  int blocked_ = 0;
  bool released_ = false;
  logical::Request last_;
  std::map<std::string, std::set<std::thread::id>> threads_;
  std::atomic<bool> inline_throw_{false};
  std::atomic<int> raw_calls_{0};
  std::shared_ptr<StreamControl> stream_ = std::make_shared<StreamControl>();
};

// ---- client ----

bhttp::request<bhttp::string_body> MakeRequest(std::string_view method, std::string_view target,
                                               std::string body = {}) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// A blocking client over Stream: each operation runs a private io_context until it completes
// (bounded by a 10 s stream timeout).
template <class Stream>
class Client {
 public:
  explicit Client(uint16_t port) requires std::is_same_v<Stream, beast::tcp_stream>
      : stream_(ioc_) {
    connect_ec_ = Connect(port);
  }
  Client(uint16_t port, net::ssl::context& ctx) requires(!std::is_same_v<Stream, beast::tcp_stream>)
      : stream_(ioc_, ctx) {
    connect_ec_ = Connect(port);
    if (!connect_ec_) {
      connect_ec_ = Run([&](auto h) { stream_.async_handshake(net::ssl::stream_base::client, h); });
    }
  }

  error_code connect_error() const { return connect_ec_; }

  error_code Send(bhttp::request<bhttp::string_body> req, HttpResponse& res) {
    bool head = req.method() == bhttp::verb::head;
    if (auto ec = Run([&](auto h) { bhttp::async_write(stream_, req, h); })) return ec;
    return Read(res, head);
  }

  error_code Read(HttpResponse& res, bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 * 1024 * 1024);
    auto ec = Run([&](auto h) { bhttp::async_read(stream_, buffer_, parser, h); });
    if (!ec) res = parser.release();
    return ec;
  }

  // Raw bytes, for partial requests.
  error_code WriteRaw(std::string_view bytes) {
    return Run([&](auto h) { net::async_write(stream_, net::buffer(bytes), h); });
  }

  // Appends what arrives in one read to `out`.
  error_code ReadSome(std::string& out) {
    char buf[4096];
    size_t got = 0;
    auto ec = Run([&](auto h) {
      stream_.async_read_some(net::buffer(buf), [&got, h](error_code e, size_t n) mutable {
        got = n;
        h(e);
      });
    });
    out.append(buf, got);
    return ec;
  }
  // Reads until `out` contains `needle`; false on an error first.
  bool ReadUntil(std::string& out, std::string_view needle) {
    while (out.find(needle) == std::string::npos) {
      if (ReadSome(out)) return false;
    }
    return true;
  }
  void Close() {
    error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  // True when the server closed the connection (a read returns EOF or an error).
  bool ServerClosed() {
    char byte;
    auto ec = Run([&](auto h) { stream_.async_read_some(net::buffer(&byte, 1), h); });
    return ec && ec != beast::error::timeout;
  }

 private:
  error_code Connect(uint16_t port) {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    return Run([&](auto h) { beast::get_lowest_layer(stream_).async_connect(ep, h); });
  }

  template <class Initiate>
  error_code Run(Initiate initiate) {
    error_code result;
    beast::get_lowest_layer(stream_).expires_after(seconds(10));
    initiate([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  net::io_context ioc_;
  Stream stream_;
  beast::flat_buffer buffer_;
  error_code connect_ec_;
};

using PlainClient = Client<beast::tcp_stream>;
using TlsClient = Client<beast::ssl_stream<beast::tcp_stream>>;

json::object BodyJson(const HttpResponse& res) { return json::parse(res.body()).as_object(); }

ListenerOptions PlainListener() {
  ListenerOptions o;
  o.address = "127.0.0.1:0";
  o.tls_disable = true;
  return o;
}

// ---- fixture ----

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions sopts = {}, ListenerOptions lopts = PlainListener()) {
    server_ = std::make_unique<Server>(handler_, sopts);
    auto st = server_->AddListener(lopts);
    ASSERT_TRUE(st.has_value()) << st.error().ToString();
    port_ = server_->BoundPorts().at(0);
    ASSERT_NE(port_, 0);
    server_->Start();
  }
  // Sends GET `target` on a new connection from another thread; the status, or -1.
  std::future<int> GetAsync(std::string target) {
    return std::async(std::launch::async, [this, target] {
      PlainClient c(port_);
      HttpResponse r;
      auto ec = c.Send(MakeRequest("GET", target), r);
      return ec ? -1 : static_cast<int>(r.result_int());
    });
  }
  void TearDown() override {
    handler_.Release();
    if (server_) server_->Stop(seconds(1));
  }

  FakeHandler handler_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, KeepAliveConnectionServesManyRequests) {
  StartServer();
  PlainClient client(port_);
  ASSERT_FALSE(client.connect_error());
  for (int i = 0; i < 3; ++i) {
    auto req = MakeRequest("GET", "/v1/sys/health");
    req.set("X-Vault-Token", "hvs.test");
    HttpResponse res;
    ASSERT_FALSE(client.Send(req, res)) << "request " << i;
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    auto body = BodyJson(res);
    EXPECT_EQ(body.at("data"), json::parse(R"({"initialized":true})"));
    EXPECT_TRUE(IsUuid(body.at("request_id").as_string()));
    EXPECT_EQ(body.at("mount_type"), "system");
  }
  auto seen = handler_.last();
  EXPECT_EQ(seen.client_token, "hvs.test");
  EXPECT_EQ(seen.remote_addr, "127.0.0.1");
  EXPECT_EQ(seen.operation, logical::Operation::kRead);

  // The same connection carries HEAD, LIST, errors and non-API targets.
  HttpResponse head;
  ASSERT_FALSE(client.Send(MakeRequest("HEAD", "/v1/sys/health"), head));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_TRUE(head.body().empty());

  HttpResponse list;
  ASSERT_FALSE(client.Send(MakeRequest("LIST", "/v1/secret"), list));
  EXPECT_EQ(list.result_int(), 200);
  EXPECT_EQ(BodyJson(list).at("data"), json::parse(R"({"keys":["a","b/"]})"));
  EXPECT_EQ(handler_.last().operation, logical::Operation::kList);

  HttpResponse bad_json;
  ASSERT_FALSE(client.Send(MakeRequest("POST", "/v1/secret/x", "{nope"), bad_json));
  EXPECT_EQ(bad_json.result_int(), 400);

  HttpResponse denied;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/denied"), denied));
  EXPECT_EQ(denied.result_int(), 403);
  EXPECT_EQ(denied.body(), R"({"errors":["permission denied"]})");

  HttpResponse ui;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/ui/"), ui));
  EXPECT_EQ(ui.result_int(), 404);
  EXPECT_EQ(ui.body(), R"({"errors":[]})");

  HttpResponse traversal;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/secret/%2e%2e/sys/seal"), traversal));
  EXPECT_EQ(traversal.result_int(), 400);
  EXPECT_EQ(traversal.body(), R"({"errors":["invalid request path"]})");

  EXPECT_EQ(handler_.calls(), 6);  // 3 health + HEAD + LIST + denied
}

TEST_F(ServerTest, RequestsInPiecesPipelinedAndChunkedAreRead) {
  StartServer();
  PlainClient client(port_);
  // A request whose header and body arrive in several reads. Two splits are forced without
  // timing: the header's first bytes ride behind a complete request, so the server has read
  // them once that request is answered; and the body follows "100 Continue", which the server
  // writes only when the whole header is in. (The body's own two writes may be merged by TCP.)
  const std::string body = R"({"k":"v","n":1})";
  const std::string head =
      "POST /v1/secret/pieces HTTP/1.1\r\nHost: x\r\nX-Vault-Token: t1\r\n"
      "X-Multi: a\r\nx-multi: b\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_FALSE(client.WriteRaw("GET /v1/before HTTP/1.1\r\nHost: x\r\n\r\n" + head.substr(0, 7)));
  HttpResponse before;
  ASSERT_FALSE(client.Read(before));
  EXPECT_EQ(BodyJson(before).at("data").at("path"), "before");
  EXPECT_EQ(handler_.calls(), 1);  // the partial request has not reached the handler
  ASSERT_FALSE(client.WriteRaw(std::string_view(head).substr(7)));
  HttpResponse interim;
  ASSERT_FALSE(client.Read(interim));
  EXPECT_EQ(interim.result_int(), 100);
  EXPECT_EQ(handler_.calls(), 1);
  ASSERT_FALSE(client.WriteRaw(std::string_view(body).substr(0, 5)));
  ASSERT_FALSE(client.WriteRaw(std::string_view(body).substr(5)));
  HttpResponse res;
  ASSERT_FALSE(client.Read(res));
  EXPECT_EQ(res.result_int(), 200);
  logical::Request seen = handler_.last();
  EXPECT_EQ(seen.path, "secret/pieces");
  EXPECT_EQ(json::serialize(seen.data), body);
  EXPECT_EQ(seen.client_token, "t1");
  EXPECT_EQ(seen.headers["x-multi"], (std::vector<std::string>{"a", "b"}));

  // Two requests in one write are answered in order on the same connection.
  ASSERT_FALSE(client.WriteRaw(
      "GET /v1/first HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/second HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse first, second;
  ASSERT_FALSE(client.Read(first));
  ASSERT_FALSE(client.Read(second));
  EXPECT_EQ(BodyJson(first).at("data").at("path"), "first");
  EXPECT_EQ(BodyJson(second).at("data").at("path"), "second");

  // A chunked body.
  ASSERT_FALSE(client.WriteRaw(
      "PUT /v1/secret/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n{\"a\"\r\n6\r\n:\"bc\"}\r\n0\r\n\r\n"));
  HttpResponse chunked;
  ASSERT_FALSE(client.Read(chunked));
  EXPECT_EQ(chunked.result_int(), 200);
  EXPECT_EQ(json::serialize(handler_.last().data), R"({"a":"bc"})");
  EXPECT_EQ(handler_.calls(), 5);
}

TEST_F(ServerTest, ReadTimeoutClosesAStalledRequest) {
  ListenerOptions lopts = PlainListener();
  lopts.http_read_timeout = seconds(1);
  StartServer({}, lopts);
  // The header never ends.
  PlainClient stalled_header(port_);
  ASSERT_FALSE(stalled_header.WriteRaw("GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stalled_header.ServerClosed());
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, milliseconds(700));
  EXPECT_LT(waited, seconds(5));
  // The body never ends.
  PlainClient stalled_body(port_);
  ASSERT_FALSE(stalled_body.WriteRaw(
      "PUT /v1/secret/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"a\""));
  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stalled_body.ServerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  EXPECT_EQ(handler_.calls(), 0);
  // A connection that keeps to the timeout is served.
  PlainClient ok(port_);
  HttpResponse res;
  ASSERT_FALSE(ok.Send(MakeRequest("GET", "/v1/sys/health"), res));
  EXPECT_EQ(res.result_int(), 200);
}

TEST_F(ServerTest, RejectedMethodsNeverReachTheHandler) {
  StartServer();
  PlainClient client(port_);
  HttpResponse brew;
  ASSERT_FALSE(client.Send(MakeRequest("BREW", "/v1/coffee"), brew));
  EXPECT_EQ(brew.result_int(), 405);
  EXPECT_EQ(brew.body(), R"({"errors":[]})");

  HttpResponse patch;
  ASSERT_FALSE(client.Send(MakeRequest("PATCH", "/v1/secret/data/x", R"({"a":1})"), patch));
  EXPECT_EQ(patch.result_int(), 415);
  EXPECT_EQ(patch.body(),
            R"({"errors":["PATCH requires Content-Type application/merge-patch+json"]})");
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(ServerTest, OversizeHeadersAndMalformedRequestsAreRejected) {
  StartServer();
  PlainClient big(port_);
  auto req = MakeRequest("GET", "/v1/sys/health");
  for (int i = 0; i < 10; ++i) req.set("X-Big-" + std::to_string(i), std::string(8 * 1024, 'a'));
  HttpResponse res;
  ASSERT_FALSE(big.Send(req, res));
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_TRUE(big.ServerClosed());

  PlainClient garbage(port_);
  ASSERT_FALSE(garbage.WriteRaw("GET /v1/sys/health HTTP/1.1\r\nBad Header\r\n\r\n"));
  HttpResponse bad;
  ASSERT_FALSE(garbage.Read(bad));
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_TRUE(garbage.ServerClosed());
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(ServerTest, HandlerMistakesAreContained) {
  StartServer();
  PlainClient client(port_);
  HttpResponse thrown;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/throw"), thrown));
  EXPECT_EQ(thrown.result_int(), 500);
  EXPECT_EQ(thrown.body(), R"({"errors":["internal error"]})");
  HttpResponse bad_status;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/bad-status"), bad_status));
  EXPECT_EQ(bad_status.result_int(), 500);
  HttpResponse bad_header;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/bad-header"), bad_header));
  EXPECT_EQ(bad_header.result_int(), 200);
  EXPECT_EQ(bad_header["X-Ok"], "yes");
  EXPECT_EQ(bad_header.count("X-Evil"), 0u);
  EXPECT_EQ(bad_header.count(bhttp::field::set_cookie), 0u);
}

TEST_F(ServerTest, ForwardToActiveGoesThroughTheRawHookASecondTime) {
  StartServer();
  PlainClient client(port_);
  HttpResponse fwd;
  auto req = MakeRequest("PUT", "/v1/forward-me");
  req.body() = R"({"a":1})";
  req.prepare_payload();
  ASSERT_FALSE(client.Send(req, fwd));
  EXPECT_EQ(fwd.result_int(), 299);
  EXPECT_EQ(fwd.body(), R"(relayed {"a":1})");
  EXPECT_EQ(fwd["X-Relayed"], "PUT");
  EXPECT_EQ(handler_.raw_calls(), 1);
  // From an inline request too (the second call runs on a worker).
  HttpResponse inl;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/inline/forward-me"), inl));
  EXPECT_EQ(inl.result_int(), 299);
  EXPECT_EQ(handler_.raw_calls(), 2);
  // The hook declines: the first answer stands (503 if it ever reaches a client).
  HttpResponse declined;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/forward-declined"), declined));
  EXPECT_EQ(declined.result_int(), 503);
  EXPECT_NE(declined.body().find("needs the active node"), std::string::npos) << declined.body();
  EXPECT_EQ(handler_.raw_calls(), 3);
  // Other requests never see the raw hook.
  HttpResponse plain;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/sys/health"), plain));
  EXPECT_EQ(plain.result_int(), 200);
  EXPECT_EQ(handler_.raw_calls(), 3);
}

TEST_F(ServerTest, OversizeBodyIs413AndClosesTheConnection) {
  ListenerOptions lopts = PlainListener();
  lopts.max_request_size = 1024;
  StartServer({}, lopts);

  PlainClient small(port_);
  HttpResponse ok;
  ASSERT_FALSE(small.Send(MakeRequest("POST", "/v1/secret/x", R"({"a":"b"})"), ok));
  EXPECT_EQ(ok.result_int(), 200);

  PlainClient client(port_);
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("POST", "/v1/secret/x", std::string(8192, 'x')), res));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res.body(), R"({"errors":["http: request body too large"]})");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_EQ(handler_.calls(), 1);
}

TEST_F(ServerTest, AHugeDeclaredBodyReservesNoMemoryUpFront) {
  ListenerOptions lopts = PlainListener();
  lopts.max_request_size = std::numeric_limits<uint64_t>::max();  // "no limit"
  StartServer({}, lopts);
  // Four exabytes declared, one byte sent: nothing may be allocated for the declared size.
  // The server answers "100 Continue" after the body's set-up (where the reservation is made),
  // so once it arrives the header has been fully processed.
  PlainClient huge(port_);
  ASSERT_FALSE(
      huge.WriteRaw("PUT /v1/secret/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    "Content-Length: 4611686018427387904\r\n\r\n"));
  HttpResponse interim;
  ASSERT_FALSE(huge.Read(interim));
  EXPECT_EQ(interim.result_int(), 100);
  ASSERT_FALSE(huge.WriteRaw("{"));
  PlainClient other(port_);
  HttpResponse res;
  ASSERT_FALSE(other.Send(MakeRequest("GET", "/v1/sys/health"), res));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(handler_.calls(), 1);
}

TEST_F(ServerTest, WritesRunOnTheirOwnPool) {
  StartServer({.io_threads = 1, .worker_threads = 1, .write_worker_threads = 2,
               .max_queued_requests = 1});
  auto blocked = GetAsync("/v1/block");
  ASSERT_TRUE(handler_.WaitForBlocked(1));
  // The read pool's only worker is stuck; a write is still answered.
  PlainClient client(port_);
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("POST", "/v1/secret/x", R"({"a":"b"})"), res));
  EXPECT_LT(res.result_int(), 500);
  handler_.Release();
  EXPECT_EQ(blocked.get(), 200);
}

TEST_F(ServerTest, InlineRequestsRunOnTheIoThreadsAndOthersUseThePools) {
  StartServer(
      {.io_threads = 2, .worker_threads = 1, .write_worker_threads = 1, .max_queued_requests = 1});
  handler_.SetInlineThrow();
  // The read pool's only worker is stuck and its queue holds one more request: an inline
  // request is still answered (it never reaches the pool), a pooled one is refused.
  auto blocked = GetAsync("/v1/block");
  ASSERT_TRUE(handler_.WaitForBlocked(1));
  auto queued = GetAsync("/v1/queued");
  ASSERT_TRUE(Eventually([&] { return server_->QueuedRequests() == 1; }));
  // Four connections: dealt round-robin, they land on both I/O threads.
  for (int conn = 0; conn < 4; ++conn) {
    PlainClient client(port_);
    for (int i = 0; i < 5; ++i) {
      HttpResponse res;
      ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/inline/x"), res));
      EXPECT_EQ(res.result_int(), 200);
    }
  }
  EXPECT_EQ(handler_.threads("inline/x").size(), 2u);
  EXPECT_FALSE(handler_.threads("inline/x").contains(*handler_.threads("block").begin()));
  PlainClient client(port_);
  HttpResponse refused;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/pooled"), refused));
  EXPECT_EQ(refused.result_int(), 503);
  // A write still runs on its own pool.
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("POST", "/v1/secret/x", R"({"a":"b"})"), res));
  EXPECT_LT(res.result_int(), 500);
  // A handler that throws on the I/O thread is contained like on a worker.
  HttpResponse bad;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/throw"), bad));
  EXPECT_EQ(bad.result_int(), 500);
  handler_.Release();
  EXPECT_EQ(blocked.get(), 200);
  EXPECT_EQ(queued.get(), 200);
}

TEST_F(ServerTest, InlineRequestsCanBeSwitchedOff) {
  StartServer(
      {.io_threads = 1, .worker_threads = 1, .max_queued_requests = 1, .inline_requests = false});
  PlainClient client(port_);
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/inline/x"), res));
  EXPECT_EQ(res.result_int(), 200);
  auto ran_on = handler_.threads("inline/x");
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/other"), res));
  // Both ran on the read pool's one worker.
  EXPECT_EQ(ran_on, handler_.threads("other"));
}

TEST_F(ServerTest, QueueFullIs503WithRetryAfter) {
  StartServer({.io_threads = 1, .worker_threads = 1, .max_queued_requests = 1});
  auto blocked = GetAsync("/v1/block");
  ASSERT_TRUE(handler_.WaitForBlocked(1));
  auto queued = GetAsync("/v1/queued");
  ASSERT_TRUE(Eventually([&] { return server_->QueuedRequests() == 1; }));

  PlainClient client(port_);
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/rejected"), res));
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res[bhttp::field::retry_after], "1");
  EXPECT_EQ(res.body(), R"({"errors":["server is overloaded, retry later"]})");

  handler_.Release();
  EXPECT_EQ(blocked.get(), 200);
  EXPECT_EQ(queued.get(), 200);
  EXPECT_EQ(handler_.calls(), 2);
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequestAndClosesIdleConnections) {
  StartServer();
  PlainClient idle(port_);
  HttpResponse first;
  ASSERT_FALSE(idle.Send(MakeRequest("GET", "/v1/sys/health"), first));

  auto in_flight = std::async(std::launch::async, [&] {
    PlainClient c(port_);
    HttpResponse r;
    auto ec = c.Send(MakeRequest("GET", "/v1/block"), r);
    return std::make_pair(ec ? -1 : r.result_int(), r.keep_alive());
  });
  ASSERT_TRUE(handler_.WaitForBlocked(1));

  auto start = std::chrono::steady_clock::now();
  auto stopper = std::async(std::launch::async, [&] { server_->Stop(seconds(10)); });
  EXPECT_TRUE(idle.ServerClosed());  // idle keep-alive connection closed promptly
  EXPECT_EQ(stopper.wait_for(milliseconds(200)), std::future_status::timeout);  // still waiting

  handler_.Release();
  auto [status, keep_alive] = in_flight.get();
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(keep_alive);  // Connection: close while shutting down
  stopper.get();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));

  PlainClient late(port_);
  EXPECT_TRUE(late.connect_error());  // no longer accepting
  server_->Stop();                    // idempotent
}

TEST_F(ServerTest, IdleTimeoutClosesKeepAliveConnections) {
  ListenerOptions lopts = PlainListener();
  lopts.http_idle_timeout = seconds(1);
  StartServer({}, lopts);
  PlainClient client(port_);
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/sys/health"), res));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  StartServer();
  PlainClient client(port_);
  std::string body = R"({"k":"v"})";
  ASSERT_FALSE(
      client.WriteRaw("PUT /v1/secret/e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      "Content-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n"));
  HttpResponse interim;
  ASSERT_FALSE(client.Read(interim));
  EXPECT_EQ(interim.result_int(), 100);
  ASSERT_FALSE(client.WriteRaw(body));
  HttpResponse res;
  ASSERT_FALSE(client.Read(res));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(json::serialize(handler_.last().data), body);
}

TEST_F(ServerTest, StreamIsSentChunkedAsItArrivesAndEndsWithTheSource) {
  StartServer();
  PlainClient client(port_);
  ASSERT_FALSE(client.connect_error());
  ASSERT_FALSE(client.WriteRaw("GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string raw;
  ASSERT_TRUE(client.ReadUntil(raw, "\r\n\r\n"));
  EXPECT_THAT(raw, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(raw, ::testing::HasSubstr("Transfer-Encoding: chunked\r\n"));
  EXPECT_THAT(raw, ::testing::HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(raw, ::testing::HasSubstr("Cache-Control: no-store\r\n"));
  EXPECT_THAT(raw, ::testing::Not(::testing::HasSubstr("Content-Length")));
  // Each push arrives as its own chunk, while the response is still open.
  handler_.stream().Push("first line\n");
  ASSERT_TRUE(client.ReadUntil(raw, "b\r\nfirst line\n\r\n"));
  handler_.stream().Push("second\n");
  ASSERT_TRUE(client.ReadUntil(raw, "7\r\nsecond\n\r\n"));
  handler_.stream().Push("last\n", /*end=*/true);  // data and the end at once
  ASSERT_TRUE(client.ReadUntil(raw, "5\r\nlast\n\r\n0\r\n\r\n"));
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_EQ(raw.find("last"), raw.rfind("last")) << raw;  // sent once
  EXPECT_TRUE(Eventually([&] { return handler_.stream().destroyed.load(); }));
}

TEST_F(ServerTest, ClientGoingAwayEndsTheStreamWithoutAnyWrite) {
  StartServer();
  PlainClient client(port_);
  ASSERT_FALSE(client.WriteRaw("GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string raw;
  ASSERT_TRUE(client.ReadUntil(raw, "\r\n\r\n"));
  ASSERT_TRUE(handler_.stream().created);
  EXPECT_FALSE(handler_.stream().destroyed);
  client.Close();  // nothing is pushed: only the pending read can notice
  EXPECT_TRUE(Eventually([&] { return handler_.stream().destroyed.load(); }));
}

TEST_F(ServerTest, StopEndsAStreamPromptly) {
  StartServer();
  PlainClient client(port_);
  ASSERT_FALSE(client.WriteRaw("GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string raw;
  ASSERT_TRUE(client.ReadUntil(raw, "\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  server_->Stop(seconds(30));  // the stream must not hold shutdown for the grace period
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
  EXPECT_TRUE(client.ReadUntil(raw, "0\r\n\r\n"));
  EXPECT_TRUE(handler_.stream().destroyed);
}

TEST_F(ServerTest, HeadOfAStreamIsHeadersOnly) {
  StartServer();
  PlainClient client(port_);
  HttpResponse res;
  ASSERT_FALSE(client.Send(MakeRequest("HEAD", "/v1/stream"), res));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(Eventually([&] { return handler_.stream().destroyed.load(); }));
}

TEST(ServerListenerTest, AddListenerErrorsAndPorts) {
  FakeHandler handler;
  Server server(handler, {});
  ASSERT_TRUE(server.AddListener(PlainListener()).has_value());
  ASSERT_TRUE(server.AddListener(PlainListener()).has_value());
  auto ports = server.BoundPorts();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], ports[1]);

  ListenerOptions in_use = PlainListener();
  in_use.address = "127.0.0.1:" + std::to_string(ports[0]);
  auto st = server.AddListener(in_use);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().kind(), ErrorKind::kUnavailable);

  for (std::string addr : {"nonsense", "127.0.0.1:99999", "127.0.0.1:", "::1:80", "[::1:80"}) {
    ListenerOptions bad = PlainListener();
    bad.address = addr;
    auto r = server.AddListener(bad);
    ASSERT_FALSE(r.has_value()) << addr;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << addr;
  }
  ListenerOptions tls;  // TLS enabled without files
  tls.address = "127.0.0.1:0";
  EXPECT_FALSE(server.AddListener(tls).has_value());
  EXPECT_EQ(server.BoundPorts().size(), 2u);
}

TEST(ServerListenerTest, WaitForShutdownSignalReturnsWhenStopped) {
  FakeHandler handler;
  Server server(handler, {});
  ASSERT_TRUE(server.AddListener(PlainListener()).has_value());
  server.Start();
  // Stop must wake a WaitForShutdownSignal that is already waiting. Its SIGHUP callback runs
  // inside the wait, so it tells the stopper when the wait is on. SIGHUP is ignored until the
  // wait installs its handler, so an early one is harmless; the stopper repeats it until seen.
  struct sigaction old_hup {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(sigaction(SIGHUP, &ignore, &old_hup), 0);
  std::promise<void> waiting;
  auto waiting_seen = waiting.get_future();
  std::atomic<bool> hup_seen{false};
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (waiting_seen.wait_for(milliseconds(20)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
      kill(getpid(), SIGHUP);
    }
    stopped = true;
    server.Stop(seconds(1));
  });
  server.WaitForShutdownSignal([&] {
    if (!hup_seen.exchange(true)) waiting.set_value();
  });
  stopper.join();
  sigaction(SIGHUP, &old_hup, nullptr);
  EXPECT_TRUE(hup_seen);  // the wait was running...
  EXPECT_TRUE(stopped);   // ...and returned only after Stop
  PlainClient late(server.BoundPorts()[0]);
  EXPECT_TRUE(late.connect_error());
}

// ---- TLS ----

class TlsServerTest : public ServerTest {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(testing::MakeTestPki()); }
  static void TearDownTestSuite() {
    testing::RemoveTestPki(*pki_);
    delete pki_;
  }
  static ListenerOptions TlsListener() {
    ListenerOptions o;
    o.address = "127.0.0.1:0";
    o.tls_cert_file = pki_->server_cert;
    o.tls_key_file = pki_->server_key;
    return o;
  }
  static std::unique_ptr<net::ssl::context> ClientContext(const std::string& cert = {},
                                                          const std::string& key = {}) {
    auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    ctx->load_verify_file(pki_->ca_cert);
    ctx->set_verify_mode(net::ssl::verify_peer);
    if (!cert.empty()) {
      ctx->use_certificate_chain_file(cert);
      ctx->use_private_key_file(key, net::ssl::context::pem);
    }
    return ctx;
  }
  // A request over a fresh TLS connection; -1 when the handshake or the exchange fails.
  int TlsGet(net::ssl::context& ctx) {
    TlsClient client(port_, ctx);
    if (client.connect_error()) return -1;
    HttpResponse res;
    if (client.Send(MakeRequest("GET", "/v1/sys/health"), res)) return -1;
    return res.result_int();
  }
  static testing::TestPki* pki_;
};
testing::TestPki* TlsServerTest::pki_ = nullptr;

TEST_F(TlsServerTest, ServesOverTls) {
  StartServer({}, TlsListener());
  auto ctx = ClientContext();
  TlsClient client(port_, *ctx);
  ASSERT_FALSE(client.connect_error()) << client.connect_error().message();
  for (int i = 0; i < 2; ++i) {
    HttpResponse res;
    ASSERT_FALSE(client.Send(MakeRequest("GET", "/v1/sys/health"), res));
    EXPECT_EQ(res.result_int(), 200);
  }
  // A plain-HTTP client on the TLS port gets no answer.
  PlainClient plain(port_);
  HttpResponse res;
  EXPECT_TRUE(plain.Send(MakeRequest("GET", "/v1/sys/health"), res));
}

// Vault's default: client certificates are requested, not verified (the cert auth method
// verifies them), and the chain reaches the request; tls_client_ca_file alone changes nothing.
TEST_F(TlsServerTest, ClientCertificatesRequestedNotVerified) {
  for (bool with_ca_file : {false, true}) {
    ListenerOptions o = TlsListener();
    if (with_ca_file) o.tls_client_ca_file = pki_->ca_cert;
    StartServer({}, o);
    auto none = ClientContext();
    auto good = ClientContext(pki_->client_cert, pki_->client_key);
    auto rogue = ClientContext(pki_->rogue_cert, pki_->rogue_key);
    EXPECT_EQ(TlsGet(*none), 200);
    EXPECT_EQ(handler_.last().peer_certificates, nullptr);
    EXPECT_EQ(TlsGet(*good), 200);
    auto chain = handler_.last().peer_certificates;
    ASSERT_NE(chain, nullptr);
    // The client's own certificate first (OpenSSL clients also send the chain they can build).
    ASSERT_GE(chain->size(), 1u);
    EXPECT_EQ((*chain)[0], testing::PemFileToDer(pki_->client_cert));
    EXPECT_EQ(TlsGet(*rogue), 200);
    chain = handler_.last().peer_certificates;
    ASSERT_NE(chain, nullptr);
    EXPECT_EQ((*chain)[0], testing::PemFileToDer(pki_->rogue_cert));
    server_->Stop(seconds(1));
    server_.reset();
  }
}

TEST_F(TlsServerTest, DisabledClientCertificatesAreNotRequested) {
  ListenerOptions o = TlsListener();
  o.tls_disable_client_certs = true;
  StartServer({}, o);
  auto good = ClientContext(pki_->client_cert, pki_->client_key);
  EXPECT_EQ(TlsGet(*good), 200);
  EXPECT_EQ(handler_.last().peer_certificates, nullptr);
}

TEST_F(TlsServerTest, RequiredClientCertificates) {
  ListenerOptions o = TlsListener();
  o.tls_client_ca_file = pki_->ca_cert;
  o.tls_require_and_verify_client_cert = true;
  o.tls_min_version = "tls13";
  StartServer({}, o);
  auto none = ClientContext();
  auto good = ClientContext(pki_->client_cert, pki_->client_key);
  EXPECT_EQ(TlsGet(*none), -1);
  EXPECT_EQ(TlsGet(*good), 200);
  auto chain = handler_.last().peer_certificates;
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->at(0), testing::PemFileToDer(pki_->client_cert));
  auto rogue = ClientContext(pki_->rogue_cert, pki_->rogue_key);
  EXPECT_EQ(TlsGet(*rogue), -1);
}

}  // namespace
}  // namespace arca::http
