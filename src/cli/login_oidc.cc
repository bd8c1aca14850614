// `arca login -method=oidc [role=R] [listenaddress=localhost] [port=8250] [skip_browser=false]
//  [callbackmethod=http] [callbackhost=localhost] [callbackport=PORT]`, as Vault's CLI does it:
// open a one-shot HTTP listener for the provider's redirect, ask the server for an auth URL
// (auth/<path>/oidc/auth_url with redirect_uri http://<callbackhost>:<callbackport>/oidc/callback
// and a client_nonce), show it (and try to open a browser unless skip_browser), wait up to two
// minutes for the redirect, then complete the login at auth/<path>/oidc/callback.
//
// The listener is plain POSIX sockets (one request at a time, small bounded reads): it serves
// only GET /oidc/callback and answers everything else 404.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/url/parse.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <ostream>
#include <vector>

#include "cli/commands.h"
#include "cli/login_methods.h"
#include "common/encoding.h"
#include "crypto/random.h"

namespace arca::cli {
namespace {

constexpr auto kCallbackTimeout = std::chrono::minutes(2);

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Listens on every address `host` resolves to ("localhost": 127.0.0.1 and ::1), so that a
// browser reaching either finds the listener. Error when none can be bound.
Result<std::vector<int>> Listen(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return InvalidRequest("listen tcp " + host + ":" + port + ": " + ::gai_strerror(rc));
  }
  std::vector<int> fds;
  std::string last = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 8) == 0) {
      fds.push_back(fd);
      continue;
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (fds.empty()) return InvalidRequest("listen tcp " + host + ":" + port + ": " + last);
  return fds;
}

void Send(int fd, int status, const std::string& reason, const std::string& html) {
  std::string resp = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                     "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                     std::to_string(html.size()) + "\r\nConnection: close\r\n\r\n" + html;
  size_t off = 0;
  while (off < resp.size()) {
    ssize_t n = ::send(fd, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads the request head (at most 16 KiB, 10 s) and returns the request target of a GET.
std::optional<std::string> ReadTarget(int fd) {
  std::string head;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[2048];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    head.append(buf, static_cast<size_t>(n));
  }
  if (!head.starts_with("GET ")) return std::nullopt;
  size_t sp = head.find(' ', 4);
  if (sp == std::string::npos) return std::nullopt;
  return head.substr(4, sp - 4);
}

std::string Page(const std::string& title, const std::string& text) {
  return "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><h1>" + title +
         "</h1><p>" + text + "</p></body></html>";
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Best effort, as Vault's CLI: xdg-open the URL in the background; failures are reported only.
bool OpenBrowser(const std::string& url) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::execlp("xdg-open", "xdg-open", url.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int LoginWithOidc(Ctx& ctx, const std::string& path, const json::object& args, std::string* token,
                  json::object* secret) {
  auto arg = [&](const char* k, const char* def) {
    const json::value* v = args.if_contains(k);
    return v != nullptr && v->is_string() && !v->as_string().empty() ? std::string(v->as_string())
                                                                     : std::string(def);
  };
  std::string listen_address = arg("listenaddress", "localhost");
  std::string port = arg("port", "8250");
  std::string callback_method = arg("callbackmethod", "http");
  std::string callback_host = arg("callbackhost", "localhost");
  std::string callback_port = arg("callbackport", port.c_str());
  std::string role = arg("role", "");
  std::string skip = arg("skip_browser", "false");
  const bool skip_browser = skip == "true" || skip == "1" || skip == "t" || skip == "TRUE";

  auto lfd = Listen(listen_address, port);
  if (!lfd) {
    ctx.err() << "Error authenticating: failed to start OIDC listener: " << lfd.error().message()
              << "\n";
    return 2;
  }
  std::vector<std::unique_ptr<Fd>> listeners;
  for (int fd : *lfd) listeners.push_back(std::make_unique<Fd>(fd));

  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  client->SetToken("");
  std::string redirect_uri =
      callback_method + "://" + callback_host + ":" + callback_port + "/oidc/callback";
  std::string client_nonce = Base64UrlEncode(crypto::RandomBytesString(20));
  json::object req{{"role", role}, {"redirect_uri", redirect_uri}, {"client_nonce", client_nonce}};
  auto r = client->Call("PUT", "auth/" + path + "/oidc/auth_url", &req);
  if (!r) return ServerError(ctx, "Error authenticating", r.error());
  std::string auth_url;
  if (const json::value* d = r->if_contains("data"); d && d->is_object()) {
    if (const json::value* u = d->as_object().if_contains("auth_url"); u && u->is_string()) {
      auth_url = std::string(u->as_string());
    }
  }
  if (auth_url.empty()) {
    ctx.err() << "Error authenticating: Unable to authorize role \"" << role
              << "\" with redirect_uri \"" << redirect_uri
              << "\". Check Arca logs for more information.\n";
    return 2;
  }
  if (skip_browser || !OpenBrowser(auth_url)) {
    ctx.err() << "Complete the login via your OIDC provider. Open the following link in your "
                 "browser:\n\n    "
              << auth_url << "\n\n\n";
  } else {
    ctx.err() << "Complete the login via your OIDC provider. Launching browser to:\n\n    "
              << auth_url << "\n\n\n";
  }
  ctx.err() << "Waiting for OIDC authentication to complete..." << std::endl;

  auto deadline = std::chrono::steady_clock::now() + kCallbackTimeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ctx.err() << "Error authenticating: Timed out waiting for response from provider\n";
      return 2;
    }
    std::vector<pollfd> polls;
    for (const auto& l : listeners) polls.push_back(pollfd{l->get(), POLLIN, 0});
    if (::poll(polls.data(), polls.size(), static_cast<int>(left.count())) <= 0) continue;
    int ready = -1;
    for (const auto& p : polls) {
      if (p.revents & POLLIN) ready = p.fd;
    }
    if (ready < 0) continue;
    Fd conn(::accept4(ready, nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.get() < 0) continue;
    auto target = ReadTarget(conn.get());
    if (!target) {
      Send(conn.get(), 400, "Bad Request", Page("Bad request", ""));
      continue;
    }
    auto url = boost::urls::parse_origin_form(*target);
    if (!url || url->path() != "/oidc/callback") {
      Send(conn.get(), 404, "Not Found", Page("Not found", ""));
      continue;
    }
    api::QueryParams q;
    for (auto param : url->params()) {
      if (param.key == "state" || param.key == "code" || param.key == "id_token" ||
          param.key == "error" || param.key == "error_description") {
        q.emplace_back(std::string(param.key), std::string(param.value));
      }
    }
    q.emplace_back("client_nonce", client_nonce);
    auto done = client->Call("GET", "auth/" + path + "/oidc/callback", nullptr, q);
    if (!done) {
      Send(conn.get(), 200, "OK", Page("Arca login failed", HtmlEscape(done.error().message())));
      return ServerError(ctx, "Error authenticating", done.error());
    }
    const json::value* auth = done->if_contains("auth");
    const json::value* t =
        auth && auth->is_object() ? auth->as_object().if_contains("client_token") : nullptr;
    if (t == nullptr || !t->is_string() || t->as_string().empty()) {
      Send(conn.get(), 200, "OK", Page("Arca login failed", "No token was returned."));
      ctx.err() << "Error authenticating: no token returned by the OIDC callback\n";
      return 2;
    }
    Send(conn.get(), 200, "OK",
         Page("Arca login successful", "You may close this window and return to the terminal."));
    *token = std::string(t->as_string());
    *secret = std::move(*done);
    return 0;
  }
}

}  // namespace arca::cli
