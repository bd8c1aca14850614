#include "storage/lmdb/lmdb_backend.h"

#include <cerrno>
#include <charconv>

#include "storage/keys.h"

namespace arca::storage {
namespace {

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

int ApplyOp(MDB_txn* txn, MDB_dbi dbi, const Operation& op) {
  MDB_val k = Val(op.key);
  if (op.kind == Operation::Kind::kPut) {
    MDB_val v = Val(op.value);
    return mdb_put(txn, dbi, &k, &v, 0);
  }
  int rc = mdb_del(txn, dbi, &k, nullptr);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

// Closes a cursor on scope exit.
struct CursorCloser {
  MDB_cursor* cursor;
  ~CursorCloser() { mdb_cursor_close(cursor); }
};

}  // namespace

Result<LmdbOptions> ParseLmdbConfig(const BackendConfig& config, std::string_view type_name) {
  LmdbOptions options;
  options.type_name = std::string(type_name);
  auto path = config.find("path");
  if (path == config.end() || path->second.empty()) {
    return InvalidRequest("storage " + options.type_name + ": 'path' is required");
  }
  options.path = path->second;
  if (auto it = config.find("max_size"); it != config.end()) {
    const std::string& s = it->second;
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      return InvalidRequest("storage " + options.type_name +
                            ": 'max_size' must be a number of bytes, got '" + s + "'");
    }
    if (n < kLmdbMinMaxSize) {
      return InvalidRequest("storage " + options.type_name + ": 'max_size' must be at least " +
                            std::to_string(kLmdbMinMaxSize) + " bytes");
    }
    options.max_size = n;
  }
  return options;
}

Result<std::unique_ptr<LmdbBackend>> LmdbBackend::Open(const LmdbOptions& options) {
  size_t initial = options.initial_map_size == 0 ? options.max_size : options.initial_map_size;
  ARCA_ASSIGN_OR_RETURN(auto env, LmdbEnv::Open(options.path, initial, options.max_size));
  return std::unique_ptr<LmdbBackend>(new LmdbBackend(std::move(env), options.type_name));
}

LmdbBackend::LmdbBackend(std::unique_ptr<LmdbEnv> env, std::string type_name)
    : env_(std::move(env)),
      type_name_(std::move(type_name)),
      committer_([this](std::span<const std::span<const Operation>> writers,
                        std::span<Status> results) { ApplyGroup(writers, results); }) {}

Status LmdbBackend::CheckLmdbKey(std::string_view key) const {
  ARCA_RETURN_IF_ERROR(CheckKey(key));
  if (key.size() > env_->max_key_size()) {
    return InvalidRequest("storage: key is " + std::to_string(key.size()) +
                          " bytes; the lmdb backend allows at most " +
                          std::to_string(env_->max_key_size()));
  }
  return OkStatus();
}

Result<std::optional<std::string>> LmdbBackend::Get(std::string_view key) {
  ARCA_RETURN_IF_ERROR(CheckLmdbKey(key));
  std::optional<std::string> out;
  ARCA_RETURN_IF_ERROR(env_->Read([&](MDB_txn* txn) -> Status {
    MDB_val k = Val(key), v{};
    int rc = mdb_get(txn, env_->dbi(), &k, &v);
    if (rc == MDB_NOTFOUND) return OkStatus();
    if (rc != 0) return LmdbError("get", rc);
    out.emplace(View(v));
    return OkStatus();
  }));
  return out;
}

Status LmdbBackend::Put(std::string_view key, std::string_view value) {
  ARCA_RETURN_IF_ERROR(CheckLmdbKey(key));
  Operation op{Operation::Kind::kPut, std::string(key), std::string(value)};
  return committer_.Submit({&op, 1});
}

Status LmdbBackend::Delete(std::string_view key) {
  ARCA_RETURN_IF_ERROR(CheckLmdbKey(key));
  Operation op{Operation::Kind::kDelete, std::string(key), {}};
  return committer_.Submit({&op, 1});
}

Status LmdbBackend::Commit(std::span<const Operation> ops) {
  for (const Operation& op : ops) ARCA_RETURN_IF_ERROR(CheckLmdbKey(op.key));
  if (ops.empty()) return OkStatus();
  return committer_.Submit(ops);
}

void LmdbBackend::ApplyGroup(std::span<const std::span<const Operation>> writers,
                             std::span<Status> results) {
  auto apply = [this](std::span<const std::span<const Operation>> group) {
    return [this, group](MDB_txn* txn) {
      for (std::span<const Operation> ops : group) {
        for (const Operation& op : ops) {
          if (int rc = ApplyOp(txn, env_->dbi(), op); rc != 0) return rc;
        }
      }
      return 0;
    };
  };
  std::lock_guard write_lock(write_mu_);
  Status all = env_->Write(apply(writers));
  if (all || writers.size() == 1) {
    for (Status& r : results) r = all;
    return;
  }
  // The group failed as a whole (e.g. the map is full): give each writer its own transaction so
  // one writer's failure is not charged to the others.
  for (size_t i = 0; i < writers.size(); ++i)
    results[i] = env_->Write(apply(writers.subspan(i, 1)));
}

Result<std::vector<std::string>> LmdbBackend::List(std::string_view prefix) {
  std::vector<std::string> out;
  // Every child is longer than the prefix, and no key is longer than max_key_size.
  if (prefix.size() >= env_->max_key_size()) return out;
  ARCA_RETURN_IF_ERROR(env_->Read([&](MDB_txn* txn) -> Status {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, env_->dbi(), &cursor); rc != 0) {
      return LmdbError("open cursor", rc);
    }
    CursorCloser closer{cursor};
    std::string seek(prefix);
    MDB_val k = Val(seek), v{};
    MDB_cursor_op op = prefix.empty() ? MDB_FIRST : MDB_SET_RANGE;
    for (;;) {
      int rc = mdb_cursor_get(cursor, &k, &v, op);
      if (rc == MDB_NOTFOUND) break;
      if (rc != 0) return LmdbError("list", rc);
      std::string_view key = View(k);
      if (!key.starts_with(prefix)) break;
      auto entry = ChildOf(key, prefix);
      op = MDB_NEXT;
      if (!entry) continue;  // the key equal to the prefix
      out.emplace_back(entry->name);
      if (entry->is_folder) {  // jump past everything inside the folder
        seek = FolderSkipKey(prefix, entry->name);
        k = Val(seek);
        op = MDB_SET_RANGE;
      }
    }
    return OkStatus();
  }));
  return out;
}

Status LmdbBackend::VisitAll(const EntryVisitor& visit) {
  return env_->Read([&](MDB_txn* txn) -> Status {
    MDB_cursor* cursor = nullptr;
    if (int rc = mdb_cursor_open(txn, env_->dbi(), &cursor); rc != 0) {
      return LmdbError("open cursor", rc);
    }
    CursorCloser closer{cursor};
    MDB_val k{}, v{};
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
      int rc = mdb_cursor_get(cursor, &k, &v, op);
      if (rc == MDB_NOTFOUND) return OkStatus();
      if (rc != 0) return LmdbError("scan", rc);
      ARCA_RETURN_IF_ERROR(visit(View(k), View(v)));
    }
  });
}

Status LmdbBackend::ReplaceAll(const EntrySource& source) {
  std::lock_guard write_lock(write_mu_);
  // The source cannot be rewound: when the map must grow mid-way (LmdbEnv::Write runs fn again),
  // the restore fails instead (the map starts at max_size unless configured otherwise).
  bool ran = false;
  Status failure;
  Status written = env_->Write([&](MDB_txn* txn) -> int {
    if (ran) {
      failure = InvalidRequest("storage " + type_name_ +
                               ": the restored data does not fit; raise storage max_size");
      return EINVAL;
    }
    ran = true;
    if (int rc = mdb_drop(txn, env_->dbi(), 0); rc != 0) return rc;
    std::string key, value, last;
    for (;;) {
      auto more = source(&key, &value);
      if (!more) {
        failure = std::unexpected(more.error());
        return EINVAL;
      }
      if (!*more) return 0;
      if (Status s = CheckLmdbKey(key); !s) {
        failure = s;
        return EINVAL;
      }
      MDB_val k = Val(key), v = Val(value);
      // Sources are sorted (snapshots are): appending is much faster than a B-tree insert.
      const unsigned flags = last.empty() || key > last ? MDB_APPEND : 0;
      if (int rc = mdb_put(txn, env_->dbi(), &k, &v, flags); rc == MDB_KEYEXIST && flags) {
        if ((rc = mdb_put(txn, env_->dbi(), &k, &v, 0)) != 0) return rc;
      } else if (rc != 0) {
        return rc;
      }
      last = key;
    }
  });
  if (!failure) return failure;
  return written;
}

Result<std::unique_ptr<Backend>> NewLmdbBackend(const BackendConfig& config,
                                                std::string_view type_name) {
  ARCA_ASSIGN_OR_RETURN(LmdbOptions options, ParseLmdbConfig(config, type_name));
  ARCA_ASSIGN_OR_RETURN(auto backend, LmdbBackend::Open(options));
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace arca::storage
