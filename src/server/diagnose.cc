#include "server/diagnose.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <list>
#include <memory>

#include "common/json.h"
#include "common/rfc3339.h"
#include "common/uuid.h"
#include "config/config.h"
#include "http/handler.h"
#include "http/tls_config.h"
#include "seal/factory.h"
#include "server/builtins.h"
#include "storage/backend.h"

namespace arca::server {
namespace {

namespace fs = std::filesystem;

enum class State { kOk, kWarn, kFail, kSkipped };

// One check of the result tree. A parent's state is the worst of its own and its children's
// (failure over warning over success), as Vault's.
struct Check {
  std::string name;
  State state = State::kOk;
  std::string message;
  std::vector<std::string> warnings;
  std::list<Check> children;  // a list: references to earlier children stay valid

  Check& Child(std::string n) {
    children.push_back(Check{std::move(n)});
    return children.back();
  }
  void Warn(std::string w) { warnings.push_back(std::move(w)); }
  void Fail(std::string m) {
    state = State::kFail;
    message = std::move(m);
  }
  void Skip(std::string m) {
    state = State::kSkipped;
    message = std::move(m);
  }
  State Finalize() {
    if (state == State::kOk && !warnings.empty()) state = State::kWarn;
    for (auto& c : children) {
      State s = c.Finalize();
      if (s != State::kSkipped && static_cast<int>(s) > static_cast<int>(state)) state = s;
    }
    return state;
  }
};

void Write(const Check& c, int depth, bool color, std::ostream& out) {
  auto prefix = [&](State s) -> std::string {
    const char* text = s == State::kOk     ? "[ success ]"
                       : s == State::kWarn ? "[ warning ]"
                       : s == State::kFail ? "[ failure ]"
                                           : "[ skipped ]";
    const char* code = s == State::kOk     ? "\x1b[32m"
                       : s == State::kWarn ? "\x1b[33m"
                       : s == State::kFail ? "\x1b[31m"
                                           : "\x1b[90m";
    return color ? std::string(code) + text + "\x1b[0m " : std::string(text) + " ";
  };
  const std::string indent(2 * depth, ' ');
  std::vector<std::string> warnings = c.warnings;
  std::string line = prefix(c.state) + c.name;
  if (!c.message.empty()) {
    line += ": " + c.message;
  } else if (!warnings.empty()) {
    line = prefix(State::kWarn) + c.name + ": ";
    if (warnings.size() == 1) {
      line += warnings[0];
      warnings.clear();
    }
  }
  out << indent << line;
  for (const auto& w : warnings) out << "\n" << indent << "  " << prefix(State::kWarn) << w;
  out << "\n";
  for (const auto& child : c.children) Write(child, depth + 1, color, out);
}

json::object ToJson(const Check& c, const std::string& time) {
  json::object o;
  o["time"] = time;
  o["name"] = c.name;
  o["status"] = c.state == State::kOk     ? "ok"
                : c.state == State::kWarn ? "warn"
                : c.state == State::kFail ? "fail"
                                          : "skipped";
  if (!c.warnings.empty()) {
    json::array w;
    for (const auto& s : c.warnings) w.push_back(json::string(s));
    o["warnings"] = std::move(w);
  }
  if (!c.message.empty()) o["message"] = c.message;
  if (!c.children.empty()) {
    json::array a;
    for (const auto& child : c.children) a.push_back(ToJson(child, time));
    o["children"] = std::move(a);
  }
  return o;
}

constexpr rlim_t kRecommendedOpenFiles = 1024768;

void CheckOperatingSystem(Check& os, const config::Config* cfg) {
  Check& files = os.Child("Check Open File Limit");
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    files.Fail("cannot read the open file limit");
  } else if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < kRecommendedOpenFiles) {
    files.Warn("Open file limits are set to " + std::to_string(lim.rlim_cur) +
               ". These limits may be too low. Please consider raising them to at least " +
               std::to_string(kRecommendedOpenFiles) + ".");
  } else {
    files.message = "Open file limits are set to " +
                    (lim.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                                   : std::to_string(lim.rlim_cur)) + ".";
  }
  Check& disk = os.Child("Check Disk Usage");
  std::string path = "/";
  if (cfg && cfg->storage) {
    if (auto it = cfg->storage->options.find("path"); it != cfg->storage->options.end()) {
      fs::path p(it->second);
      while (!p.empty() && !fs::exists(p) && p != p.parent_path()) p = p.parent_path();
      if (!p.empty()) path = p.string();
    }
  }
  struct statvfs st{};
  if (statvfs(path.c_str(), &st) != 0) {
    disk.Fail("cannot read the disk usage of " + path);
    return;
  }
  const double total = static_cast<double>(st.f_blocks) * st.f_frsize;
  const double free_bytes = static_cast<double>(st.f_bavail) * st.f_frsize;
  const double free_pct = total > 0 ? 100.0 * free_bytes / total : 0;
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%s usage ok: %.1f%% free, %.2f GB free", path.c_str(),
                free_pct, free_bytes / 1e9);
  if (free_pct < 5 || free_bytes < 1e9) {
    std::snprintf(buf, sizeof(buf),
                  "%s is low on space: %.1f%% free, %.2f GB free (at least 5%% and 1 GB are "
                  "recommended)",
                  path.c_str(), free_pct, free_bytes / 1e9);
    disk.Warn(buf);
  } else {
    disk.message = buf;
  }
}

void CheckStorageDirectory(Check& perms, const std::string& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    perms.Warn("Storage path " + dir + " does not exist yet; the server creates it.");
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    perms.Fail("Storage path " + dir + " is not a directory.");
    return;
  }
  if (st.st_uid != ::geteuid()) {
    perms.Warn("Storage path " + dir + " is owned by uid " + std::to_string(st.st_uid) +
               ", not by the user running this check (uid " + std::to_string(::geteuid()) + ").");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    perms.Warn(std::string("Storage path ") + dir + " has mode " + mode +
               ": group or others can access it; 0700 is recommended.");
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    perms.Fail("Storage path " + dir + " is not readable and writable by this user.");
  } else if (perms.warnings.empty()) {
    perms.message = "Storage path " + dir + " is a directory this user can read and write.";
  }
}

void CheckStorage(Check& storage, const config::Config& cfg) {
  if (!cfg.storage) {
    storage.Fail("No storage stanza is configured: a storage backend must be specified.");
    return;
  }
  const auto& sc = *cfg.storage;
  auto path_it = sc.options.find("path");
  const bool on_disk = sc.type == "file" || sc.type == "lmdb";
  if (on_disk && path_it != sc.options.end()) {
    CheckStorageDirectory(storage.Child("Check Storage Folder Permissions"), path_it->second);
    if (storage.children.back().state == State::kFail) return;
    if (!fs::exists(path_it->second)) {
      storage.Child("Check Storage Access").Skip("The storage directory does not exist yet.");
      return;
    }
  }
  Check& create = storage.Child("Create Storage Backend");
  auto factory = StorageBackends().find(sc.type);
  if (factory == StorageBackends().end()) {
    create.Fail("Unknown storage type \"" + sc.type + "\".");
    return;
  }
  auto backend = factory->second(sc.options);
  if (!backend) {
    create.Fail("Diagnose could not initialize storage backend: " + backend.error().message());
    return;
  }
  if (sc.type == "inmem") {
    create.Warn("The inmem storage backend keeps nothing across restarts.");
  }
  Check& access = storage.Child("Check Storage Access");
  // A random key with a fixed, non-secret value, deleted at once (as Vault's check).
  const std::string key = "diagnose/" + GenerateUuid();
  const std::string value = "diagnose";
  const auto start = std::chrono::steady_clock::now();
  if (auto s = (*backend)->Put(key, value); !s) {
    access.Fail("Storage is not writable: " + s.error().message());
    return;
  }
  auto got = (*backend)->Get(key);
  if (!got || !*got || **got != value) {
    access.Fail("A value written to storage could not be read back" +
                (got ? std::string(".") : ": " + got.error().message()));
    (void)(*backend)->Delete(key);
    return;
  }
  if (auto s = (*backend)->Delete(key); !s) {
    access.Fail("A test value could not be deleted from storage: " + s.error().message());
    return;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (ms > 100) {
    access.Warn("Storage is slow: a write, read and delete took " + std::to_string(ms) + " ms.");
  } else {
    access.message = "Storage can be written, read and deleted.";
  }
}

// Reads the first certificate of a PEM file.
std::unique_ptr<X509, decltype(&X509_free)> ReadCert(const std::string& file) {
  std::unique_ptr<X509, decltype(&X509_free)> none(nullptr, X509_free);
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return none;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return std::unique_ptr<X509, decltype(&X509_free)>(cert, X509_free);
}

// An ASN1_TIME as RFC 3339 (UTC).
std::string Rfc3339(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void CheckListeners(Check& listeners, const config::Config& cfg) {
  if (cfg.listeners.empty()) {
    listeners.Fail("No listener is configured.");
    return;
  }
  for (const auto& l : cfg.listeners) {
    Check& one = listeners.Child("Check Listener " + l.address);
    if (l.tls_disable) {
      one.Warn("TLS is disabled in a listener config stanza.");
      continue;
    }
    Check& tls = one.Child("Check Listener TLS");
    http::ListenerOptions o;
    o.address = l.address;
    o.tls_cert_file = l.tls_cert_file;
    o.tls_key_file = l.tls_key_file;
    o.tls_client_ca_file = l.tls_client_ca_file;
    o.tls_min_version = l.tls_min_version;
    o.tls_require_and_verify_client_cert = l.tls_require_and_verify_client_cert;
    o.tls_disable_client_certs = l.tls_disable_client_certs;
    if (auto ctx = http::MakeServerTlsContext(o); !ctx) {
      tls.Fail(ctx.error().message());
      continue;
    }
    auto cert = ReadCert(l.tls_cert_file);
    if (!cert) {
      tls.Fail("cannot read the certificate in " + l.tls_cert_file);
      continue;
    }
    const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
    const ASN1_TIME* not_before = X509_get0_notBefore(cert.get());
    int days = 0, secs = 0;
    ASN1_TIME_diff(&days, &secs, nullptr, not_after);
    if (X509_cmp_current_time(not_before) > 0) {
      tls.Fail("The certificate in " + l.tls_cert_file + " is not valid yet.");
    } else if (X509_cmp_current_time(not_after) < 0) {
      tls.Fail("The certificate in " + l.tls_cert_file + " has expired.");
    } else if (days < 30) {
      tls.Warn("The certificate in " + l.tls_cert_file + " expires in less than 30 days (" +
               Rfc3339(not_after) + ").");
    } else {
      tls.message = "The certificate is valid for " + std::to_string(days) + " more days.";
    }
  }
}

// Whether mlockall can lock everything: CAP_IPC_LOCK in the effective set, or no memlock
// limit. (Calling mlockall here would lock this process's memory for nothing.)
bool CanLockAllMemory() {
  rlimit lim{};
  if (getrlimit(RLIMIT_MEMLOCK, &lim) == 0 && lim.rlim_cur == RLIM_INFINITY) return true;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("CapEff:")) continue;
    unsigned long long caps = std::strtoull(line.c_str() + 7, nullptr, 16);
    return (caps >> 14) & 1;  // CAP_IPC_LOCK
  }
  return false;
}

void CheckSeal(Check& seal, const config::Config& cfg) {
  if (cfg.disabled_seal) {
    seal.Warn("The seal \"" + cfg.disabled_seal->type +
              "\" is marked disabled: the server starts in seal migration mode.");
  }
  if (!cfg.seal || cfg.seal->type == "shamir") {
    if (seal.warnings.empty()) seal.message = "Using the Shamir seal.";
    return;
  }
  Check& create = seal.Child("Create Seal \"" + cfg.seal->type + "\"");
  auto made = seal::NewSeal(*cfg.seal);
  if (!made) {
    create.Fail(made.error().message());
    return;
  }
  if (!*made) {
    create.Fail("no seal was built for the stanza");
    return;
  }
  // Vault's "Check Autounseal Encryption": the key service answers and the key round-trips a
  // fixed, non-secret test value.
  Check& access = seal.Child("Check Seal Encryption");
  core::SealAccess& sa = **made;
  if (auto st = sa.Init(); !st) {
    access.Fail("The key service could not be used: " + st.error().message());
    return;
  }
  constexpr std::string_view kProbe = "arca operator diagnose probe";
  auto wrapped = sa.Wrap(kProbe, "diagnose");
  if (!wrapped) {
    access.Fail("Encrypting a test value failed: " + wrapped.error().message());
  } else if (auto back = sa.Unwrap(*wrapped, "diagnose");
             !back || std::string_view(reinterpret_cast<const char*>(back->data()), back->size()) !=
                          kProbe) {
    access.Fail("Decrypting a test value failed" +
                (back ? std::string(": the value differs.") : ": " + back.error().message()));
  } else {
    access.message = "The seal's key (" + sa.KeyId() + ") encrypts and decrypts a test value.";
  }
  sa.Finalize();
}

}  // namespace

int RunDiagnose(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                bool color) {
  std::vector<std::string> config_paths;
  std::string format = "table";
  for (const auto& a : args) {
    std::string_view v = a;
    if (v.starts_with("--")) v.remove_prefix(1);
    if (v == "-h" || v == "-help") {
      out << "Usage: arca operator diagnose [options]\n\n"
             "  Checks a server configuration without starting the server: the open file\n"
             "  limit and disk space, the configuration files, storage (directory permissions,\n"
             "  a write, read and delete of a test key), the listeners' TLS certificates\n"
             "  (readable, matching key, validity and expiry), the seal and memory locking.\n"
             "  Exit code: 0 all passed, 2 a warning, 1 a failure.\n\n"
             "    $ arca operator diagnose -config=/etc/arca/arca.hcl\n\n"
             "Command Options:\n\n"
             "  -config=<path>\n      A configuration file or directory (repeatable).\n\n"
             "  -format=<string>\n      table or json. The default is table.\n";
      return 0;
    }
    if (v.starts_with("-config=")) {
      config_paths.emplace_back(v.substr(8));
    } else if (v.starts_with("-format=")) {
      format = std::string(v.substr(8));
    } else {
      err << "flag provided but not defined: " << a << "\n";
      return 1;
    }
  }
  if (format != "table" && format != "json") {
    err << "Invalid output format: " << format << "\n";
    return 1;
  }
  if (config_paths.empty()) {
    err << "Must specify a configuration file using -config.\n";
    return 1;
  }

  Check root{"Arca Diagnose"};
  Check& os = root.Child("Check Operating System");
  Check& parse = root.Child("Parse Configuration");
  auto cfg = config::LoadPaths(config_paths);
  if (!cfg) {
    parse.Fail(cfg.error().message());
    CheckOperatingSystem(os, nullptr);
  } else {
    for (const auto& w : cfg->warnings) parse.Warn(w);
    CheckOperatingSystem(os, &*cfg);
    CheckStorage(root.Child("Check Storage"), *cfg);
    CheckListeners(root.Child("Check Listeners"), *cfg);
    CheckSeal(root.Child("Check Seal"), *cfg);
    Check& mlock = root.Child("Check Memory Locking");
    if (cfg->disable_mlock) {
      mlock.Warn("disable_mlock is set: memory may be swapped to disk, where secrets in it would "
                 "outlive the process. Use encrypted swap or none.");
    } else if (!CanLockAllMemory()) {  // the server calls mlockall at start
      mlock.Fail("Memory cannot be locked: the process lacks CAP_IPC_LOCK and its memlock limit "
                 "is not unlimited, so the server would refuse to start. Grant CAP_IPC_LOCK, "
                 "raise the memlock limit or set disable_mlock = true.");
    } else {
      mlock.message = "Memory can be locked.";
    }
  }
  root.Finalize();
  if (format == "json") {
    const std::string now = FormatRfc3339Nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count());
    out << json::serialize(ToJson(root, now)) << "\n";
  } else {
    out << "Arca v" << ARCA_VERSION << "\n\nResults:\n";
    Write(root, 0, color, out);
  }
  switch (root.state) {
    case State::kFail: return 1;
    case State::kWarn: return 2;
    default: return 0;
  }
}

int RunDiagnoseCommand(const std::vector<std::string>& args) {
  return RunDiagnose(args, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1);
}

}  // namespace arca::server
