// Snapshots of the physical storage (sys/storage/raft/snapshot; docs/snapshots.md): taking one
// and restoring one, with the keyring check and the reload that follows a restore.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/barrier/barrier.h"
#include "core/core.h"
#include "storage/cache.h"

namespace arca::core {
namespace {

constexpr std::string_view kNotActive = "local node not active but active cluster node not found";

}  // namespace

storage::Snapshottable* Core::SnapshotStorage() const {
  return config_.physical->AsSnapshottable();
}

Result<storage::snapshot::Meta> Core::WriteSnapshot(int out_fd) {
  storage::Snapshottable* snap = SnapshotStorage();
  if (snap == nullptr) {
    return InvalidRequest("storage \"" + storage_type() + "\" does not support snapshots");
  }
  auto meta = storage::snapshot::Write(*snap, storage_type(), out_fd);
  if (meta) {
    spdlog::info("core: snapshot {} taken: {} entries, {} bytes of state", meta->id,
                 meta->entries, meta->state_bytes);
  } else {
    spdlog::error("core: taking a snapshot failed: {}", meta.error().message());
  }
  return meta;
}

Status Core::RestoreSnapshot(const std::string& path, bool force) {
  storage::Snapshottable* snap = SnapshotStorage();
  if (snap == nullptr) {
    return InvalidRequest("storage \"" + storage_type() + "\" does not support snapshots");
  }
  {
    std::shared_lock state(state_mu_);
    if (sealed_) return ::arca::Sealed();
    if (standby_.load()) return Unavailable(std::string(kNotActive));
  }
  // Verified completely before anything changes.
  ARCA_ASSIGN_OR_RETURN(auto reader, storage::snapshot::Reader::Open(path));
  ARCA_ASSIGN_OR_RETURN(std::optional<std::string> keyring, reader->Find(kKeyringPath));
  if (!keyring) {
    return InvalidRequest("the snapshot holds no keyring (" + std::string(kKeyringPath) +
                          "): it is not a snapshot of an initialized storage");
  }
  ARCA_ASSIGN_OR_RETURN(bool same_keys, barrier_->KeyringOpens(*keyring));
  if (!same_keys && !force) {
    // Vault's wording.
    return InvalidRequest(
        config_.seal != nullptr
            ? "could not verify hash file, possibly the snapshot is using a different autoseal "
              "key; use the snapshot-force API to bypass this check"
            : "could not verify hash file, possibly the snapshot is using a different set of "
              "unseal keys; use the snapshot-force API to bypass this check");
  }

  bool seal = false;
  Status result;
  {
    std::unique_lock state(state_mu_);
    if (sealed_) return ::arca::Sealed();
    if (standby_.load()) return Unavailable(std::string(kNotActive));
    const storage::snapshot::Meta& meta = reader->meta();
    spdlog::warn("core: restoring snapshot {} (taken {} from {} storage, {} entries){}", meta.id,
                 meta.created, meta.backend, meta.entries,
                 same_keys ? "" : " with another keyring (forced)");
    // As an HA node stepping down: nothing of the active node runs while the storage changes.
    StopActiveLocked();
    if (cache_ != nullptr) cache_->Purge();
    Status replaced = snap->ReplaceAll(reader->Entries());
    if (cache_ != nullptr) cache_->Purge();
    {
      std::lock_guard lock(unseal_mu_);
      seal_config_.reset();
      recovery_config_.reset();
    }
    if (!replaced) {
      spdlog::error("core: restoring the snapshot failed: {}", replaced.error().message());
      result = replaced;
    }
    // As an HA node taking over: the keyring, then mounts, policies, leases from storage.
    Status up = barrier_->Reload();
    if (up) up = PostUnseal();
    if (!up) {
      StopActiveLocked();  // whatever PostUnseal had set up
      seal = true;
      if (replaced && !same_keys) {
        spdlog::warn("core: the restored keyring does not open with this node's root key: "
                     "sealing; unseal with the keys of the snapshot's cluster");
      } else {
        spdlog::error("core: setting up after the restore failed ({}): sealing",
                      up.error().message());
        if (result) result = up;
      }
    } else if (replaced) {
      spdlog::info("core: snapshot {} restored", meta.id);
    }
  }
  if (seal) {
    if (Status s = Seal(); !s) spdlog::error("core: sealing failed: {}", s.error().message());
  }
  return result;
}

Result<logical::Response> Core::RestoreSnapshotRequest(const logical::Request& req, bool force) {
  int fd = req.body_fd;
  int own = -1;  // a temporary file for a body that came in memory (not through the HTTP layer)
  if (fd < 0) {
    const char* base = std::getenv("TMPDIR");
    std::string dir = base != nullptr && *base != '\0' ? base : "/tmp";
    own = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (own < 0) return Internal("cannot create a temporary file in " + dir + ": " +
                                 std::strerror(errno));
    const char* p = req.raw_body.data();
    size_t n = req.raw_body.size();
    while (n > 0) {
      ssize_t w = ::write(own, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ::close(own);
        return Internal(std::string("cannot write a temporary file: ") + std::strerror(errno));
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    fd = own;
  }
  Status s = RestoreSnapshot("/proc/self/fd/" + std::to_string(fd), force);
  if (own >= 0) ::close(own);
  if (!s) return std::unexpected(s.error());
  return logical::Response{};
}

}  // namespace arca::core
