// http::Server on Boost.Beast/Asio with C++20 coroutines.
//
// Shape: one io_context per I/O thread (io_threads of them, each run by its thread alone); per
// listener an acceptor with an accept coroutine on the first, which deals accepted sockets to
// the io_contexts round-robin; per connection a Connection object (shared_ptr) running one
// coroutine on its io_context: [TLS handshake], then a keep-alive loop of read header ->
// [100-continue] -> read body -> translate -> handler (inline, or on a worker pool) ->
// translate -> write. A connection's handlers all run on its one thread, so it needs no strand.
//
// Reading: Beast's HTTP parser (basic_parser) fed from the connection's buffer, with the request
// line, header fields and body kept in storage the connection reuses (RequestParser), so that
// parsing a request allocates nothing once that storage has grown.
//
// Timeouts: a connection records the deadline of its pending read or write (a store, no timer
// operation per request); each event loop sweeps its connections every kSweepInterval while it
// has any, and cancels the operations whose deadline has passed.
//
// Inline requests (Handler::RunsInline: reads of memory and local storage) are handled on the
// I/O thread itself: no wake-up of a worker and no post back, and, with a loop per thread, the
// I/O threads share no scheduler lock. Everything else goes to a worker pool.
//
// Streamed responses (logical::StreamSource, sys/monitor): after the handler answers, the
// connection writes the header with Transfer-Encoding: chunked and then, on its own thread,
// one chunk per batch the source has ready; between batches it waits on a timer that the
// source's waker cancels (posted to the connection's thread). A read kept pending on the
// socket notices the client going away. The stream ends with the source, the client, a failed
// or timed-out write, or server shutdown; the connection is then closed. The source is also
// asked once a second without a wake-up, so that it can end on a condition of its own. No worker thread is
// held while streaming.
//
// The hop to the worker pool allocates nothing of its own: the Connection *is* the pool's
// WorkItem (reused for every request of the connection) and the coroutine's completion handler
// is stored type-erased in an any_completion_handler (allocated from Asio's recycling allocator).
#include "http/server.h"

#include "http/cors.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/log.h"
#include "common/metrics.h"
#include "common/secure_bytes.h"
#include "http/beast_pch.h"
#include "http/cidr.h"
#include "http/tls_config.h"
#include "http/translate.h"
#include "http/worker_pool.h"

namespace arca::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr uint64_t kDefaultMaxRequestSize = 32 * 1024 * 1024;  // when max_request_size is 0
// After an error answer that closes the connection, unread request bytes are drained for a
// while so that the client sees the answer instead of a TCP reset.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kMaxKeptWriteBuffer = 64 * 1024;  // larger response buffers are freed
constexpr size_t kLingerBytes = 4 * 1024 * 1024;
// How long Stop waits for connections to end after they were force-closed.
constexpr auto kForcedCloseWait = std::chrono::seconds(5);
// How often an event loop looks for connections past their deadline (timeouts fire up to this
// late).
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
constexpr int64_t kNoDeadline = INT64_MAX;
constexpr size_t kMaxKeptBody = 64 * 1024;  // larger request body buffers are freed
constexpr uint64_t kMaxReserved = 1024 * 1024;  // most reserved up front for a request body
// A streamed response asks its source again at least this often, even when not woken.
constexpr auto kStreamPoll = std::chrono::seconds(1);

auto Tuple() { return net::as_tuple(net::use_awaitable); }

// Connections use their io_context's executor type directly: no type-erased executor to copy,
// compare and destroy in every operation.
using Exec = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Exec>;
template <class T>
using Task = net::awaitable<T, Exec>;
constexpr net::use_awaitable_t<Exec> kUseTask;
auto TaskTuple() { return net::as_tuple(kUseTask); }

// Milliseconds of the monotonic clock at the kernel tick's resolution (a few ms): cheap enough
// to read for every operation, precise enough for timeouts counted in seconds.
int64_t CoarseNowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The deadline of an operation starting now that may take `timeout`; zero means none (as in
// Go's http.Server).
int64_t DeadlineAfter(std::chrono::milliseconds timeout) {
  return timeout.count() > 0 ? CoarseNowMs() + timeout.count() : kNoDeadline;
}

// Snapshot restores (POST sys/storage/raft/snapshot[-force], sys/storage/snapshot[-force]) carry
// a whole storage: as in Vault, max_request_size does not apply to them, and their body goes to
// an unlinked temporary file (ParsedRequest::body_fd, handed to the handler as
// logical::Request::body_fd) instead of memory.
bool SpoolsBody(std::string_view method, std::string_view target) {
  if (method != "POST" && method != "PUT") return false;
  target = target.substr(0, target.find('?'));
  return target == "/v1/sys/storage/raft/snapshot" ||
         target == "/v1/sys/storage/raft/snapshot-force" || target == "/v1/sys/storage/snapshot" ||
         target == "/v1/sys/storage/snapshot-force";
}

int OpenBodySpool() {
  const char* base = std::getenv("TMPDIR");
  std::string dir = base != nullptr && *base != '\0' ? base : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string tmpl = dir + "/arca-body-XXXXXX";
  fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(tmpl.c_str());
  return fd;
}

// What RequestParser keeps of one request: the request line, the header fields (names and
// values back to back in `text`) and the body. A connection reuses one for all its requests.
struct ParsedRequest {
  struct Field {
    uint32_t name_at, name_size, value_at, value_size;
  };
  std::string method;
  std::string target;
  std::string text;
  std::vector<Field> fields;
  std::string body;
  int body_fd = -1;           // the body spooled to a temporary file (SpoolsBody), or -1
  bool spool_failed = false;  // writing body_fd failed (disk full)

  std::string_view Name(const Field& f) const { return {text.data() + f.name_at, f.name_size}; }
  std::string_view Value(const Field& f) const { return {text.data() + f.value_at, f.value_size}; }
  // The first value of header `name` (any case), or empty.
  std::string_view Find(std::string_view name) const {
    for (const Field& f : fields) {
      if (beast::iequals(Name(f), name)) return Value(f);
    }
    return {};
  }
  // Forgets the request; its bytes (a token, a plaintext) are overwritten, not just released.
  void Clear() {
    SecureWipe(target);
    SecureWipe(text);
    fields.clear();
    SecureWipe(body);
    if (body.capacity() > kMaxKeptBody) std::string().swap(body);
    if (body_fd >= 0) ::close(body_fd);
    body_fd = -1;
    spool_failed = false;
    method.clear();
  }
  // Appends body bytes to memory, or to the spool file.
  void AppendBody(const char* p, size_t n) {
    if (body_fd < 0) {
      body.append(p, n);
      return;
    }
    while (n > 0 && !spool_failed) {
      ssize_t w = ::write(body_fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        spool_failed = true;
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
};

// Beast's HTTP/1.1 request parser writing into a ParsedRequest (Beast's request_parser would
// allocate each header field and the body anew for every request).
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(ParsedRequest& out) : out_(out) { out_.Clear(); }

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int,
                       error_code&) override {
    out_.method.assign(method.data(), method.size());
    out_.target.assign(target.data(), target.size());
    if (SpoolsBody(out_.method, out_.target)) {
      body_limit(boost::none);
      out_.body_fd = OpenBodySpool();
      if (out_.body_fd < 0) out_.spool_failed = true;
    }
  }
  void on_response_impl(int, beast::string_view, int, error_code& ec) override {
    ec = bhttp::error::bad_method;  // a request parser never sees a status line
  }
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    // header_limit bounds the total, so the offsets fit.
    ParsedRequest::Field f{};
    f.name_at = static_cast<uint32_t>(out_.text.size());
    f.name_size = static_cast<uint32_t>(name.size());
    out_.text.append(name.data(), name.size());
    f.value_at = static_cast<uint32_t>(out_.text.size());
    f.value_size = static_cast<uint32_t>(value.size());
    out_.text.append(value.data(), value.size());
    out_.fields.push_back(f);
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<uint64_t>& content_length, error_code&) override {
    // The parser has checked Content-Length against body_limit already; a large declared body
    // still grows as it arrives, so that a header alone cannot reserve memory.
    if (content_length && out_.body_fd < 0 && !out_.spool_failed) {
      out_.body.reserve(static_cast<size_t>(std::min<uint64_t>(*content_length, kMaxReserved)));
    }
  }
  size_t on_body_impl(beast::string_view body, error_code&) override {
    if (!out_.spool_failed) out_.AppendBody(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, beast::string_view body, error_code&) override {
    if (!out_.spool_failed) out_.AppendBody(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  ParsedRequest& out_;
};

void LogException(std::exception_ptr e, const char* where) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: {}: {}", where, ex.what());
  } catch (...) {
    spdlog::error("http: {}: unknown exception", where);
  }
}

// "host:port", "[v6]:port" -> (host, port).
Result<std::pair<std::string, uint16_t>> SplitHostPort(std::string_view address) {
  auto bad = [&] {
    return InvalidRequest("invalid listener address \"" + std::string(address) + "\"");
  };
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return bad();
  std::string_view host = address.substr(0, colon), port_text = address.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad();  // a bare IPv6 address needs brackets
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad();
  }
  return std::pair<std::string, uint16_t>(host.empty() ? "0.0.0.0" : std::string(host),
                                          static_cast<uint16_t>(port));
}

std::string PeerIp(const Socket& sock) {
  error_code ec;
  tcp::endpoint ep = sock.remote_endpoint(ec);
  if (ec) return std::string();
  net::ip::address addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6()).to_string();
  }
  return addr.to_string();
}

}  // namespace

namespace internal {

struct Listener {
  Listener(net::io_context& ioc, ListenerOptions o) : opts(std::move(o)), acceptor(ioc) {}
  ListenerOptions opts;
  CidrSet trusted_proxies;
  std::unique_ptr<net::ssl::context> tls;  // null: plain HTTP (or a cluster listener)
  // A cluster listener's context (Server::SetClusterTls); null until then. Guarded by tls_mu.
  std::mutex tls_mu;
  std::shared_ptr<net::ssl::context> cluster_tls;
  tcp::acceptor acceptor;
  uint16_t port = 0;
};

// The type-independent part of a connection, known to the server's registry.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Runs on the connection's thread. force=false: close if idle, else after the current
  // response; force=true: close now.
  virtual void OnServerStop(bool force) = 0;
  virtual net::any_io_executor executor() = 0;
  // Called by its loop's sweep once deadline_ms has passed: cancels the pending operation.
  virtual void OnDeadline() = 0;

  // Both touched only on the connection's thread.
  int64_t deadline_ms = kNoDeadline;  // of the pending read or write (CoarseNowMs)
  size_t loop_index = 0;              // position in IoLoop::conns
};

// One I/O thread's event loop and the connections it serves; conns and the sweep are touched
// only by that thread.
class IoLoop {
 public:
  net::io_context& context() { return ioc_; }

  void Add(ConnectionBase* c) {
    c->loop_index = conns_.size();
    conns_.push_back(c);
    ArmSweep();
  }
  void Remove(ConnectionBase* c) {
    const size_t i = c->loop_index;
    conns_[i] = conns_.back();
    conns_[i]->loop_index = i;
    conns_.pop_back();
  }

 private:
  // The sweep runs while the loop has connections.
  void ArmSweep() {
    if (sweeping_ || conns_.empty()) return;
    sweeping_ = true;
    sweep_.expires_after(kSweepInterval);
    sweep_.async_wait([this](error_code ec) {
      sweeping_ = false;
      if (ec) return;
      const int64_t now = CoarseNowMs();
      // OnDeadline only cancels: the connection leaves conns later, in a handler of its own.
      for (ConnectionBase* c : conns_) {
        if (c->deadline_ms <= now) {
          c->deadline_ms = kNoDeadline;
          c->OnDeadline();
        }
      }
      ArmSweep();
    });
  }

  // Destroyed in reverse: the timer, then the context (whose pending coroutines leave conns_
  // as they are destroyed), then conns_.
  std::vector<ConnectionBase*> conns_;
  net::io_context ioc_{1};  // run by one thread only
  net::steady_timer sweep_{ioc_};
  bool sweeping_ = false;
};

// What connections share with the server. Thread-safe.
class ServerState {
 public:
  ServerState(Handler& handler, const ServerOptions& opts)
      : handler_(handler),
        inline_requests_(opts.inline_requests),
        pool_(opts.worker_threads, opts.max_queued_requests),
        write_pool_(opts.write_worker_threads, opts.max_queued_requests) {}

  Handler& handler() { return handler_; }
  // Whether `req` runs on the I/O thread (see Handler::RunsInline).
  bool RunsInline(const logical::Request& req) const {
    return inline_requests_ && handler_.RunsInline(req);
  }
  WorkerPool& pool() { return pool_; }
  WorkerPool& write_pool() { return write_pool_; }
  const WorkerPool& pool() const { return pool_; }
  const WorkerPool& write_pool() const { return write_pool_; }
  // Reads go to the small pool, anything that may write to the large one.
  WorkerPool& PoolFor(logical::Operation op) {
    switch (op) {
      case logical::Operation::kRead:
      case logical::Operation::kList:
      case logical::Operation::kScan:
      case logical::Operation::kHelp:
        return pool_;
      default:
        return write_pool_;
    }
  }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void SetStopping() { stopping_.store(true, std::memory_order_release); }

  void Register(const std::shared_ptr<ConnectionBase>& c) {
    std::lock_guard lock(mu_);
    conns_.emplace(c.get(), c);
  }
  void Unregister(ConnectionBase* c) {
    {
      std::lock_guard lock(mu_);
      conns_.erase(c);
    }
    cv_.notify_all();
  }
  // Posts OnServerStop(force) to every live connection's thread.
  void StopConnections(bool force) {
    std::vector<std::shared_ptr<ConnectionBase>> conns;
    {
      std::lock_guard lock(mu_);
      for (auto& [ptr, weak] : conns_) {
        if (auto c = weak.lock()) conns.push_back(std::move(c));
      }
    }
    for (auto& c : conns) net::post(c->executor(), [c, force] { c->OnServerStop(force); });
  }
  // Waits until no connection is registered or `deadline` passes; true if none is left.
  bool WaitForNoConnections(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [this] { return conns_.empty(); });
  }

 private:
  Handler& handler_;
  const bool inline_requests_;
  WorkerPool pool_;
  WorkerPool write_pool_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> conns_;  // guarded by mu_
};

}  // namespace internal

using internal::ConnectionBase;
using internal::IoLoop;
using internal::Listener;
using internal::ServerState;

class Server::Impl {
 public:
  Impl(Handler& handler, ServerOptions opts) : opts_(opts), state_(handler, opts) {
    for (int i = 0; i < std::max(opts_.io_threads, 1); ++i) {
      loops_.push_back(std::make_unique<IoLoop>());
      work_guards_.push_back(net::make_work_guard(loops_.back()->context()));
    }
  }

  ~Impl() { Stop(std::chrono::seconds(0)); }

  Status AddListener(const ListenerOptions& opts);
  std::vector<uint16_t> BoundPorts() const;
  size_t QueuedRequests() const { return state_.pool().queued() + state_.write_pool().queued(); }
  void Start();
  void Stop(std::chrono::seconds grace);
  void WaitForShutdownSignal(std::function<void()> on_sighup);
  Status SetClusterTls(std::string_view cert_pem, std::string_view key_pem);

 private:
  net::awaitable<void> AcceptLoop(std::shared_ptr<Listener> l);
  void SpawnAcceptLoop(const std::shared_ptr<Listener>& l);

  // The loop of the next accepted connection (round-robin).
  IoLoop& NextLoop() {
    return *loops_[next_loop_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
  }

  const ServerOptions opts_;
  // Declared before loops_: connections destroyed together with their loop unregister here.
  ServerState state_;
  std::vector<std::unique_ptr<IoLoop>> loops_;  // one per I/O thread; [0] accepts
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_guards_;
  std::atomic<size_t> next_loop_{0};
  net::io_context signal_ioc_;

  mutable std::mutex mu_;  // guards listeners_, threads_, started_, stopped_
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
  std::mutex stop_mu_;  // serializes Stop
};

namespace {

// Resumes a coroutine parked in Connection::AsyncHandle (a move-only function object, so that
// no any_completion_handler is ever assigned; see AsyncHandle).
struct Resume {
  explicit Resume(net::any_completion_handler<void()> h) : handler(std::move(h)) {}
  Resume(Resume&&) = default;
  Resume(const Resume&) = delete;
  void operator()() { std::move(handler)(); }
  net::any_completion_handler<void()> handler;
};

// One client connection over Stream (Socket or beast::ssl_stream<Socket>).
template <class Stream>
class Connection final : public ConnectionBase, public WorkItem {
 public:
  Connection(ServerState& server, IoLoop& loop, std::shared_ptr<Listener> listener, Stream stream,
             std::string peer_ip)
      : server_(server),
        loop_(loop),
        listener_(std::move(listener)),
        stream_(std::move(stream)),
        exec_(stream_.get_executor()),
        peer_ip_(std::move(peer_ip)) {}

  ~Connection() override { server_.Unregister(this); }

  net::any_io_executor executor() override { return exec_; }

  void OnServerStop(bool force) override {
    stopping_ = true;
    if (watch_) watch_->timer.cancel();  // a stream ends at its next turn
    if (force || idle_) {
      error_code ec;
      socket().shutdown(tcp::socket::shutdown_both, ec);
      socket().cancel(ec);
    }
  }

  void OnDeadline() override {
    error_code ec;
    socket().cancel(ec);
  }

  // WorkItem: runs on a worker thread.
  void Run() noexcept override {
    if (raw_req_) {
      ExecuteRaw(*raw_req_);
    } else {
      Execute(req_);
    }
    Complete();
  }
  void ExecuteRaw(const RawRequest& raw) noexcept {
    try {
      raw_out_.emplace(server_.handler().HandleRaw(raw));
    } catch (const std::exception& e) {
      spdlog::error("http: raw handler threw: {}", e.what());
      result_.emplace(std::unexpected(Error(ErrorKind::kInternal, "internal error")));
    } catch (...) {
      spdlog::error("http: raw handler threw a non-standard exception");
      result_.emplace(std::unexpected(Error(ErrorKind::kInternal, "internal error")));
    }
  }
  // Keeps a cluster listener's TLS context alive as long as the connection.
  void KeepTls(std::shared_ptr<const void> ctx) { tls_keep_ = std::move(ctx); }
  // Calls the handler; result_ receives its answer (or an internal error if it threw).
  void Execute(logical::Request& req) noexcept {
    try {
      result_.emplace(server_.handler().Handle(req));
    } catch (const std::exception& e) {
      spdlog::error("http: handler threw: {}", e.what());
      result_.emplace(std::unexpected(Error(ErrorKind::kInternal, "internal error")));
    } catch (...) {
      spdlog::error("http: handler threw a non-standard exception");
      result_.emplace(std::unexpected(Error(ErrorKind::kInternal, "internal error")));
    }
  }
  void Cancel() noexcept override {
    result_.emplace(std::unexpected(Error(ErrorKind::kUnavailable, "server is shutting down")));
    Complete();
  }

  // The connection's coroutine, on its loop's thread; `self` keeps the connection alive.
  static Task<void> Serve(std::shared_ptr<Connection> self) {
    self->loop_.Add(self.get());
    // Leaves the loop when the coroutine ends, or when its frame is destroyed unfinished
    // (its io_context destroyed at shutdown).
    struct Leave {
      IoLoop& loop;
      ConnectionBase* c;
      ~Leave() { loop.Remove(c); }
    } leave{self->loop_, self.get()};
    co_await self->Loop();
  }

 private:
  Socket& socket() { return beast::get_lowest_layer(stream_); }
  // The pending operation may take `timeout` (zero: no limit).
  void Expect(std::chrono::milliseconds timeout) { deadline_ms = DeadlineAfter(timeout); }
  void NoDeadline() { deadline_ms = kNoDeadline; }

  Task<void> Loop();
  // Reads the rest of a request into `parser` (the semantics of Beast's http::async_read,
  // answering "Expect: 100-continue" once the header is in).
  Task<error_code> ReadRequest(beast::flat_buffer& buffer, RequestParser& parser);
  void Complete() noexcept { net::post(exec_, Resume{std::move(done_)}); }

  // Queues req_ on the worker pool and completes when result_ is set; completes at once with
  // result_ empty when the queue is full.
  template <typename Token>
  auto AsyncHandle(Token&& token) {
    return net::async_initiate<Token, void()>(
        [this](auto handler) {
          // Not `done_ = ...`: Boost 1.81's move assignment of any_completion_handler recurses.
          net::any_completion_handler<void()> h(std::move(handler));
          done_.swap(h);
          if (!server_.PoolFor(req_.operation).TryPush(this)) Complete();
        },
        token);
  }

  Task<HttpResponseOut> Process(bool head);
  Task<bool> Write(HttpResponseOut out, bool keep_alive);
  // Sends a streamed response (out.stream) until it ends (see the file comment); the
  // connection is to be closed afterwards.
  Task<void> WriteStream(HttpResponseOut out);
  // Keeps a read pending on the socket while streaming; sets watch_->client_gone when the
  // client closes or fails.
  void WatchClient();
  // The head of a response: status line and headers (framing headers are ours).
  void AppendHead(const HttpResponseOut& out, std::string& w);
  Task<void> LingeringClose(beast::flat_buffer& buffer);

  ServerState& server_;
  IoLoop& loop_;
  std::shared_ptr<Listener> listener_;  // keeps the TLS context alive
  std::shared_ptr<const void> tls_keep_;  // a cluster listener's context (KeepTls)
  Stream stream_;
  const Exec exec_;  // the connection's io_context (one thread)
  std::string peer_ip_;
  // The TLS client's certificate chain (PeerCertificateChain), set after the handshake.
  std::shared_ptr<const std::vector<std::string>> peer_certs_;
  // State of the connection's thread.
  bool idle_ = true;
  bool stopping_ = false;
  ParsedRequest parsed_;                   // reused per request
  std::vector<HeaderField> header_views_;  // reused per request
  std::string write_buffer_;                // reused per response
  // Exchange with the worker pool: written by the I/O thread before TryPush, by the worker
  // before posting done_, read by the I/O thread after resumption.
  logical::Request req_;
  std::optional<Result<logical::Response>> result_;
  // A request for Handler::HandleRaw (set while it is queued or running) and its answer.
  const RawRequest* raw_req_ = nullptr;
  std::optional<RawResponse> raw_out_;
  std::string raw_client_;  // the client's address for the raw hook (reused per request)
  net::any_completion_handler<void()> done_;

  // While a stream is sent: its wake-up timer and the client watch. Touched on the
  // connection's thread only (the source's waker posts there).
  struct StreamWatch {
    explicit StreamWatch(const Exec& e) : timer(e) {}
    net::basic_waitable_timer<std::chrono::steady_clock,
                              net::wait_traits<std::chrono::steady_clock>, Exec>
        timer;
    bool reading = false;      // a read is pending
    bool client_gone = false;  // that read failed: closed or reset
    bool finished = false;     // the stream is over: do not read again
    char scratch[1024];
  };
  std::shared_ptr<StreamWatch> watch_;
};

template <class Stream>
Task<HttpResponseOut> Connection<Stream>::Process(bool head) {
  header_views_.clear();
  for (const auto& f : parsed_.fields)
    header_views_.emplace_back(parsed_.Name(f), parsed_.Value(f));
  // The raw hook (a standby forwarding to the active node) sees the request untranslated.
  const ListenerOptions& lopts = listener_->opts;
  raw_client_ = ClientAddress(
      HttpRequestView{parsed_.method, parsed_.target, header_views_, parsed_.body, peer_ip_},
      listener_->trusted_proxies);
  RawRequest raw{parsed_.method, parsed_.target, header_views_, parsed_.body, raw_client_,
                 lopts.cluster, lopts.unauthenticated_metrics_access};
  if (server_.handler().TakesRaw(raw)) {
    req_ = logical::Request();
    req_.operation = (parsed_.method == "GET" || parsed_.method == "HEAD")
                         ? logical::Operation::kRead
                         : logical::Operation::kUpdate;
    raw_req_ = &raw;
    raw_out_.reset();
    result_.reset();
    co_await AsyncHandle(kUseTask);
    raw_req_ = nullptr;
    HttpResponseOut out;
    const bool declined = raw_out_ && raw_out_->status == 0;
    if (declined) {
      raw_out_.reset();  // handled the normal way below
    } else if (raw_out_) {
      out.status = raw_out_->status;
      out.headers = std::move(raw_out_->headers);
      if (!head) out.body = std::move(raw_out_->body);
    } else if (result_ && !*result_) {
      out = ErrorResponse(result_->error(), head);
    } else {
      out = OverloadedResponse(head);
    }
    if (!declined) {
      raw_out_.reset();
      result_.reset();
      co_return out;
    }
    result_.reset();
  }
  // On the cluster listener, the forwarding node names the original client.
  std::string_view remote = peer_ip_;
  if (!lopts.client_addr_header.empty()) {
    std::string_view named = parsed_.Find(lopts.client_addr_header);
    if (!named.empty()) remote = named;
  }
  HttpRequestView view{parsed_.method, parsed_.target, header_views_, parsed_.body, remote};
  // CORS (sys/config/cors): a preflight or a refused origin is answered here.
  std::vector<std::pair<std::string, std::string>> cors_headers;
  if (auto cors = server_.handler().Cors(); cors && cors->enabled) {
    if (auto early = ApplyCors(*cors, view, cors_headers)) co_return std::move(*early);
  }
  // The request is built in place and dropped (it may hold secrets) once answered.
  struct Drop {
    logical::Request& req;
    ~Drop() { req = logical::Request(); }
  } drop{req_};
  if (parsed_.spool_failed) {
    spdlog::error("http: cannot store a request body in a temporary file (TMPDIR): {}",
                  std::strerror(errno));
    HttpResponseOut err = ErrorResponse(
        Error(ErrorKind::kInternal, "http: cannot store the request body in a temporary file"),
        head);
    for (auto& h : cors_headers) err.headers.push_back(std::move(h));
    co_return err;
  }
  if (Status built = BuildRequest(view, listener_->trusted_proxies, req_); !built) {
    HttpResponseOut err = ErrorResponse(built.error(), head);
    for (auto& h : cors_headers) err.headers.push_back(std::move(h));
    co_return err;
  }
  req_.body_fd = parsed_.body_fd;
  req_.peer_certificates = peer_certs_;
  req_.unauthenticated_metrics_access = listener_->opts.unauthenticated_metrics_access;
  result_.reset();
  if (server_.RunsInline(req_)) {
    Execute(req_);
  } else {
    co_await AsyncHandle(kUseTask);
    if (!result_) {
      static metrics::Counter& rejected = metrics::Registry::Global().GetCounter(
          "core.overloaded", "Requests answered 503 because the worker queue was full.");
      rejected.Add();
    }
  }
  if (result_ && !*result_ && result_->error().kind() == ErrorKind::kForwardToActive &&
      !lopts.cluster) {
    // A read-serving standby met something only the active node may do (a write, a use-limited
    // token, a lease...): the raw hook forwards the request as received.
    raw.forward = true;
    if (server_.handler().TakesRaw(raw)) {
      raw_req_ = &raw;
      raw_out_.reset();
      std::optional<Result<logical::Response>> first = std::move(result_);
      result_.reset();
      co_await AsyncHandle(kUseTask);
      raw_req_ = nullptr;
      if (raw_out_ && raw_out_->status != 0) {
        HttpResponseOut out;
        out.status = raw_out_->status;
        out.headers = std::move(raw_out_->headers);
        if (!head) out.body = std::move(raw_out_->body);
        raw_out_.reset();
        result_.reset();
        for (auto& h : cors_headers) out.headers.push_back(std::move(h));
        co_return out;
      }
      raw_out_.reset();
      if (!result_) result_ = std::move(first);  // declined: the first answer stands
    }
  }
  HttpResponseOut out = result_ ? BuildResponse(req_, *result_, head) : OverloadedResponse(head);
  result_.reset();
  for (auto& h : cors_headers) out.headers.push_back(std::move(h));
  co_return out;
}

template <class Stream>
Task<bool> Connection<Stream>::Write(HttpResponseOut out, bool keep_alive) {
  if (out.status < 200 || out.status > 599) {  // a handler bug
    spdlog::error("http: invalid response status {}", out.status);
    out = ErrorResponse(Error(ErrorKind::kInternal, "internal error"));
  }
  // The whole response in one buffer and one write (Beast's serializer walks a chain of
  // buffer views per response; this is measurably cheaper on the hot path).
  std::string& w = write_buffer_;
  w.clear();
  w.reserve(128 + out.body.size() + 64 * out.headers.size());
  AppendHead(out, w);
  if (out.status != 204 && out.status != 304) {
    w += "Content-Length: ";
    w += std::to_string(out.body.size());
    w += "\r\n";
  }
  if (!keep_alive) w += "Connection: close\r\n";
  w += "\r\n";
  if (out.status != 204 && out.status != 304) w += out.body;
  Expect(listener_->opts.max_request_duration);
  auto [ec, n] = co_await net::async_write(stream_, net::buffer(w), TaskTuple());
  NoDeadline();
  if (w.capacity() > kMaxKeptWriteBuffer) std::string().swap(w);  // do not pin big bodies
  co_return !ec;
}

template <class Stream>
void Connection<Stream>::AppendHead(const HttpResponseOut& out, std::string& w) {
  w += "HTTP/1.1 ";
  w += std::to_string(out.status);
  w += ' ';
  w += bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(out.status)));
  w += "\r\n";
  for (const auto& [name, value] : out.headers) {
    // Never let a header break the framing (response splitting); framing headers are ours.
    if (name.empty() || name.find_first_of("\r\n: ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos ||
        beast::iequals(name, "content-length") || beast::iequals(name, "connection") ||
        beast::iequals(name, "transfer-encoding")) {
      continue;
    }
    w += name;
    w += ": ";
    w += value;
    w += "\r\n";
  }
}

template <class Stream>
void Connection<Stream>::WatchClient() {
  auto w = watch_;
  w->reading = true;
  stream_.async_read_some(net::buffer(w->scratch), [this, w](error_code ec, size_t) {
    w->reading = false;
    if (ec) {
      w->client_gone = true;
      w->timer.cancel();
      return;
    }
    if (w->finished) {  // WriteStream is waiting for this read to end
      w->timer.cancel();
      return;
    }
    WatchClient();  // bytes from the client while streaming are ignored
  });
}

template <class Stream>
Task<void> Connection<Stream>::WriteStream(HttpResponseOut out) {
  std::shared_ptr<logical::StreamSource> source = std::move(out.stream);
  std::string head;
  AppendHead(out, head);
  head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  Expect(listener_->opts.max_request_duration);
  auto [hec, hn] = co_await net::async_write(stream_, net::buffer(head), TaskTuple());
  NoDeadline();
  if (hec) co_return;

  watch_ = std::make_shared<StreamWatch>(exec_);
  std::shared_ptr<StreamWatch> w = watch_;
  std::weak_ptr<StreamWatch> weak = w;
  source->SetWaker([exec = exec_, weak] {
    net::post(exec, [weak] {
      if (auto s = weak.lock()) s->timer.cancel();
    });
  });
  WatchClient();
  std::string data, frame;
  bool write_ok = true;
  for (;;) {
    if (w->client_gone || stopping_ || server_.stopping()) break;
    data.clear();
    const bool more = source->Read(data);
    if (!data.empty()) {
      char size[20];
      const int len = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
      frame.assign(size, static_cast<size_t>(len));
      frame += data;
      frame += "\r\n";
      Expect(listener_->opts.max_request_duration);
      auto [ec, n] = co_await net::async_write(stream_, net::buffer(frame), TaskTuple());
      NoDeadline();
      if (ec) {
        write_ok = false;
        break;
      }
      if (!more) break;
      continue;  // read again before waiting: a wake-up during the write is not lost
    }
    if (!more) break;
    // Woken by the source, or after kStreamPoll to let the source end on its own (sys/monitor
    // ends when the core is sealed).
    w->timer.expires_after(kStreamPoll);
    co_await w->timer.async_wait(TaskTuple());
  }
  source.reset();  // unsubscribes: the waker is not called any more
  if (write_ok && !w->client_gone) {
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    Expect(std::chrono::seconds(1));
    co_await net::async_write(stream_, net::buffer(kLastChunk), TaskTuple());
    NoDeadline();
  }
  // Ends the client watch before the connection goes on (its handler refers to `this`).
  w->finished = true;
  if (w->reading) {
    error_code ec;
    socket().cancel(ec);
    while (w->reading) {
      w->timer.expires_at(std::chrono::steady_clock::time_point::max());
      co_await w->timer.async_wait(TaskTuple());
    }
  }
  watch_.reset();
}

template <class Stream>
Task<void> Connection<Stream>::LingeringClose(beast::flat_buffer& buffer) {
  error_code ec;
  socket().shutdown(tcp::socket::shutdown_send, ec);
  Expect(kLingerTime);
  size_t drained = 0;
  char scratch[16 * 1024];
  while (drained < kLingerBytes) {
    auto [rec, n] = co_await socket().async_read_some(net::buffer(scratch), TaskTuple());
    if (rec) break;
    drained += n;
  }
  NoDeadline();
}

template <class Stream>
Task<error_code> Connection<Stream>::ReadRequest(beast::flat_buffer& buffer,
                                                 RequestParser& parser) {
  bool continue_checked = false;
  error_code ec;
  while (!parser.is_done()) {
    if (parser.is_header_done() && !continue_checked) {
      continue_checked = true;
      if (beast::iequals(parsed_.Find("expect"), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] = co_await net::async_write(stream_, net::buffer(kContinue), TaskTuple());
        if (wec) co_return wec;
      }
    }
    if (buffer.size() != 0) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (!ec) continue;                                // progress
      if (ec != bhttp::error::need_more) co_return ec;  // malformed or over a limit
      ec = {};
    }
    const size_t size = beast::read_size(buffer, 65536);
    if (size == 0) co_return bhttp::error::buffer_overflow;
    auto [rec, n] = co_await stream_.async_read_some(buffer.prepare(size), TaskTuple());
    buffer.commit(n);
    if (rec == net::error::eof) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      parser.put_eof(ec);  // a body delimited by the end of the stream, or truncated
      if (ec) co_return ec;
      continue;
    }
    if (rec) co_return rec;
  }
  co_return error_code{};
}

template <class Stream>
Task<void> Connection<Stream>::Loop() {
  const ListenerOptions& opts = listener_->opts;
  if (server_.stopping()) co_return;

  if constexpr (!std::is_same_v<Stream, Socket>) {
    Expect(opts.http_read_timeout);
    auto [ec] = co_await stream_.async_handshake(net::ssl::stream_base::server, TaskTuple());
    NoDeadline();
    if (ec) {
      spdlog::debug("http: TLS handshake with {} failed: {}", peer_ip_, ec.message());
      co_return;
    }
    // The client's certificate chain, for the cert auth method (not on the cluster listener,
    // whose peer is another node).
    if (!opts.cluster) peer_certs_ = PeerCertificateChain(stream_.native_handle());
  }

  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    // Wait for the first bytes of the next request: the idle timeout applies between requests.
    idle_ = true;
    if (stopping_ || server_.stopping()) break;
    if (buffer.size() == 0) {
      // A zero idle timeout falls back to the read timeout, as in Go.
      Expect(first || opts.http_idle_timeout.count() == 0 ? opts.http_read_timeout
                                                          : opts.http_idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(4096), TaskTuple());
      if (ec) break;  // closed, timed out or cancelled by Stop
      buffer.commit(n);
    }
    idle_ = false;
    first = false;

    RequestParser parser(parsed_);
    parser.header_limit(kHeaderLimit);
    parser.body_limit(opts.max_request_size != 0 ? opts.max_request_size : kDefaultMaxRequestSize);
    Expect(opts.http_read_timeout);
    const error_code ec = co_await ReadRequest(buffer, parser);
    NoDeadline();
    if (ec == bhttp::error::body_limit) {
      co_await Write(
          ErrorResponse(Error(ErrorKind::kPayloadTooLarge, "http: request body too large")), false);
      co_await LingeringClose(buffer);
      co_return;
    }
    if (ec == bhttp::error::header_limit) {
      HttpResponseOut out =
          ErrorResponse(Error(ErrorKind::kInvalidRequest, "http: request header too large"));
      out.status = 431;
      co_await Write(std::move(out), false);
      co_await LingeringClose(buffer);
      co_return;
    }
    // Closed, timed out (the sweep cancels) or cancelled by Stop.
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::eof || ec == net::error::connection_reset) {
      break;
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        co_await Write(ErrorResponse(Error(ErrorKind::kInvalidRequest, "malformed HTTP request")),
                       false);
        co_await LingeringClose(buffer);
        co_return;
      }
      spdlog::debug("http: reading a request from {} failed: {}", peer_ip_, ec.message());
      break;
    }

    bool keep_alive = parser.keep_alive();
    HttpResponseOut out = co_await Process(parsed_.method == "HEAD");
    parsed_.Clear();
    if (out.stream) {
      co_await WriteStream(std::move(out));
      break;
    }
    keep_alive = keep_alive && !stopping_ && !server_.stopping();
    if (!co_await Write(std::move(out), keep_alive) || !keep_alive) break;
  }

  error_code ec;
  if constexpr (std::is_same_v<Stream, Socket>) {
    socket().shutdown(tcp::socket::shutdown_send, ec);
  } else if (!stopping_ && socket().is_open()) {
    Expect(std::chrono::seconds(1));
    auto [sec] = co_await stream_.async_shutdown(TaskTuple());
    NoDeadline();
  }
}

}  // namespace

// ---- Server::Impl ----

Status Server::Impl::AddListener(const ListenerOptions& opts) {
  ARCA_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(opts.address));
  ARCA_ASSIGN_OR_RETURN(CidrSet trusted, CidrSet::Parse(opts.x_forwarded_for_authorized_addrs));
  std::unique_ptr<net::ssl::context> tls;
  if (!opts.tls_disable && !opts.cluster) {
    ARCA_ASSIGN_OR_RETURN(SslCtxPtr ctx, MakeServerTlsContext(opts));
    tls = std::make_unique<net::ssl::context>(ctx.release());
  }
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Unavailable("server is stopped");
  }
  auto l = std::make_shared<Listener>(loops_[0]->context(), opts);
  l->trusted_proxies = std::move(trusted);
  l->tls = std::move(tls);
  error_code ec;
  tcp::resolver resolver(loops_[0]->context());
  auto results = resolver.resolve(host_port.first, std::to_string(host_port.second),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return InvalidRequest("cannot resolve listener address \"" + opts.address +
                          "\": " + ec.message());
  }
  tcp::endpoint ep = results.begin()->endpoint();
  auto fail = [&](const char* what) {
    return Unavailable(std::string("listen tcp ") + opts.address + ": " + what + ": " +
                       ec.message());
  };
  l->acceptor.open(ep.protocol(), ec);
  if (ec) return fail("open");
  l->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt");
  l->acceptor.bind(ep, ec);
  if (ec) return fail("bind");
  l->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  l->port = l->acceptor.local_endpoint(ec).port();
  spdlog::info("http: listening on {}:{} ({})", ep.address().to_string(), l->port,
               opts.cluster ? "cluster, mutual tls" : l->tls ? "tls" : "plain");
  std::lock_guard lock(mu_);
  if (stopped_) return Unavailable("server is stopped");
  listeners_.push_back(l);
  if (started_) SpawnAcceptLoop(l);
  return OkStatus();
}

size_t Server::QueuedRequests() const { return impl_->QueuedRequests(); }

Status Server::Impl::SetClusterTls(std::string_view cert_pem, std::string_view key_pem) {
  ARCA_ASSIGN_OR_RETURN(SslCtxPtr ctx, MakeClusterTlsContext(cert_pem, key_pem));
  auto shared = std::make_shared<net::ssl::context>(ctx.release());
  std::lock_guard lock(mu_);
  bool any = false;
  for (const auto& l : listeners_) {
    if (!l->opts.cluster) continue;
    std::lock_guard tls_lock(l->tls_mu);
    l->cluster_tls = shared;
    any = true;
  }
  if (!any) return InvalidRequest("no cluster listener");
  return OkStatus();
}

std::vector<uint16_t> Server::Impl::BoundPorts() const {
  std::lock_guard lock(mu_);
  std::vector<uint16_t> ports;
  for (const auto& l : listeners_) ports.push_back(l->port);
  return ports;
}

void Server::Impl::SpawnAcceptLoop(const std::shared_ptr<Listener>& l) {
  net::co_spawn(l->acceptor.get_executor(), AcceptLoop(l),
                [](std::exception_ptr e) { LogException(e, "accept loop"); });
}

net::awaitable<void> Server::Impl::AcceptLoop(std::shared_ptr<Listener> l) {
  for (;;) {
    IoLoop& loop = NextLoop();
    Socket sock(loop.context());
    auto [ec] = co_await l->acceptor.async_accept(sock, Tuple());
    if (ec) {
      if (ec == net::error::operation_aborted || !l->acceptor.is_open() || state_.stopping()) {
        co_return;
      }
      spdlog::warn("http: accept failed: {}", ec.message());
      net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(Tuple());
      continue;
    }
    if (state_.stopping()) co_return;
    error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    std::string ip = PeerIp(sock);
    auto exec = sock.get_executor();
    if (l->opts.cluster) {
      std::shared_ptr<net::ssl::context> ctx;
      {
        std::lock_guard lock(l->tls_mu);
        ctx = l->cluster_tls;
      }
      if (!ctx) {  // the cluster certificate is not known yet
        sock.close(ignored);
        continue;
      }
      using TlsStream = beast::ssl_stream<Socket>;
      auto c = std::make_shared<Connection<TlsStream>>(
          state_, loop, l, TlsStream(std::move(sock), *ctx), std::move(ip));
      c->KeepTls(ctx);
      state_.Register(c);
      net::co_spawn(exec, Connection<TlsStream>::Serve(std::move(c)),
                    [](std::exception_ptr e) { LogException(e, "session"); });
    } else if (l->tls) {
      using TlsStream = beast::ssl_stream<Socket>;
      auto c = std::make_shared<Connection<TlsStream>>(
          state_, loop, l, TlsStream(std::move(sock), *l->tls), std::move(ip));
      state_.Register(c);
      net::co_spawn(exec, Connection<TlsStream>::Serve(std::move(c)),
                    [](std::exception_ptr e) { LogException(e, "session"); });
    } else {
      auto c =
          std::make_shared<Connection<Socket>>(state_, loop, l, std::move(sock), std::move(ip));
      state_.Register(c);
      net::co_spawn(exec, Connection<Socket>::Serve(std::move(c)),
                    [](std::exception_ptr e) { LogException(e, "session"); });
    }
  }
}

void Server::Impl::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopped_) return;
  started_ = true;
  for (const auto& l : listeners_) SpawnAcceptLoop(l);
  for (auto& loop : loops_) {
    threads_.emplace_back([ioc = &loop->context()] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: I/O thread: {}", e.what());
        }
      }
    });
  }
}

void Server::Impl::Stop(std::chrono::seconds grace) {
  std::lock_guard stop_lock(stop_mu_);
  bool was_started;
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    was_started = started_;
    listeners = listeners_;
  }
  state_.SetStopping();
  signal_ioc_.stop();

  // 1. Stop accepting.
  for (const auto& l : listeners) {
    if (was_started) {
      net::post(l->acceptor.get_executor(), [l] {
        error_code ec;
        l->acceptor.close(ec);
      });
    } else {
      error_code ec;
      l->acceptor.close(ec);
    }
  }
  if (was_started) {
    // 2. Close idle connections; busy ones close after their response.
    state_.StopConnections(false);
    auto deadline = std::chrono::steady_clock::now() + grace;
    // 3. After the grace period, close the rest.
    if (!state_.WaitForNoConnections(deadline)) {
      spdlog::warn("http: closing connections still open after the shutdown grace period");
      state_.StopConnections(true);
    }
  }
  // 4. Queued requests are answered 503; running handler calls are waited for.
  state_.pool().Shutdown();
  state_.write_pool().Shutdown();
  if (was_started) {
    if (!state_.WaitForNoConnections(std::chrono::steady_clock::now() + kForcedCloseWait)) {
      spdlog::warn("http: connections did not finish after being closed");
    }
    for (auto& g : work_guards_) g.reset();
    for (auto& loop : loops_) loop->context().stop();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }
  spdlog::info("http: server stopped");
}

namespace {

net::awaitable<void> SignalLoop(net::signal_set* signals, std::function<void()>* on_sighup) {
  for (;;) {
    auto [ec, sig] = co_await signals->async_wait(Tuple());
    if (ec) co_return;
    if (sig == SIGHUP && *on_sighup) {
      (*on_sighup)();
      continue;
    }
    spdlog::info("http: received signal {}, shutting down", sig);
    co_return;
  }
}

}  // namespace

void Server::Impl::WaitForShutdownSignal(std::function<void()> on_sighup) {
  {
    net::signal_set signals(signal_ioc_, SIGINT, SIGTERM);
    if (on_sighup) signals.add(SIGHUP);
    net::co_spawn(signal_ioc_, SignalLoop(&signals, &on_sighup),
                  [](std::exception_ptr e) { LogException(e, "signal loop"); });
    signal_ioc_.run();  // until a shutdown signal, or Stop() stops signal_ioc_
    error_code ec;
    signals.cancel(ec);
  }
  Stop(std::chrono::seconds(10));
}

// ---- Server ----

Server::Server(Handler& handler, ServerOptions opts)
    : impl_(std::make_unique<Impl>(handler, opts)) {}
Server::~Server() = default;
Status Server::AddListener(const ListenerOptions& opts) { return impl_->AddListener(opts); }
Status Server::SetClusterTls(std::string_view cert_pem, std::string_view key_pem) {
  return impl_->SetClusterTls(cert_pem, key_pem);
}
std::vector<uint16_t> Server::BoundPorts() const { return impl_->BoundPorts(); }
void Server::Start() { impl_->Start(); }
void Server::Stop(std::chrono::seconds grace) { impl_->Stop(grace); }
void Server::WaitForShutdownSignal(std::function<void()> on_sighup) {
  impl_->WaitForShutdownSignal(std::move(on_sighup));
}

}  // namespace arca::http
