#include "integration/ha_cluster.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/json.h"

namespace arca::testing {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);

std::string Tail(const std::string& s, size_t n) {
  return s.size() > n ? "...\n" + s.substr(s.size() - n) : s;
}

}  // namespace

HaCluster::HaCluster(HaClusterOptions options) : options_(std::move(options)) {
  if (!StartStore()) return;
  const int n = options_.nodes;
  nodes_.resize(static_cast<size_t>(n));
  old_logs_.resize(static_cast<size_t>(n));
  stopped_.assign(static_cast<size_t>(n), false);
  for (int i = 0; i < n; ++i) {
    const std::string path = dir_.File("node" + std::to_string(i) + ".hcl");
    std::ofstream f(path);
    f << StorageStanza() << "\n"
      << "listener \"tcp\" {\n"
      << "  address         = \"127.0.0.1:0\"\n"
      << "  cluster_address = \"127.0.0.1:0\"\n"
      << "  tls_disable     = true\n"
      << options_.extra_listener
      << "}\n\n"
      << "disable_mlock = true\n"
      << "log_level     = \"info\"\n"
      << options_.extra_top;
    configs_.push_back(path);
  }
  for (int i = 0; i < n; ++i) {
    if (!Start(i)) return;
  }
  if (!Init()) return;
  for (int i = 0; i < n; ++i) {
    if (!Unseal(i)) return;
  }
  if (WaitSettled(std::chrono::seconds(30)) < 0) {
    error_ = "no single active node with every other node a standby within 30 s\n" + Describe();
    return;
  }
  for (int i = 0; i < n; ++i) {
    if (!WaitForwarding(i, std::chrono::seconds(15))) {
      error_ = "node " + std::to_string(i) + " does not forward to the active node within 15 s\n" +
               Describe();
      return;
    }
  }
  ok_ = true;
}

HaCluster::~HaCluster() {
  // A stopped node would not see SIGTERM; every node must exit 0 (ServerProcess's destructor).
  for (int i = 0; i < size(); ++i) {
    if (Running(i)) Signal(i, SIGCONT);
  }
  nodes_.clear();
  // The database goes with the cluster (a test may have left the server stopped: then it is
  // started again first, so that the next cluster in this process finds it serving).
  if (pg_ != nullptr && !database_.empty()) {
    if (pg_->Sql("SELECT 1") != 0) pg_->Start();
    pg_->Sql("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  }
}

bool HaCluster::StartStore() {
  if (options_.storage == HaStorage::kEtcd) {
    etcd_ = std::make_unique<EtcdCluster>(EtcdClusterOptions{.members = 3});
    if (!etcd_->ok()) {
      error_ = "etcd: " + etcd_->error();
      return false;
    }
    return true;
  }
  pg_ = &SharedPostgres();
  if (!pg_->ok()) {
    error_ = "postgresql: " + pg_->error();
    return false;
  }
  static std::atomic<int> counter{0};
  database_ = "arca_ha_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string out;
  if (pg_->Sql("CREATE DATABASE " + database_, &out) != 0) {
    error_ = "postgresql: CREATE DATABASE " + database_ + ": " + out;
    database_.clear();
    return false;
  }
  return true;
}

std::string HaCluster::StorageStanza() const {
  std::ostringstream s;
  if (options_.storage == HaStorage::kEtcd) {
    s << "storage \"etcd\" {\n"
      << "  address      = \"" << etcd_->ClientUrls() << "\"\n"
      << "  path         = \"/arca-ha/\"\n"
      << "  ha_enabled   = \"true\"\n"
      << "  lock_timeout = \"" << options_.lock_timeout << "\"\n";
  } else {
    s << "storage \"postgresql\" {\n"
      << "  connection_url = \"" << ConnectionUrl() << "\"\n"
      << "  ha_enabled     = \"true\"\n"
      << "  lock_timeout   = \"" << options_.lock_timeout << "\"\n";
  }
  s << options_.extra_storage << "}\n";
  return s.str();
}

std::string HaCluster::ConnectionUrl() const {
  if (pg_ == nullptr) return "";
  return "postgres://" + pg_->admin_user() + ":" + pg_->admin_password() + "@127.0.0.1:" +
         std::to_string(pg_->port()) + "/" + database_ + "?sslmode=disable";
}

int HaCluster::Sql(const std::string& sql, std::string* out) const {
  if (pg_ == nullptr) return -1;
  return RunShell("PGPASSWORD=" + ShellQuote(pg_->admin_password()) +
                      " PGCONNECT_TIMEOUT=5 psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                      std::to_string(pg_->port()) + " -U " + ShellQuote(pg_->admin_user()) +
                      " -d " + ShellQuote(database_) + " -c " + ShellQuote(sql),
                  out);
}

bool HaCluster::Start(int i) {
  auto& slot = nodes_[static_cast<size_t>(i)];
  if (slot) old_logs_[static_cast<size_t>(i)] += Tail(slot->Log(), 8192);
  slot = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + config_path(i)},
                                         std::chrono::seconds(30), options_.env);
  if (!slot->running()) {
    error_ = "node " + std::to_string(i) + " did not start:\n" + slot->Log();
    return false;
  }
  return true;
}

bool HaCluster::Init() {
  const std::string body = "{\"secret_shares\":" + std::to_string(options_.key_shares) +
                           ",\"secret_threshold\":" + std::to_string(options_.key_threshold) + "}";
  HttpResult r = RawHttp(Port(0), "PUT", "/v1/sys/init", body);
  if (r.status != 200) {
    error_ = "sys/init on node 0: " + std::to_string(r.status) + " " + r.body + "\n" + Describe();
    return false;
  }
  auto o = ParseJsonObject(r.body);
  if (!o) {
    error_ = "sys/init answer: " + r.body;
    return false;
  }
  keys_ = StringsOf(*o, "keys");
  root_token_ = StringOr(*o, "root_token");
  if (static_cast<int>(keys_.size()) != options_.key_shares || root_token_.empty()) {
    error_ = "sys/init answer without keys or root token: " + r.body;
    return false;
  }
  return true;
}

bool HaCluster::Unseal(int i) {
  for (int k = 0; k < options_.key_threshold; ++k) {
    HttpResult r = RawHttp(Port(i), "PUT", "/v1/sys/unseal", "{\"key\":\"" + keys_[k] + "\"}");
    if (r.status != 200) {
      error_ = "sys/unseal on node " + std::to_string(i) + ": " + std::to_string(r.status) + " " +
               r.body + "\n" + Describe();
      return false;
    }
    auto o = ParseJsonObject(r.body);
    if (o && !BoolOr(*o, "sealed", true)) return true;
  }
  error_ = "node " + std::to_string(i) + " still sealed after " +
           std::to_string(options_.key_threshold) + " keys\n" + Describe();
  return false;
}

bool HaCluster::Running(int i) const {
  const auto& n = nodes_[static_cast<size_t>(i)];
  return n && n->running();
}

int HaCluster::Port(int i) const {
  const auto& n = nodes_[static_cast<size_t>(i)];
  return n ? n->port() : 0;
}

std::string HaCluster::Url(int i) const {
  const auto& n = nodes_[static_cast<size_t>(i)];
  return n ? n->url() : "";
}

HttpResult HaCluster::Req(int i, const std::string& method, const std::string& path,
                          const std::string& body,
                          std::map<std::string, std::string> headers) const {
  headers.emplace("X-Vault-Token", root_token_);
  return RawHttp(Port(i), method, path, body, headers);
}

CliResult HaCluster::Cli(int i, const std::vector<std::string>& args) const {
  return RunCli(args, {{"VAULT_ADDR", Url(i)}, {"VAULT_TOKEN", root_token_}});
}

HaNodeView HaCluster::View(int i) const {
  HaNodeView v;
  v.running = Serving(i);
  if (!v.running) return v;
  HttpResult h = RawHttp(Port(i), "GET", "/v1/sys/health");
  v.health = h.status;
  v.health_body = h.body;
  if (auto o = ParseJsonObject(h.body)) v.sealed = BoolOr(*o, "sealed", true);
  HttpResult l = RawHttp(Port(i), "GET", "/v1/sys/leader");
  v.leader_status = l.status;
  v.leader_body = l.body;
  if (auto o = ParseJsonObject(l.body)) {
    v.ha_enabled = BoolOr(*o, "ha_enabled");
    v.is_self = BoolOr(*o, "is_self");
    v.leader_address = StringOr(*o, "leader_address");
    v.leader_cluster_address = StringOr(*o, "leader_cluster_address");
  }
  return v;
}

int HaCluster::Active() const {
  int active = -1;
  for (int i = 0; i < size(); ++i) {
    if (!Serving(i)) continue;
    HaNodeView v = View(i);
    bool says_active = v.health == 200 && v.is_self;
    bool says_standby = v.health != 200 && !v.is_self;
    if (says_active) {
      if (active >= 0) return -1;  // two nodes claim to be active
      active = i;
    } else if (!says_standby) {
      return -1;  // in between (health and sys/leader disagree): not settled
    }
  }
  return active;
}

int HaCluster::WaitActive(std::chrono::milliseconds deadline, int not_this) const {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    int a = Active();
    if (a >= 0 && a != not_this) return a;
    if (std::chrono::steady_clock::now() >= until) return -1;
    std::this_thread::sleep_for(kPoll);
  }
}

int HaCluster::WaitSettled(std::chrono::milliseconds deadline) const {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    int a = Active();
    bool settled = a >= 0;
    for (int i = 0; settled && i < size(); ++i) {
      if (i == a || !Serving(i)) continue;
      HaNodeView v = View(i);
      settled = (v.health == 429 || v.health == 473) && !v.is_self && !v.sealed && v.leader_address == Url(a);
    }
    if (settled) return a;
    if (std::chrono::steady_clock::now() >= until) return -1;
    std::this_thread::sleep_for(kPoll);
  }
}

bool HaCluster::WaitForwarding(int i, std::chrono::milliseconds deadline) const {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (Req(i, "GET", "/v1/auth/token/lookup-self").status == 200) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

bool HaCluster::WaitStandby(int i, std::chrono::milliseconds deadline) const {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    HaNodeView v = View(i);
    if ((v.health == 429 || v.health == 473) && !v.is_self && !v.sealed) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

void HaCluster::Kill(int i) {
  if (Running(i)) nodes_[static_cast<size_t>(i)]->Stop(SIGKILL);
  stopped_[static_cast<size_t>(i)] = false;
}

int HaCluster::Stop(int i, int sig) {
  if (!Running(i)) return -1;
  if (sig != SIGKILL) Signal(i, SIGCONT);  // a stopped process would not act on it
  return nodes_[static_cast<size_t>(i)]->Stop(sig);
}

bool HaCluster::Signal(int i, int sig) {
  if (!Running(i) || !nodes_[static_cast<size_t>(i)]->Signal(sig)) return false;
  if (sig == SIGSTOP) stopped_[static_cast<size_t>(i)] = true;
  if (sig == SIGCONT) stopped_[static_cast<size_t>(i)] = false;
  return true;
}

int HaCluster::Wait(int i) {
  stopped_[static_cast<size_t>(i)] = false;
  return nodes_[static_cast<size_t>(i)]->Wait();
}

bool HaCluster::Restart(int i) {
  Kill(i);
  return Start(i) && Unseal(i);
}

std::string HaCluster::Describe() const {
  std::ostringstream out;
  for (int i = 0; i < size(); ++i) {
    out << "node " << i << " (" << Url(i) << "): ";
    if (!Serving(i)) {
      out << (Running(i) ? "stopped (SIGSTOP)\n" : "not running\n");
      continue;
    }
    HaNodeView v = View(i);
    out << "health " << v.health << " " << v.health_body << "\n    leader " << v.leader_status
        << " " << v.leader_body << "\n";
  }
  if (pg_ != nullptr) {
    std::string rows;
    const int rc = Sql("SELECT ha_key, ha_identity, valid_until, now() FROM vault_ha_locks", &rows);
    out << "vault_ha_locks (psql exit " << rc << ", ha_key|ha_identity|valid_until|now):\n"
        << rows << "\n";
  }
  for (int i = 0; i < size(); ++i) {
    const auto& n = nodes_[static_cast<size_t>(i)];
    out << "--- log of node " << i << ":\n"
        << old_logs_[static_cast<size_t>(i)] << (n ? Tail(n->Log(), 6144) : "") << "\n";
  }
  return out.str();
}

bool EnableKv(const HaCluster& c, int i, std::string* error) {
  HttpResult r = c.Req(i, "POST", "/v1/sys/mounts/secret", R"({"type":"kv","options":{"version":"2"}})");
  if (r.status != 204 && r.status != 200) {
    *error = "mounting kv v2 at secret/ through node " + std::to_string(i) + ": " +
             std::to_string(r.status) + " " + r.body;
    return false;
  }
  return true;
}

HttpResult KvPut(const HaCluster& c, int i, const std::string& key, const std::string& value,
                 std::map<std::string, std::string> headers) {
  return c.Req(i, "POST", "/v1/secret/data/" + key, "{\"data\":{\"v\":\"" + value + "\"}}",
               std::move(headers));
}

std::optional<std::string> KvGet(const HaCluster& c, int i, const std::string& key, int* status) {
  HttpResult r = c.Req(i, "GET", "/v1/secret/data/" + key);
  if (status != nullptr) *status = r.status;
  if (r.status != 200) return std::nullopt;
  auto o = ParseJsonObject(r.body);
  if (!o) return std::nullopt;
  json::object inner = ObjectOr(ObjectOr(*o, "data"), "data");
  if (!inner.contains("v") || !inner.at("v").is_string()) return std::nullopt;
  return std::string(inner.at("v").as_string());
}

}  // namespace arca::testing
