#include "storage/lmdb/group_commit.h"

#include <utility>

#include "common/blocking.h"

namespace arca::storage {

GroupCommitter::GroupCommitter(ApplyFn apply, size_t max_ops, size_t max_bytes)
    : apply_(std::move(apply)), max_ops_(max_ops), max_bytes_(max_bytes) {}

Status GroupCommitter::Submit(std::span<const Operation> ops) {
  // Waiting for the group's fsync: let a thread pool run something else meanwhile.
  BlockingScope blocking;
  Writer self;
  self.ops = ops;
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return std::move(self.status);

  // Leader: gather a group from the head of the queue.
  std::vector<Writer*> group;
  size_t n_ops = 0, n_bytes = 0;
  for (Writer* w : queue_) {
    size_t bytes = 0;
    for (const Operation& op : w->ops) bytes += op.key.size() + op.value.size();
    if (!group.empty() && (n_ops + w->ops.size() > max_ops_ || n_bytes + bytes > max_bytes_)) {
      break;
    }
    group.push_back(w);
    n_ops += w->ops.size();
    n_bytes += bytes;
  }
  lock.unlock();

  std::vector<std::span<const Operation>> spans;
  spans.reserve(group.size());
  for (Writer* w : group) spans.push_back(w->ops);
  std::vector<Status> results(group.size());
  apply_(spans, results);

  lock.lock();
  ++groups_;
  writers_ += group.size();
  for (size_t i = 0; i < group.size(); ++i) {
    queue_.pop_front();  // the group is exactly the first group.size() entries
    Writer* w = group[i];
    w->status = std::move(results[i]);
    w->done = true;
    if (w != &self) w->cv.notify_one();  // under the lock: the waiter cannot vanish before this
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return std::move(self.status);
}

uint64_t GroupCommitter::groups() const {
  std::lock_guard lock(mu_);
  return groups_;
}

uint64_t GroupCommitter::writers() const {
  std::lock_guard lock(mu_);
  return writers_;
}

}  // namespace arca::storage
