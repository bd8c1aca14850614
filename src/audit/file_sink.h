// audit::FileSink: the `file` device's writer. Appends lines to a file (O_APPEND, one write(2)
// per line, so the line is with the OS when Write returns; no fsync, as in Vault), or to stdout,
// or nowhere ("discard").
//
// Beyond Vault: rotation. When rotate_bytes > 0 and the next line would take the file past it,
// or rotate_interval > 0 and the file is older than that, the file is renamed to "<path>.1"
// (older ones shift to .2, .3, ...; those past rotate_max_files are deleted) and a new file is
// started.
//
// Thread-safety: none; used by one Device writer at a time (Open may be called before that).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "audit/device.h"

namespace arca::audit {

struct FileSinkOptions {
  std::string path;          // a file path, "stdout" or "discard"
  int mode = 0600;           // applied with fchmod on open; 0 = leave the permissions alone
  int64_t rotate_bytes = 0;  // 0 = no size rotation
  std::chrono::seconds rotate_interval{0};                     // 0 = no age rotation
  int rotate_max_files = 10;                                   // rotated files kept (>= 1)
  bool regular_only = false;  // Open fails when the path is not a regular file (after open)
  // Called on every open (enable, unseal, SIGHUP reopen, rotation) with the real path of the
  // file that was opened (/proc/self/fd); an error closes it unwritten and fails the open. It
  // catches a path swapped for a symlink into a refused directory after the device was enabled.
  std::function<Status(const std::string& real_path)> check_opened;
  std::function<std::chrono::system_clock::time_point()> now;  // clock; null = system clock
};

class FileSink : public Sink {
 public:
  explicit FileSink(FileSinkOptions options);
  ~FileSink() override;

  // Opens (creating) the file now: the test run when a device is enabled. Error if it cannot.
  Status Open();
  Status Write(std::string_view line) override;
  Status Reopen() override;
  void Close() override;
  // Regular files (and "discard") are written inline; stdout and other special files (a FIFO
  // whose reader may stall) go through the Device's writer thread. Decided from the path as it
  // is when called; a missing path will be created as a regular file.
  bool WritesInline() const override;

 private:
  std::chrono::system_clock::time_point Now() const;
  Status Rotate();
  Status WriteAll(std::string_view data);

  FileSinkOptions options_;
  int fd_ = -1;
  int64_t size_ = 0;
  std::chrono::system_clock::time_point opened_at_{};
};

}  // namespace arca::audit
