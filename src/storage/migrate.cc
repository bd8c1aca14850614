#include "storage/migrate.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/json.h"
#include "storage/keys.h"

namespace arca::storage {
namespace {

// Depth-first walk of `backend` in ascending key order, calling `leaf` for every key at or after
// `start`; a folder whose keys all sort before `start` is not listed. `leaf` returns false to
// stop the walk (then Walk returns OK).
Status Walk(Backend& backend, std::string_view start,
            const std::function<Result<bool>(const std::string& key)>& leaf) {
  std::vector<std::string> stack = {""};
  while (!stack.empty()) {
    std::string key = std::move(stack.back());
    stack.pop_back();
    if (!key.empty() && !key.ends_with('/')) {
      ARCA_ASSIGN_OR_RETURN(bool more, leaf(key));
      if (!more) return OkStatus();
      continue;
    }
    ARCA_ASSIGN_OR_RETURN(std::vector<std::string> children, backend.List(key));
    std::sort(children.begin(), children.end());
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      if (it->empty()) continue;
      std::string child = key + *it;
      if (child.ends_with('/')) {
        // Every key inside sorts before the folder's skip key.
        if (!start.empty() && FolderSkipKey(key, *it) <= start) continue;
      } else if (child < start) {
        continue;
      }
      stack.push_back(std::move(child));
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::optional<std::string>> MigrationInProgress(Backend& backend) {
  ARCA_ASSIGN_OR_RETURN(std::optional<std::string> raw, backend.Get(kMigrationKey));
  if (!raw) return std::optional<std::string>();
  auto obj = ParseJsonObject(*raw);
  if (!obj) {
    return InvalidRequest("storage entry " + std::string(kMigrationKey) +
                          " is not a migration marker: " + obj.error().message());
  }
  auto start = GetStringField(*obj, "start");
  if (!start || !*start) {
    return InvalidRequest("storage entry " + std::string(kMigrationKey) +
                          " is not a migration marker: no \"start\" string");
  }
  return std::optional<std::string>(std::move(**start));
}

Status SetMigrationMarker(Backend& backend, std::string_view start) {
  json::object o;
  o["start"] = std::string(start);
  return backend.Put(kMigrationKey, ToJson(o));
}

Status ClearMigrationMarker(Backend& backend) { return backend.Delete(kMigrationKey); }

bool SkippedByMigration(std::string_view key) {
  if (key == kMigrationKey || key == kCoreLockKey) return true;
  return key.size() > kCoreLockKey.size() && key.starts_with(kCoreLockKey) &&
         key[kCoreLockKey.size()] == '/';
}

Result<std::optional<std::string>> FirstKeyFrom(Backend& backend, std::string_view start) {
  std::optional<std::string> found;
  ARCA_RETURN_IF_ERROR(Walk(backend, start, [&](const std::string& key) -> Result<bool> {
    found = key;
    return false;
  }));
  return found;
}

Result<MigrateStats> CopyEntries(Backend& from, Backend& to, const MigrateOptions& options) {
  MigrateStats stats;
  // Copies one key; called by one thread at a time per key.
  auto copy_one = [&](const std::string& key) -> Result<std::optional<size_t>> {
    ARCA_ASSIGN_OR_RETURN(std::optional<std::string> value, from.Get(key));
    if (!value) return std::optional<size_t>();  // deleted since it was listed
    Status s = to.Put(key, *value);
    if (!s) {
      return MakeError(s.error().kind(),
                       "writing " + key + " to the destination: " + s.error().message());
    }
    return std::optional<size_t>(value->size());
  };

  if (options.max_parallel <= 1) {
    ARCA_RETURN_IF_ERROR(
        Walk(from, options.start, [&](const std::string& key) -> Result<bool> {
          if (SkippedByMigration(key)) return true;
          if (options.stop && options.stop()) {
            stats.stopped = true;
            return false;
          }
          ARCA_ASSIGN_OR_RETURN(std::optional<size_t> n, copy_one(key));
          if (n) {
            ++stats.copied;
            stats.bytes += *n;
            if (options.on_copied) options.on_copied(key);
          }
          return true;
        }));
    return stats;
  }

  // The walk produces keys into a bounded queue; max_parallel workers copy them.
  std::mutex mu;
  std::condition_variable have_work, have_room;
  std::deque<std::string> queue;
  bool walk_done = false;
  std::optional<Error> failure;  // the first error; stops everything
  const size_t max_queued = 4 * static_cast<size_t>(options.max_parallel);

  auto worker = [&] {
    for (;;) {
      std::string key;
      {
        std::unique_lock lock(mu);
        have_work.wait(lock, [&] { return !queue.empty() || walk_done || failure; });
        if (failure || queue.empty()) return;
        key = std::move(queue.front());
        queue.pop_front();
      }
      have_room.notify_one();
      auto n = copy_one(key);
      std::unique_lock lock(mu);
      if (!n) {
        if (!failure) failure = n.error();
        have_work.notify_all();
        have_room.notify_all();
        return;
      }
      if (*n) {
        ++stats.copied;
        stats.bytes += **n;
        if (options.on_copied) options.on_copied(key);
      }
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(options.max_parallel);
  for (int i = 0; i < options.max_parallel; ++i) workers.emplace_back(worker);

  Status walked = Walk(from, options.start, [&](const std::string& key) -> Result<bool> {
    if (SkippedByMigration(key)) return true;
    if (options.stop && options.stop()) {
      stats.stopped = true;  // the workers are idle or copying, never touching `stopped`
      return false;
    }
    std::unique_lock lock(mu);
    have_room.wait(lock, [&] { return queue.size() < max_queued || failure; });
    if (failure) return false;
    queue.push_back(key);
    have_work.notify_one();
    return true;
  });
  {
    std::lock_guard lock(mu);
    walk_done = true;
    if (!walked && !failure) failure = walked.error();
  }
  have_work.notify_all();
  for (auto& t : workers) t.join();
  if (failure) return std::unexpected(*failure);
  return stats;
}

}  // namespace arca::storage
