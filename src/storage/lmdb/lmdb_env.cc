#include "storage/lmdb/lmdb_env.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/log.h"

namespace arca::storage {
namespace {

constexpr unsigned kMaxReaders = 1024;  // concurrent read transactions (reader-table slots)
constexpr size_t kMaxIdleReaders = 64;  // reset read txns kept for reuse

// Directories open in this process (LMDB must not open one environment twice per process).
std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::set<std::string>& Registry() {
  static std::set<std::string> open_dirs;
  return open_dirs;
}

// mkdir -p with mode 0700 for every directory it creates.
Status MakeDirs(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return OkStatus();
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    ARCA_RETURN_IF_ERROR(MakeDirs(dir.parent_path()));
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return InvalidRequest("lmdb: cannot create directory " + dir.string() + ": " +
                          std::strerror(errno));
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return InvalidRequest("lmdb: " + dir.string() + " is not a directory");
  }
  return OkStatus();
}

// Makes the directory entries of data.mdb / lock.mdb durable.
void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::unexpected<Error> LmdbError(std::string_view what, int rc) {
  if (rc == MDB_MAP_FULL) {
    return Internal("lmdb: " + std::string(what) +
                    ": database is full (the map reached max_size); raise storage max_size");
  }
  return Internal("lmdb: " + std::string(what) + ": " + mdb_strerror(rc));
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& dir, size_t map_size,
                                               size_t max_map_size) {
  if (dir.empty()) return InvalidRequest("lmdb: path is empty");
  ARCA_RETURN_IF_ERROR(MakeDirs(dir));
  std::error_code ec;
  std::string canonical = std::filesystem::canonical(dir, ec).string();
  if (ec) return InvalidRequest("lmdb: cannot resolve " + dir + ": " + ec.message());
  {
    std::lock_guard lock(RegistryMutex());
    if (!Registry().insert(canonical).second) {
      return InvalidRequest("lmdb: " + canonical + " is already open in this process");
    }
  }
  std::unique_ptr<LmdbEnv> env(new LmdbEnv());
  env->canonical_dir_ = canonical;  // from here on the destructor unregisters it
  env->max_map_size_ = std::max(map_size, max_map_size);

  int rc = mdb_env_create(&env->env_);
  if (rc != 0) {
    env->env_ = nullptr;
    return LmdbError("create environment", rc);
  }
  if ((rc = mdb_env_set_maxreaders(env->env_, kMaxReaders)) != 0 ||
      (rc = mdb_env_set_mapsize(env->env_, map_size)) != 0) {
    return LmdbError("configure environment", rc);
  }
  // MDB_NOTLS: read txns are not bound to threads. No *SYNC flags: every commit is fsync'd.
  if ((rc = mdb_env_open(env->env_, canonical.c_str(), MDB_NOTLS, 0600)) != 0) {
    return LmdbError("open " + canonical, rc);
  }
  int dead = 0;
  mdb_reader_check(env->env_, &dead);  // clear slots of crashed processes

  MDB_envinfo info{};
  mdb_env_info(env->env_, &info);  // LMDB raises the map to the file size if that is larger
  env->map_size_ = info.me_mapsize;
  env->max_map_size_ = std::max(env->max_map_size_, env->map_size_);
  env->max_key_size_ = static_cast<size_t>(mdb_env_get_maxkeysize(env->env_));

  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env->env_, nullptr, 0, &txn)) != 0) return LmdbError("begin", rc);
  if ((rc = mdb_dbi_open(txn, nullptr, 0, &env->dbi_)) != 0) {
    mdb_txn_abort(txn);
    return LmdbError("open database", rc);
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return LmdbError("commit", rc);
  SyncDir(canonical);
  return env;
}

LmdbEnv::~LmdbEnv() {
  if (env_ != nullptr) {
    for (MDB_txn* txn : idle_readers_) mdb_txn_abort(txn);
    idle_readers_.clear();
    mdb_env_close(env_);
  }
  if (!canonical_dir_.empty()) {
    std::lock_guard lock(RegistryMutex());
    Registry().erase(canonical_dir_);
  }
}

void LmdbEnv::ReleaseMappedPages() {
  std::shared_lock lock(remap_mu_);  // no remap meanwhile
  // LMDB does not expose its map's address (mdb_env_info reports it only with MDB_FIXEDMAP):
  // find the mapping of our data file in /proc/self/maps.
  const std::string file = canonical_dir_ + "/data.mdb";
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() <= file.size() || line.compare(line.size() - file.size(), file.size(), file) != 0 ||
        line[line.size() - file.size() - 1] != ' ') {
      continue;
    }
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &lo, &hi) != 2 || hi <= lo) continue;
    if (madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED) != 0) {
      spdlog::warn("lmdb: madvise(MADV_DONTNEED) failed: {}", std::strerror(errno));
    }
  }
}

size_t LmdbEnv::map_size() const {
  std::shared_lock lock(remap_mu_);
  return map_size_;
}

Result<MDB_txn*> LmdbEnv::AcquireReadTxn() {
  MDB_txn* txn = nullptr;
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      txn = idle_readers_.back();
      idle_readers_.pop_back();
    }
  }
  if (txn != nullptr) {
    int rc = mdb_txn_renew(txn);
    if (rc == 0) return txn;
    mdb_txn_abort(txn);
    return LmdbError("renew read transaction", rc);
  }
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return LmdbError("begin read transaction", rc);
  return txn;
}

void LmdbEnv::ReleaseReadTxn(MDB_txn* txn) {
  mdb_txn_reset(txn);  // releases its snapshot; keeps the reader slot for reuse
  {
    std::lock_guard lock(pool_mu_);
    if (idle_readers_.size() < kMaxIdleReaders) {
      idle_readers_.push_back(txn);
      return;
    }
  }
  mdb_txn_abort(txn);
}

bool LmdbEnv::Grow() {
  std::unique_lock remap(remap_mu_);  // waits until no read transaction is active
  if (map_size_ >= max_map_size_) return false;
  size_t next = map_size_ > max_map_size_ / 2 ? max_map_size_ : map_size_ * 2;
  {
    std::lock_guard lock(pool_mu_);
    for (MDB_txn* txn : idle_readers_) mdb_txn_abort(txn);
    idle_readers_.clear();
  }
  int rc = mdb_env_set_mapsize(env_, next);
  if (rc != 0) {
    spdlog::warn("lmdb: cannot grow the map to {} bytes: {}", next, mdb_strerror(rc));
    return false;
  }
  spdlog::info("lmdb: map grown from {} to {} bytes", map_size_, next);
  map_size_ = next;
  return true;
}

Status LmdbEnv::Write(const std::function<int(MDB_txn*)>& fn) {
  for (;;) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return LmdbError("begin write transaction", rc);
    rc = fn(txn);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);  // frees txn whatever the outcome
    } else {
      mdb_txn_abort(txn);
    }
    if (rc == 0) return OkStatus();
    if (rc == MDB_MAP_FULL && Grow()) continue;
    return LmdbError("write", rc);
  }
}

}  // namespace arca::storage
