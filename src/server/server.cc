#include "server/server.h"

#include "audit/broker.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "api/client_config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status.h"
#include "config/config.h"
#include "core/core.h"
#include "core/cors_store.h"
#include "http/handler.h"
#include "http/server.h"
#include "server/builtins.h"
#include "server/cluster.h"
#include "server/hardening.h"
#include "seal/factory.h"
#include "storage/migrate.h"

namespace arca::server {
namespace {

metrics::Counter& StandbyServedCounter() {
  static metrics::Counter& c = metrics::Registry::Global().GetCounter(
      "ha.standby_served_requests",
      "Requests a read-serving standby answered itself (not forwarded).");
  return c;
}

class CoreHandler : public http::Handler {
 public:
  explicit CoreHandler(core::Core& core) : core_(core) {}
  // HA: the cluster node that forwards a standby's requests and serves the cluster listener.
  void SetCluster(ClusterNode* cluster) { cluster_ = cluster; }
  bool TakesRaw(const http::RawRequest& req) const override {
    return cluster_ != nullptr && cluster_->TakesRaw(req);
  }
  http::RawResponse HandleRaw(const http::RawRequest& req) override {
    return cluster_->HandleRaw(req);
  }
  Result<logical::Response> Handle(logical::Request& req) override {
    if (cluster_ == nullptr) return core_.HandleRequest(req);
    const bool standby = core_.IsStandby() && !StandbyAnswersItself(req.path, true);
    Result<logical::Response> out = core_.HandleRequest(req);
    if (!out) return out;
    // The replication index after the request's own writes (docs/ha.md "Standby reads").
    if (std::optional<std::string> index = cluster_->IndexHeader()) {
      out->headers[std::string(kIndexHeader)] = std::move(*index);
    }
    if (standby && core_.IsStandby()) StandbyServedCounter().Add();
    return out;
  }
  bool RunsInline(const logical::Request& req) const override { return core_.RunsInline(req); }
  std::shared_ptr<const CorsConfig> Cors() const override { return core_.cors().Get(); }

 private:
  core::Core& core_;
  ClusterNode* cluster_ = nullptr;  // set before the server starts
};

// ARCA_<name>, else VAULT_<name>, else `def`.
std::string EnvOr(const char* name, const std::string& def) {
  for (std::string prefix : {"ARCA_", "VAULT_"}) {
    const char* v = std::getenv((prefix + name).c_str());
    if (v && *v) return v;
  }
  return def;
}


struct ServerFlags {
  std::vector<std::string> config_paths;
  bool dev = false;
  std::string dev_root_token_id;
  std::string dev_listen_address = "127.0.0.1:8200";
  std::string log_level;
  std::string log_format;
  // -listener-address-file: where to write the bound listener URLs once the server serves.
  std::string listener_address_file;
};

void PrintUsage() {
  std::cerr << "Usage: arca server [options]\n\n"
               "  -config=<path>              Path to a configuration file or directory (repeatable).\n"
               "  -dev                        Development mode: in-memory, unsealed, root token printed.\n"
               "  -dev-root-token-id=<id>     Root token to use in dev mode.\n"
               "  -dev-listen-address=<addr>  Dev mode listen address (default 127.0.0.1:8200).\n"
               "  -log-level=<level>          trace, debug, info, warn, error.\n"
               "  -log-format=<format>        standard or json.\n"
               "  -listener-address-file=<path>\n"
               "                              Once serving, write the listeners' URLs (real ports,\n"
               "                              also for port 0) to <path>, one a line.\n";
}

Result<ServerFlags> ParseFlags(const std::vector<std::string>& args) {
  ServerFlags f;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) == 0) a = a.substr(1);
    if (a.empty() || a[0] != '-') return InvalidRequest("unexpected argument \"" + a + "\"");
    std::string name = a.substr(1), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> Result<std::string> {
      if (has_value) return value;
      if (i + 1 >= args.size()) return InvalidRequest("flag needs an argument: -" + name);
      return args[++i];
    };
    if (name == "dev") {
      f.dev = !has_value || value == "true" || value == "1";
    } else if (name == "config") {
      ARCA_ASSIGN_OR_RETURN(std::string v, take());
      f.config_paths.push_back(v);
    } else if (name == "dev-root-token-id") {
      ARCA_ASSIGN_OR_RETURN(f.dev_root_token_id, take());
    } else if (name == "dev-listen-address") {
      ARCA_ASSIGN_OR_RETURN(f.dev_listen_address, take());
    } else if (name == "log-level") {
      ARCA_ASSIGN_OR_RETURN(f.log_level, take());
    } else if (name == "log-format") {
      ARCA_ASSIGN_OR_RETURN(f.log_format, take());
    } else if (name == "listener-address-file") {
      ARCA_ASSIGN_OR_RETURN(f.listener_address_file, take());
      if (f.listener_address_file.empty()) {
        return InvalidRequest("-listener-address-file needs a path");
      }
    } else if (name == "h" || name == "help") {
      PrintUsage();
      return InvalidRequest("");
    } else {
      return InvalidRequest("flag provided but not defined: -" + name);
    }
  }
  if (!f.dev && f.config_paths.empty()) {
    return InvalidRequest("no configuration files found: use -config=<path> or -dev");
  }
  return f;
}

http::ListenerOptions ToListenerOptions(const config::ListenerConfig& l) {
  http::ListenerOptions o;
  o.address = l.address;
  o.tls_disable = l.tls_disable;
  o.tls_cert_file = l.tls_cert_file;
  o.tls_key_file = l.tls_key_file;
  o.tls_client_ca_file = l.tls_client_ca_file;
  o.tls_min_version = l.tls_min_version;
  o.tls_require_and_verify_client_cert = l.tls_require_and_verify_client_cert;
  o.tls_disable_client_certs = l.tls_disable_client_certs;
  o.max_request_size = l.max_request_size;
  o.max_request_duration = l.max_request_duration;
  o.http_read_timeout = l.http_read_timeout;
  o.http_idle_timeout = l.http_idle_timeout;
  o.x_forwarded_for_authorized_addrs = l.x_forwarded_for_authorized_addrs;
  o.unauthenticated_metrics_access = l.unauthenticated_metrics_access;
  return o;
}

std::string ListenerUrl(const http::ListenerOptions& l, uint16_t port) {
  std::string host = l.address.substr(0, l.address.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  return std::string(l.tls_disable ? "http" : "https") + "://" + host + ":" + std::to_string(port);
}

// The address a listener is bound to: its configured host with the real port (port 0 in the
// configuration asks the kernel for a free one).
std::string BoundAddress(const http::ListenerOptions& l, uint16_t port) {
  return l.address.substr(0, l.address.rfind(':')) + ":" + std::to_string(port);
}

// Writes `content` to `path` through a temporary file and a rename, so that a reader polling
// for `path` never sees a partial file.
Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!(f << content) || !f.flush()) return Unavailable("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Unavailable("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

int Fail(const std::string& msg) {
  std::cerr << "Error: " << msg << "\n";
  return 1;
}

}  // namespace

int RunServerCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args);
  if (!flags) {
    if (flags.error().message().empty()) return 1;
    return Fail(flags.error().message());
  }

  config::Config cfg;
  if (flags->dev) {
    cfg.storage = config::StorageConfig{"inmem", {}, 0};
    config::ListenerConfig l;
    l.address = flags->dev_listen_address;
    l.tls_disable = true;
    cfg.listeners.push_back(l);
    cfg.disable_mlock = true;
    cfg.log_level = "info";
  }
  if (!flags->config_paths.empty()) {
    auto loaded = config::LoadPaths(flags->config_paths);
    if (!loaded) return Fail(loaded.error().message());
    if (flags->dev) {
      // Dev mode keeps its own storage and listener unless the files set them.
      if (!loaded->storage) loaded->storage = cfg.storage;
      if (loaded->listeners.empty()) loaded->listeners = cfg.listeners;
      loaded->disable_mlock = true;
    }
    cfg = std::move(*loaded);
  }
  if (!flags->log_level.empty()) cfg.log_level = flags->log_level;
  if (!flags->log_format.empty()) cfg.log_format = flags->log_format;
  if (auto s = log::Init(cfg.log_level, cfg.log_format); !s) return Fail(s.error().message());
  // Before any key material exists in this process.
  if (auto s = ApplyCoreDumpProtection(cfg.disable_core_dump_protection); !s) {
    return Fail(s.error().message());
  }
  if (cfg.disable_core_dump_protection) {
    spdlog::warn("core dump protection is disabled: the process is dumpable and traceable");
  }
  for (const auto& w : cfg.warnings) spdlog::warn("config: {}", w);

  if (!cfg.storage) return Fail("a storage backend must be specified (storage \"file\" { path = ... })");
  // The seals (built before the core; the key service is contacted later, by the core).
  std::unique_ptr<core::SealAccess> seal_access, migration_seal;
  if (cfg.seal) {
    auto s = seal::NewSeal(*cfg.seal);
    if (!s) return Fail(s.error().message());
    seal_access = std::move(*s);
  }
  if (cfg.disabled_seal) {
    auto s = seal::NewSeal(*cfg.disabled_seal);
    if (!s) return Fail(s.error().message() + " (the seal stanza marked disabled)");
    migration_seal = std::move(*s);
  }
  if (flags->dev && (seal_access || migration_seal)) {
    return Fail("-dev cannot be used with an auto-unseal seal stanza");
  }
  if (cfg.ha_storage) return Fail("ha_storage is not supported yet");
  if (!cfg.pid_file.empty()) {
    std::ofstream pid(cfg.pid_file, std::ios::trunc);
    if (!pid) return Fail("cannot write pid_file " + cfg.pid_file);
    pid << getpid() << "\n";
  }
  if (cfg.listeners.empty()) return Fail("at least one listener must be specified");
  auto factory = StorageBackends().find(cfg.storage->type);
  if (factory == StorageBackends().end()) {
    return Fail("unknown storage type \"" + cfg.storage->type + "\"");
  }
  auto physical = factory->second(cfg.storage->options);
  if (!physical) return Fail("storage: " + physical.error().message());
  // `operator migrate` marks the storage it copies from (storage/migrate.h).
  if (auto migration = storage::MigrationInProgress(**physical); !migration) {
    return Fail("storage: unable to read the storage migration status: " +
                migration.error().message());
  } else if (*migration) {
    return Fail("Storage migration in progress (started: " + **migration +
                "). Server startup is prevented until the migration completes. Use 'arca "
                "operator migrate -reset' to force clear the migration lock.");
  }

  if (!cfg.disable_mlock) {
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
      return Fail(std::string("failed to lock memory: ") + std::strerror(errno) +
                  "\n\nThis usually means that the mlock syscall is not available or the process "
                  "lacks the permission (CAP_IPC_LOCK). Set disable_mlock = true to run without "
                  "memory locking (secrets may then reach swap).");
    }
  }

  core::CoreConfig core_cfg;
  core_cfg.physical = std::move(*physical);
  core_cfg.secret_engines = SecretEngines();
  core_cfg.auth_methods = AuthMethods();
  core_cfg.database_plugins = DatabasePlugins();
  core_cfg.sanitized_config = config::SanitizedJson(cfg);
  core_cfg.ttls.default_lease_ttl = cfg.default_lease_ttl;
  core_cfg.ttls.max_lease_ttl = cfg.max_lease_ttl;
  core_cfg.cluster_name = cfg.cluster_name;
  // Vault's environment variables override the configuration.
  cfg.api_addr = EnvOr("API_ADDR", cfg.api_addr);
  cfg.cluster_addr = EnvOr("CLUSTER_ADDR", cfg.cluster_addr);
  core_cfg.api_addr = cfg.api_addr;
  core_cfg.cluster_addr = cfg.cluster_addr;
  core_cfg.dev_mode = flags->dev;
  core_cfg.disable_cache = cfg.disable_cache;
  core_cfg.disable_standby_reads = cfg.disable_standby_reads;
  core_cfg.standby_read_max_staleness = cfg.standby_read_max_staleness;
  core_cfg.audit_forbidden_dirs = AuditForbiddenDirs(cfg, flags->config_paths);
  core_cfg.seal = std::move(seal_access);
  core_cfg.migration_seal = std::move(migration_seal);
  std::string storage_type = cfg.storage->type;
  metrics::Registry::Global().SetPrefix(cfg.telemetry.metrics_prefix);
  core::Core core(std::move(core_cfg));
  // HA: the storage is lockable (etcd with ha_enabled = "true").
  const bool ha_enabled = core.HaEnabled();

  CoreHandler handler(core);
  http::ServerOptions sopts;
  unsigned hw = std::thread::hardware_concurrency();
  // One event loop per core (as nginx runs a worker per core); reads of memory and local
  // storage run on them (Handler::RunsInline), other reads on a pool of half the cores, writes
  // on a larger pool: on small machines every extra thread costs context switches on the hot
  // path (see bench/README.md). Tunable through ARCA_IO_THREADS, ARCA_WORKER_THREADS,
  // ARCA_WRITE_WORKER_THREADS and ARCA_INLINE_REQUESTS=0 (no request on the event loops).
  int cores = std::max(1, static_cast<int>(hw ? hw : 2));
  sopts.io_threads = cores;
  sopts.worker_threads = std::max(1, cores / 2);
  if (const char* v = std::getenv("ARCA_IO_THREADS")) sopts.io_threads = std::max(1, std::atoi(v));
  sopts.write_worker_threads = std::max(16, 4 * static_cast<int>(hw ? hw : 2));
  if (const char* v = std::getenv("ARCA_WORKER_THREADS")) sopts.worker_threads = std::max(1, std::atoi(v));
  if (const char* v = std::getenv("ARCA_INLINE_REQUESTS"))
    sopts.inline_requests = std::atoi(v) != 0;
  if (const char* v = std::getenv("ARCA_WRITE_WORKER_THREADS")) {
    sopts.write_worker_threads = std::max(1, std::atoi(v));
  }
  http::Server server(handler, sopts);
  metrics::Registry::Global().SetGauge(
      "core.queued_requests", "API requests waiting for a worker thread.",
      [&server] {
        return std::vector<metrics::GaugeSample>{{{}, static_cast<double>(server.QueuedRequests())}};
      },
      &server);
  struct GaugeGuard {
    const void* owner;
    ~GaugeGuard() { metrics::Registry::Global().RemoveGaugesOf(owner); }
  } gauge_guard{&server};
  std::vector<http::ListenerOptions> listeners;
  for (const auto& l : cfg.listeners) {
    listeners.push_back(ToListenerOptions(l));
    if (auto s = server.AddListener(listeners.back()); !s) {
      return Fail("listener " + l.address + ": " + s.error().message());
    }
  }
  auto ports = server.BoundPorts();
  std::string api_url = ListenerUrl(listeners[0], ports[0]);

  // HA: the cluster listener binds now (its port is advertised before anything can unseal) and
  // serves once the cluster certificate is known (ClusterNode reads or makes it after unseal;
  // connections before that are closed at once).
  std::string advertised_api = cfg.api_addr.empty() ? api_url : cfg.api_addr;
  std::string advertised_cluster, cluster_bound;
  std::shared_ptr<ClusterNode> cluster;
  if (ha_enabled) {
    http::ListenerOptions c;
    c.cluster = true;
    c.client_addr_header = std::string(kClientAddrHeader);
    c.address = cfg.listeners[0].cluster_address;
    if (c.address.empty()) {
      c.address = BoundAddress(listeners[0], static_cast<uint16_t>(ports[0] + 1));
    }
    c.max_request_size = listeners[0].max_request_size;
    c.max_request_duration = listeners[0].max_request_duration;
    if (auto s = server.AddListener(c); !s) {
      return Fail("cluster listener " + c.address + ": " + s.error().message());
    }
    uint16_t cport = server.BoundPorts().back();
    cluster_bound = BoundAddress(c, cport);
    c.tls_disable = false;
    advertised_cluster = cfg.cluster_addr.empty() ? ListenerUrl(c, cport) : cfg.cluster_addr;
    cluster = std::make_shared<ClusterNode>(core, server);
    handler.SetCluster(cluster.get());
    core.SetActiveChangeHook([cluster](bool active) { cluster->OnActiveChange(active); });
    core.SetPerfStandbyProbe([cluster] { return cluster->PerfStandby(); });
  }
  // Stops the cluster node's thread before the server goes away (the core's hook may keep the
  // object itself alive a little longer; a stopped node ignores wake-ups).
  struct ClusterGuard {
    std::shared_ptr<ClusterNode> node;
    ~ClusterGuard() {
      if (node) node->Stop();
    }
  } cluster_guard{cluster};
  core.SetAdvertisedAddresses(advertised_api, advertised_cluster);
  if (cluster) cluster->Start();
  // Seal migration mode, or the background auto-unseal of an initialized auto seal.
  if (auto s = core.StartSeal(); !s) return Fail("seal: " + s.error().message());

  std::string root_token, unseal_key;
  if (flags->dev) {
    core::InitParams dev_params;
    dev_params.secret_shares = 1;
    dev_params.secret_threshold = 1;
    dev_params.root_token_id = flags->dev_root_token_id;
    auto init = core.Initialize(dev_params);
    if (!init) return Fail("dev init: " + init.error().message());
    if (auto s = core.UnsealWithKeys(init->keys_hex); !s) return Fail("dev unseal: " + s.error().message());
    root_token = init->root_token;
    unseal_key = init->keys_base64[0];
    core::MountEntry kv;
    kv.path = "secret/";
    kv.type = "kv";
    kv.options["version"] = "2";
    kv.description = "key/value secret storage";
    if (auto s = core.EnableMount(kv); !s) return Fail("dev mount secret/: " + s.error().message());
    (void)api::WriteTokenHelper(api::TokenHelperPath(), root_token);
  }

  std::cout << "==> Arca server configuration:\n\n"
            << "     Api Address: " << advertised_api << "\n";
  if (!advertised_cluster.empty()) {
    std::cout << " Cluster Address: " << advertised_cluster << " (listening on " << cluster_bound
              << ")\n";
  }
  for (size_t i = 0; i < listeners.size(); ++i) {
    std::cout << "      Listener " << i + 1 << ": tcp (addr: \"" << BoundAddress(listeners[i], ports[i])
              << "\", tls: \"" << (listeners[i].tls_disable ? "disabled" : "enabled") << "\")\n";
  }
  std::cout << "       Log Level: " << cfg.log_level << "\n"
            << "           Mlock: " << (cfg.disable_mlock ? "disabled" : "enabled") << "\n"
            << "         Storage: " << storage_type << (ha_enabled ? " (HA available)" : "")
            << "\n"
            << "         Version: Arca v" << ARCA_VERSION << "\n\n";
  if (flags->dev) {
    std::cout
        << "WARNING! dev mode is enabled! In this mode, Arca runs entirely in-memory\n"
           "and starts unsealed with a single unseal key. The root token is already\n"
           "authenticated to the CLI, so you can immediately begin using Arca.\n\n"
           "You may need to set the following environment variables:\n\n"
        << "    $ export VAULT_ADDR='" << api_url << "'\n"
        << "    $ export ARCA_ADDR='" << api_url << "'\n\n"
        << "The unseal key and root token are displayed below in case you want to\n"
           "seal/unseal Arca or re-authenticate.\n\n"
        << "Unseal Key: " << unseal_key << "\n"
        << "Root Token: " << root_token << "\n\n"
        << "Development mode should NOT be used in production installations!\n\n";
  }
  std::cout << "==> Arca server started! Log data will stream in below:\n" << std::endl;

  server.Start();
  if (!flags->listener_address_file.empty()) {
    std::string urls;
    for (size_t i = 0; i < listeners.size(); ++i) urls += ListenerUrl(listeners[i], ports[i]) + "\n";
    if (auto s = WriteFileAtomically(flags->listener_address_file, urls); !s) {
      return Fail("-listener-address-file: " + s.error().message());
    }
  }
  // SIGHUP reopens the audit files (log rotation by an outside tool).
  server.WaitForShutdownSignal([&core] {
    if (auto s = core.audit().Reopen(); !s) {
      spdlog::error("server: reopening audit devices: {}", s.error().message());
    } else {
      spdlog::info("server: audit devices reopened (SIGHUP)");
    }
  });
  spdlog::info("server: shutting down");
  return 0;
}

}  // namespace arca::server
