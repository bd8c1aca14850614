// audit::Sink and audit::Device: where audit lines go, and the fail-fast wrapper around it.
//
// A Sink is the blocking writer of one device type (file, syslog, socket). It is used by one
// thread at a time: the device's writer thread, or (inline sinks) the caller holding the
// device's lock.
//
// A Device owns a Sink and writes its lines in one of two ways:
//   - Queued (sockets, syslog, stdout: sinks a slow reader can stall): a bounded queue and a
//     writer thread. Submit() enqueues a line and returns a Ticket; Wait() blocks until the
//     writer acknowledges the line (written and handed to the OS, no fsync) or until the
//     device's write_timeout since submission has passed. So a hung sink (peer not reading)
//     costs a caller at most write_timeout: on timeout the caller gets an error, but the line
//     stays queued and is written later if the sink recovers; when the queue is full
//     (kMaxQueue lines) Submit fails at once and the line is dropped.
//   - Inline (Sink::WritesInline: regular files): Submit() writes the line on the calling
//     thread under the device's lock, as Vault's file device does, with no hand-off to another
//     thread (two context switches per line otherwise). A caller that finds the lock held
//     waits for it at most write_timeout (inside a BlockingScope) and then fails with the line
//     dropped; only a write already inside a hung write(2) can take longer.
//
// Thread-safety: Submit, Wait, Log and Reopen may be called concurrently from any thread.
// Close() (or the destructor) stops the writer: it waits up to write_timeout + 1s for the
// current write to finish, then abandons (detaches) a writer stuck in the kernel; queued lines
// not yet written are failed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"

namespace arca::audit {

class Sink {
 public:
  virtual ~Sink() = default;
  // Writes one complete line (with its newline), opening or reconnecting first when needed.
  // Must not block much longer than the device's write_timeout where the OS allows it.
  virtual Status Write(std::string_view line) = 0;
  // Closes and reopens the destination (file: after log rotation by an external tool, SIGHUP).
  virtual Status Reopen() = 0;
  // Releases the destination (by the writer thread before it exits, or at Close when inline).
  virtual void Close() = 0;
  // True when a write cannot be held up by a reader (a regular file): the Device then writes
  // on the caller's thread instead of a writer thread. Fixed for the sink's lifetime.
  virtual bool WritesInline() const { return false; }
};

class Device {
 public:
  static constexpr size_t kMaxQueue = 1024;

  // `sink` must not be null. Starts the writer thread.
  Device(std::unique_ptr<Sink> sink, std::chrono::milliseconds write_timeout);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  struct Ticket {
    std::future<Status> ack;  // invalid when Submit failed at once
    Status immediate;         // the immediate failure (queue full, closed)
    std::chrono::steady_clock::time_point deadline;
  };

  // Queued: enqueues. Inline: writes now; the ticket holds the outcome.
  Ticket Submit(std::string line);
  // The outcome of a submitted line; an error on timeout ("audit device timed out").
  Status Wait(Ticket& ticket);
  // Submit + Wait.
  Status Log(std::string line);
  // Asks the writer to reopen the sink (queued behind pending lines); waits like Log.
  Status Reopen();
  void Close();

  std::chrono::milliseconds write_timeout() const { return write_timeout_; }
  // Inline mode (the sink WritesInline): Log runs on the caller's thread, without a hand-off.
  bool writes_inline() const { return inline_; }

 private:
  struct Item {
    bool reopen = false;
    std::string line;
    std::promise<Status> ack;
  };
  struct State {
    // Inline mode: serializes writes, Reopen and Close; the sink is used under it.
    std::timed_mutex write_mu;
    bool closed = false;  // inline mode; guarded by write_mu
    std::mutex mu;
    std::condition_variable cv;       // the writer waits for items or stop
    std::condition_variable done_cv;  // Close waits for the writer to exit
    std::deque<Item> queue;           // guarded by mu
    bool stop = false;                // guarded by mu
    bool done = false;                // guarded by mu
    std::unique_ptr<Sink> sink;       // used by the writer thread only
  };
  static void Run(std::shared_ptr<State> state);
  Ticket Enqueue(Item item);
  // Inline mode: takes write_mu (waiting at most write_timeout) and runs `fn` on the sink.
  template <typename Fn>
  Status WithSink(Fn&& fn);

  const std::chrono::milliseconds write_timeout_;
  const bool inline_;
  std::shared_ptr<State> state_;
  std::thread writer_;
  std::once_flag closed_;
};

}  // namespace arca::audit
