// audit::Sink and audit::Device: where audit lines go, and the fail-fast wrapper around it.
//
// A Sink is the blocking writer of one device type (file, syslog, socket). It is used by one
// thread only: the device's writer thread.
//
// A Device owns a Sink, a bounded queue and a writer thread. Submit() enqueues a line and returns
// a Ticket; Wait() blocks until the writer acknowledges the line (written and handed to the OS,
// no fsync) or until the device's write_timeout since submission has passed. So a hung sink
// (peer not reading, blocked disk) costs a caller at most write_timeout:
//   - on timeout the caller gets an error, but the line stays queued and is written later if
//     the sink recovers;
//   - when the queue is full (kMaxQueue lines) Submit fails at once and the line is dropped.
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
  // Releases the destination. Called on the writer thread before it exits.
  virtual void Close() = 0;
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

  Ticket Submit(std::string line);
  // The outcome of a submitted line; an error on timeout ("audit device timed out").
  Status Wait(Ticket& ticket);
  // Submit + Wait.
  Status Log(std::string line);
  // Asks the writer to reopen the sink (queued behind pending lines); waits like Log.
  Status Reopen();
  void Close();

  std::chrono::milliseconds write_timeout() const { return write_timeout_; }

 private:
  struct Item {
    bool reopen = false;
    std::string line;
    std::promise<Status> ack;
  };
  struct State {
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

  const std::chrono::milliseconds write_timeout_;
  std::shared_ptr<State> state_;
  std::thread writer_;
  std::once_flag closed_;
};

}  // namespace arca::audit
