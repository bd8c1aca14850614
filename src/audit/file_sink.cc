#include "audit/file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace arca::audit {
namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace

FileSink::FileSink(FileSinkOptions options) : options_(std::move(options)) {
  if (options_.rotate_max_files < 1) options_.rotate_max_files = 1;
}

FileSink::~FileSink() { Close(); }

std::chrono::system_clock::time_point FileSink::Now() const {
  return options_.now ? options_.now() : std::chrono::system_clock::now();
}

Status FileSink::Open() {
  if (fd_ >= 0) return OkStatus();
  if (options_.path == "discard") return OkStatus();
  if (options_.path == "stdout") {
    fd_ = STDOUT_FILENO;
    return OkStatus();
  }
  // regular_only: O_NONBLOCK so that a FIFO put in the file's place fails (ENXIO) or is
  // refused below instead of blocking until it has a reader; regular files ignore the flag.
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY;
  if (options_.regular_only) flags |= O_NONBLOCK;
  int fd = ::open(options_.path.c_str(), flags, options_.mode == 0 ? 0600 : options_.mode);
  if (fd < 0) return InvalidRequest(Errno("failed to open audit file", options_.path));
  struct stat st {};
  if (options_.regular_only && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
    ::close(fd);
    return InvalidRequest("failed to open audit file " + options_.path +
                          ": not a regular file");
  }
  if (options_.check_opened) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    std::error_code ec;
    std::string real = std::filesystem::read_symlink(link, ec).string();
    Status ok = ec ? InvalidRequest("failed to resolve audit file " + options_.path + ": " +
                                    ec.message())
                   : options_.check_opened(real);
    if (!ok) {
      ::close(fd);
      return ok;
    }
  }
  if (options_.mode != 0 && ::fchmod(fd, static_cast<mode_t>(options_.mode)) != 0) {
    std::string msg = Errno("failed to set the mode of audit file", options_.path);
    ::close(fd);
    return InvalidRequest(msg);
  }
  size_ = ::fstat(fd, &st) == 0 ? st.st_size : 0;
  opened_at_ = Now();
  fd_ = fd;
  return OkStatus();
}

bool FileSink::WritesInline() const {
  if (options_.path == "discard") return true;
  if (options_.path == "stdout") return false;
  struct stat st {};
  if (::stat(options_.path.c_str(), &st) != 0) return errno == ENOENT;
  return S_ISREG(st.st_mode);
}

void FileSink::Close() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
  fd_ = -1;
}

Status FileSink::Reopen() {
  Close();
  Status st = Open();
  if (!st) return Internal(st.error().message());
  return st;
}

Status FileSink::Rotate() {
  Close();
  const std::string& p = options_.path;
  int n = options_.rotate_max_files;
  ::unlink((p + "." + std::to_string(n)).c_str());
  for (int i = n - 1; i >= 1; --i) {
    ::rename((p + "." + std::to_string(i)).c_str(), (p + "." + std::to_string(i + 1)).c_str());
  }
  if (::rename(p.c_str(), (p + ".1").c_str()) != 0 && errno != ENOENT) {
    return Internal(Errno("failed to rotate audit file", p));
  }
  Status st = Open();
  if (!st) return Internal(st.error().message());
  return st;
}

Status FileSink::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = Errno("failed to write audit file", options_.path);
      Close();  // reopened on the next write
      return Internal(msg);
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_ += n;
  }
  return OkStatus();
}

Status FileSink::Write(std::string_view line) {
  if (options_.path == "discard") return OkStatus();
  if (fd_ < 0) {
    Status st = Open();
    if (!st) return Internal(st.error().message());
  }
  if (fd_ != STDOUT_FILENO) {
    bool by_size = options_.rotate_bytes > 0 && size_ > 0 &&
                   size_ + static_cast<int64_t>(line.size()) > options_.rotate_bytes;
    bool by_age =
        options_.rotate_interval.count() > 0 && Now() - opened_at_ >= options_.rotate_interval;
    if (by_size || by_age) ARCA_RETURN_IF_ERROR(Rotate());
  }
  return WriteAll(line);
}

}  // namespace arca::audit
