// lease_scale: the expiration manager at a million leases, on real storage.
//
//   lease_scale [--leases N] [--threads T] [--tokens K] [--spread-ttl] [--plain-batch]
//               [--dir DIR] [--keep]
//
// Phase 1 (this process): opens an LMDB backend in DIR (default: a new temporary directory),
// puts an initialized, unsealed Barrier over it and the view "sys/expire/" over that (as the core
// does), and registers N leases (default 1,000,000) from T writer threads (default 32). TTLs
// are per role (8 roles, 1 h .. 768 h; --spread-ttl: scattered over 1 h .. 768 h); every lease
// belongs to one of K tokens (default 10,000; 0 = none), so each Register writes three keys (due
// index, token index, entry). Reports registrations/s.
//
// Phase 2 (a fresh process: this binary re-executed with --restore-only, so that its memory
// figures are not inflated by phase 1): opens the same directory, unseals the barrier, times
// ExpirationManager::Restore() (listing the due/ index; no entry is read; the storage's mapped
// pages released every 100,000 keys, as the core configures it) and reports VmRSS and VmHWM from
// /proc/self/status. Without --keep, the directory is removed at the end.
//
// Build (release; not part of CMake): see bench/README.md, "Lease scale".
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "core/barrier/barrier.h"
#include "core/expiration/expiration_manager.h"
#include "crypto/random.h"
#include "logical/storage.h"
#include "storage/backend.h"

namespace {

using arca::core::ExpirationManager;
using arca::core::LeaseEntry;
using Clock = std::chrono::steady_clock;

struct Args {
  long leases = 1'000'000;
  int threads = 32;
  long tokens = 10'000;
  std::string dir;
  bool keep = false;
  bool restore_only = false;
  bool spread_ttl = false;
  bool plain_batch = false;
};

// --plain-batch: the manager's view straight on LMDB (no encryption), and Register's three keys
// written as one atomic batch (ExpirationOptions::put_batch over storage::Transactional). Shows
// what a barrier batch API would give; without it the barrier is used, one key per write.
class PlainView : public arca::logical::Storage {
 public:
  PlainView(arca::storage::Backend& b, std::string prefix) : b_(b), prefix_(std::move(prefix)) {}
  arca::Result<std::optional<std::string>> Get(std::string_view k) override {
    return b_.Get(prefix_ + std::string(k));
  }
  arca::Status Put(std::string_view k, std::string_view v) override {
    return b_.Put(prefix_ + std::string(k), v);
  }
  arca::Status Delete(std::string_view k) override { return b_.Delete(prefix_ + std::string(k)); }
  arca::Result<std::vector<std::string>> List(std::string_view p) override {
    return b_.List(prefix_ + std::string(p));
  }
  arca::Status PutBatch(const std::vector<std::pair<std::string, std::string>>& puts) {
    std::vector<arca::storage::Operation> ops;
    ops.reserve(puts.size());
    for (const auto& [k, v] : puts) {
      ops.push_back({arca::storage::Operation::Kind::kPut, prefix_ + k, v});
    }
    return b_.AsTransactional()->Commit(ops);
  }

 private:
  arca::storage::Backend& b_;
  std::string prefix_;
};

constexpr std::chrono::seconds kRoleTtls[8] = {
    std::chrono::hours(1),  std::chrono::hours(2),  std::chrono::hours(4),
    std::chrono::hours(8),  std::chrono::hours(24), std::chrono::hours(72),
    std::chrono::hours(168), std::chrono::hours(768)};

std::string StatusLine(const char* name) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(name, 0) == 0) return line;
  }
  return std::string(name) + " ?";
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "lease_scale: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(arca::Result<T> r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().ToString());
  return std::move(*r);
}
void Must(arca::Status s, const char* what) {
  if (!s) Die(std::string(what) + ": " + s.error().ToString());
}

std::unique_ptr<ExpirationManager> NewManager(arca::logical::Storage& view,
                                              PlainView* batch = nullptr,
                                              arca::core::Barrier* barrier = nullptr,
                                              arca::storage::Backend* physical = nullptr) {
  arca::core::ExpirationOptions o;
  o.workers = 2;
  // As the core: the restore scan does not leave the storage file mapped into the RSS.
  if (physical) o.release_memory = [physical] { physical->ReleaseMappedMemory(); };
  if (barrier) {
    // What the core configures: the lease's keys encrypted and written in one batch.
    o.put_batch = [barrier](const std::vector<std::pair<std::string, std::string>>& puts) {
      std::vector<std::pair<std::string, std::string>> full;
      for (const auto& [k, v] : puts) full.emplace_back("sys/expire/" + k, v);
      return barrier->PutBatch(full);
    };
  } else if (batch) {
    o.put_batch = [batch](const std::vector<std::pair<std::string, std::string>>& puts) {
      return batch->PutBatch(puts);
    };
  }
  return std::make_unique<ExpirationManager>(
      view, [](const LeaseEntry&) { return arca::OkStatus(); },
      [](const LeaseEntry&, std::chrono::seconds) -> arca::Result<arca::logical::Secret> {
        return arca::logical::Secret{};
      },
      o);
}

int Register(const Args& a) {
  auto physical = Must(arca::storage::NewLmdbBackend({{"path", a.dir}}, "file"), "open lmdb");
  arca::core::Barrier barrier(*physical);
  arca::SecureBytes root = arca::crypto::RandomKey(32);
  Must(barrier.Initialize(root), "barrier init");
  Must(barrier.Unseal(root), "barrier unseal");
  {
    std::ofstream key(a.dir + "/bench-root-key");
    key << arca::HexEncode(root.view());
  }
  arca::logical::PrefixedStorage barrier_view(barrier, "sys/expire/");
  PlainView plain(*physical, "sys/expire/");
  if (a.plain_batch && !physical->AsTransactional()) Die("storage is not transactional");
  auto m = a.plain_batch ? NewManager(plain, &plain) : NewManager(barrier_view, nullptr, &barrier);

  std::vector<std::string> tokens;
  for (long i = 0; i < a.tokens; ++i) {
    tokens.push_back(arca::HexEncode(arca::crypto::RandomBytesString(32)));
  }
  std::atomic<long> next{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < a.threads; ++t) {
    writers.emplace_back([&] {
      for (long i = next++; i < a.leases && !failed; i = next++) {
        arca::logical::Secret s;
        // Each role has its own TTL (1 h .. 768 h), as real roles do; --spread-ttl scatters every
        // lease's expiry over 1 h .. 768 h instead (the worst case for the due index).
        s.ttl = a.spread_ttl ? std::chrono::seconds(3600 + (i * 7919) % (767L * 3600))
                             : kRoleTtls[i % 8];
        s.internal_data["username"] = "v-bench-" + std::to_string(i);
        std::string_view token = tokens.empty() ? std::string_view() : tokens[i % tokens.size()];
        auto r = m->Register("database/creds/role" + std::to_string(i % 8), s, token, "db_1");
        if (!r) {
          std::fprintf(stderr, "register: %s\n", r.error().ToString().c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) Die("registration failed");
  std::printf("register: %ld leases, %d threads, %s, %.1f s, %.0f leases/s\n", a.leases,
              a.threads, a.plain_batch ? "plain view, batched" : "barrier view, 3 writes",
              secs, a.leases / secs);
  std::printf("register: %s, %s\n", StatusLine("VmRSS").c_str(), StatusLine("VmHWM").c_str());
  return 0;
}

int RestoreOnly(const Args& a) {
  std::printf("restore (fresh process): before open %s\n", StatusLine("VmRSS").c_str());
  auto physical = Must(arca::storage::NewLmdbBackend({{"path", a.dir}}, "file"), "open lmdb");
  arca::core::Barrier barrier(*physical);
  std::ifstream key_file(a.dir + "/bench-root-key");
  std::string hex;
  key_file >> hex;
  auto raw = Must(arca::HexDecode(hex), "root key");
  arca::SecureBytes root = arca::SecureBytes::FromString(raw);
  Must(barrier.Unseal(root), "barrier unseal");
  arca::logical::PrefixedStorage barrier_view(barrier, "sys/expire/");
  PlainView plain(*physical, "sys/expire/");
  auto m = a.plain_batch ? NewManager(plain, nullptr, nullptr, physical.get())
                         : NewManager(barrier_view, nullptr, nullptr, physical.get());
  auto start = Clock::now();
  Must(m->Restore(), "restore");
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("restore: %zu leases scheduled in %.2f s\n", m->ScheduledCount(), secs);
  std::printf("restore: %s, %s, %s, %s\n", StatusLine("VmRSS").c_str(),
              StatusLine("VmHWM").c_str(), StatusLine("RssAnon").c_str(),
              StatusLine("RssFile").c_str());
  m->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--leases") {
      a.leases = std::stol(value());
    } else if (arg == "--threads") {
      a.threads = std::stoi(value());
    } else if (arg == "--tokens") {
      a.tokens = std::stol(value());
    } else if (arg == "--dir") {
      a.dir = value();
    } else if (arg == "--keep") {
      a.keep = true;
    } else if (arg == "--plain-batch") {
      a.plain_batch = true;
    } else if (arg == "--spread-ttl") {
      a.spread_ttl = true;
    } else if (arg == "--restore-only") {
      a.restore_only = true;
    } else {
      Die("unknown argument " + arg);
    }
  }
  if (a.restore_only) {
    if (a.dir.empty()) Die("--restore-only needs --dir");
    return RestoreOnly(a);
  }
  if (a.dir.empty()) {
    char tmpl[] = "/tmp/lease_scale.XXXXXX";
    if (!mkdtemp(tmpl)) Die("mkdtemp failed");
    a.dir = tmpl;
  }
  std::printf("lease_scale: storage in %s\n", a.dir.c_str());
  Register(a);
  std::fflush(stdout);

  pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    std::string dir = a.dir;
    execl("/proc/self/exe", argv[0], "--restore-only", "--dir", dir.c_str(),
          a.plain_batch ? "--plain-batch" : static_cast<char*>(nullptr),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!a.keep) std::filesystem::remove_all(a.dir);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
