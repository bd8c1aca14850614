#include "core/auto_snapshots.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/metrics.h"
#include "common/rfc3339.h"
#include "storage/snapshot.h"

namespace arca::core {
namespace {

using Clock = std::chrono::system_clock;

int64_t UnixNanos(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string Rfc3339(const std::optional<Clock::time_point>& t) {
  if (!t) return "";
  // Whole seconds, as Vault's status shows them.
  return FormatRfc3339Nanos(
      std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() *
      1'000'000'000);
}

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// One snapshot file of a configuration: "<file_prefix>-<digits>.snap".
struct OwnFile {
  int64_t stamp = 0;
  std::string path;
  uint64_t size = 0;
};

// The configuration's own files in its directory, oldest first.
Result<std::vector<OwnFile>> OwnFiles(const AutoSnapshotConfig& c) {
  std::vector<OwnFile> out;
  DIR* dir = ::opendir(c.path_prefix.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return out;
    return Internal(Errno("cannot list", c.path_prefix));
  }
  const std::string head = c.file_prefix + "-";
  while (dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (!n.starts_with(head) || !n.ends_with(".snap")) continue;
    std::string_view digits = n.substr(head.size(), n.size() - head.size() - 5);
    if (digits.empty() || digits.size() > 19 ||
        !std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      continue;
    }
    OwnFile f;
    f.stamp = std::stoll(std::string(digits));
    f.path = c.path_prefix + "/" + std::string(n);
    struct stat st{};
    if (::lstat(f.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    f.size = static_cast<uint64_t>(st.st_size);
    out.push_back(std::move(f));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(), [](const OwnFile& a, const OwnFile& b) {
    return a.stamp != b.stamp ? a.stamp < b.stamp : a.path < b.path;
  });
  return out;
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Internal(Errno("cannot open", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal(Errno("cannot fsync", dir));
  return OkStatus();
}

std::string TrimSlashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

metrics::Counter& SaveErrors(const std::string& name) {
  return metrics::Registry::Global().GetCounter(
      "autosnapshots.save.errors", "Scheduled snapshots that failed.",
      {{"snapshot_config_name", name}});
}

}  // namespace

// ---- AutoSnapshotConfig / AutoSnapshotStatus ----

json::object AutoSnapshotConfig::ToJson() const {
  json::object o;
  o["interval"] = static_cast<int64_t>(interval.count());
  o["retain"] = retain;
  o["path_prefix"] = path_prefix;
  o["file_prefix"] = file_prefix;
  o["storage_type"] = storage_type;
  o["local_max_space"] = local_max_space;
  return o;
}

Result<AutoSnapshotConfig> AutoSnapshotConfig::FromJson(const json::object& o) {
  AutoSnapshotConfig c;
  ARCA_ASSIGN_OR_RETURN(auto interval, GetIntField(o, "interval"));
  ARCA_ASSIGN_OR_RETURN(auto retain, GetIntField(o, "retain"));
  ARCA_ASSIGN_OR_RETURN(auto path_prefix, GetStringField(o, "path_prefix"));
  ARCA_ASSIGN_OR_RETURN(auto file_prefix, GetStringField(o, "file_prefix"));
  ARCA_ASSIGN_OR_RETURN(auto storage_type, GetStringField(o, "storage_type"));
  ARCA_ASSIGN_OR_RETURN(auto max_space, GetIntField(o, "local_max_space"));
  if (!interval || !path_prefix) return Internal("stored snapshot-auto configuration is incomplete");
  c.interval = std::chrono::seconds(*interval);
  if (retain) c.retain = *retain;
  c.path_prefix = *path_prefix;
  if (file_prefix) c.file_prefix = *file_prefix;
  if (storage_type) c.storage_type = *storage_type;
  if (max_space) c.local_max_space = *max_space;
  return c;
}

json::object AutoSnapshotStatus::ToJson() const {
  json::object o;
  o["consecutive_errors"] = consecutive_errors;
  o["last_snapshot_start"] = Rfc3339(last_snapshot_start);
  o["last_snapshot_end"] = Rfc3339(last_snapshot_end);
  o["last_snapshot_error"] = last_snapshot_error;
  o["last_snapshot_url"] = last_snapshot_url;
  o["next_snapshot_start"] = Rfc3339(next_snapshot_start);
  o["snapshot_start"] = Rfc3339(snapshot_start);
  o["snapshot_url"] = snapshot_url;
  return o;
}

// ---- AutoSnapshots ----

AutoSnapshots::AutoSnapshots(storage::Backend& physical, logical::Storage& storage)
    : physical_(physical), storage_(storage) {
  metrics::Registry::Global().SetGauge(
      "autosnapshots.last.success.time",
      "Epoch time (seconds) of the last successful scheduled snapshot, per configuration.",
      [this] {
        std::vector<metrics::GaugeSample> out;
        std::lock_guard lock(mu_);
        for (const auto& [name, t] : last_success_) {
          out.push_back({{{"snapshot_config_name", name}}, t});
        }
        return out;
      },
      this);
}

AutoSnapshots::~AutoSnapshots() {
  Stop();
  metrics::Registry::Global().RemoveGaugesOf(this);
}

Status AutoSnapshots::Validate(const AutoSnapshotConfig& c) {
  if (c.storage_type != "local") {
    return InvalidRequest("storage_type \"" + c.storage_type +
                          "\" is not supported: only \"local\" is (snapshots written to a "
                          "directory of the server)");
  }
  if (c.interval < kAutoSnapshotMinInterval) {
    return InvalidRequest("interval must be at least " +
                          std::to_string(kAutoSnapshotMinInterval.count()) + "s");
  }
  if (c.retain < 1) return InvalidRequest("retain must be at least 1");
  if (c.local_max_space < 0) return InvalidRequest("local_max_space must not be negative");
  if (c.path_prefix.empty()) return InvalidRequest("path_prefix is required");
  if (c.path_prefix[0] != '/') {
    return InvalidRequest("path_prefix must be an absolute directory path");
  }
  if (c.file_prefix.empty()) return InvalidRequest("file_prefix must not be empty");
  if (c.file_prefix.find('/') != std::string::npos || c.file_prefix.starts_with('.')) {
    return InvalidRequest("file_prefix must be a file name prefix (no '/', not starting with '.')");
  }
  return OkStatus();
}

Status AutoSnapshots::Start() {
  Stop();
  std::map<std::string, Entry> loaded;
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        storage_.List(std::string(kAutoSnapshotConfigPrefix)));
  const auto now = Clock::now();
  for (const auto& name : names) {
    if (name.ends_with('/')) continue;
    ARCA_ASSIGN_OR_RETURN(auto raw,
                          logical::GetJson(storage_, std::string(kAutoSnapshotConfigPrefix) + name));
    if (!raw || !raw->is_object()) continue;
    auto config = AutoSnapshotConfig::FromJson(raw->as_object());
    if (!config) {
      spdlog::error("snapshot-auto: configuration {} is unreadable: {}", name,
                    config.error().message());
      continue;
    }
    Entry e;
    e.config = std::move(*config);
    e.next = now + e.config.interval;
    // Continue the schedule of the files already there (a restart or a failover).
    if (auto files = OwnFiles(e.config); files && !files->empty()) {
      auto newest = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
          std::chrono::nanoseconds(files->back().stamp)));
      e.next = std::max(now, newest + e.config.interval);
    }
    e.status.next_snapshot_start = e.next;
    loaded.emplace(name, std::move(e));
  }
  {
    std::lock_guard lock(mu_);
    entries_ = std::move(loaded);
    stop_ = false;
    running_ = true;
  }
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void AutoSnapshots::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
  entries_.clear();
}

Status AutoSnapshots::Put(const std::string& name, const AutoSnapshotConfig& config) {
  ARCA_RETURN_IF_ERROR(Validate(config));
  // Two configurations writing the same files would delete each other's snapshots.
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> names, List());
  for (const auto& other : names) {
    if (other == name) continue;
    auto c = Get(other);
    if (c && TrimSlashes(c->path_prefix) == TrimSlashes(config.path_prefix) &&
        c->file_prefix == config.file_prefix) {
      return InvalidRequest("configuration \"" + other +
                            "\" already writes snapshots with this path_prefix and file_prefix");
    }
  }
  ARCA_RETURN_IF_ERROR(
      logical::PutJson(storage_, std::string(kAutoSnapshotConfigPrefix) + name, config.ToJson()));
  {
    std::lock_guard lock(mu_);
    if (running_) {
      Entry& e = entries_[name];
      e.config = config;
      e.next = Clock::now() + config.interval;
      e.status.next_snapshot_start = e.next;
      ++e.generation;
    }
  }
  cv_.notify_all();
  return OkStatus();
}

Result<AutoSnapshotConfig> AutoSnapshots::Get(const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto raw,
                        logical::GetJson(storage_, std::string(kAutoSnapshotConfigPrefix) + name));
  if (!raw || !raw->is_object()) return NotFound("no snapshot-auto configuration named " + name);
  return AutoSnapshotConfig::FromJson(raw->as_object());
}

Status AutoSnapshots::Delete(const std::string& name) {
  ARCA_RETURN_IF_ERROR(storage_.Delete(std::string(kAutoSnapshotConfigPrefix) + name));
  {
    std::lock_guard lock(mu_);
    entries_.erase(name);
    last_success_.erase(name);
  }
  cv_.notify_all();
  return OkStatus();
}

Result<std::vector<std::string>> AutoSnapshots::List() {
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        storage_.List(std::string(kAutoSnapshotConfigPrefix)));
  std::vector<std::string> out;
  for (auto& n : names) {
    if (!n.ends_with('/')) out.push_back(std::move(n));
  }
  return out;
}

Result<AutoSnapshotStatus> AutoSnapshots::GetStatus(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(name); it != entries_.end()) return it->second.status;
  }
  ARCA_RETURN_IF_ERROR(Get(name));  // NotFound for an unknown name
  return AutoSnapshotStatus{};
}

void AutoSnapshots::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    // The configuration due first.
    std::string due;
    Clock::time_point when = Clock::time_point::max();
    for (const auto& [name, e] : entries_) {
      if (e.next < when) {
        when = e.next;
        due = name;
      }
    }
    if (due.empty()) {
      cv_.wait(lock);
      continue;
    }
    if (Clock::now() < when) {
      cv_.wait_until(lock, when);
      continue;  // re-evaluate: stopped, or configurations changed
    }
    Entry& e = entries_.at(due);
    const AutoSnapshotConfig config = e.config;
    const uint64_t generation = e.generation;
    const auto start = Clock::now();
    e.status.snapshot_start = start;
    e.status.snapshot_url.clear();
    lock.unlock();
    auto url = TakeSnapshot(config, start);
    const auto end = Clock::now();
    lock.lock();
    auto it = entries_.find(due);
    if (it == entries_.end()) continue;  // deleted meanwhile
    Entry& done = it->second;
    AutoSnapshotStatus& st = done.status;
    if (url) {
      st.consecutive_errors = 0;
      st.last_snapshot_error.clear();
      st.last_snapshot_start = start;
      st.last_snapshot_end = end;
      st.last_snapshot_url = *url;
      st.snapshot_url = *url;
      last_success_[due] =
          std::chrono::duration<double>(end.time_since_epoch()).count();
    } else {
      ++st.consecutive_errors;
      st.last_snapshot_error = url.error().message();
      SaveErrors(due).Add();
      spdlog::error("snapshot-auto: snapshot for configuration {} failed: {}", due,
                    url.error().message());
    }
    if (done.generation == generation) {
      // The next one an interval after this one started (not drifting by its duration), but
      // never in the past.
      done.next = std::max(start + config.interval, end);
      st.next_snapshot_start = done.next;
    }
  }
}

Result<std::string> AutoSnapshots::TakeSnapshot(const AutoSnapshotConfig& c,
                                                Clock::time_point start) {
  storage::Snapshottable* source = physical_.AsSnapshottable();
  if (source == nullptr) {
    return Unsupported("storage type \"" + std::string(physical_.Type()) +
                       "\" does not support snapshots");
  }
  const std::string dir = TrimSlashes(c.path_prefix);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  const std::string name = c.file_prefix + "-" + std::to_string(UnixNanos(start)) + ".snap";
  const std::string final_path = dir + "/" + name;
  const std::string tmp_path = dir + "/." + name + ".tmp";

  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Internal(Errno("cannot create", tmp_path));
  auto fail = [&](std::string msg) -> Result<std::string> {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp_path.c_str());
    return Internal(std::move(msg));
  };
  auto meta = storage::snapshot::Write(*source, physical_.Type(), fd);
  if (!meta) return fail("snapshot failed: " + meta.error().message());
  if (::fsync(fd) != 0) return fail(Errno("cannot fsync", tmp_path));
  struct stat st{};
  if (::fstat(fd, &st) != 0) return fail(Errno("cannot stat", tmp_path));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (::close(fd) != 0) {
    fd = -1;
    return fail(Errno("cannot close", tmp_path));
  }
  fd = -1;

  ARCA_ASSIGN_OR_RETURN(std::vector<OwnFile> files, OwnFiles(c));
  if (c.local_max_space > 0) {
    // The space the kept files and the new one would use once retention has run.
    uint64_t used = size;
    const size_t keep = static_cast<size_t>(c.retain - 1);
    for (size_t i = files.size() > keep ? files.size() - keep : 0; i < files.size(); ++i) {
      used += files[i].size;
    }
    if (used > static_cast<uint64_t>(c.local_max_space)) {
      return fail("snapshot of " + std::to_string(size) + " bytes does not fit in local_max_space (" +
                  std::to_string(c.local_max_space) + " bytes; the kept snapshots and this one need " +
                  std::to_string(used) + ")");
    }
  }
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    return fail(Errno("cannot rename to", final_path));
  }
  ARCA_RETURN_IF_ERROR(FsyncDir(dir));

  // Retention: the newest `retain` of this configuration's files stay.
  ARCA_ASSIGN_OR_RETURN(files, OwnFiles(c));
  const size_t retain = static_cast<size_t>(c.retain);
  for (size_t i = 0; i + retain < files.size(); ++i) {
    if (::unlink(files[i].path.c_str()) != 0 && errno != ENOENT) {
      spdlog::warn("snapshot-auto: cannot delete old snapshot {}: {}", files[i].path,
                   std::strerror(errno));
    }
  }
  return "file://" + final_path;
}

}  // namespace arca::core
