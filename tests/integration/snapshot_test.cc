// Snapshots end to end (docs/snapshots.md): the real `arca` binary on file storage, the CLI's
// `operator raft snapshot save|restore`, and the HTTP endpoints' bad input.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/json.h"
#include "integration/ha_cluster.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

// The storage directories live on tmpfs when there is one: the 100k writes below are bound by
// fsync otherwise, and durability is not what these tests are about.
class DataDir {
 public:
  DataDir() {
    std::string tmpl = (std::filesystem::is_directory("/dev/shm") ? std::string("/dev/shm")
                                                                   : std::string("/tmp")) +
                       "/arca-snap-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~DataDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string WriteConfig(const TempDir& dir, const std::string& name,
                        const std::string& listener_extra = "") {
  static DataDir* data = new DataDir();  // one per test process, removed at exit below
  static const bool registered = [] {
    std::atexit([] { delete data; });
    return true;
  }();
  (void)registered;
  std::string path = dir.File(name + ".hcl");
  static std::atomic<int> counter{0};
  std::string storage = data->File(name + "-" + std::to_string(counter++));
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << storage << "\"\n}\n"
       "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n"
    << listener_extra << "}\n"
       "disable_mlock = true\nlog_level = \"warn\"\n";
  return path;
}

std::vector<std::string> UnsealKeys(const std::string& init_out) {
  std::vector<std::string> keys;
  std::regex re("Unseal Key [0-9]+: (\\S+)");
  for (auto it = std::sregex_iterator(init_out.begin(), init_out.end(), re);
       it != std::sregex_iterator(); ++it) {
    keys.push_back((*it)[1]);
  }
  return keys;
}

std::string RootToken(const std::string& init_out) {
  std::smatch m;
  std::regex re("Initial Root Token: (\\S+)");
  return std::regex_search(init_out, m, re) ? std::string(m[1]) : "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// An initialised, unsealed server on file storage, with its keys and root token.
struct Node {
  std::unique_ptr<ServerProcess> server;
  std::vector<std::string> keys;
  std::string root;
  std::map<std::string, std::string> env;
};

void StartNode(const TempDir& dir, const std::string& name, Node& n,
               const std::string& listener_extra = "") {
  n.server = std::make_unique<ServerProcess>(
      std::vector<std::string>{"-config=" + WriteConfig(dir, name, listener_extra)});
  ASSERT_TRUE(n.server->running()) << n.server->Log();
  n.env = {{"ARCA_ADDR", n.server->url()}};
  auto init = RunCli({"operator", "init", "-key-shares=3", "-key-threshold=2"}, n.env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  n.keys = UnsealKeys(init.out);
  n.root = RootToken(init.out);
  ASSERT_EQ(n.keys.size(), 3u);
  n.env["ARCA_TOKEN"] = n.root;
  for (int i = 0; i < 2; ++i) ASSERT_EQ(RunCli({"operator", "unseal", n.keys[i]}, n.env).exit_code, 0);
}

bool Sealed(int port) {
  auto r = RawHttp(port, "GET", "/v1/sys/seal-status");
  auto o = ParseJsonObject(r.body);
  return !o || BoolOr(*o, "sealed", true);
}

// One keep-alive HTTP/1.1 connection for fast sequential writes.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  // The status of one request (0: the connection failed).
  int Put(const std::string& target, const std::string& body, const std::string& token) {
    if (fd_ < 0) return 0;
    std::string req = "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Vault-Token: " +
                      token + "\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    if (send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      return 0;
    }
    // Head, then Content-Length bytes.
    for (;;) {
      size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        int status = std::atoi(buf_.substr(9, 3).c_str());
        size_t len = 0;
        std::string head = buf_.substr(0, end);
        for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (size_t at = head.find("content-length:"); at != std::string::npos) {
          len = std::strtoul(head.c_str() + at + 15, nullptr, 10);
        }
        while (buf_.size() < end + 4 + len) {
          if (!Fill()) return 0;
        }
        buf_.erase(0, end + 4 + len);
        return status;
      }
      if (!Fill()) return 0;
    }
  }

 private:
  bool Fill() {
    char tmp[4096];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

// The keys of a LIST (kv v1), as a set.
std::set<std::string> ListKeys(int port, const std::string& token, const std::string& path) {
  auto r = RawHttp(port, "GET", "/v1/" + path + "?list=true", "", {{"X-Vault-Token", token}});
  std::set<std::string> out;
  auto o = ParseJsonObject(r.body);
  if (!o) return out;
  for (const auto& k : StringsOf(ObjectOr(*o, "data"), "keys")) out.insert(k);
  return out;
}

TEST(Snapshot, RoundTripUnderWritersIntoAFreshNodeWithOtherKeys) {
  TempDir dir;
  Node a;
  ASSERT_NO_FATAL_FAILURE(StartNode(dir, "a", a));
  const int pa = a.server->port();
  ASSERT_EQ(RunCli({"secrets", "enable", "-path=kv", "-version=1", "kv"}, a.env).exit_code, 0);
  // A token (a lease of auth/token/create) made before the snapshot.
  auto tok = RunCli({"token", "create", "-ttl=2h", "-field=token"}, a.env);
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string leased_token = tok.out;

  // 100k entries from concurrent writers; the snapshot is taken while they write.
  constexpr int kEntries = 100000;
  constexpr int kWriters = 16;
  std::atomic<int> next{0};
  std::atomic<int> acked{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::vector<char> done(kEntries, 0);  // guarded by mu
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      Conn c(pa);
      for (int i = next++; i < kEntries; i = next++) {
        int st = c.Put("/v1/kv/k" + std::to_string(i), "{\"v\":\"value-" + std::to_string(i) + "\"}",
                       a.root);
        if (st != 204) {
          failed = true;
          return;
        }
        {
          std::lock_guard lock(mu);
          done[i] = 1;
        }
        ++acked;
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  while (acked.load() < kEntries / 2 && !failed.load()) std::this_thread::yield();
  RecordProperty("half_written_s", std::to_string(elapsed()));
  ASSERT_FALSE(failed.load());
  std::vector<char> before;
  {
    std::lock_guard lock(mu);
    before = done;  // acknowledged before the snapshot started
  }
  const std::string snap = dir.File("a.snap");
  auto save = RunCli({"operator", "raft", "snapshot", "save", snap}, a.env);
  const int acked_after_snapshot = acked.load();
  for (auto& t : writers) t.join();
  ASSERT_FALSE(failed.load());
  RecordProperty("all_written_s", std::to_string(elapsed()));
  ASSERT_EQ(save.exit_code, 0) << save.out << save.err;
  EXPECT_EQ(save.out, "");  // Vault prints nothing
  EXPECT_LT(acked.load() - acked_after_snapshot, kEntries) << "the snapshot did not overlap writes";
  ASSERT_EQ(RunCli({"kv", "put", "kv/after", "v=1"}, a.env).exit_code, 0);

  // A damaged snapshot is refused by the node it came from, which stays as it was.
  const std::string good = ReadFile(snap);
  ASSERT_GT(good.size(), 1000u);
  WriteFile(dir.File("trunc.snap"), good.substr(0, good.size() / 2));
  std::string flipped = good;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x10);
  WriteFile(dir.File("flip.snap"), flipped);
  auto trunc = RunCli({"operator", "raft", "snapshot", "restore", dir.File("trunc.snap")}, a.env);
  EXPECT_EQ(trunc.exit_code, 2);
  EXPECT_NE(trunc.err.find("Error installing the snapshot"), std::string::npos) << trunc.err;
  EXPECT_NE(trunc.err.find("snapshot is truncated"), std::string::npos) << trunc.err;
  auto flip = RunCli({"operator", "raft", "snapshot", "restore", "-force", dir.File("flip.snap")},
                     a.env);
  EXPECT_EQ(flip.exit_code, 2);
  EXPECT_NE(flip.err.find("snapshot is corrupted"), std::string::npos) << flip.err;
  EXPECT_FALSE(Sealed(pa));
  EXPECT_EQ(RunCli({"kv", "get", "-field=v", "kv/after"}, a.env).out, "1");

  // A fresh node with its own keys: the snapshot is refused without -force, nothing changes.
  Node b;
  ASSERT_NO_FATAL_FAILURE(StartNode(dir, "b", b));
  const int pb = b.server->port();
  ASSERT_EQ(RunCli({"secrets", "enable", "-path=own", "kv"}, b.env).exit_code, 0);
  auto refused = RunCli({"operator", "raft", "snapshot", "restore", snap}, b.env);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("could not verify hash file, possibly the snapshot is using a "
                             "different set of unseal keys; use the snapshot-force API to bypass "
                             "this check"),
            std::string::npos)
      << refused.err;
  EXPECT_FALSE(Sealed(pb));
  EXPECT_NE(RunCli({"secrets", "list"}, b.env).out.find("own/"), std::string::npos);

  // Forced: restored, then sealed; the first node's keys open it.
  auto forced = RunCli({"operator", "raft", "snapshot", "restore", "-force", snap}, b.env);
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(forced.out, "");
  EXPECT_TRUE(Sealed(pb));
  // Its own keys no longer open it (a wrong key set fails at the threshold).
  ASSERT_EQ(RunCli({"operator", "unseal", b.keys[0]}, b.env).exit_code, 0);
  auto own = RunCli({"operator", "unseal", b.keys[1]}, b.env);
  EXPECT_EQ(own.exit_code, 2) << own.out << own.err;
  EXPECT_TRUE(Sealed(pb));
  for (int i = 1; i < 3; ++i) ASSERT_EQ(RunCli({"operator", "unseal", a.keys[i]}, b.env).exit_code, 0);
  ASSERT_FALSE(Sealed(pb));

  RecordProperty("restored_s", std::to_string(elapsed()));
  // Every entry acknowledged before the snapshot is there (one LIST), with its value (a sample).
  std::set<std::string> keys = ListKeys(pb, a.root, "kv");
  size_t expected = 0;
  for (int i = 0; i < kEntries; ++i) {
    if (!before[i]) continue;
    ++expected;
    ASSERT_TRUE(keys.count("k" + std::to_string(i))) << "k" << i << " acknowledged before the "
                                                     << "snapshot is missing";
  }
  EXPECT_GE(expected, static_cast<size_t>(kEntries / 2));
  EXPECT_FALSE(keys.count("after"));
  for (int i = 0; i < kEntries; i += 997) {
    if (!keys.count("k" + std::to_string(i))) continue;
    auto r = RawHttp(pb, "GET", "/v1/kv/k" + std::to_string(i), "", {{"X-Vault-Token", a.root}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"value-" + std::to_string(i) + "\""), std::string::npos) << r.body;
  }
  // The token and its lease came along; b's own mount did not.
  std::map<std::string, std::string> tenv{{"ARCA_ADDR", b.server->url()},
                                          {"ARCA_TOKEN", leased_token}};
  auto ttl = RunCli({"token", "lookup", "-field=ttl"}, tenv);
  ASSERT_EQ(ttl.exit_code, 0) << ttl.err;
  EXPECT_GT(std::atoi(ttl.out.c_str()), 3600) << ttl.out;
  auto leases = RawHttp(pb, "LIST", "/v1/sys/leases/lookup/auth/token/create/", "",
                        {{"X-Vault-Token", a.root}});
  EXPECT_EQ(leases.status, 200) << leases.body;
  EXPECT_NE(leases.body.find("\"keys\""), std::string::npos) << leases.body;
  std::map<std::string, std::string> benv{{"ARCA_ADDR", b.server->url()}, {"ARCA_TOKEN", a.root}};
  EXPECT_EQ(RunCli({"secrets", "list"}, benv).out.find("own/"), std::string::npos);

  // A restore with the same keys (no -force) on the first node: back to the snapshot, unsealed.
  auto same = RunCli({"operator", "raft", "snapshot", "restore", snap}, a.env);
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_FALSE(Sealed(pa));
  auto gone = RawHttp(pa, "GET", "/v1/kv/after", "", {{"X-Vault-Token", a.root}});
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_EQ(RunCli({"kv", "get", "-field=v", "kv/k0"}, a.env).exit_code, before[0] ? 0 : 2);
}

class SnapshotEndpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartNode(dir_, "n", n_));
    port_ = n_.server->port();
    snap_ = dir_.File("n.snap");
    auto save = RunCli({"operator", "raft", "snapshot", "save", snap_}, n_.env);
    ASSERT_EQ(save.exit_code, 0) << save.err;
    ASSERT_EQ(RunCli({"secrets", "enable", "-path=marker", "kv"}, n_.env).exit_code, 0);
  }
  HttpResult Post(const std::string& path, const std::string& body,
                  const std::optional<std::string>& token = std::nullopt) {
    return RawHttp(port_, "POST", "/v1/" + path, body,
                   {{"X-Vault-Token", token ? *token : n_.root},
                    {"Content-Type", "application/octet-stream"}});
  }
  // Nothing changed: unsealed, the mount made after the snapshot still there.
  void ExpectUnchanged() {
    EXPECT_FALSE(Sealed(port_));
    EXPECT_NE(RunCli({"secrets", "list"}, n_.env).out.find("marker/"), std::string::npos);
  }
  TempDir dir_;
  Node n_;
  int port_ = 0;
  std::string snap_;
};

TEST_F(SnapshotEndpoints, BadBodiesAre400AndChangeNothing) {
  const std::string good = ReadFile(snap_);
  struct Case {
    std::string body;
    std::string needle;
  };
  std::string corrupted = good;
  corrupted[good.size() / 2] = static_cast<char>(corrupted[good.size() / 2] ^ 1);
  const Case cases[] = {
      {"", "not a snapshot: the file is empty"},
      {"garbage, not a snapshot", "not a snapshot: not gzip data"},
      {good.substr(0, good.size() - 5), "snapshot is truncated"},
      {corrupted, "snapshot is corrupted"},
      {good + "trailing", "data after the end of the gzip stream"},
  };
  for (const char* path : {"sys/storage/raft/snapshot", "sys/storage/raft/snapshot-force",
                           "sys/storage/snapshot", "sys/storage/snapshot-force"}) {
    for (const Case& c : cases) {
      auto r = Post(path, c.body);
      EXPECT_EQ(r.status, 400) << path << ": " << r.body;
      EXPECT_NE(r.body.find(c.needle), std::string::npos) << path << ": " << r.body;
    }
  }
  ExpectUnchanged();
}

TEST_F(SnapshotEndpoints, OtherKeyringIsRefusedWithoutForce) {
  Node other;
  ASSERT_NO_FATAL_FAILURE(StartNode(dir_, "other", other));
  const std::string theirs = dir_.File("other.snap");
  ASSERT_EQ(RunCli({"operator", "raft", "snapshot", "save", theirs}, other.env).exit_code, 0);
  for (const char* path : {"sys/storage/raft/snapshot", "sys/storage/snapshot"}) {
    auto r = Post(path, ReadFile(theirs));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("use the snapshot-force API to bypass this check"), std::string::npos)
        << r.body;
  }
  ExpectUnchanged();
}

TEST_F(SnapshotEndpoints, MethodsAclAndAlias) {
  // GET on the alias is a snapshot too; -force has no GET.
  auto save2 = RawHttp(port_, "GET", "/v1/sys/storage/snapshot", "", {{"X-Vault-Token", n_.root}});
  EXPECT_EQ(save2.status, 200);
  EXPECT_EQ(save2.headers["content-type"], "application/gzip");
  auto force_get = RawHttp(port_, "GET", "/v1/sys/storage/raft/snapshot-force", "",
                           {{"X-Vault-Token", n_.root}});
  EXPECT_EQ(force_get.status, 405) << force_get.body;
  // No token, a token without the capability: 403, nothing changed.
  EXPECT_EQ(RawHttp(port_, "GET", "/v1/sys/storage/raft/snapshot").status, 403);
  EXPECT_EQ(Post("sys/storage/raft/snapshot", ReadFile(snap_), "").status, 403);
  WriteFile(dir_.File("read.hcl"),
            "path \"sys/storage/raft/snapshot\" { capabilities = [\"read\"] }\n");
  ASSERT_EQ(RunCli({"policy", "write", "snap-read", dir_.File("read.hcl")}, n_.env).exit_code, 0);
  auto reader = RunCli({"token", "create", "-policy=snap-read", "-field=token"}, n_.env);
  ASSERT_EQ(reader.exit_code, 0);
  std::map<std::string, std::string> renv{{"ARCA_ADDR", n_.server->url()},
                                          {"ARCA_TOKEN", reader.out}};
  auto saved = RunCli({"operator", "raft", "snapshot", "save", dir_.File("r.snap")}, renv);
  EXPECT_EQ(saved.exit_code, 0) << saved.err;
  auto restore = RunCli({"operator", "raft", "snapshot", "restore", snap_}, renv);
  EXPECT_EQ(restore.exit_code, 2);
  EXPECT_NE(restore.err.find("permission denied"), std::string::npos) << restore.err;
  auto no_file = RunCli({"operator", "raft", "snapshot", "restore", dir_.File("nope")}, n_.env);
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_NE(no_file.err.find("Error opening policy file"), std::string::npos) << no_file.err;
  auto args = RunCli({"operator", "raft", "snapshot", "save"}, n_.env);
  EXPECT_EQ(args.exit_code, 1);
  EXPECT_NE(args.err.find("Incorrect arguments (expected 1, got 0)"), std::string::npos) << args.err;
  ExpectUnchanged();
}

// As in Vault, max_request_size does not bound a restore's body (it is spooled to a file).
TEST(SnapshotLimits, RestoreIsNotBoundByMaxRequestSize) {
  TempDir dir;
  Node n;
  ASSERT_NO_FATAL_FAILURE(StartNode(dir, "small", n, "  max_request_size = 4096\n"));
  ASSERT_EQ(RunCli({"secrets", "enable", "-path=kv", "-version=1", "kv"}, n.env).exit_code, 0);
  const std::string big(3000, 'b');
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(RawHttp(n.server->port(), "PUT", "/v1/kv/k" + std::to_string(i),
                      "{\"v\":\"" + big + std::to_string(i) + "\"}", {{"X-Vault-Token", n.root}})
                  .status,
              204);
  }
  // An ordinary request over the limit: 413.
  auto over = RawHttp(n.server->port(), "PUT", "/v1/kv/too-big",
                      "{\"v\":\"" + std::string(5000, 'x') + "\"}", {{"X-Vault-Token", n.root}});
  EXPECT_EQ(over.status, 413);
  const std::string snap = dir.File("big.snap");
  ASSERT_EQ(RunCli({"operator", "raft", "snapshot", "save", snap}, n.env).exit_code, 0);
  ASSERT_GT(ReadFile(snap).size(), 4096u * 4);
  ASSERT_EQ(RunCli({"kv", "put", "kv/after", "v=1"}, n.env).exit_code, 0);
  auto restore = RunCli({"operator", "raft", "snapshot", "restore", snap}, n.env);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(RawHttp(n.server->port(), "GET", "/v1/kv/after", "", {{"X-Vault-Token", n.root}}).status,
            404);
  auto k49 = RawHttp(n.server->port(), "GET", "/v1/kv/k49", "", {{"X-Vault-Token", n.root}});
  EXPECT_EQ(k49.status, 200);
  EXPECT_NE(k49.body.find(big + "49"), std::string::npos);
}

// HA on etcd: a standby redirects the snapshot paths to the active node (as Vault); on the
// active node a restore in fenced batches keeps the HA lock (the election's keys are not part of
// a snapshot) and the node stays active, its standby following it.
TEST(SnapshotHa, StandbyRedirectsAndTheActiveNodeRestoresUnderItsLock) {
  HaCluster c(HaClusterOptions{.nodes = 2});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(std::chrono::seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int s = 1 - a;
  ASSERT_EQ(c.Req(a, "POST", "/v1/sys/mounts/kv", "{\"type\":\"kv\"}").status, 204);
  ASSERT_EQ(c.Req(a, "PUT", "/v1/kv/before", "{\"v\":\"1\"}").status, 204);

  for (const char* method : {"GET", "POST"}) {
    for (const char* path : {"/v1/sys/storage/raft/snapshot", "/v1/sys/storage/snapshot"}) {
      HttpResult r = c.Req(s, method, path, method == std::string("POST") ? "x" : "");
      EXPECT_EQ(r.status, 307) << method << " " << path << ": " << r.body;
      EXPECT_EQ(r.headers["location"], c.Url(a) + path);
    }
  }

  TempDir dir;
  const std::string snap = dir.File("ha.snap");
  auto save = c.Cli(a, {"operator", "raft", "snapshot", "save", snap});
  ASSERT_EQ(save.exit_code, 0) << save.err;
  ASSERT_EQ(c.Req(a, "PUT", "/v1/kv/after", "{\"v\":\"2\"}").status, 204);
  // The standby (serving reads itself) has read "after" and holds it in its read cache.
  {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until && c.Req(s, "GET", "/v1/kv/after").status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(c.Req(s, "GET", "/v1/kv/after").status, 200);
  }
  auto restore = c.Cli(a, {"operator", "raft", "snapshot", "restore", snap});
  ASSERT_EQ(restore.exit_code, 0) << restore.err << c.node(a).LogTail();
  // Still the active node (its lock survived), serving the snapshot's data; the standby too.
  EXPECT_EQ(c.WaitSettled(std::chrono::seconds(15)), a) << c.Describe();
  EXPECT_EQ(c.Req(a, "GET", "/v1/kv/after").status, 404);
  HttpResult before = c.Req(a, "GET", "/v1/kv/before");
  EXPECT_EQ(before.status, 200) << before.body;
  ASSERT_TRUE(c.WaitForwarding(s, std::chrono::seconds(15)));
  EXPECT_EQ(c.Req(s, "GET", "/v1/kv/before").status, 200);
  // The restore reached the standby as a reset of the replication log (docs/ha.md): within the
  // staleness bound its cached "after" is gone.
  {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    while (std::chrono::steady_clock::now() < until && c.Req(s, "GET", "/v1/kv/after").status != 404) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_EQ(c.Req(s, "GET", "/v1/kv/after").status, 404);
  // Writes go on (fenced by the same lock).
  EXPECT_EQ(c.Req(a, "PUT", "/v1/kv/later", "{\"v\":\"3\"}").status, 204);
}

}  // namespace
}  // namespace arca::testing
