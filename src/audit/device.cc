#include "audit/device.h"

#include "common/blocking.h"

namespace arca::audit {

Device::Device(std::unique_ptr<Sink> sink, std::chrono::milliseconds write_timeout)
    : write_timeout_(write_timeout),
      inline_(sink->WritesInline()),
      state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
  if (!inline_) writer_ = std::thread(&Device::Run, state_);
}

template <typename Fn>
Status Device::WithSink(Fn&& fn) {
  std::unique_lock lock(state_->write_mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    BlockingScope blocking;  // another write is in progress, perhaps a stuck one
    if (!lock.try_lock_for(write_timeout_)) {
      return Internal("audit device timed out after " + std::to_string(write_timeout_.count()) +
                      "ms");
    }
  }
  if (state_->closed) return Internal("audit device closed");
  return fn(*state_->sink);
}

Device::~Device() { Close(); }

void Device::Run(std::shared_ptr<State> s) {
  std::unique_lock lock(s->mu);
  while (true) {
    s->cv.wait(lock, [&] { return s->stop || !s->queue.empty(); });
    if (s->stop) break;
    Item item = std::move(s->queue.front());
    s->queue.pop_front();
    lock.unlock();
    Status st = item.reopen ? s->sink->Reopen() : s->sink->Write(item.line);
    item.ack.set_value(std::move(st));
    lock.lock();
  }
  // Fail what is left, then release the sink.
  std::deque<Item> left = std::move(s->queue);
  s->queue.clear();
  lock.unlock();
  for (auto& item : left) item.ack.set_value(Internal("audit device closed"));
  s->sink->Close();
  lock.lock();
  s->done = true;
  s->done_cv.notify_all();
}

Device::Ticket Device::Enqueue(Item item) {
  Ticket t;
  t.deadline = std::chrono::steady_clock::now() + write_timeout_;
  std::lock_guard lock(state_->mu);
  if (state_->stop) {
    t.immediate = Internal("audit device closed");
    return t;
  }
  if (state_->queue.size() >= kMaxQueue) {
    t.immediate = Internal("audit device queue full, entry dropped");
    return t;
  }
  t.ack = item.ack.get_future();
  state_->queue.push_back(std::move(item));
  state_->cv.notify_one();
  return t;
}

Device::Ticket Device::Submit(std::string line) {
  if (inline_) {
    Ticket t;
    t.immediate = WithSink([&](Sink& sink) { return sink.Write(line); });
    return t;
  }
  Item item;
  item.line = std::move(line);
  return Enqueue(std::move(item));
}

Status Device::Wait(Ticket& t) {
  if (!t.ack.valid()) return t.immediate;
  if (t.ack.wait_until(t.deadline) != std::future_status::ready) {
    return Internal("audit device timed out after " + std::to_string(write_timeout_.count()) +
                    "ms");
  }
  return t.ack.get();
}

Status Device::Log(std::string line) {
  Ticket t = Submit(std::move(line));
  return Wait(t);
}

Status Device::Reopen() {
  if (inline_) return WithSink([](Sink& sink) { return sink.Reopen(); });
  Item item;
  item.reopen = true;
  Ticket t = Enqueue(std::move(item));
  return Wait(t);
}

void Device::Close() {
  std::call_once(closed_, [this] {
    if (inline_) {
      // A write stuck in the kernel keeps the lock: then the sink is left to it (the state,
      // and the sink with it, lives until the last shared_ptr is gone).
      std::unique_lock lock(state_->write_mu, std::defer_lock);
      if (lock.try_lock_for(write_timeout_ + std::chrono::seconds(1))) {
        state_->closed = true;
        state_->sink->Close();
      }
      return;
    }
    std::unique_lock lock(state_->mu);
    state_->stop = true;
    state_->cv.notify_all();
    bool finished = state_->done_cv.wait_for(lock, write_timeout_ + std::chrono::seconds(1),
                                             [&] { return state_->done; });
    lock.unlock();
    if (finished) {
      writer_.join();
    } else {
      writer_.detach();  // stuck in the kernel; it owns `state_` through its shared_ptr
    }
  });
}

}  // namespace arca::audit
