#include "server/migrate.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/status.h"
#include "config/migrate.h"
#include "server/builtins.h"
#include "storage/backend.h"
#include "storage/migrate.h"

namespace arca::server {
namespace {

struct MigrateFlags {
  std::string config;
  std::string start;
  bool reset = false;
  int max_parallel = 10;
  std::string log_level = "info";
};

constexpr std::string_view kUsage =
    "Usage: arca operator migrate [options]\n\n"
    "  Copies every entry of one storage backend into another, as stored (encrypted):\n"
    "  no server and no unsealing are needed. The source is not modified, apart from a\n"
    "  marker (core/migration) kept while the copy runs, which keeps servers from\n"
    "  starting over it. Stop every server on the source first.\n\n"
    "      $ arca operator migrate -config=migrate.hcl\n\n"
    "  -config=<path>       The migrator configuration: storage_source and\n"
    "                       storage_destination stanzas (or ARCA_MIGRATE_CONFIG_PATH /\n"
    "                       VAULT_MIGRATE_CONFIG_PATH).\n"
    "  -start=<key>         Only copy keys at or after this one (resuming).\n"
    "  -reset               Remove the migration marker of the source; copy nothing.\n"
    "  -max-parallel=<n>    Entries copied at once (default 10).\n"
    "  -log-level=<level>   trace, debug, info, warn, error (default info).\n";

std::string Env(const char* name) {
  for (std::string prefix : {"ARCA_", "VAULT_"}) {
    const char* v = std::getenv((prefix + name).c_str());
    if (v && *v) return v;
  }
  return "";
}

// Parses Vault's flag syntax (-name=value, -name value, --name, booleans -name or -name=true).
// An empty error message means -h was asked for.
Result<MigrateFlags> ParseFlags(const std::vector<std::string>& args) {
  MigrateFlags f;
  f.config = Env("MIGRATE_CONFIG_PATH");
  if (std::string l = Env("LOG_LEVEL"); !l.empty()) f.log_level = l;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) == 0) a = a.substr(1);
    if (a.empty() || a[0] != '-') {
      return InvalidRequest("Too many arguments (expected 0, got " +
                            std::to_string(args.size() - i) + ")");
    }
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
    if (name == "config") {
      ARCA_ASSIGN_OR_RETURN(f.config, take());
    } else if (name == "start") {
      ARCA_ASSIGN_OR_RETURN(f.start, take());
    } else if (name == "reset") {
      if (!has_value || value == "true" || value == "1") {
        f.reset = true;
      } else if (value == "false" || value == "0") {
        f.reset = false;
      } else {
        return InvalidRequest("invalid boolean value \"" + value + "\" for -reset");
      }
    } else if (name == "max-parallel") {
      ARCA_ASSIGN_OR_RETURN(std::string v, take());
      char* end = nullptr;
      errno = 0;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno == ERANGE || n > INT_MAX || n < INT_MIN) {
        return InvalidRequest("invalid value \"" + v + "\" for flag -max-parallel: parse error");
      }
      f.max_parallel = static_cast<int>(n);
    } else if (name == "log-level") {
      ARCA_ASSIGN_OR_RETURN(f.log_level, take());
    } else if (name == "h" || name == "help") {
      return InvalidRequest("");
    } else {
      return InvalidRequest("flag provided but not defined: -" + name);
    }
  }
  return f;
}

Result<std::unique_ptr<storage::Backend>> NewBackend(const config::StorageConfig& sc) {
  auto factory = StorageBackends().find(sc.type);
  if (factory == StorageBackends().end()) {
    return InvalidRequest("no storage backend named \"" + sc.type + "\"");
  }
  return factory->second(sc.options);
}

// Whether a server holds the HA lock of the storage `sc` (through `backend`, or a second
// instance with ha_enabled when the stanza leaves HA off: the lock is there all the same).
Result<bool> HaLockHeld(storage::Backend& backend, const config::StorageConfig& sc) {
  storage::HaLockable* lockable = backend.AsHaLockable();
  std::unique_ptr<storage::Backend> probe;
  if (lockable == nullptr && (sc.type == "etcd" || sc.type == "postgresql")) {
    config::StorageConfig with_ha = sc;
    with_ha.options["ha_enabled"] = "true";
    // PostgreSQL: look for the lock table without creating it (the source stays untouched);
    // without the table nobody can hold the lock.
    if (sc.type == "postgresql") with_ha.options["skip_create_table"] = "true";
    auto made = NewBackend(with_ha);
    if (!made) {
      if (sc.type == "postgresql" && made.error().kind() == ErrorKind::kInvalidRequest &&
          made.error().message().find("does not exist") != std::string::npos) {
        return false;
      }
      return std::unexpected(made.error());
    }
    probe = std::move(*made);
    lockable = probe->AsHaLockable();
  }
  if (lockable == nullptr) return false;
  ARCA_ASSIGN_OR_RETURN(std::optional<storage::HaHolder> holder, lockable->Holder());
  return holder.has_value();
}

std::string NowRfc3339() {
  return FormatRfc3339Nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
}

Status Prefix(Status s, std::string_view what) {
  if (s) return s;
  return MakeError(s.error().kind(), std::string(what) + ": " + s.error().message());
}

// The migration itself (Vault's order of checks). Returns whether it was interrupted.
Result<bool> Migrate(const config::MigrateConfig& cfg, const MigrateFlags& flags,
                     const std::atomic<bool>& stop) {
  auto from = NewBackend(cfg.source);
  if (!from) {
    return MakeError(from.error().kind(),
                     "error mounting 'storage_source': " + from.error().message());
  }
  if (flags.reset) {
    ARCA_RETURN_IF_ERROR(
        Prefix(storage::ClearMigrationMarker(**from), "error resetting migration lock"));
    return false;
  }
  auto to = NewBackend(cfg.destination);
  if (!to) {
    return MakeError(to.error().kind(),
                     "error mounting 'storage_destination': " + to.error().message());
  }
  auto status = storage::MigrationInProgress(**from);
  if (!status) {
    return MakeError(status.error().kind(),
                     "error checking migration status: " + status.error().message());
  }
  if (*status) {
    return MakeError(ErrorKind::kInvalidRequest,
                     "storage migration in progress (started: " + **status + ")");
  }
  auto held = HaLockHeld(**from, cfg.source);
  if (!held) {
    return MakeError(held.error().kind(),
                     "error checking the HA lock of the source: " + held.error().message());
  }
  if (*held) {
    return InvalidRequest(
        "a server holds the HA lock of the source storage: stop every server that uses it "
        "before migrating");
  }
  auto occupied = storage::FirstKeyFrom(**to, flags.start);
  if (!occupied) {
    return MakeError(occupied.error().kind(),
                     "error reading the destination: " + occupied.error().message());
  }
  if (*occupied) {
    return InvalidRequest("the destination storage is not empty (it holds \"" + **occupied +
                          "\"" + (flags.start.empty() ? "" : ", at or after -start") +
                          "): migrate into an empty storage");
  }
  ARCA_RETURN_IF_ERROR(Prefix(storage::SetMigrationMarker(**from, NowRfc3339()),
                              "error setting migration lock"));

  storage::MigrateOptions options;
  options.start = flags.start;
  options.max_parallel = flags.max_parallel;
  options.on_copied = [](std::string_view key) { spdlog::info("copied key: path={}", key); };
  options.stop = [&stop] { return stop.load(); };
  auto stats = storage::CopyEntries(**from, **to, options);
  // The marker goes whatever happened (Vault's deferred reset).
  Status cleared = Prefix(storage::ClearMigrationMarker(**from), "error clearing migration lock");
  if (!stats) {
    std::string msg = stats.error().message();
    if (!cleared) msg += "; " + cleared.error().message();
    return MakeError(stats.error().kind(), msg);
  }
  ARCA_RETURN_IF_ERROR(cleared);
  spdlog::info("migration {}: {} entries, {} bytes", stats->stopped ? "interrupted" : "complete",
               stats->copied, stats->bytes);
  return stats->stopped;
}

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

}  // namespace

int RunMigrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const std::atomic<bool>& stop) {
  auto flags = ParseFlags(args);
  if (!flags) {
    if (flags.error().message().empty()) {  // -h
      out << kUsage;
      return 0;
    }
    err << flags.error().message() << "\n\n" << kUsage;
    return 1;
  }
  auto level = log::ParseLevel(flags->log_level);
  if (!level || flags->log_level == "off") {
    err << flags->log_level
        << " is an unknown log level. Valid log levels are: [trace debug info warn error]\n";
    return 1;
  }
  if (auto s = log::Init(flags->log_level, "standard"); !s) {
    err << s.error().message() << "\n";
    return 1;
  }
  if (flags->max_parallel < 1) {
    err << "Argument to flag -max-parallel must be between 1 and " << INT_MAX << "\n";
    return 1;
  }
  if (flags->config.empty()) {
    err << "Must specify exactly one config path using -config\n";
    return 1;
  }
  auto cfg = config::LoadMigrate(flags->config);
  if (!cfg) {
    err << "Error loading configuration from " << flags->config << ": " << cfg.error().message()
        << "\n";
    return 1;
  }
  auto interrupted = Migrate(*cfg, *flags, stop);
  if (!interrupted) {
    err << "Error migrating: " << interrupted.error().message() << "\n";
    return 2;
  }
  if (*interrupted) {
    out << "==> Migration shutdown triggered\n";
    return 0;
  }
  if (flags->reset) {
    out << "Success! Migration lock reset (if it was set).\n";
  } else {
    out << "Success! All of the keys have been migrated.\n";
  }
  return 0;
}

int RunMigrateCommand(const std::vector<std::string>& args) {
  struct sigaction sa{};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return RunMigrate(args, std::cout, std::cerr, g_stop);
}

}  // namespace arca::server
